"""Comparing two periods (graphrisk.history.compare): a hand-built pair and the demo quarters.

Issue #16, item 2: "graphrisk compare PREV CUR reports key-enterprise list and warning
levels: entered, exited, level_changed …; loans: classification migration (向下迁徙 /
upward), new non-performing loans, new special-mention balance per borrower, per lender
and per region; circles and groups: formed, dissolved, grown, shrunk, merged, split
(matched by member overlap) with the loan total before and after; banks: exposure
through the network before and after; NPL ratio change per lender and per region, ranked."
"""

from __future__ import annotations

import json

import pytest

from graphrisk.errors import ParameterError
from graphrisk.history import CompareParams, compare_periods
from graphrisk.history._banks import lender_books
from graphrisk.io.load import load_dataset
from graphrisk.network.exposure import lender_exposure
from graphrisk.network.graph import build_network
from graphrisk.watch.watchlist import watchlist

from .conftest import DEMO, REPO, write_tables

DEMO_Q3 = REPO / "datasets" / "demo-2025-09-30"
DEMO_Q4 = REPO / "datasets" / "demo-2025-12-31"

#: the previous quarter of a small county: circles {E1, E2} and {E3, E4, E5}
PREV = dict(
    enterprises="""
        id,name,region,net_assets,status
        E1,甲公司,城关镇,1000,normal
        E2,乙公司,城关镇,800,normal
        E3,丙公司,白沙镇,500,normal
        E4,丁公司,白沙镇,300,normal
        E5,戊公司,桃源镇,200,normal
        E6,己公司,桃源镇,100,normal
        E7,庚公司,桃源镇,100,normal
        """,
    persons="""
        id,name
        P1,张三
        """,
    institutions="""
        id,name,type
        B1,青山农商银行,bank
        B2,青山村镇银行,bank
        """,
    loans="""
        id,borrower_id,lender_id,balance,classification
        L1,E1,B1,1000,normal
        L2,E2,B1,500,normal
        L3,E3,B2,300,special_mention
        L4,E4,B2,200,substandard
        L5,E5,B1,400,normal
        L8,P1,B2,50,loss
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id
        G1,E1,E2,500,L2
        G2,E2,E1,600,L1
        G3,E3,E4,200,L4
        G4,E4,E5,300,L5
        G5,E5,E3,100,L3
        """,
)
#: this quarter: E6 defaulted; L2 and L3 downgraded, L4 upgraded, L5 repaid, L6 and L7
#: new; E6 joins E1 and E2 (G6, G7), G5 is gone (E3-E4-E5 no longer closes), E4 and E7
#: guarantee each other (G8, G9)
CUR = dict(
    PREV,
    enterprises=PREV["enterprises"].replace("E6,己公司,桃源镇,100,normal",
                                            "E6,己公司,桃源镇,100,defaulted"),
    loans="""
        id,borrower_id,lender_id,balance,classification
        L1,E1,B1,900,normal
        L2,E2,B1,500,special_mention
        L3,E3,B2,300,substandard
        L4,E4,B2,150,special_mention
        L6,E6,B2,600,special_mention
        L7,E7,B1,100,doubtful
        L8,P1,B2,50,loss
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id
        G1,E1,E2,500,L2
        G2,E2,E1,600,L1
        G3,E3,E4,200,L4
        G4,E4,E5,300,
        G6,E2,E6,300,L6
        G7,E6,E1,200,L1
        G8,E4,E7,100,L7
        G9,E7,E4,100,L4
        """,
)


def _period(folder, tables, as_of):
    write_tables(folder, tables)
    (folder / "dataset.json").write_text(json.dumps({"as_of": as_of, "region": "青山县"}),
                                         encoding="utf-8")
    return load_dataset(folder)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("periods")
    prev = _period(root / "prev", PREV, "2025-12-31")
    cur = _period(root / "cur", CUR, "2026-03-31")
    return prev, cur, compare_periods(cur, prev)


@pytest.fixture(scope="module")
def demo_q4_q1():
    return compare_periods(load_dataset(DEMO), load_dataset(DEMO_Q4))


def _ids(rows, key="id"):
    return [r[key] for r in rows]


# ------------------------------------------------------------------ the hand-built pair

def test_periods_and_top_level_keys(pair):
    _, _, doc = pair
    assert set(doc) >= {"previous", "current", "watchlist", "loans", "circles", "groups",
                        "banks", "summary"}
    assert doc["previous"]["as_of"] == "2025-12-31" and doc["current"]["as_of"] == "2026-03-31"
    assert doc["current"]["region"] == "青山县" and doc["current"]["source"].endswith("cur")
    json.dumps(doc)  # JSON-ready


def test_migration_matrix_new_and_repaid(pair):
    _, _, doc = pair
    lo = doc["loans"]
    cells = {(c["from"], c["to"]): (c["count"], c["balance"], c["previous_balance"])
             for c in lo["migration"]}
    assert cells == {("normal", "normal"): (1, 900.0, 1000.0),            # L1
                     ("normal", "special_mention"): (1, 500.0, 500.0),    # L2
                     ("special_mention", "substandard"): (1, 300.0, 300.0),  # L3
                     ("substandard", "special_mention"): (1, 150.0, 200.0),  # L4
                     ("loss", "loss"): (1, 50.0, 50.0)}                   # L8
    assert lo["new"] == {"count": 2, "balance": 700.0}       # L6 600 + L7 100
    assert lo["repaid"] == {"count": 1, "balance": 400.0}    # L5, at its previous balance


def test_downgrades_upgrades_and_new_npl(pair):
    _, _, doc = pair
    lo = doc["loans"]
    # most severe first: L3 falls to 次级, L2 to 关注
    assert [(r["id"], r["from"], r["to"]) for r in lo["downgrades"]] == [
        ("L3", "special_mention", "substandard"), ("L2", "normal", "special_mention")]
    d = lo["downgrades"][0]
    assert (d["borrower_id"], d["name"], d["lender_id"], d["lender"], d["balance"]) == (
        "E3", "丙公司", "B2", "青山村镇银行", 300.0)
    assert _ids(lo["upgrades"]) == ["L4"]
    # new NPL: non-performing now, performing or absent before — L7 is new (from None)
    assert [(r["id"], r["from"], r["to"]) for r in lo["new_npl"]] == [
        ("L7", None, "doubtful"), ("L3", "special_mention", "substandard")]


def test_new_special_mention_per_borrower_lender_region(pair):
    _, _, doc = pair
    sm = doc["loans"]["new_special_mention"]
    # 关注 now and 正常 or absent before: L2 (E2, B1) and the new L6 (E6, B2); L4 came up
    # from 次级 and is not new 关注
    assert (sm["balance"], sm["loans"]) == (1100.0, 2)
    assert [(r["borrower_id"], r["name"], r["region"], r["balance"]) for r in sm["by_borrower"]] == [
        ("E6", "己公司", "桃源镇", 600.0), ("E2", "乙公司", "城关镇", 500.0)]
    assert [(r["lender_id"], r["balance"]) for r in sm["by_lender"]] == [("B2", 600.0),
                                                                        ("B1", 500.0)]
    assert [(r["region"], r["balance"]) for r in sm["by_region"]] == [("桃源镇", 600.0),
                                                                     ("城关镇", 500.0)]


def test_circles_matched_by_overlap(pair):
    _, _, doc = pair
    got = [(c["change"], c["previous_ids"], c["current_ids"], c["members_before"],
            c["members_after"], c["loan_total_before"], c["loan_total_after"])
           for c in doc["circles"]]
    assert got == [
        # {E4, E7} shares only E4 with {E3, E4, E5}: Jaccard 1/4 < 0.5, a new circle
        ("formed", [], ["C002"], [], ["E4", "E7"], 0.0, 250.0),
        # {E1, E2} -> {E1, E2, E6}: 2/3 >= 0.5, the same circle, grown; loans 1000+500 ->
        # 900+500+600
        ("grown", ["C001"], ["C001"], ["E1", "E2"], ["E1", "E2", "E6"], 1500.0, 2000.0),
        ("dissolved", ["C002"], [], ["E3", "E4", "E5"], [], 900.0, 0.0),
    ]
    grown = doc["circles"][1]
    assert grown["joined"] == ["E6"] and grown["left"] == [] and grown["names_after"][2] == "己公司"
    assert grown["overlap"] == pytest.approx(2 / 3)


def test_groups_grow(pair):
    _, _, doc = pair
    assert [(g["change"], g["members_after"], g["loan_total_before"], g["loan_total_after"])
            for g in doc["groups"]] == [
        ("grown", ["E1", "E2", "E6"], 1500.0, 2000.0),
        # E5 repaid L5 and stays a guaranteed party (G4); E7 joins through G8/G9
        ("grown", ["E3", "E4", "E5", "E7"], 900.0, 550.0)]


def test_lender_exposure_before_and_after(pair):
    _, _, doc = pair
    rows = {r["lender_id"]: r for r in doc["banks"]["exposure"]}
    assert _ids(doc["banks"]["exposure"], "lender_id") == ["B1", "B2"]  # by in_groups_after
    b1, b2 = rows["B1"], rows["B2"]
    assert (b1["balance_before"], b1["balance_after"]) == (1900.0, 1500.0)
    # guaranteed: per loan min(guarantees on it, balance): L1 600, L2 500, L5 300 before;
    # L1 600+200, L2 500, L7 100 after
    assert (b1["guaranteed_before"], b1["guaranteed_after"]) == (1400.0, 1400.0)
    assert (b1["in_circles_before"], b1["in_circles_after"]) == (1900.0, 1500.0)
    # B2: L4 150 is covered by G3 200 + G9 100, counted up to its balance; L6 by G6 300
    assert (b2["guaranteed_before"], b2["guaranteed_after"]) == (300.0, 450.0)
    assert (b2["in_groups_before"], b2["in_groups_after"]) == (500.0, 1050.0)


def test_npl_ratio_per_lender_and_region_ranked(pair):
    _, _, doc = pair
    lenders = doc["banks"]["npl_by_lender"]
    assert [(r["lender_id"], r["rank_after"], r["rank_before"]) for r in lenders] == [
        ("B2", 1, 1), ("B1", 2, 2)]
    assert lenders[0]["npl_ratio_after"] == pytest.approx(350 / 1100)   # L3, L8
    assert lenders[0]["npl_ratio_before"] == pytest.approx(250 / 550)   # L4, L8
    assert lenders[1]["npl_ratio_change"] == pytest.approx(100 / 1500)  # L7 new doubtful
    regions = doc["banks"]["npl_by_region"]
    assert [(r["region"], r["rank_after"]) for r in regions] == [
        ("白沙镇", 1), ("桃源镇", 2), ("城关镇", 3), (None, None)]  # P1 has no region: unranked
    assert regions[0]["npl_ratio_before"] == pytest.approx(200 / 500)
    assert regions[0]["npl_ratio_after"] == pytest.approx(300 / 450)


def test_watchlist_changes_reuse_the_watchlist(pair):
    prev, cur, doc = pair
    w = doc["watchlist"]
    # the current levels are those of `watchlist CUR --previous PREV`
    now = {e["id"]: e for e in watchlist(cur, previous=prev).entries}
    before = {e["id"]: e for e in watchlist(prev).entries}
    # entered: listed now, not before; with the current level and reasons
    assert _ids(w["entered"]) == ["E6", "E7"]
    for e in w["entered"]:
        assert (e["level"], e["reasons"], e["name"]) == (now[e["id"]]["level"],
                                                         now[e["id"]]["reasons"],
                                                         now[e["id"]]["name"])
    # E6 defaulted (status defaulted: red); E7 owes a doubtful loan (red)
    assert [r["signal"] for r in w["entered"][0]["reasons"]][0] == "status_defaulted"
    assert [r["signal"] for r in w["entered"][1]["reasons"]][:2] == ["loan_doubtful", "new_npl"]
    # exited: E5 repaid L5 and left its circle; its previous level
    assert [(e["id"], e["level"]) for e in w["exited"]] == [("E5", before["E5"]["level"])]
    # E1 is guaranteed by the defaulted E6 (G7): "a guarantor … defaulted" is orange
    changed = {e["id"]: e for e in w["level_changed"]}
    assert set(changed) == {"E1", "E2"}
    assert (changed["E1"]["from"], changed["E1"]["to"]) == ("yellow", "orange")
    assert "guarantor_defaulted" in [r["signal"] for r in changed["E1"]["reasons_added"]]
    assert "borrower_defaulted" in [r["signal"] for r in changed["E2"]["reasons_added"]]
    assert _ids(w["key_entered"]) == ["E6", "E7"] and _ids(w["key_exited"]) == ["E5"]
    assert w["key_entered"][0]["criteria"] == now["E6"]["criteria"]


def test_summary(pair):
    _, _, doc = pair
    s = doc["summary"]
    assert s["watchlist"] == {"entered": 2, "exited": 1, "level_changed": 2, "level_up": 2,
                              "level_down": 0, "key_entered": 2, "key_exited": 1,
                              "listed_before": 5, "listed_after": 6}
    assert {k: v for k, v in s["loans"].items()} == {
        "loans_before": 6, "loans_after": 7, "new": 2, "repaid": 1, "downgrades": 2,
        "upgrades": 1, "new_npl": 2, "new_npl_balance": 400.0,
        "new_special_mention_balance": 1100.0}
    assert {k: v for k, v in s["circles"].items() if v} == {"formed": 1, "grown": 1,
                                                           "dissolved": 1}
    assert s["npl_ratio_before"] == pytest.approx(250 / 2450)
    assert s["npl_ratio_after"] == pytest.approx(450 / 2600)


def test_a_period_against_itself_changes_nothing(pair):
    _, cur, _ = pair
    doc = compare_periods(build_network(cur), cur)  # a Network and a Dataset alike
    s = doc["summary"]
    assert s["watchlist"]["entered"] == s["watchlist"]["level_changed"] == 0
    assert s["loans"]["downgrades"] == s["loans"]["new"] == s["loans"]["repaid"] == 0
    assert {c["change"] for c in doc["circles"] + doc["groups"]} == {"unchanged"}
    assert s["npl_ratio_change"] == 0


def test_the_previous_period_must_come_first(pair):
    prev, cur, _ = pair
    with pytest.raises(ParameterError, match="give the earlier period first"):
        compare_periods(prev, cur)


def test_overlap_parameter(pair):
    prev, cur, _ = pair
    strict = compare_periods(cur, prev, params=CompareParams(same_overlap=0.9))
    # {E1, E2} -> {E1, E2, E6} (2/3) is no longer the same circle
    assert [c["change"] for c in strict["circles"]].count("formed") == 2
    with pytest.raises(ParameterError):
        CompareParams(same_overlap=1.5)


def test_empty_books(make_dataset):
    empty = load_dataset(make_dataset(enterprises="id,name\nE1,甲"))
    doc = compare_periods(empty, empty)
    assert doc["loans"]["migration"] == [] and doc["circles"] == [] and doc["groups"] == []
    assert doc["banks"] == {"exposure": [], "npl_by_lender": [], "npl_by_region": []}
    assert doc["summary"]["npl_ratio_before"] is None
    assert "declares no as-of date" in doc["notes"][0]


# ------------------------------------------------------------------ the demo quarters

def test_lender_books_equal_lender_exposure_for_every_lender():
    net = build_network(load_dataset(DEMO))
    books = lender_books(net)
    assert len(books) == 8
    for lender, row in books.iterrows():
        book = lender_exposure(net, lender)["book"]
        for f in ("loans", "borrowers", "balance", "npl_balance", "guaranteed", "in_groups",
                  "in_circles"):
            assert row[f] == pytest.approx(book[f]), (lender, f)


def test_demo_loans_2025_12_31_to_2026_03_31(demo_q4_q1):
    lo = demo_q4_q1["loans"]
    # loans.csv of the two quarters: L039 (青山水泥, 建设银行) 关注 -> 次级, overdue 5 -> 95 days;
    # L034 (青山置业) 正常 -> 关注; L026 (青山食品) 关注 -> 正常; L057 new; L083 repaid
    assert [(r["id"], r["name"], r["from"], r["to"], r["balance"]) for r in lo["downgrades"]] == [
        ("L039", "青山水泥有限公司", "special_mention", "substandard", 1200.0),
        ("L034", "青山置业有限公司", "normal", "special_mention", 1200.0)]
    assert _ids(lo["upgrades"]) == ["L026"] and _ids(lo["new_npl"]) == ["L039"]
    assert lo["new"] == {"count": 1, "balance": 150.0}
    assert lo["repaid"] == {"count": 1, "balance": 1000.0}
    sm = lo["new_special_mention"]
    assert [(r["name"], r["region"], r["balance"]) for r in sm["by_borrower"]] == [
        ("青山置业有限公司", "城关镇", 1200.0)]
    assert [(r["lender_id"], r["balance"]) for r in sm["by_lender"]] == [("I03", 1200.0)]
    s = demo_q4_q1["summary"]
    assert s["npl_ratio_before"] == pytest.approx(3900 / 79930.5)
    assert s["npl_ratio_after"] == pytest.approx(5100 / 79080.5)


def test_demo_circles_2025_12_31_to_2026_03_31(demo_q4_q1):
    got = {c["change"]: c for c in demo_q4_q1["circles"]}
    assert [c["change"] for c in demo_q4_q1["circles"]] == ["formed", "grown", "dissolved",
                                                            "unchanged"]
    # G004 青山包装 -> 青山纸业 (from 2026-01-12) closes a new mutual pair
    assert got["formed"]["names_after"] == ["青山纸业有限公司", "青山包装有限公司"]
    # G016 青山机械制造 -> 青山建工 (from 2026-02-10) brings 商砼 and 机械制造 into C001
    assert got["grown"]["previous_ids"] == ["C001"] and (got["grown"]["size_before"],
                                                          got["grown"]["size_after"]) == (4, 6)
    assert got["grown"]["joined"] == ["91331122MA28JR4E21", "91331122MA29H1U388"]
    # G034 青山特钢 -> 青山控股 went with L083: the mutual pair dissolved
    assert got["dissolved"]["names_before"] == ["青山控股集团有限公司", "青山特钢材料有限公司"]
    assert got["dissolved"]["loan_total_before"] == 6700.0
    groups = {g["change"] for g in demo_q4_q1["groups"]} - {"unchanged"}
    assert groups == {"shrunk", "dissolved"}  # G027 (I06 -> P028) and G031 ended


def test_demo_watchlist_2025_12_31_to_2026_03_31(demo_q4_q1):
    w = demo_q4_q1["watchlist"]
    # 青山食品's L026 is 正常 again with no overdue days: it leaves the list
    assert [(e["name"], e["level"]) for e in w["exited"]] == [("青山食品有限公司", "orange")]
    # the new circle's members enter (member of a guarantee circle: yellow)
    assert [(e["name"], e["level"]) for e in w["entered"]] == [("青山纸业有限公司", "yellow"),
                                                               ("青山包装有限公司", "yellow")]
    up = [(e["name"], e["from"], e["to"]) for e in w["level_changed"] if e["to"] == "red"]
    # overdue more than 90 days is red: L039 95 days, L051 101 days
    assert up == [("青山水泥有限公司", "orange", "red"), ("青山饮料有限公司", "orange", "red")]
    cement = w["level_changed"][0]
    assert [r["zh"] for r in cement["reasons_added"]][0] == "贷款逾期 95 天（L039）"
    assert "贷款逾期 5 天（L039）" in [r["zh"] for r in cement["reasons_removed"]]
    down = {e["name"]: (e["from"], e["to"]) for e in w["level_changed"] if e["to"] == "blue"}
    assert down == {"青山控股集团有限公司": ("yellow", "blue"),
                    "青山特钢材料有限公司": ("yellow", "blue")}


def test_demo_region_ranking_2025_12_31_to_2026_03_31(demo_q4_q1):
    top = demo_q4_q1["banks"]["npl_by_region"][0]
    # 龙潭镇: 青山水泥's L039 (1,200) turned 次级: 1,100 -> 2,300 of 5,100
    assert (top["region"], top["rank_after"], top["rank_before"]) == ("龙潭镇", 1, 2)
    assert top["npl_ratio_change"] == pytest.approx(1200 / 5100)
    ccb = {r["lender_id"]: r for r in demo_q4_q1["banks"]["npl_by_lender"]}["I03"]
    assert (ccb["npl_balance_before"], ccb["npl_balance_after"]) == (0.0, 1200.0)
    assert (ccb["balance_before"], ccb["balance_after"]) == (20200.0, 19200.0)


def test_demo_2025_09_30_to_2025_12_31():
    doc = compare_periods(load_dataset(DEMO_Q4), load_dataset(DEMO_Q3))
    lo = doc["loans"]
    # loans.csv: L044 (青山五金) 关注 -> 次级 is the quarter's new NPL
    assert _ids(lo["new_npl"]) == ["L044"]
    assert _ids(doc["watchlist"]["entered"]) == ["91331122MA29DD3Q41"]  # 青山食品: L026 关注
    assert [c["change"] for c in doc["circles"]] == ["shrunk", "unchanged", "unchanged"]


def test_a_loan_id_of_another_borrower_is_a_new_loan(make_dataset):
    """Loans match by id and borrower, as the watchlist's signals over time match them."""
    tables = dict(enterprises="id,name\nE1,甲\nE2,乙", institutions="id,name\nB1,银行")
    prev = load_dataset(make_dataset(**tables, loans="id,borrower_id,lender_id,balance\n"
                                                    "L1,E1,B1,100"))
    cur = load_dataset(make_dataset(**tables, loans="id,borrower_id,lender_id,balance\n"
                                                   "L1,E2,B1,100"))
    lo = compare_periods(cur, prev)["loans"]
    assert lo["migration"] == []
    assert lo["new"] == {"count": 1, "balance": 100.0}
    assert lo["repaid"] == {"count": 1, "balance": 100.0}
