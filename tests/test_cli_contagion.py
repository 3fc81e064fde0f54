"""The ``simulate`` and ``recommend`` commands: JSON keys of SPEC §9, clean errors, and
the demo county end to end in its three forms (CSV, xlsx, GBK)."""

from __future__ import annotations

import pytest

from graphrisk.params import TAIL_KEYS

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, run, run_json


def test_simulate_cascade_json(small):
    """SMALL, seed E1 (SPEC §6).  Round 0: E1's estate (100) pays 100/1000 of L1, so 900
    is short and G1 (E2, 800, 连带) is called 800 > E2's 50: E2 falls in round 1.
    Round 1: E2's obligations are L2 500 + 800 called; G2 (E1, 400 on L2) is called 400,
    so E1 owes 1000 + 400 and pays 100/1400 of each.  E2 pays 50/1300 of each: L2 is
    short 500 × 1250/1300 = 480.77, of which 80.77 is left for G3 (E3, 一般保证, no
    loan), called in round 2: 80.77 > 20, E3 falls in round 3; its estate pays 20 /
    (350 + 80.77) of each of its obligations, the rest of L3 is paid by P1."""
    data = run_json("simulate", small, "--default", "E1")
    assert {"defaults", "losses", "guarantees", "loans", "rounds", "warnings"} <= set(data)
    assert [(d["id"], d["round"], d["seed"]) for d in data["defaults"]] == \
        [("E1", 0, True), ("E2", 1, False), ("E3", 3, False)]
    assert all({"id", "name", "round", "seed", "coverage"} <= set(d) for d in data["defaults"])
    assert set(data["losses"]) >= {"total", "by_lender", "estate", "shortfall"}
    rho1, rho2, rho3 = 100 / 1400, 50 / 1300, 20 / (350 + 500 * 1250 / 1300 - 400)
    s2 = 500 * (1 - rho2)
    calls = {g["id"]: (g["type"], g["call"], g["paid"]) for g in data["guarantees"]}
    assert calls["G1"] == ("joint_several", 800, pytest.approx(800 * rho2))
    assert calls["G2"] == ("joint_several", 400, pytest.approx(400 * rho1))
    assert calls["G3"] == ("general", pytest.approx(s2 - 400), pytest.approx((s2 - 400) * rho3))
    assert calls["G4"][1] == pytest.approx(300 * (1 - rho3))
    l1 = 1000 * (1 - rho1) - 800 * rho2
    l2 = s2 - 400 * rho1 - (s2 - 400) * rho3
    assert data["losses"]["by_lender"] == pytest.approx({"B1": l1 + l2, "M1": 50 * (1 - rho3),
                                                         "B2": 0})
    assert data["losses"]["total"] == pytest.approx(1393.93, abs=0.01)
    assert data["rounds"] == 3


def test_simulate_from_status_table_and_csv(small, tmp_path):
    r = run("simulate", small, "--from-status")
    assert r.exit_code == 0, r.output
    assert "丙公司" in r.stdout and "lenders' loss" in r.stdout
    out = tmp_path / "d.csv"
    assert run("simulate", small, "--from-status", "--format", "csv", "-o", out).exit_code == 0
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id 编号,name 名称,") and "E3" in text


def test_simulate_capacity_option(small):
    # P1 (a person) guarantees 300 of E3's loan: with a capacity of 100 it defaults
    data = run_json("simulate", small, "--default", "E3", "--capacity", "P1=100")
    assert [d["id"] for d in data["defaults"]] == ["E3", "P1"]
    r = run("simulate", small, "--default", "E3", "--capacity", "P1")
    assert r.exit_code == 2 and "ID=AMOUNT" in r.output


@pytest.mark.parametrize("args, message", [
    (("--default", "NOPE"), "unknown entity"),
    ((), "no seed default"),
    (("--default", "E1", "--recovery", "2"), "recovery must be in [0, 1]"),
    (("--default", "E1", "--capacity", "E1=-5"), "must be >= 0"),
    (("--runs", "0"), "runs must be >= 1"),
])
def test_simulate_errors_are_clean(small, args, message):
    r = run("simulate", small, *args)
    assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output


def test_simulate_monte_carlo_json(small):
    data = run_json("simulate", small, "--runs", "300", "--seed", "9")
    assert {"runs", "seed", "expected_loss", "tail", "by_lender", "entities"} <= set(data)
    assert data["runs"] == 300 and data["seed"] == 9 and set(data["tail"]) == set(TAIL_KEYS)
    assert all({"id", "pd", "network_pd", "systemic_importance"} <= set(e)
               for e in data["entities"])
    assert all({"lender_id", "expected_loss", *TAIL_KEYS} <= set(b) for b in data["by_lender"])
    assert data == run_json("simulate", small, "--runs", "300", "--seed", "9")
    for jobs in ("1", "2"):  # the same numbers in one process or two
        assert data == run_json("simulate", small, "--runs", "300", "--seed", "9", "--jobs", jobs)
    top = run_json("simulate", small, "--runs", "300", "--seed", "9", "--top", "2")
    assert top["entities"] == data["entities"][:2]
    dr = run_json("simulate", small, "--runs", "300", "--seed", "9", "--model", "debtrank")
    assert dr["model"] == "debtrank" and dr["expected_loss"] == data["expected_loss"]
    r = run("simulate", small, "--runs", "100")
    assert r.exit_code == 0 and "expected loss" in r.stdout and "VAR99" in r.stdout


def test_recommend_json_and_errors(small):
    data = run_json("recommend", small, "--budget", "2", "--runs", "200", "--seed", "1")
    assert {"actions", "baselines", "loss_before", "loss_after"} <= set(data)
    assert set(data["baselines"]) == {"random", "largest_amount", "betweenness"}
    assert data["loss_after"] <= data["loss_before"]
    assert data == run_json("recommend", small, "--budget", "2", "--runs", "200", "--seed", "1",
                            "--jobs", "2")
    r = run("recommend", small, "--budget", "2", "--strategies", "replace,magic")
    assert r.exit_code == 1 and "unknown strategy 'magic'" in r.output
    r = run("recommend", small, "--budget", "-1")
    assert r.exit_code == 1 and "budget must be >= 0" in r.output
    assert run("recommend", small).exit_code == 2  # --budget is required


def test_help_has_examples():
    for name in ("simulate", "recommend"):
        r = run(name, "--help")
        assert r.exit_code == 0 and "Example:" in r.output


# ------------------------------------------------------------------ the demo county
FORMS = [DEMO, DEMO_XLSX, DEMO_GBK]


def ids_by_name(data, word):
    return [d["id"] for d in data["defaults"] if word in d["name"]]


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_demo_cascades_as_documented(path):
    """The demo at its declared date 2026-03-31, where G005, G006, G012 and G014 have
    ended.  Seed 置业 (net assets 2,500, loans 5,600): its estate pays 2,500/5,600 of
    each loan first (SPEC §6 step 1), so 电器 is called 1,107.14 on L032 (G017) and 五金
    996.43 on L033 (G013); both fall in round 1.  Without G012 (机械 → 五金, ended
    2025-11-30) nobody is called on 五金's L044, so 机械 and 商砼 survive; 水泥's 一般保证
    G015 (500, no loan) is called in full and 电子 pays 600 on 电器's L046 (G018).  The
    loss is the three fallen firms' loans 7,700 less their estates 3,600 and the
    survivors' 500 + 600: 3,000.  Seed 玻璃 (net assets 120, loans 1,000) leaves 880
    unpaid and, G006 (饮料 → 玻璃) having ended 2025-08-17, nobody is called.  Seed 水泥
    → nobody."""
    zhiye = run_json("summary", path)  # the summary proves the form loads
    assert zhiye
    data = run_json("simulate", path, "--default", "91331122MA28B9P05X")
    rounds = {d["name"]: d["round"] for d in data["defaults"]}
    assert rounds == {"青山置业有限公司": 0, "青山五金有限公司": 1, "青山电器有限公司": 1}
    calls = {g["id"]: g["call"] for g in data["guarantees"]}
    assert calls == pytest.approx({"G013": 1800 * (1 - 2500 / 5600),
                                   "G017": 2000 * (1 - 2500 / 5600), "G015": 500, "G018": 600})
    assert data["losses"]["total"] == pytest.approx(7700 - 3600 - 500 - 600)
    data = run_json("simulate", path, "--default", "91331122MA2C1M4R7M")
    assert [d["name"] for d in data["defaults"]] == ["青山玻璃制品有限公司"]
    assert data["guarantees"] == [] and data["losses"]["total"] == pytest.approx(880)
    data = run_json("simulate", path, "--default", "91331122704505776C")
    assert len(data["defaults"]) == 1 and data["rounds"] == 0


def test_demo_cascades_with_the_expired_guarantees():
    """``--include-expired`` keeps the six ended guarantees (as 0.1.0 read the demo).
    Seed 置业 → round 1 五金 and 电器, round 2 机械 (called 685.52 on 五金's L044 through
    G012), round 3 商砼; 水泥 is called 856.88 (599.81 on G010, 257.07 on its 一般保证
    G015, which pays only what G012 left).  Seed 玻璃 → 饮料 in round 1, 酒业 survives:
    玻璃 leaves 880 unpaid, 528 of L053 is called on 饮料 (G006, capacity 250), who falls;
    饮料's estate pays 250 / (900 + 528) of L051 (700), so 酒业 is called 577.45 (G005)."""
    data = run_json("simulate", DEMO, "--default", "91331122MA28B9P05X", "--include-expired")
    rounds = {d["name"]: d["round"] for d in data["defaults"]}
    assert rounds == {"青山置业有限公司": 0, "青山五金有限公司": 1, "青山电器有限公司": 1,
                      "青山机械制造有限公司": 2, "青山商砼有限公司": 3}
    called = {}
    for g in data["guarantees"]:
        called[g["guarantor_name"]] = called.get(g["guarantor_name"], 0) + g["call"]
    assert called["青山水泥有限公司"] == pytest.approx(856.88, abs=0.01)
    assert data["losses"]["total"] == pytest.approx(4243.12, abs=0.01)
    data = run_json("simulate", DEMO, "--default", "91331122MA2C1M4R7M", "--include-expired")
    assert [d["name"] for d in data["defaults"]] == ["青山玻璃制品有限公司", "青山饮料有限公司"]
    assert sum(g["call"] for g in data["guarantees"] if g["guarantor_name"] == "青山酒业有限公司") \
        == pytest.approx(700 * (1 - 250 / (900 + 528)))


def test_demo_forms_agree():
    mc = [run_json("simulate", p, "--runs", "200", "--seed", "3") for p in FORMS]
    assert all(m["expected_loss"] == mc[0]["expected_loss"] and m["tail"] == mc[0]["tail"]
               for m in mc)
    rec = [run_json("recommend", p, "--budget", "2", "--runs", "200", "--seed", "3")
           for p in FORMS]
    assert all([a["description_en"] for a in r["actions"]] ==
               [a["description_en"] for a in rec[0]["actions"]] for r in rec)


EXPIRED = {"G005", "G006", "G012", "G014", "G027", "G031"}


def test_demo_recommend_acts_only_on_live_guarantees():
    """Issue #16: "on the demo at 2026-03-31 … `recommend` acts only on live guarantees".
    Read undated, its first two actions capped G012 (ended 2025-11-30) and G006 (ended
    2025-08-17); at the declared date none of the six ended guarantees is an action or a
    baseline's pick, and the plan starts with the cap of 商砼's G011 instead."""
    args = ("recommend", DEMO, "--budget", "5", "--seed", "1", "--runs", "300", "--jobs", "1")
    data = run_json(*args)
    picked = {g for a in data["actions"] for g in a["guarantee_ids"]}
    picked |= {g for b in data["baselines"].values() for g in b["guarantee_ids"]}
    assert picked and not picked & EXPIRED
    assert (data["actions"][0]["strategy"], data["actions"][0]["guarantee_id"]) == ("cap", "G011")
    kept = run_json(*args, "--include-expired")
    assert [a["guarantee_id"] for a in kept["actions"][:2]] == ["G012", "G006"]


def test_demo_recommend_table():
    r = run("recommend", DEMO, "--budget", "2", "--runs", "200", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "baselines" in r.stdout and "largest_amount" in r.stdout and "plan 方案" in r.stdout


def test_empty_graph(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\nE2,b\n")
    data = run_json("simulate", path, "--default", "E1")
    assert data["losses"]["total"] == 0 and data["rounds"] == 0 and data["guarantees"] == []
    data = run_json("simulate", path, "--runs", "50")
    assert data["expected_loss"] == 0 and data["by_lender"] == []
    assert data["tail"] == {k: 0.0 for k in TAIL_KEYS}
    data = run_json("recommend", path, "--budget", "3", "--runs", "50")
    assert data["actions"] == [] and data["baselines"]["random"]["actions"] == 0
