"""Creditors' committees (债权人委员会) per debtor, circle and group (SPEC §5, §9; issue 14 item 3).

The rule, SPEC §5: "Creditors' committees (债权人委员会) are about a *debtor*: one in default
or distress (status, non-performing loans or a credit event) with debt ≥ a parameter
(default 5,000 万元) and ≥ 3 creditor banks or ≥ 5 creditor microloan companies, or a major
default involving banks, microloan companies and other institutions at once."
Circle metrics, SPEC §5: "`watch` when they owe ≥ 3 banks or ≥ 5 microloan companies";
SPEC §9 circles: "`creditor_committee` true only when a member needs a committee per §5".

Every dataset here is built by hand; the expected answer is worked out in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from graphrisk.io.load import load_dataset
from graphrisk.network.committees import (
    committees,
    creditor_pairs,
    debtor_committees,
    debtor_facts,
    label_committees,
    label_ids,
    table_positions,
)
from graphrisk.network.graph import build_network
from graphrisk.network.metrics import analyze_circles, circle_metrics
from graphrisk.params import CircleParams, CommitteeParams

from .conftest import DEMO

INSTITUTIONS = """
    id,name,type
    K1,银行一,bank
    K2,银行二,bank
    K3,银行三,bank
    M1,小贷一,microloan
    M2,小贷二,microloan
    M3,小贷三,microloan
    M4,小贷四,microloan
    M5,小贷五,microloan
    G1,担保公司,guarantee_company
    O1,其他机构,other
    """


def build(make_dataset, firms, loans, guarantees=(), events=()):
    """A dataset of *firms* (id, status), *loans* (borrower, lender, balance, class) …"""
    tables = {
        "enterprises": "id,name,status\n" + "\n".join(f"{i},企业{i},{s}" for i, s in firms),
        "institutions": INSTITUTIONS,
        "loans": "id,borrower_id,lender_id,balance,classification\n" + "\n".join(
            f"L{k},{b},{le},{bal},{cls}" for k, (b, le, bal, cls) in enumerate(loans)),
    }
    if guarantees:
        tables["guarantees"] = "id,guarantor_id,borrower_id,amount\n" + "\n".join(
            f"G{k},{g},{b},{a}" for k, (g, b, a) in enumerate(guarantees))
    if events:
        tables["events"] = "enterprise_id,date,category,severity,description\n" + "\n".join(
            f"{e},{d},{c},{s},{t}" for e, d, c, s, t in events)
    return build_network(load_dataset(make_dataset(**tables)))


def debtor(doc, eid):
    return next(d for d in doc["debtors"] if d["debtor"] == eid)


def codes(record):
    return [r["code"] for r in record["reasons"]]


# ------------------------------------------------------------------- the issue's case
@pytest.fixture
def issue_case(make_dataset):
    """D: defaulted, stand-alone, owes K1 3000 + K2 2000 + K3 1000 = 6000 (3 banks).
    A ↔ B: a performing mutual pair owing K1 4000 + K2 1000 (A) and K3 3000 (B): 3 banks."""
    return build(make_dataset,
                 [("D", "defaulted"), ("A", "normal"), ("B", "normal")],
                 [("D", "K1", 3000, "normal"), ("D", "K2", 2000, "normal"),
                  ("D", "K3", 1000, "normal"), ("A", "K1", 4000, "normal"),
                  ("A", "K2", 1000, "normal"), ("B", "K3", 3000, "normal")],
                 guarantees=[("A", "B", 500), ("B", "A", 500)])


def test_defaulted_standalone_debtor_needs_a_committee_performing_circle_is_watched(issue_case):
    """Issue 14 item 3: "a performing 2-firm circle is told 须组建债权人委员会 while a defaulted
    stand-alone firm owing three banks is not" — that must change: the rule "is about a
    *debtor*" (SPEC §5)."""
    doc = committees(issue_case)
    assert [d["debtor"] for d in doc["committees"]] == ["D"]
    d = debtor(doc, "D")
    assert (d["debt"], d["banks"], d["microloans"], d["others"]) == (6000.0, 3, 0, 0)
    assert d["creditors"] == ["K1", "K2", "K3"] and d["circle"] is None
    assert codes(d) == ["status_defaulted", "large_debt", "banks"]
    assert d["reasons"][-1]["zh"] == "债权银行 3 家（≥ 3 家）"
    # the performing circle A ↔ B owes 3 banks: watched, no committee
    [c] = circle_metrics(issue_case)
    assert c["members"] == ["A", "B"] and c["bank_count"] == 3
    assert c["watch"] is True and c["creditor_committee"] is False and c["performing"] is True
    assert [r["code"] for r in c["committee_reasons"]] == ["watch", "performing"]
    assert "不需组建债权人委员会" in c["committee_reasons"][-1]["zh"]
    [cc] = doc["circles"]
    assert cc["id"] == "C001" and cc["watch"] and not cc["creditor_committee"]
    s = doc["summary"]
    assert (s["troubled"], s["debtors"], s["committees"], s["circles_watch"],
            s["circles_committee"]) == (1, 1, 1, 1, 0)


def test_circle_needs_a_committee_only_through_a_member(make_dataset):
    """SPEC §9: "`creditor_committee` true only when a member needs a committee per §5".
    D (defaulted, 3 banks, 6000) guarantees A and A guarantees D: the circle {A, D} needs
    a committee because of D; its bank count (3) also makes it watched."""
    net = build(make_dataset, [("D", "defaulted"), ("A", "normal")],
                [("D", "K1", 3000, "normal"), ("D", "K2", 2000, "normal"),
                 ("D", "K3", 1000, "normal"), ("A", "K1", 100, "normal")],
                guarantees=[("D", "A", 100), ("A", "D", 100)])
    [c] = circle_metrics(net)
    assert c["creditor_committee"] is True and c["committee_debtors"] == ["D"]
    assert c["troubled_members"] == ["D"] and c["performing"] is False and c["watch"] is True
    assert [r["code"] for r in c["committee_reasons"]] == ["member_committee", "watch"]
    assert analyze_circles(net)["summary"]["creditor_committees"] == 1
    [g] = analyze_circles(net)["groups"]
    assert g["creditor_committee"] is True and g["committee_debtors"] == ["D"]


# ------------------------------------------------------------------- the size condition
@pytest.mark.parametrize("debt, due", [(4999, False), (5000, True)])
def test_debt_threshold_is_inclusive(make_dataset, debt, due):
    """SPEC §5: "with debt ≥ a parameter (default 5,000 万元)": 5,000 is large, 4,999 is not
    (and a debtor below it is not listed at all)."""
    net = build(make_dataset, [("D", "defaulted")],
                [("D", "K1", debt - 2000, "normal"), ("D", "K2", 1000, "normal"),
                 ("D", "K3", 1000, "normal")])
    doc = committees(net)
    assert [d["debtor"] for d in doc["committees"]] == (["D"] if due else [])
    assert doc["summary"]["below_min_debt"] == (0 if due else 1)
    assert doc["summary"]["troubled"] == 1


# ------------------------------------------------------------ banks, microloans, mixed
def test_five_microloan_companies(make_dataset):
    """SPEC §5: "≥ 5 creditor microloan companies": M owes five (1,000 each, 5,000 in all)
    and is due; N owes four and one bank and is not (below both thresholds)."""
    net = build(make_dataset, [("M", "distressed"), ("N", "distressed")],
                [*[("M", f"M{i}", 1000, "normal") for i in range(1, 6)],
                 *[("N", f"M{i}", 1000, "normal") for i in range(1, 5)],
                 ("N", "K1", 1000, "normal")])
    doc = committees(net)
    m, n = debtor(doc, "M"), debtor(doc, "N")
    assert (m["microloans"], m["creditor_committee"]) == (5, True)
    assert codes(m) == ["status_distressed", "large_debt", "microloans"]
    assert (n["banks"], n["microloans"], n["creditor_committee"]) == (1, 4, False)
    assert codes(n)[-1] == "below_thresholds"
    assert "未达银行 ≥ 3 家或小贷公司 ≥ 5 家" in n["reasons"][-1]["zh"]
    assert doc["summary"]["by_microloans"] == 1 and doc["summary"]["by_banks"] == 0


def test_mixed_major_default(make_dataset):
    """SPEC §5: "or a major default involving banks, microloan companies and other
    institutions at once".  X: a non-performing bank loan (major default), one bank, one
    microloan company and a guarantee company — mixed, due.  Y: the same creditors but only
    distressed, no non-performing loan — not a *major default*, not due.  Z: defaulted with
    a bank, a microloan company and a lending enterprise (an *other* creditor) — mixed."""
    net = build(make_dataset,
                [("X", "normal"), ("Y", "distressed"), ("Z", "defaulted"), ("E", "normal")],
                [("X", "K1", 3000, "substandard"), ("X", "M1", 1000, "normal"),
                 ("X", "G1", 1000, "normal"),
                 ("Y", "K1", 3000, "normal"), ("Y", "M1", 1000, "normal"),
                 ("Y", "G1", 1000, "normal"),
                 ("Z", "K2", 4000, "normal"), ("Z", "M2", 500, "normal"),
                 ("Z", "E", 500, "normal")])
    doc = committees(net)
    x, y, z = debtor(doc, "X"), debtor(doc, "Y"), debtor(doc, "Z")
    assert (x["banks"], x["microloans"], x["others"]) == (1, 1, 1)
    assert x["major_default"] and x["mixed"] and x["creditor_committee"]
    assert codes(x) == ["npl", "large_debt", "mixed"]
    assert not y["major_default"] and not y["mixed"] and not y["creditor_committee"]
    assert z["others"] == 1 and z["mixed"] and z["creditor_committee"]
    assert doc["summary"]["mixed"] == 2 and doc["summary"]["committees"] == 2


# ------------------------------------------------------------------ default or distress
def test_default_or_distress_by_status_npl_or_credit_event(make_dataset):
    """SPEC §5: "one in default or distress (status, non-performing loans or a credit event)".
    P: normal status, a doubtful loan → troubled.  Q: normal, a credit event → troubled.
    R: normal, only an operating event → performing: no committee although it owes 3 banks.
    Each owes K1 + K2 + K3 6,000."""
    three = [("K1", 2000), ("K2", 2000), ("K3", 2000)]
    net = build(make_dataset, [("P", "normal"), ("Q", "normal"), ("R", "normal")],
                [("P", le, b, "doubtful" if le == "K1" else "normal") for le, b in three]
                + [("Q", le, b, "normal") for le, b in three]
                + [("R", le, b, "normal") for le, b in three],
                events=[("Q", "2026-01-05", "credit", 3, "两次逾期付息"),
                        ("Q", "2025-06-01", "credit", 1, "早先事件"),
                        ("R", "2026-01-05", "operating", 4, "停产")])
    doc = committees(net)
    assert [d["debtor"] for d in doc["committees"]] == ["P", "Q"]
    assert codes(debtor(doc, "P"))[0] == "npl"
    q = debtor(doc, "Q")
    assert q["credit_events"] == 2 and codes(q)[0] == "credit_event"
    assert q["reasons"][0]["zh"] == "信用风险事件 2 起（最近 2026-01-05：两次逾期付息）"
    assert not q["major_default"]
    assert "R" not in {d["debtor"] for d in doc["debtors"]}
    assert doc["summary"]["troubled"] == 2


def test_persons_are_not_debtors_and_zero_balances_are_not_creditors(make_dataset):
    """The rule is about a debtor enterprise (非金融债务企业): a person owing three banks
    6,000 with a loss loan is not listed.  A lender owed 0 is no creditor: D owes K1, K2
    and K3 only on paper for K3 (balance 0), so it has two creditor banks."""
    folder = make_dataset(
        enterprises="id,name,status\nD,甲,defaulted\n",
        persons="id,name\nP1,张三\n",
        institutions=INSTITUTIONS,
        loans="""
            id,borrower_id,lender_id,balance,classification
            L1,P1,K1,2000,loss
            L2,P1,K2,2000,normal
            L3,P1,K3,2000,normal
            L4,D,K1,3000,normal
            L5,D,K2,3000,normal
            L6,D,K3,0,normal
            """)
    doc = committees(load_dataset(folder))
    [d] = doc["debtors"]
    assert d["debtor"] == "D" and d["banks"] == 2 and d["creditors"] == ["K1", "K2"]
    assert d["creditor_committee"] is False


# ------------------------------------------------------------------------- parameters
def test_thresholds_are_parameters(issue_case):
    """CommitteeParams(min_debt, banks, microloans) and the circle watch thresholds
    (CircleParams.committee_banks / committee_microloans) are parameters."""
    doc = committees(issue_case, params=CommitteeParams(banks=4))
    assert doc["committees"] == [] and codes(debtor(doc, "D"))[-1] == "below_thresholds"
    doc = committees(issue_case, params=CommitteeParams(min_debt=7000))
    assert doc["debtors"] == [] and doc["summary"]["below_min_debt"] == 1
    doc = committees(issue_case, circle_params=CircleParams(committee_banks=4))
    assert doc["circles"] == [] and doc["summary"]["circles_watch"] == 0
    assert doc["params"] == {"min_debt": 5000.0, "banks": 3, "microloans": 5,
                             "watch_banks": 4, "watch_microloans": 5}
    [c] = circle_metrics(issue_case, params=CircleParams(committee_banks=4))
    assert c["watch"] is False and c["committee_reasons"] == []


def test_bad_parameters():
    from graphrisk.errors import ParameterError

    with pytest.raises(ParameterError):
        CommitteeParams(min_debt=-1)
    with pytest.raises(ParameterError):
        CommitteeParams(banks=0)


# ------------------------------------------------------------------- building blocks
def test_building_blocks_agree(issue_case):
    """debtor_facts, creditor_pairs and label_committees count the same creditors."""
    net = issue_case
    f = debtor_facts(net)
    d = net.positions("D")[0]
    assert f.due[d] and f.large[d] and f.major[d] and not f.mixed[d]
    lab = np.full(net.n, -1)
    lab[net.positions(["A", "B"])] = 0
    cc, lender, bal = creditor_pairs(net, lab)
    assert net.ids[lender].tolist() == ["K1", "K3", "K2"] and bal.tolist() == [4000, 3000, 1000]
    [rec] = label_committees(net, lab, 1, facts=f, banks=3, microloans=5)
    assert rec["creditors"] == ["K1", "K3", "K2"] and rec["watch"]
    assert debtor_committees(net) == committees(net)["debtors"]


def test_empty_dataset(make_dataset):
    doc = committees(load_dataset(make_dataset(enterprises="id,name\nE1,甲\n")))
    assert doc["debtors"] == doc["committees"] == doc["circles"] == doc["groups"] == []
    assert doc["summary"]["troubled"] == 0 and doc["summary"]["circles"] == 0


# ---------------------------------------------------------------------- consumers
def test_watchlist_and_annotations_carry_the_decision(issue_case):
    """The watchlist entry and the Neo4j annotations of a debtor say whether a committee is
    due, with the reasons (issue 14: "The report, circle pages, watchlist and Neo4j
    annotations use it")."""
    from graphrisk.neo4j.annotate import ANNOTATIONS, compute_annotations
    from graphrisk.watch.watchlist import watchlist

    entries = {e["id"]: e for e in watchlist(issue_case, include_all=True).entries}
    assert entries["D"]["creditor_committee"] is True
    assert [r["code"] for r in entries["D"]["committee_reasons"]] == [
        "status_defaulted", "large_debt", "banks"]
    assert entries["A"]["creditor_committee"] is False and entries["A"]["committee_reasons"] == []
    nodes, _, notes = compute_annotations(issue_case)
    assert nodes["D"]["creditor_committee"] is True
    assert nodes["D"]["committee_reasons"][-1] == "债权银行 3 家（≥ 3 家）"
    assert "creditor_committee" not in nodes["A"]
    assert {"creditor_committee", "committee_reasons"} <= set(ANNOTATIONS)


# --------------------------------------------------------------------------- the demo
def test_demo_before_and_after():
    """On the demo county one debtor in distress owes ≥ 5,000 万元 to ≥ 3 banks: 青山置业
    (a credit event; 5,600 万元 from 4 banks) — a committee is due, and its circle C001
    needs one through it.  The other 8 troubled firms owe less (the largest, 青山水泥,
    2,800).  Graphrisk 0.1.0 flagged circle C001 on its 4 banks alone, whatever its
    members' state; GRP001, GRP002, GRP004 (≥ 3 banks) are watched.  At the demo's date
    2026-03-31 the 酒业 – 饮料 – 玻璃 circle is broken (G005, G006 ended): 3 circles."""
    ds = load_dataset(DEMO)
    doc = committees(ds)
    s = doc["summary"]
    names = ds.names()
    assert (s["troubled"], s["debtors"], s["committees"], s["below_min_debt"]) == (9, 1, 1, 8)
    assert [names[d["debtor"]] for d in doc["committees"]] == ["青山置业有限公司"]
    assert [c["id"] for c in doc["circles"]] == ["C001"]
    assert [g["id"] for g in doc["groups"]] == ["GRP001", "GRP002", "GRP004"]
    assert [c["creditor_committee"] for c in analyze_circles(ds)["circles"]] == [
        True, False, False]
    low = committees(ds, params=CommitteeParams(min_debt=1000, banks=2))
    assert [names[d["debtor"]] for d in low["committees"]] == [
        "青山置业有限公司", "青山水泥有限公司", "青山机械制造有限公司", "青山玻璃制品有限公司"]
    # 玻璃 (defaulted, 1,000 from 2 banks) is in no circle any more: only C001 needs a
    # committee through a member; 玻璃's group is now 玻璃 → 酒业 alone (G007), GRP006
    assert [c["id"] for c in low["circles"] if c["creditor_committee"]] == ["C001"]
    glass = {g["id"]: g for g in low["groups"]}["GRP006"]
    assert glass["names"] == ["青山酒业有限公司", "青山玻璃制品有限公司"]
    assert glass["creditor_committee"] is True and glass["watch"] is False
    # read undated, the drinks circle C003 needed one through 玻璃
    undated = committees(load_dataset(DEMO, dated=False),
                         params=CommitteeParams(min_debt=1000, banks=2))
    assert [c["id"] for c in undated["circles"] if c["creditor_committee"]] == ["C001", "C003"]


@pytest.fixture
def small_net(small):
    from graphrisk.network.graph import build_network

    return build_network(load_dataset(small))


def test_table_positions_are_the_positions_of_the_table_ids(small_net):
    for table in ("enterprises", "persons", "institutions"):
        ids = small_net.dataset.tables[table]["id"]
        assert table_positions(small_net, table).tolist() == small_net.positions(ids).tolist()


def test_table_positions_of_a_network_in_another_order(small_net):
    """A network whose ids are not in table order falls back on the id look-up."""
    from dataclasses import replace

    order = np.arange(small_net.n)[::-1]
    arrays = {f: getattr(small_net, f) for f in ("g_src", "g_dst", "h_src", "h_dst",
                                                  "l_borrower", "l_lender")}
    inverse = np.argsort(order)
    shuffled = replace(small_net, ids=small_net.ids[order], kind=small_net.kind[order],
                       **{k: inverse[v].astype(v.dtype) for k, v in arrays.items()})
    got = table_positions(shuffled, "enterprises")
    assert shuffled.ids[got].tolist() == small_net.dataset.tables["enterprises"]["id"].tolist()


def test_label_ids_are_a_new_list_each_time():
    first = label_ids("C", 3)
    first.append("X")
    assert label_ids("C", 3) == ["C001", "C002", "C003"]
    assert label_ids("GRP", 1000)[-1] == "GRP1000"
