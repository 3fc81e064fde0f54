"""Risk signals (SPEC §8): own signals on hand-built datasets, network signals against
hand-worked cascades and a brute-force reference on random networks."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import OwnershipParams, RelatedParams, WarningParams
from graphrisk.watch._facts import (
    cascade_facts,
    circle_facts,
    network_facts,
    npl_guarantee_calls,
    related_pairs,
)
from graphrisk.watch.levels import LEVELS, describe, signal_levels
from graphrisk.watch.signals import (
    SIGNALS,
    NetworkFacts,
    condition,
    key_person_links,
    network_signals,
    own_signals,
)
from graphrisk.watch.watchlist import watchlist

from .conftest import SMALL

BANK = "id,name\nB1,青山银行\nB2,农商银行\n"


def by_code(frame, net) -> dict[tuple[str, str], dict]:
    """{(entity id, code): {"value", "count", "detail"}}"""
    return {(net.ids[p], c): {"value": v, "count": n, "detail": d}
            for p, c, v, n, d in zip(frame["pos"], frame["code"], frame["value"],
                                     frame["count"], frame["detail"], strict=True)}


def load(make_dataset, **tables):
    ds = load_dataset(make_dataset(**tables))
    return ds, build_network(ds)


def test_condition_small(small):
    ds = load_dataset(small)
    net = build_network(ds)
    cond = dict(zip(net.ids, condition(net).tolist(), strict=True))
    # E2 distressed and owes a substandard loan; E3 defaulted; E1/E4 clean
    assert cond == {"E1": 0, "E2": 1, "E3": 2, "E4": 0, "P1": 0, "B1": 0, "B2": 0, "M1": 0}


def test_condition_npl_makes_troubled(make_dataset):
    ds, net = load(make_dataset, enterprises="id,name\nA,a\nB,b\n", institutions=BANK,
                   persons="id,name\nP,p\n",
                   loans="id,borrower_id,lender_id,balance,classification\n"
                         "L1,A,B1,10,doubtful\nL2,P,B1,5,loss\nL3,B,B1,1,special_mention\n")
    cond = dict(zip(net.ids, condition(net).tolist(), strict=True))
    assert cond["A"] == 1 and cond["P"] == 1 and cond["B"] == 0


LOANS = """
    id,borrower_id,lender_id,balance,classification,overdue_days,overdue_count,extensions
    L1,A,B1,100,special_mention,10,1,
    L2,A,B2,50,special_mention,35,1,1
    L3,A,B1,70,substandard,,,
    L4,B,B1,200,doubtful,120,3,2
    L5,B,B1,30,loss,400,,
    L6,C,B1,500,normal,,,
    L7,P,B1,80,loss,200,5,1
    """


def test_own_loan_signals(make_dataset):
    ds, net = load(make_dataset, enterprises="id,name\nA,a\nB,b\nC,c\n",
                   persons="id,name\nP,p\n", institutions=BANK, loans=LOANS)
    got = by_code(own_signals(net), net)
    assert got[("A", "loan_special_mention")]["value"] == 150
    assert got[("A", "loan_special_mention")]["count"] == 2
    assert got[("A", "loan_special_mention")]["detail"] == {"loans": ["L1", "L2"]}
    assert got[("A", "loan_substandard")]["value"] == 70
    assert got[("A", "overdue_days")]["value"] == 35  # the worst loan
    assert got[("A", "overdue_days")]["detail"] == {"loans": ["L2", "L1"]}
    assert got[("A", "overdue_count")]["value"] == 2  # summed over the loans
    assert got[("A", "extensions")]["value"] == 1
    assert got[("B", "loan_doubtful")]["value"] == 200 and got[("B", "loan_loss")]["value"] == 30
    assert got[("B", "overdue_days")]["value"] == 400
    assert got[("B", "overdue_count")]["value"] == 3 and got[("B", "extensions")]["value"] == 2
    # a clean firm and a person borrower give nothing
    assert not [k for k in got if k[0] in ("C", "P")]


def test_status_and_event_signals(make_dataset):
    ds, net = load(
        make_dataset,
        enterprises="id,name,status\nA,a,defaulted\nB,b,distressed\nC,c,normal\n",
        events="""
            enterprise_id,date,category,severity,description
            A,2025-01-01,credit,3,旧事件
            A,2025-03-01,credit,4,账户被冻结
            A,2025-04-01,credit,4,最新的严重事件
            A,2025-02-01,public_opinion,1,负面报道
            C,2025-05-01,operating,,停产
            """)
    got = by_code(own_signals(net), net)
    assert got[("A", "status_defaulted")]["value"] == 1
    assert got[("B", "status_distressed")]["value"] == 1
    ev = got[("A", "event_credit")]
    assert ev["value"] == 4 and ev["count"] == 3
    assert ev["detail"] == {"date": "2025-04-01", "description": "最新的严重事件", "severity": 4}
    assert got[("A", "event_public_opinion")]["value"] == 1
    # a missing severity takes WarningParams.missing_severity
    assert got[("C", "event_operating")]["value"] == 2
    got = by_code(own_signals(net, params=WarningParams(missing_severity=3)), net)
    assert got[("C", "event_operating")]["value"] == 3


def test_negative_equity_and_leverage(make_dataset):
    """Issue 14 item 7 / SPEC §8: "negative equity (资不抵债: net assets < 0, or
    liabilities > assets; orange), high leverage (资产负债率 above a parameter, yellow)"."""
    ds, net = load(make_dataset, enterprises="""
        id,name,net_assets,total_assets,total_liabilities
        A,净资产为负,-50,,
        B,负债超过资产,,100,130
        C,报表不一致,10,100,120
        D,高负债,10,100,90
        E,恰好八成,20,100,80
        F,零资产,,0,5
        G,无报表,,,
        H,健康,600,1000,400
        """)
    got = by_code(own_signals(net), net)
    neg = {k[0]: v["value"] for k, v in got.items() if k[1] == "negative_equity"}
    # A: -(-50); B: 130 - 100; C: net assets 10 but liabilities exceed assets by 20; F: 5 - 0
    assert neg == {"A": 50, "B": 30, "C": 20, "F": 5}
    assert got[("A", "negative_equity")]["detail"] == {"net_assets": -50.0}
    assert got[("C", "negative_equity")]["detail"] == {
        "net_assets": 10.0, "total_assets": 100.0, "total_liabilities": 120.0}
    lev = {k[0]: v["value"] for k, v in got.items() if k[1] == "high_leverage"}
    # above 80 %: B 130 %, C 120 %, D 90 %; E is exactly 80 % (not above); F has no assets
    assert lev == pytest.approx({"B": 130, "C": 120, "D": 90})
    assert got[("D", "high_leverage")]["detail"] == {"total_assets": 100.0,
                                                    "total_liabilities": 90.0}
    got = by_code(own_signals(net, params=WarningParams(leverage_yellow=0.75)), net)
    assert {k[0] for k in got if k[1] == "high_leverage"} == {"B", "C", "D", "E"}
    sig = own_signals(net)
    lv = dict(zip(zip(net.ids[sig["pos"]], sig["code"], strict=True),
                  (LEVELS[i] for i in signal_levels(sig)), strict=True))
    assert lv[("A", "negative_equity")] == "orange" and lv[("D", "high_leverage")] == "yellow"


def test_many_lenders(make_dataset):
    """Issue 14 item 7 / SPEC §8: "many lenders (多头授信: >= a parameter of lenders,
    yellow)" — distinct lending institutions; an inter-company loan is not 授信."""
    ds, net = load(
        make_dataset, enterprises="id,name\nA,a\nB,b\nX,x\n", persons="id,name\nP,p\n",
        institutions="id,name,type\nB1,银行一,bank\nB2,银行二,bank\nM1,小贷,microloan\n",
        loans="""
            id,borrower_id,lender_id,balance
            L1,A,B1,100
            L2,A,B1,50
            L3,A,B2,30
            L4,A,M1,200
            L5,B,B1,10
            L6,B,B2,10
            L7,B,X,500
            L8,P,B1,1
            L9,P,B2,1
            L10,P,M1,1
            """)
    got = by_code(own_signals(net), net)
    # A: B1 (150), M1 (200), B2 (30) — three institutions, largest balance first
    assert got[("A", "many_lenders")] == {"value": 3, "count": 3,
                                          "detail": {"ids": ["M1", "B1", "B2"]}}
    assert ("B", "many_lenders") not in got  # two banks and a firm X
    assert ("P", "many_lenders") not in got  # persons get no signals
    got = by_code(own_signals(net, params=WarningParams(lenders_yellow=2)), net)
    assert got[("B", "many_lenders")]["value"] == 2


PERSON_EVENTS = dict(
    enterprises="id,name\nA,控股公司\nB,董事长任职\nC,仅为董事\nD,直接持股\nE,少数股权\n"
                "F,间接持股\nG,无关企业\n",
    persons="id,name\nP,马超\nQ,李四\nR,王五\n",
    positions="""
        person_id,company_id,role
        P,A,actual_controller
        P,A,legal_representative
        P,B,chairman
        P,C,director
        Q,A,cfo
        R,G,general_manager
        """,
    shareholdings="""
        holder_id,company_id,share_pct
        P,D,30
        P,E,20
        D,F,40
        """,
    events="""
        enterprise_id,date,category,severity,description
        P,2025-09-02,related,4,实际控制人失联
        P,2025-03-01,public_opinion,2,传闻出境
        Q,2025-10-01,related,3,财务负责人被采取强制措施
        G,2025-01-01,operating,1,订单减少
        """,
)


def test_person_event_reaches_the_firms_of_its_key_persons(make_dataset):
    """Issue 14 item 8 (主要股东、高管失联、外逃、被采取强制措施): "the event raises
    ``related_person_event`` on every enterprise where that person is actual controller,
    chairman, general manager, legal representative, CFO or a holder of >= 25 %, at the
    event's severity, with the role in the reason".

    P is actual controller and legal representative of A, chairman of B, only a director
    of C, holds 30 % of D (so, passthrough, D's 40 % of F) and 20 % of E; Q is A's CFO.
    """
    ds, net = load(make_dataset, **PERSON_EVENTS)
    got = by_code(own_signals(net), net)
    person = {k[0]: v for k, v in got.items() if k[1] == "related_person_event"}
    assert set(person) == {"A", "B", "D", "F"}
    # A: P's two events and Q's one; the worst is P's severity 4 (the latest among equals)
    assert person["A"]["value"] == 4 and person["A"]["count"] == 3
    assert person["A"]["detail"] == {
        "person": "P", "roles": ["actual_controller", "legal_representative"],
        "date": "2025-09-02", "category": "related", "description": "实际控制人失联",
        "severity": 4, "persons": [{"id": "P", "roles": ["actual_controller",
                                                          "legal_representative"]},
                                   {"id": "Q", "roles": ["cfo"]}]}
    assert person["B"]["detail"]["roles"] == ["chairman"] and person["B"]["count"] == 2
    assert person["D"]["detail"]["persons"] == [{"id": "P", "roles": ["shareholder"],
                                                 "share_pct": 30.0}]
    assert person["F"]["detail"]["persons"][0]["share_pct"] == 40.0
    # a person's event is no event of the firm itself, and reaches no person or institution
    assert not [k for k in got if k[1].startswith("event_") and k[0] != "G"]
    assert not [k for k in got if k[0] in ("P", "Q", "R")]
    # the reason names the person and the role
    zh, en = describe("related_person_event", person["B"]["value"], person["B"]["count"],
                      person["B"]["detail"], ds.names())
    assert zh == "关键人员马超（董事长）的风险事件（关联风险，严重程度 4，2025-09-02）：" \
                 "实际控制人失联；共 2 起"
    assert en.startswith("risk event of key person 马超 (chairman) (related risk, severity 4")


def test_person_event_holders_follow_the_ownership_parameters(make_dataset):
    """The >= 25 % holder test uses h of SPEC §3 in ``WarningParams.related`` (mode and
    ``equity_threshold``): multiply gives P 30 % x 40 % = 12 % of F, not a holder."""
    ds, net = load(make_dataset, **PERSON_EVENTS)
    multiply = WarningParams(related=RelatedParams(ownership=OwnershipParams("multiply")))
    got = by_code(own_signals(net, params=multiply), net)
    assert {k[0] for k in got if k[1] == "related_person_event"} == {"A", "B", "D"}
    low = WarningParams(related=RelatedParams(equity_threshold=20))
    got = by_code(own_signals(net, params=low), net)
    assert {k[0] for k in got if k[1] == "related_person_event"} == {"A", "B", "D", "E", "F"}
    links = key_person_links(net, net.positions(["P", "Q", "R"]))
    assert [(net.ids[a], net.ids[b], r) for a, b, r in
            zip(links["person"], links["pos"], links["roles"], strict=True)] == [
        ("P", "A", ["actual_controller", "legal_representative"]), ("P", "B", ["chairman"]),
        ("P", "D", ["shareholder"]), ("P", "F", ["shareholder"]), ("Q", "A", ["cfo"]),
        ("R", "G", ["general_manager"])]
    assert len(key_person_links(net, [])) == 0


def test_person_event_levels_end_to_end(make_dataset):
    """Through the watchlist: "at the event's severity" — P's severity-4 event makes A, B,
    D and F red; G only has its own severity-1 event (blue), R's firm has no R event."""
    ds, net = load(make_dataset, **PERSON_EVENTS)
    wl = watchlist(net)
    lv = {e["id"]: e["level"] for e in wl.entries}
    assert lv == {"A": "red", "B": "red", "D": "red", "F": "red", "G": "blue"}
    a = next(e for e in wl.entries if e["id"] == "A")
    assert a["reasons"][0]["signal"] == "related_person_event"
    assert "马超（实际控制人、法定代表人）" in a["reasons"][0]["zh"]
    assert "李四（财务负责人）" in a["reasons"][0]["zh"]


def test_empty_dataset_gives_no_signal(make_dataset):
    ds, net = load(make_dataset, enterprises="id,name\nA,a\n")
    assert len(own_signals(net)) == 0
    facts = network_facts(net)
    assert len(network_signals(net, facts)) == 0
    assert list(own_signals(net).columns) == ["pos", "code", "value", "count", "detail"]


# --------------------------------------------------------------- network signals
CASCADE = dict(
    enterprises="""
        id,name,status,net_assets
        D,违约企业,defaulted,0
        G,担保企业,normal,500
        H,再担保企业,normal,10000
        X,旁观企业,normal,100
        """,
    institutions=BANK,
    loans="""
        id,borrower_id,lender_id,balance
        L1,D,B1,1000
        L2,G,B1,400
        L3,X,B2,100
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id
        GA,G,D,800,L1
        GB,H,G,300,L2
        """,
)


def test_cascade_signals_hand_worked(make_dataset):
    # D defaults with capacity 0: shortfall 1000 on L1, G is called 800 > its capacity 500:
    # G defaults in round 1.  SPEC §6 step 1 (先穷尽主债务人, pari passu): G's 500 is shared
    # over its obligations, L2 400 and the call 800, so L2 gets 500 x 400 / 1200 = 166.67
    # and its shortfall 233.33 is called on H (<= the 300 guaranteed, <= 10,000): H survives.
    ds, net = load(make_dataset, **CASCADE)
    rounds, calls, source, _ = cascade_facts(net)
    assert source == "cascade"
    got = dict(zip(net.ids, rounds.tolist(), strict=True))
    assert got["D"] == 0 and got["G"] == 1 and got["H"] == -1 and got["X"] == -1
    assert dict(zip(net.ids, calls.tolist(), strict=True))["G"] == pytest.approx(800)
    assert dict(zip(net.ids, calls.tolist(), strict=True))["H"] == pytest.approx(700 / 3)
    sig = by_code(network_signals(net, network_facts(net)), net)
    assert sig[("G", "cascade_default")]["value"] == 1
    assert sig[("G", "cascade_default")]["detail"]["calls"] == pytest.approx(800)
    assert ("D", "cascade_default") not in sig  # a seed is defaulted already
    assert sig[("G", "guarantee_calls")]["value"] == pytest.approx(800)
    assert sig[("H", "guarantee_calls")]["value"] == pytest.approx(700 / 3)
    assert sig[("G", "borrower_defaulted")] == {"value": 800, "count": 1, "detail": {"ids": ["D"]}}
    assert not [k for k in sig if k[0] == "X"]


def test_cascade_recovery_parameter(make_dataset):
    ds, net = load(make_dataset, **CASCADE)
    # recovery 0.6: shortfall 400 on L1, G pays 400 <= 500 and survives; no call on H
    rounds, calls, _, _ = cascade_facts(net, recovery=0.6)
    got = dict(zip(net.ids, rounds.tolist(), strict=True))
    assert got["G"] == -1
    assert dict(zip(net.ids, calls.tolist(), strict=True)) == pytest.approx(
        {"D": 0, "G": 400, "H": 0, "X": 0, "B1": 0, "B2": 0})


def test_npl_guarantee_calls_fallback(make_dataset):
    ds, net = load(
        make_dataset,
        enterprises="id,name,status\nA,a,normal\nB,b,defaulted\nG1,g1,\nG2,g2,\nG3,g3,\n",
        institutions=BANK,
        loans="""
            id,borrower_id,lender_id,balance,classification
            LA1,A,B1,300,substandard
            LA2,A,B1,700,normal
            LB,B,B1,200,normal
            """,
        guarantees="""
            id,guarantor_id,borrower_id,amount,loan_id
            g1,G1,A,1000,LA1
            g2,G1,A,500,LA2
            g3,G2,A,100,
            g4,G3,B,150,
            g5,G3,A,250,
            """)
    calls = dict(zip(net.ids, npl_guarantee_calls(net).tolist(), strict=True))
    # g1 on an NPL loan: min(1000, 300); g2 on a performing loan: 0
    assert calls["G1"] == 300
    # g3 general on A: min(100, A's NPL balance 300); g5: min(250, 300); g4 on defaulted B: 150
    assert calls["G2"] == 100 and calls["G3"] == 150 + 250


def test_guarantor_borrower_and_lending_signals(make_dataset):
    ds, net = load(
        make_dataset,
        enterprises="id,name,status\nD,d,defaulted\nT,t,distressed\nA,a,normal\nL,l,normal\n",
        persons="id,name\nP,p\n", institutions=BANK,
        loans="""
            id,borrower_id,lender_id,balance
            LD,D,L,250
            LA,A,B1,100
            """,
        guarantees="""
            id,guarantor_id,borrower_id,amount
            g1,D,A,40
            g2,T,A,60
            g3,A,D,70
            g4,P,A,10
            """)
    sig = by_code(network_signals(net, NetworkFacts()), net)
    assert sig[("A", "guarantor_defaulted")] == {"value": 40, "count": 1, "detail": {"ids": ["D"]}}
    assert sig[("A", "guarantor_troubled")] == {"value": 60, "count": 1, "detail": {"ids": ["T"]}}
    assert sig[("A", "borrower_defaulted")]["value"] == 70
    # an enterprise lender of a defaulted borrower is exposed too
    assert sig[("L", "borrower_defaulted")] == {"value": 250, "count": 1, "detail": {"ids": ["D"]}}
    assert ("T", "borrower_troubled") not in sig


def test_related_signals_skip_guarantee_only_pairs(make_dataset):
    ds, net = load(
        make_dataset,
        enterprises="id,name,status\nD,d,defaulted\nS,s,normal\nG,g,normal\n",
        institutions=BANK,
        shareholdings="holder_id,company_id,share_pct\nD,S,30\n",
        loans="id,borrower_id,lender_id,balance\nLD,D,B1,100\n",
        guarantees="id,guarantor_id,borrower_id,amount,loan_id\ng1,G,D,50,LD\n")
    pairs, _ = related_pairs(net, [net.positions("D")[0]], RelatedParams())
    assert {(net.ids[a], net.ids[b]): r for a, b, r in pairs.itertuples(index=False)} == {
        ("D", "G"): ["guarantee"], ("D", "S"): ["equity"]}
    sig = by_code(network_signals(net, network_facts(net)), net)
    assert sig[("S", "related_defaulted")] == {"value": 1, "count": 1,
                                                "detail": {"ids": ["D"], "rules": [["equity"]]}}
    assert ("G", "related_defaulted") not in sig  # G's link is a guarantor signal already
    assert ("G", "borrower_defaulted") in sig


def test_related_pairs_equal_the_public_stream(small):
    from graphrisk.ownership.related import related_parties

    ds = load_dataset(small)
    net = build_network(ds)
    around = np.arange(4)
    fast, _ = related_pairs(net, around, RelatedParams())
    keep = set(net.ids[around])
    slow = {(int(net.positions(p["a"])[0]), int(net.positions(p["b"])[0]), tuple(p["rules"]))
            for p in related_parties(net, params=RelatedParams()).pairs(max_paths=1)
            if p["a"] in keep or p["b"] in keep}
    as_set = {(a, b, tuple(r)) for a, b, r in fast.itertuples(index=False)}
    assert as_set == slow
    assert len(as_set) >= 3


def test_circle_signals(make_dataset):
    ds, net = load(
        make_dataset,
        enterprises="id,name\nA,a\nB,b\nC,c\nD,d\nE,e\nF,f\n", institutions=BANK,
        loans="id,borrower_id,lender_id,balance,classification\nLC,C,B1,10,substandard\n",
        guarantees="""
            id,guarantor_id,borrower_id,amount
            1,A,B,1
            2,B,C,1
            3,C,A,1
            4,D,E,1
            5,E,D,1
            6,E,F,1
            """)
    sig = by_code(network_signals(net, network_facts(net)), net)
    members = {k[0] for k in sig if k[1] == "circle_member"}
    assert members == {"A", "B", "C", "D", "E"}
    assert sig[("A", "circle_member")]["value"] == 3 and sig[("D", "circle_member")]["value"] == 2
    assert {k[0] for k in sig if k[1] == "circle_npl"} == {"A", "B"}  # C itself is the NPL one
    assert sig[("A", "circle_npl")]["detail"]["ids"] == ["C"]


def random_dataset(rng: random.Random, n: int) -> dict[str, str]:
    status = ["normal"] * 6 + ["distressed", "defaulted"]
    ents = [f"E{i}" for i in range(n)]
    rows = [f"{e},企业{e},{rng.choice(status)},{rng.choice([0, 50, 500])}" for e in ents]
    loans = []
    for i, e in enumerate(ents):
        for j in range(rng.randint(0, 2)):
            cls = rng.choice(["normal"] * 4 + ["special_mention", "substandard", "loss"])
            loans.append(f"L{i}_{j},{e},B1,{rng.randint(1, 300)},{cls}")
    gs = []
    for k in range(rng.randint(0, 3 * n)):
        a, b = rng.sample(ents, 2)
        gs.append(f"G{k},{a},{b},{rng.randint(1, 200)}")
    return dict(enterprises="id,name,status,net_assets\n" + "\n".join(rows),
                institutions=BANK,
                loans="id,borrower_id,lender_id,balance,classification\n" + "\n".join(loans),
                guarantees="id,guarantor_id,borrower_id,amount\n" + "\n".join(gs))


@pytest.mark.parametrize("seed", [0, *range(2, 10)])
def test_network_signals_against_brute_force(make_dataset, seed):
    rng = random.Random(seed)
    ds, net = load(make_dataset, **random_dataset(rng, rng.randint(3, 14)))
    e = ds.tables["enterprises"].set_index("id")
    lo, g = ds.tables["loans"], ds.tables["guarantees"]
    npl = set(lo.loc[lo["classification"].isin(["substandard", "doubtful", "loss"]), "borrower_id"])
    cond = {i: 2 if e.loc[i, "status"] == "defaulted" else
            1 if (e.loc[i, "status"] == "distressed" or i in npl) else 0 for i in e.index}
    G = nx.DiGraph()
    G.add_nodes_from(e.index)
    expect: dict[tuple[str, str], float] = {}
    for _, r in g.iterrows():
        G.add_edge(r["guarantor_id"], r["borrower_id"])
        for who, other, side in ((r["borrower_id"], r["guarantor_id"], "guarantor"),
                                 (r["guarantor_id"], r["borrower_id"], "borrower")):
            c = cond[other]
            if c:
                key = (who, f"{side}_{'defaulted' if c == 2 else 'troubled'}")
                expect[key] = expect.get(key, 0) + r["amount"]
    circles = [c for c in nx.strongly_connected_components(G) if len(c) >= 2]
    for c in circles:
        for m in c:
            expect[(m, "circle_member")] = len(c)
            bad = sum(1 for o in c if o != m and cond[o])
            if bad:
                expect[(m, "circle_npl")] = bad
    facts = network_facts(net)
    facts.related, facts.calls, facts.cascade_round = None, None, None
    got = {k: v["value"] for k, v in by_code(network_signals(net, facts), net).items()}
    assert got == pytest.approx(expect)
    assert expect  # every one of these random networks produces signals
    labels, ids = circle_facts(net)
    assert len(ids) == len(circles)


def test_signal_catalogue_is_complete():
    assert all(len(v) == 4 and v[2] in ("own", "network") for v in SIGNALS.values())
    assert {"event_operating", "event_credit", "event_related", "event_public_opinion",
            "event_other"} <= set(SIGNALS)


def test_small_dataset_runs(small):
    ds = load_dataset(small)
    net = build_network(ds)
    own = by_code(own_signals(net), net)
    assert own[("E2", "loan_substandard")]["value"] == 500
    assert own[("E3", "loan_loss")]["value"] == 300
    sig = by_code(network_signals(net, network_facts(net)), net)
    # E3 (defaulted) guarantees E2 with G3: E2's guarantor defaulted
    assert sig[("E2", "guarantor_defaulted")]["value"] == 100
    assert "G3,E3,E2,100" in SMALL["guarantees"]
