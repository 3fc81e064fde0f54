"""``graphrisk holdings``, ``owners`` and ``related`` end to end (CliRunner)."""

from __future__ import annotations

import json

import pytest

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, run
from .conftest import run_json as as_json

# ids of the demo county (datasets/README.md)
ZHANG_WEI = "P001"
KONGGU, GANGTIE, TEGANG, GANGGOU = ("91331122704512863R", "91331122704518921G",
                                    "91331122MA2HX3K416", "91331122MA2J0Q7L5Q")
FANGZHI, YINRAN = "91331122736952148B", "9133112274707215XX"
FORMS = [DEMO, DEMO_XLSX, DEMO_GBK]


# ------------------------------------------------------------------ small set
def test_holdings_json_keys(small):
    data = as_json("holdings", small, "P1")
    assert {"holder", "mode", "holdings"} <= data.keys()
    assert data["holder"] == "P1" and data["mode"] == "passthrough" and data["kind"] == "Person"
    first = data["holdings"][0]
    assert {"company_id", "share_pct", "name", "direct_pct", "paths"} <= first.keys()
    assert [(h["company_id"], h["share_pct"]) for h in data["holdings"]] == [
        ("E1", 60.0), ("E3", 40.0), ("E2", 30.0)]
    assert data["holdings"][1]["paths"][0] == {
        "nodes": ["P1", "E1", "E2", "E3"], "hops": [60.0, 30.0, 40.0], "share_pct": 40.0,
        "via": "E2", "via_pct": 30.0}


def test_holdings_modes_and_min_pct(small):
    data = as_json("holdings", small, "P1", "--mode", "multiply", "--min-pct", "10")
    assert [(h["company_id"], round(h["share_pct"], 6)) for h in data["holdings"]] == [
        ("E1", 60.0), ("E2", 18.0)]  # E3: 7.2 % < 10
    data = as_json("holdings", small, "P1", "--threshold", "70")
    assert [h["company_id"] for h in data["holdings"]] == ["E1"]


def test_owners_json_keys(small):
    data = as_json("owners", small, "E3")
    assert {"company", "mode", "owners", "beneficial_owners", "ultimate_controllers",
            "control_chain", "circular"} <= data.keys()
    assert [o["holder_id"] for o in data["owners"]] == ["E1", "E2", "P1"]


def test_unknown_ids_are_clean_errors(small):
    for args in (("holdings", small, "NOPE"), ("owners", small, "NOPE"),
                 ("owners", small, "P1")):
        r = run(*args)
        assert r.exit_code == 1, args
        assert "Traceback" not in r.output and "Error:" in r.output
    assert "is not an enterprise, person or institution" in run("holdings", small, "NOPE").output
    assert "not a company" in run("owners", small, "P1").output


def test_bad_options_are_clean_errors(small):
    r = run("related", small, "--rules", "equity,gossip")
    assert r.exit_code == 1 and "unknown related-party rule" in r.output
    r = run("holdings", small, "P1", "--mode", "sideways")
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_related_json_keys_and_order(small):
    data = as_json("related", small)
    assert {"pairs", "groups", "pair_count", "warnings"} <= data.keys()
    assert data["pair_count"] == len(data["pairs"]) == 4
    assert all(p["a"] < p["b"] and {"a", "b", "rules", "evidence"} <= p.keys()
               for p in data["pairs"])
    assert [(p["a"], p["b"]) for p in data["pairs"]] == sorted((p["a"], p["b"])
                                                               for p in data["pairs"])
    assert data["groups"] == [{"members": ["E1", "E2", "E3", "E4"], "size": 4}]
    assert set(data["pairs"][0]["evidence"]) == set(data["pairs"][0]["rules"])


def test_related_max_pairs_and_file_output(small, tmp_path):
    out = tmp_path / "r.json"
    r = run("related", small, "--format", "json", "--max-pairs", "1", "-o", out)
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text("utf-8"))
    assert len(data["pairs"]) == 1 and data["pair_count"] == 4 and data["truncated"]
    data = as_json("related", small, "--max-pairs", "0")
    assert data["pairs"] == [] and data["pair_count"] == 4


def test_related_csv_streams_rows(small, tmp_path):
    out = tmp_path / "r.csv"
    assert run("related", small, "--format", "csv", "-o", out).exit_code == 0
    text = out.read_bytes().decode("utf-8-sig")
    lines = text.strip().split("\n")
    assert lines[0].startswith("a 企业A编号,a_name 企业A,b 企业B编号,b_name 企业B,rules 关联规则") and len(lines) == 5
    assert "E1,甲公司,E4,丁公司,lending" in text


def test_related_warnings_on_stderr_and_in_json(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,甲\nE2,乙\n",
                        guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,5\n")
    r = run("related", path, "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert any(w.startswith("guarantee:") for w in data["warnings"])
    assert any(w.startswith("management:") for w in data["warnings"])
    assert "warning: guarantee:" in r.stderr and "warning: management:" in r.stderr


def test_related_management_majority_option(make_dataset):
    """``--management-majority``: 42号公告 第二条 "一方半数以上董事或者半数以上高级管理人员 …
    同时担任另一方的董事或者高级管理人员", read ``separately`` (the default, from
    ``RelatedParams``) or ``combined``.

    By hand: both of E1's 2 directors (D1, D2) are directors of E2, but with its 2 senior
    managers (M1, M2) they are only 2 of E1's 4 seats and 2 of E2's 4 (D1, D2, Y1, Y2):
    related separately (2 > 1), not combined (2 is not more than 2).
    """
    path = make_dataset(
        enterprises="id,name\nE1,甲\nE2,乙\n",
        persons="id,name\nD1,a\nD2,b\nM1,c\nM2,d\nY1,e\nY2,f\n",
        positions="person_id,company_id,role\nD1,E1,director\nD2,E1,director\n"
                  "M1,E1,general_manager\nM2,E1,cfo\nD1,E2,director\nD2,E2,director\n"
                  "Y1,E2,director\nY2,E2,director\n")
    data = as_json("related", path, "--rules", "management")
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [("E1", "E2")]
    ev = data["pairs"][0]["evidence"]["management"]
    assert ev["criteria"] == ["director_majority"] and ev["majority"] == "separately"
    assert as_json("related", path, "--rules", "management",
                   "--management-majority", "separately") == data
    data = as_json("related", path, "--rules", "management", "--management-majority",
                   "combined")
    assert data["pairs"] == [] and data["pair_count"] == 0
    r = run("related", path, "--management-majority", "jointly")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "[default: separately]" in " ".join(run("related", "--help").output.split())


def test_related_table(small):
    r = run("related", small)
    assert r.exit_code == 0
    assert "4 related pair(s)" in r.stdout and "groups (关联企业群)" in r.stdout


# -------------------------------------------------------------------- the demo
@pytest.mark.parametrize("form", FORMS, ids=["csv", "xlsx", "gbk"])
def test_demo_holdings_in_every_form(form):
    data = as_json("holdings", form, ZHANG_WEI)
    got = {h["company_id"]: h["share_pct"] for h in data["holdings"]}
    assert got[GANGGOU] == pytest.approx(80.0)  # passthrough, README of the demo
    data = as_json("holdings", form, ZHANG_WEI, "--mode", "multiply")
    got = {h["company_id"]: h["share_pct"] for h in data["holdings"]}
    assert got[GANGGOU] == pytest.approx(22.88)


@pytest.mark.parametrize("form", FORMS, ids=["csv", "xlsx", "gbk"])
def test_demo_related_in_every_form(form):
    data = as_json("related", form)
    pairs = {(p["a"], p["b"]): p for p in data["pairs"]}
    assert data["pair_count"] == len(pairs) and data["warnings"] == []
    assert (min(FANGZHI, YINRAN), max(FANGZHI, YINRAN)) not in pairs  # 20 % / 15 % only
    assert "equity" in pairs[KONGGU, GANGGOU]["rules"]
    members = {m for g in data["groups"] for m in g["members"]}
    assert {KONGGU, GANGTIE, TEGANG, GANGGOU} <= members


def test_demo_forms_agree():
    outs = {str(f): run("related", f, "--format", "json").stdout for f in FORMS}
    assert len(set(outs.values())) == 1
    outs = {str(f): run("owners", f, GANGGOU, "--format", "json").stdout for f in FORMS}
    assert len(set(outs.values())) == 1


def test_demo_owners_chain():
    data = as_json("owners", DEMO, GANGGOU)
    assert [s["id"] for s in data["control_chain"]] == [TEGANG, GANGTIE, KONGGU, ZHANG_WEI]
    assert [u["id"] for u in data["ultimate_controllers"]] == [ZHANG_WEI]
    assert ZHANG_WEI in {b["person_id"] for b in data["beneficial_owners"]}
