"""The watchlist (SPEC §8) end to end: levels of hand-built firms, listing rules,
sorting, the JSON shape and the demo."""

from __future__ import annotations

import json
import sys

import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.params import KeyFirmParams, WarningParams
from graphrisk.report.formats import to_json
from graphrisk.watch.watchlist import watchlist

from .conftest import DEMO

BANK = "id,name\nB1,青山银行\n"

# One firm per level rule; amounts in 万元.
CASE = dict(
    enterprises="""
        id,name,status,credit_line,net_assets,tags
        RD,违约企业,defaulted,100,0,
        RL,损失贷款企业,normal,100,1000,
        RO,逾期九十一天,normal,100,1000,
        RE,四级事件,normal,100,1000,
        RC,传染违约企业,normal,100,10,
        OS,困难企业,distressed,100,1000,
        OB,次级贷款企业,normal,100,1000,
        OO,逾期四十天,normal,100,1000,
        OG,担保人违约,normal,100,1000,
        YM,关注类贷款,normal,100,1000,
        YN,逾期三次,normal,100,1000,
        YX,借新还旧两次,normal,100,1000,
        BE,一级事件,normal,100,1000,
        KB,重点企业,normal,6000,10000,
        NN,无信号企业,normal,100,1000,
        """,
    institutions=BANK,
    loans="""
        id,borrower_id,lender_id,balance,classification,overdue_days,overdue_count,extensions
        L_RD,RD,B1,500,normal,,,
        L_RL,RL,B1,50,loss,,,
        L_RO,RO,B1,50,normal,91,1,
        L_RC,RC,B1,80,normal,,,
        L_OB,OB,B1,50,substandard,,,
        L_OO,OO,B1,50,normal,40,1,
        L_OG,OG,B1,70,normal,,,
        L_YM,YM,B1,50,special_mention,,,
        L_YN,YN,B1,50,normal,,3,
        L_YX,YX,B1,50,normal,,,2
        L_KB,KB,B1,6000,normal,,,
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id
        g1,RC,RD,300,L_RD
        g2,RD,OG,20,L_OG
        """,
    events="""
        enterprise_id,date,category,severity,description
        RE,2025-06-01,credit,4,账户被冻结
        BE,2025-06-02,public_opinion,1,小额投诉
        """,
)

EXPECTED = {"RD": "red", "RL": "red", "RO": "red", "RE": "red", "RC": "red",
            "OS": "orange", "OB": "orange", "OO": "orange", "OG": "orange",
            "YM": "yellow", "YN": "yellow", "YX": "yellow", "BE": "blue", "KB": "blue"}


@pytest.fixture
def case(make_dataset):
    return load_dataset(make_dataset(**CASE))


def levels(wl) -> dict[str, str]:
    return {e["id"]: e["level"] for e in wl.entries}


def test_each_level_rule_end_to_end(case):
    """SPEC §8: overdue payments *more than* 2 (YN has 3), 2 or more extensions (YX has 2),
    key enterprises on credit *used* (KB: a 6,000 万元 loan, 用信 ≥ 5,000)."""
    wl = watchlist(case, key_params=KeyFirmParams(top_n=0))
    assert levels(wl) == EXPECTED  # NN: no signal, not key: not listed
    entry = {e["id"]: e for e in wl.entries}
    assert entry["RC"]["reasons"][0]["signal"] == "cascade_default"  # 300 called > 10 capacity
    assert entry["KB"]["key"] and entry["KB"]["reasons"] == [{
        "level": "blue", "signal": "key_enterprise",
        "zh": "重点企业（大额用信），未发现不利信号",
        "en": "key enterprise (large credit), no adverse signal"}]
    assert entry["OG"]["reasons"][0]["zh"] == "担保人违约：违约企业（担保金额 20.00 万元）"
    assert wl.counts == {"red": 5, "orange": 4, "yellow": 3, "blue": 2, "none": 1,
                         "key": 1, "listed": 14}
    assert wl.levels.loc["NN", "level"] == "none" and wl.levels.loc["RD", "level_rank"] == 4


def test_sorted_by_level_then_exposure(case):
    wl = watchlist(case, key_params=KeyFirmParams(top_n=0))
    ranks = [("none", "blue", "yellow", "orange", "red").index(e["level"]) for e in wl.entries]
    assert ranks == sorted(ranks, reverse=True)
    reds = [e for e in wl.entries if e["level"] == "red"]
    # RD: loans 500 + guarantee given 20 = 520; RC: 80 + 300 = 380; then 50s by id
    assert [(e["id"], e["exposure"]) for e in reds] == [
        ("RD", 520.0), ("RC", 380.0), ("RL", 50.0), ("RO", 50.0), ("RE", 0.0)]


def test_listing_options(case):
    kp = KeyFirmParams(top_n=0)
    assert len(watchlist(case, key_params=kp, include_all=True).entries) == 15
    wl = watchlist(case, key_params=kp, min_level="orange")
    assert {e["level"] for e in wl.entries} == {"red", "orange"} and len(wl.entries) == 9
    assert wl.counts["blue"] == 2  # counts cover the whole dataset
    assert [e["id"] for e in watchlist(case, key_params=kp, key_only=True).entries] == ["KB"]
    with pytest.raises(ParameterError):
        watchlist(case, min_level="purple")


def test_parameters_change_levels(case):
    kp = KeyFirmParams(top_n=0)
    wp = WarningParams(overdue_red_days=100, levels={"status_distressed": "yellow"},
                       severity_levels=("none", "yellow", "orange", "orange"))
    got = levels(watchlist(case, key_params=kp, warning_params=wp))
    assert got["RO"] == "orange" and got["OS"] == "yellow" and got["RE"] == "orange"
    assert "BE" not in got
    # a recovery of 100 % calls nobody: RC no longer falls (its guarantee is not called)
    got = levels(watchlist(case, key_params=kp, warning_params=WarningParams(recovery=1.0)))
    assert got["RC"] == "orange"  # still the guarantor of a defaulted firm
    # a higher large-credit threshold takes KB off the list
    got = levels(watchlist(case, key_params=KeyFirmParams(top_n=0, large_credit=7000)))
    assert "KB" not in got


def test_json_shape(case):
    wl = watchlist(case, key_params=KeyFirmParams(top_n=0))
    data = json.loads(to_json(wl.as_dict()))
    assert set(data) >= {"enterprises", "counts", "parameters"}
    assert set(data["counts"]) >= {"red", "orange", "yellow", "blue"}
    e = data["enterprises"][0]
    assert set(e) >= {"id", "name", "key", "criteria", "signals", "level", "reasons", "exposure"}
    assert set(e["signals"][0]) >= {"code", "label_zh", "label_en", "value", "level", "detail"}
    assert set(e["reasons"][0]) == {"level", "signal", "zh", "en"}
    assert data["parameters"]["warning"]["overdue_red_days"] == 90
    assert data["parameters"]["key"]["large_credit"] == 5000
    assert any(r["code"] == "cascade_default" for r in data["parameters"]["rules"])


def test_empty_dataset(make_dataset):
    wl = watchlist(load_dataset(make_dataset(enterprises="id,name\n")))
    assert wl.entries == [] and wl.counts["red"] == 0 and wl.counts["listed"] == 0


def test_demo_watchlist_has_every_level_with_reasons():
    ds = load_dataset(DEMO)
    wl = watchlist(ds)
    assert all(wl.counts[level] > 0 for level in ("red", "orange", "yellow", "blue"))
    assert wl.counts["key"] >= 10
    e = ds.tables["enterprises"].set_index("id")
    for entry in wl.entries:
        assert entry["reasons"], entry["id"]
        assert entry["level"] in ("red", "orange", "yellow", "blue")
        assert entry["key"] == bool(entry["criteria"])
        if e.loc[entry["id"], "status"] == "defaulted":
            assert entry["level"] == "red"
        assert {r["level"] for r in entry["reasons"]} <= {"red", "orange", "yellow", "blue"}
        assert max(("blue", "yellow", "orange", "red").index(r["level"])
                   for r in entry["reasons"]) == ("blue", "yellow", "orange", "red").index(
                       entry["level"])
    by_id = {x["id"]: x for x in wl.entries}
    drink = e.index[e["name"] == "青山饮料有限公司"][0]
    # At the demo's date (2026-03-31) G006 — 青山饮料 guaranteeing 青山玻璃制品's L053,
    # 2024-06-18 to 2025-08-17 — has ended: 玻璃制品's default calls nobody, so 饮料 does
    # not fall in the cascade (issue 16: "On the demo at 2026-03-31, G006 no longer makes
    # 青山饮料 red"); it is red for its own L051, overdue 101 days (> 90), and no longer key
    # (the circle 饮料 / 玻璃制品 / 酒业 ended with G005 and G006).
    assert not any(s["kind"] == "network" for s in by_id[drink]["signals"])
    assert by_id[drink]["level"] == "red" and not by_id[drink]["key"]
    assert by_id[drink]["reasons"][0]["zh"] == "贷款逾期 101 天（L051、L052）"
    assert not any(s["code"] in ("cascade_default", "guarantee_calls")
                   for x in wl.entries for s in x["signals"])
    assert wl.counts == {"red": 5, "orange": 7, "yellow": 8, "blue": 20, "none": 13,
                         "key": 33, "listed": 40}
    # with the expired guarantees kept, G006 is called for 528 万元 (玻璃制品's estate pays
    # its share first) and 饮料 falls in round 1
    kept = {x["id"]: x for x in watchlist(load_dataset(DEMO, include_expired=True)).entries}
    cascade = next(s for s in kept[drink]["signals"] if s["code"] == "cascade_default")
    assert cascade["value"] == 1 and cascade["detail"]["calls"] == pytest.approx(528)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated network of 5,000 enterprises (the dense profile: many related pairs)."""
    from graphrisk.network.graph import build_network
    from graphrisk.synth import GeneratorParams, generate, write_dataset

    folder = tmp_path_factory.mktemp("g5k")
    write_dataset(generate(5000, seed=3, params=GeneratorParams.profile("stress")), folder)
    return build_network(load_dataset(folder))


def _two_passes(net, kp, related, key_firms, troubled):
    """The watchlist before the shared pass: each stage found its own related pairs."""
    from graphrisk.watch._facts import related_pairs

    return related_pairs(net, key_firms, kp), related_pairs(net, troubled, related)


@pytest.mark.parametrize("kp", [KeyFirmParams(), KeyFirmParams(related_equity=30.0),
                                KeyFirmParams(related_rules=("equity", "lending"))])
def test_one_related_pass_gives_the_watchlist_of_two(generated, monkeypatch, kp):
    """Issue #15: the related pairs are computed once for the key-firm criterion and the
    network signals; the list, levels, reasons and notes are those of two passes."""
    import graphrisk.ownership.related as related
    import graphrisk.watch._facts as facts_module

    calls = []
    masks = related.related_pair_masks

    def counted(*args, **kwargs):
        calls.append(kwargs.get("rules"))
        return masks(*args, **kwargs)

    monkeypatch.setattr(facts_module, "related_pair_masks", counted)
    shared = watchlist(generated, key_params=kp, include_all=True).as_dict()
    # one pass when both read holdings the same way (a 30 % important relation does not)
    assert len(calls) == (2 if kp.related_equity != 25.0 else 1)
    monkeypatch.setattr(sys.modules["graphrisk.watch.watchlist"], "watchlist_pairs",
                        _two_passes)
    calls.clear()
    separate = watchlist(generated, key_params=kp, include_all=True).as_dict()
    assert len(calls) == 2
    assert shared == separate
    assert any(c["code"] == "related" for e in shared["enterprises"] for c in e["criteria"])
    assert any(s["code"].startswith("related_") for e in shared["enterprises"]
               for s in e["signals"])
