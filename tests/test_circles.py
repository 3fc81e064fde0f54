"""Guarantee groups, circles, patterns and circle metrics (SPEC §5)."""

import itertools

import networkx as nx
import numpy as np
import pytest

from graphrisk.domain.glossary import PATTERNS
from graphrisk.io.load import load_dataset
from graphrisk.network.circles import (
    circle_labels,
    edge_patterns,
    guarantee_circles,
    guarantee_groups,
    member,
    members_by_label,
    mutual_pairs,
    pattern_lists,
)
from graphrisk.network.graph import Network, build_network
from graphrisk.network.metrics import analyze_circles, circle_metrics, group_metrics, label_ids
from graphrisk.params import CircleParams, CommitteeParams

from .conftest import DEMO


def network(n, edges, amounts=None, balances=None):
    """A Network of enterprises E0..E{n-1} with the given guarantees (and one loan each)."""
    src = np.array([e[0] for e in edges], dtype=np.int32)
    dst = np.array([e[1] for e in edges], dtype=np.int32)
    amt = np.ones(len(edges)) if amounts is None else np.asarray(amounts, dtype=float)
    bal = np.zeros(n) if balances is None else np.asarray(balances, dtype=float)
    e = np.zeros(0, dtype=np.int32)
    return Network(
        ids=np.array([f"E{i}" for i in range(n)], dtype=object), kind=np.zeros(n, np.int8),
        g_src=src, g_dst=dst, g_amount=amt, g_loan=np.full(len(edges), -1, np.int32),
        g_id=np.array([f"G{i}" for i in range(len(edges))], dtype=object),
        h_src=e, h_dst=e, h_pct=np.zeros(0),
        l_borrower=np.arange(n, dtype=np.int32), l_lender=np.zeros(n, np.int32),
        l_balance=bal, l_npl=np.zeros(n, bool),
        l_id=np.array([f"L{i}" for i in range(n)], dtype=object))


def patterns_of(net, params=None):
    flags = edge_patterns(net, params=params)
    return dict(zip(net.g_id.tolist(), map(set, pattern_lists(flags)), strict=True))


def components(labels):
    return {frozenset(m.tolist()) for m in members_by_label(labels)}


# ------------------------------------------------------------ hand-built patterns
def test_mutual_pair_is_mutual_only():
    net = network(2, [(0, 1), (1, 0)])
    assert patterns_of(net) == {"G0": {"mutual"}, "G1": {"mutual"}}
    assert mutual_pairs(net).tolist() == [[0, 1]]


def test_three_circle():
    net = network(3, [(0, 1), (1, 2), (2, 0)])
    assert all(p == {"circle"} for p in patterns_of(net).values())


def test_circle_with_chords_and_mutual_inside():
    # 0→1→2→3→0, chord 0→2, and 3↔0 (3→0 is part of the ring, 0→3 added)
    net = network(4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 3)])
    p = patterns_of(net, CircleParams(star_degree=4))  # 0 backs three: not a star here
    assert p["G0"] == p["G1"] == p["G2"] == p["G4"] == {"circle"}
    # 3→0 is on 0→1→2→3→0; 0→3 returns only through 3→0 (3 has no other way out)
    assert p["G3"] == {"mutual", "circle"}
    assert p["G5"] == {"mutual"}


def test_mutual_edge_on_a_longer_cycle_in_one_direction_only():
    # u=0, v=1: 0↔1 and 0→2→1.  0→1 can return only through 1→0 → mutual only;
    # 1→0 closes 1→0→2→1 → mutual and circle.
    net = network(3, [(0, 1), (1, 0), (0, 2), (2, 1)])
    p = patterns_of(net)
    assert p["G0"] == {"mutual"} and p["G1"] == {"mutual", "circle"}
    assert p["G2"] == p["G3"] == {"circle"}


def test_mutual_link_needing_a_search():
    # 0↔1, 1→2, 2↔3, 3→0: without reciprocated links 0 and 1 are not strongly
    # connected, yet 1→2→3→0 closes a cycle of four through 0→1
    net = network(4, [(0, 1), (1, 0), (1, 2), (2, 3), (3, 2), (3, 0)])
    p = patterns_of(net)
    assert p["G0"] == {"mutual", "circle"} and p["G3"] == {"mutual", "circle"}
    assert p["G1"] == {"mutual"} and p["G4"] == {"mutual"}     # 1→0 / 3→2 only return
    assert p["G2"] == p["G5"] == {"circle"}


def test_two_mutual_pairs_sharing_a_node_are_not_a_circle():
    # 0↔1↔2: one SCC of three, but no simple cycle of length >= 3
    net = network(3, [(0, 1), (1, 0), (1, 2), (2, 1)])
    assert all(p == {"mutual"} for p in patterns_of(net).values())
    assert len(guarantee_circles(net)) == 1


def test_chain_joint_star_single():
    edges = [(0, 1), (1, 2),                 # chain 0→1→2
             (3, 6), (4, 6), (5, 6),          # joint: 6 has three guarantors
             (7, 8), (7, 9), (7, 10),         # star: 7 backs three borrowers
             (11, 12), (11, 12),              # single (two contracts, one link)
             (13, 14), (13, 15)]              # a fork of two: chain (shares a party)
    p = patterns_of(network(16, edges))
    assert p["G0"] == p["G1"] == {"chain"}
    assert p["G2"] == p["G3"] == p["G4"] == {"joint"}
    assert p["G5"] == p["G6"] == p["G7"] == {"star"}
    assert p["G8"] == p["G9"] == {"single"}
    assert p["G10"] == p["G11"] == {"chain"}


def test_star_and_joint_thresholds_are_parameters():
    net = network(3, [(0, 1), (0, 2)])
    assert patterns_of(net, CircleParams(star_degree=2))["G0"] == {"star"}
    net = network(3, [(1, 0), (2, 0)])
    assert patterns_of(net, CircleParams(joint_degree=2))["G0"] == {"joint"}


def test_every_guarantee_gets_a_pattern_and_chain_single_are_exclusive():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 25))
        m = int(rng.integers(1, 3 * n))
        edges = [tuple(map(int, rng.choice(n, 2, replace=False))) for _ in range(m)]
        flags = edge_patterns(network(n, edges))
        stack = np.column_stack([flags[k] for k in PATTERNS])
        assert stack.any(axis=1).all()
        others = stack[:, :4].any(axis=1)
        assert not (flags["chain"] & (others | flags["single"])).any()
        assert not (flags["single"] & others).any()


def test_empty_network():
    net = network(3, [])
    assert (guarantee_groups(net) == -1).all() and guarantee_circles(net) == []
    assert all(len(f) == 0 for f in edge_patterns(net).values())
    assert mutual_pairs(net).shape == (0, 2)


# ------------------------------------------------------- against networkx / brute force
def brute_patterns(n, edges):
    """Patterns from their definitions, by enumerating cycles and paths."""
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(edges)
    on_long = set()
    for cyc in nx.simple_cycles(G):
        if len(cyc) >= 3:
            on_long.update(zip(cyc, cyc[1:] + cyc[:1], strict=True))
    U = G.to_undirected()
    comp = {v: len(c) for c in nx.connected_components(U) for v in c}
    out = {}
    for u, v in G.edges:
        p = set()
        if G.has_edge(v, u):
            p.add("mutual")
        if (u, v) in on_long:
            p.add("circle")
        if G.in_degree(v) >= 3:
            p.add("joint")
        if G.out_degree(u) >= 3:
            p.add("star")
        if not p:
            p.add("single" if comp[u] == 2 else "chain")
        out[(u, v)] = p
    return out


@pytest.mark.parametrize("seed", range(10))
def test_patterns_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        n = int(rng.integers(2, 11))
        m = int(rng.integers(1, 2 * n + 2))
        edges = [tuple(map(int, rng.choice(n, 2, replace=False))) for _ in range(m)]
        net = network(n, edges)
        got = pattern_lists(edge_patterns(net))
        ref = brute_patterns(n, edges)
        for e, pats in zip(edges, got, strict=True):
            assert set(pats) == ref[e], (edges, e)


@pytest.mark.parametrize("seed", range(6))
def test_groups_and_circles_match_networkx(seed):
    rng = np.random.default_rng(50 + seed)
    n = int(rng.integers(10, 200))
    G = nx.gnp_random_graph(n, rng.uniform(0.3, 2.0) / n, directed=True,
                            seed=int(rng.integers(2**31)))
    net = network(n, list(G.edges))
    wcc = {frozenset(c) for c in nx.weakly_connected_components(G) if len(c) >= 2}
    scc = {frozenset(c) for c in nx.strongly_connected_components(G) if len(c) >= 2}
    assert components(guarantee_groups(net)) == wcc
    assert components(circle_labels(net)) == scc
    assert {frozenset(c.tolist()) for c in guarantee_circles(net)} == scc
    pairs = {(u, v) for u, v in G.edges if u < v and G.has_edge(v, u)}
    assert {tuple(p) for p in mutual_pairs(net).tolist()} == pairs


def test_labels_are_ranked_by_loans_then_size():
    # circles {0,1} (loans 5), {2,3,4} (loans 5), {5,6} (loans 9)
    edges = [(0, 1), (1, 0), (2, 3), (3, 4), (4, 2), (5, 6), (6, 5)]
    net = network(7, edges, balances=[1, 4, 1, 1, 3, 0, 9])
    assert [c.tolist() for c in guarantee_circles(net)] == [[5, 6], [2, 3, 4], [0, 1]]
    assert guarantee_groups(net).tolist() == [2, 2, 1, 1, 1, 0, 0]


def test_member_helper():
    assert member(np.array([2, 4]), np.array([4, 3, 2, 9])).tolist() == [True, False, True,
                                                                          False]
    assert member(np.zeros(0, dtype=np.int64), np.array([1])).tolist() == [False]


def test_label_ids():
    assert label_ids("C", 3) == ["C001", "C002", "C003"]
    assert label_ids("GRP", 1200)[-1] == "GRP1200"


# --------------------------------------------------------------- metrics on a dataset
CIRCLE_DS = dict(
    enterprises="""
        id,name
        A,甲
        B,乙
        C,丙
        D,丁
        X,戊
        """,
    institutions="""
        id,name,type
        K1,银行一,bank
        K2,银行二,bank
        K3,银行三,bank
        M1,小贷一,microloan
        """,
    loans="""
        id,borrower_id,lender_id,balance,classification
        L1,A,K1,3000,normal
        L2,B,K2,1000,substandard
        L3,C,K3,500,loss
        L4,A,M1,500,normal
        L5,X,K1,9999,normal
        L6,A,K2,100,normal
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount
        G1,A,B,2000
        G2,B,C,700
        G3,C,A,900
        G4,A,C,300
        G5,D,A,50
        G6,B,A,10
        """,
)


@pytest.fixture
def circle_ds(make_dataset):
    ds = load_dataset(make_dataset(**CIRCLE_DS))
    return ds, build_network(ds)


def test_circle_metrics_hand_worked(circle_ds):
    ds, net = circle_ds
    [c] = circle_metrics(net)
    assert c["id"] == "C001" and c["members"] == ["A", "B", "C"] and c["size"] == 3
    assert c["names"] == ["甲", "乙", "丙"] and c["group"] == "GRP001"
    assert c["guarantee_total"] == 2000 + 700 + 900 + 300 + 10 and c["edges"] == 5
    assert c["loan_total"] == 3000 + 1000 + 500 + 500 + 100
    assert c["npl_balance"] == 1500 and c["npl_share"] == pytest.approx(1500 / 5100)
    assert c["creditors"] == ["K1", "K2", "K3", "M1"]  # by balance owed: 3000, 1100, 500, 500
    assert (c["bank_count"], c["microloan_count"], c["creditor_count"]) == (3, 1, 4)
    assert c["other_count"] == 0
    # SPEC §5: "`watch` when they owe ≥ 3 banks or ≥ 5 microloan companies" — 3 banks;
    # but no member is a debtor in default or distress with debt ≥ 5,000 (B owes 1,000 and
    # C 500 non-performing, A 3,600 performing): no creditors' committee
    assert c["watch"] is True and c["creditor_committee"] is False
    assert c["troubled_members"] == ["B", "C"] and c["committee_debtors"] == []
    # exposure = own loans + guarantees given: A 3600 + 2300 = 5900 > 5000
    details = {d["id"]: d for d in c["member_details"]}
    assert details["A"]["exposure"] == 5900 and details["A"]["focus"]
    assert details["B"]["exposure"] == 1000 + 710 and not details["B"]["focus"]
    assert c["focus_members"] == ["A"] and c["mutual_pairs"] == 2
    # cycles: A↔B, A↔C, A→B→C→A (each starting at its smallest id)
    assert c["cycles"] == [["A", "B"], ["A", "C"], ["A", "B", "C"]]
    assert c["cycle_count"] == 3 and c["cycles_truncated"] is False


def test_circle_metrics_parameters(circle_ds):
    ds, net = circle_ds
    p = CircleParams(committee_banks=4, committee_microloans=1, focus_exposure=10000,
                     max_cycles=2, max_cycle_length=3)
    [c] = circle_metrics(net, params=p)
    assert c["watch"] is True                   # one microloan company is enough now
    assert c["creditor_committee"] is False     # a watch threshold never calls a committee
    assert c["focus_members"] == []
    assert c["cycles"] == [["A", "B"], ["A", "C"]] and c["cycles_truncated"] is True
    p = CircleParams(committee_banks=4, committee_microloans=2)
    assert circle_metrics(net, params=p)[0]["watch"] is False


def test_circle_committee_follows_the_debtor_rule(circle_ds):
    """SPEC §9: "`creditor_committee` true only when a member needs a committee per §5".
    With CommitteeParams(min_debt=1000, banks=1), B (a substandard loan of 1,000 from K2:
    in distress, debt ≥ 1,000, one bank) needs a committee, so the circle does; C (500)
    stays below the debt threshold."""
    ds, net = circle_ds
    cp = CommitteeParams(min_debt=1000, banks=1)
    [c] = circle_metrics(net, committee_params=cp)
    assert c["creditor_committee"] is True and c["committee_debtors"] == ["B"]
    assert [r["code"] for r in c["committee_reasons"]] == ["member_committee", "watch"]
    doc = analyze_circles(net, committee_params=cp)
    assert doc["summary"]["creditor_committees"] == 1 and doc["params"]["min_debt"] == 1000
    assert doc["groups"][0]["committee_debtors"] == ["B"]


def test_group_metrics(circle_ds):
    ds, net = circle_ds
    [g] = group_metrics(net)
    assert g["members"] == ["A", "B", "C", "D"] and g["size"] == 4 and g["edges"] == 6
    assert g["circles"] == ["C001"] and g["loan_total"] == 5100
    # the group's creditors are the circle's (D and X borrow nothing / are outside)
    assert (g["bank_count"], g["microloan_count"], g["other_count"]) == (3, 1, 0)
    assert g["watch"] is True and g["creditor_committee"] is False
    assert g["guarantee_total"] == 3960
    assert g["patterns"] == {"mutual": 4, "circle": 3, "joint": 3, "star": 0, "chain": 0,
                             "single": 0}


def test_analyze_circles_document(circle_ds):
    ds, net = circle_ds
    doc = analyze_circles(net)
    assert set(doc) >= {"groups", "circles", "edges", "summary"}
    e = {x["id"]: x for x in doc["edges"]}
    assert e["G5"] == {"id": "G5", "guarantor_id": "D", "borrower_id": "A", "amount": 50.0,
                       "patterns": ("joint",), "group": "GRP001", "circle": None}
    # A has three guarantors (C, D, B): every guarantee to A is joint
    assert set(e["G1"]["patterns"]) == {"mutual", "circle"} and e["G1"]["circle"] == "C001"
    assert set(e["G3"]["patterns"]) == {"mutual", "circle", "joint"}
    assert set(e["G6"]["patterns"]) == {"mutual", "joint"}    # B→A returns only via A→B
    s = doc["summary"]
    assert (s["groups"], s["circles"], s["mutual_pairs"], s["guarantees"]) == (1, 1, 2, 6)
    assert s["patterns"]["mutual"] == 4


def test_no_guarantees(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name\nE1,a\n"))
    doc = analyze_circles(ds)
    assert doc["groups"] == doc["circles"] == doc["edges"] == []
    assert doc["summary"]["circles"] == 0


# ------------------------------------------------------------------------ the demo
def test_demo_circles_as_documented():
    """The demo at its declared date 2026-03-31 (dataset.json): G005 (酒业 → 饮料, ended
    2025-12-20), G006 (饮料 → 玻璃, 2025-08-17), G012 (机械 → 五金, 2025-11-30), G014
    (置业 → 水泥, 2025-12-31), G027 (担保公司 → 马超, 2025-12-31) and G031 (矿业 → 石材,
    2026-01-29) have ended and are not counted."""
    ds = load_dataset(DEMO)
    doc = analyze_circles(ds)
    names = ds.names()
    short = {c["id"]: sorted(names[m].removeprefix("青山")[:2] for m in c["members"])
             for c in doc["circles"]}
    # the 酒业 – 饮料 – 玻璃制品 circle is broken (only G007 玻璃 → 酒业 is left) and the
    # 矿业 – 石材 group is gone with G031: 3 circles, 9 groups
    assert len(doc["circles"]) == 3 and len(doc["groups"]) == 9
    assert short == {"C001": sorted(["置业", "建工", "水泥", "商砼", "机械", "五金"]),
                     "C002": ["建材", "钢铁"], "C003": ["包装", "纸业"]}
    big = doc["circles"][0]
    # 0.1.0 flagged the big circle 需组建债委会 on its 4 banks alone; now it needs one only
    # through a member that does (SPEC §5): 青山置业, in distress (a credit event), owes
    # 5,600 万元 to 4 banks
    assert big["size"] == 6 and big["creditor_committee"] is True and big["watch"] is True
    assert [names[m] for m in big["committee_debtors"]] == ["青山置业有限公司"]
    assert [c["watch"] for c in doc["circles"]].count(True) == 1
    assert [c["creditor_committee"] for c in doc["circles"]] == [True, False, False]
    assert names[big["focus_members"][0]] == "青山置业有限公司"
    by_id = {e["id"]: set(e["patterns"]) for e in doc["edges"]}
    assert by_id["G001"] == by_id["G003"] == {"mutual"}
    assert all(by_id[f"G{i:03d}"] == {"circle"} for i in (8, 9, 10, 11, 13, 15, 16))
    # G007 玻璃 → 酒业 is all that is left of its circle: a single guarantee
    assert by_id["G007"] == {"single"}
    assert all(by_id[f"G{i:03d}"] == {"joint"} for i in range(20, 24))
    # 青山融资担保 still backs three borrowers (G024–G026): a star without G027
    assert all(by_id[f"G{i:03d}"] == {"star"} for i in range(24, 27))
    assert all(by_id[f"G{i:03d}"] == {"chain"} for i in (17, 18, 19, 28, 29, 30))
    assert all(by_id[f"G{i:03d}"] == {"single"} for i in (32, 33))
    # the six ended guarantees are no edges at all
    assert not {"G005", "G006", "G012", "G014", "G027", "G031"} & set(by_id)
    # the big circle's simple cycles: without the chords G012 and G014 only the two rings
    # through 建工 → 水泥 are left: → 商砼 → 机械 (G016 back) and → 五金 → 置业 (G008 back)
    assert big["cycle_count"] == 2 and not big["cycles_truncated"]
    assert sorted(len(c) for c in big["cycles"]) == [4, 4]
    assert big["guarantee_total"] == 7000 - 700 - 1000          # G012, G014 gone
    # circle loan total: 14,000 + 7,000 + 1,950; the 酒业 circle's 3,400 no longer counts
    assert doc["summary"]["circle_loan_total"] == 22950


def test_demo_undated_keeps_the_drinks_circle():
    """With every guarantee (undated, as 0.1.0 read the demo) the demo has its fourth
    circle 酒业 → 饮料 → 玻璃制品 → 酒业 (G005, G006, G007) and the big circle its three
    chords."""
    ds = load_dataset(DEMO, dated=False)
    doc = analyze_circles(ds)
    names = ds.names()
    assert len(doc["circles"]) == 4 and len(doc["groups"]) == 10
    drinks = doc["circles"][2]
    assert [names[m] for m in drinks["members"]] == ["青山酒业有限公司", "青山饮料有限公司",
                                                     "青山玻璃制品有限公司"]
    assert drinks["cycle_count"] == 1 and drinks["creditor_committee"] is False
    by_id = {e["id"]: set(e["patterns"]) for e in doc["edges"]}
    assert all(by_id[f"G{i:03d}"] == {"circle"} for i in range(5, 17))
    assert all(by_id[f"G{i:03d}"] == {"star"} for i in range(24, 28))
    assert all(by_id[f"G{i:03d}"] == {"single"} for i in (31, 32, 33))
    # the ring plus those made by the three chords G012, G014, G016
    big = doc["circles"][0]
    assert big["cycle_count"] == 5 and all(len(set(c)) == len(c) for c in big["cycles"])
    assert doc["summary"]["circle_loan_total"] == 26350


def test_pattern_lists_order():
    flags = {k: np.array([True, False]) for k in PATTERNS}
    assert pattern_lists(flags)[0] == tuple(PATTERNS) and pattern_lists(flags)[1] == ()


def test_random_metrics_consistent_with_networkx(make_dataset):
    rng = np.random.default_rng(9)
    n = 30
    edges = {tuple(map(int, rng.choice(n, 2, replace=False))) for _ in range(45)}
    ents = "id,name\n" + "\n".join(f"E{i},e{i}" for i in range(n))
    gs = "id,guarantor_id,borrower_id,amount\n" + "\n".join(
        f"G{k},E{u},E{v},{k + 1}" for k, (u, v) in enumerate(sorted(edges)))
    ds = load_dataset(make_dataset(enterprises=ents, guarantees=gs))
    doc = analyze_circles(ds, params=CircleParams(max_cycles=100000))
    G = nx.DiGraph()
    for k, (u, v) in enumerate(sorted(edges)):
        G.add_edge(f"E{u}", f"E{v}", amount=k + 1)
    sccs = {frozenset(c) for c in nx.strongly_connected_components(G) if len(c) > 1}
    assert {frozenset(c["members"]) for c in doc["circles"]} == sccs
    for c in doc["circles"]:
        H = G.subgraph(c["members"])
        assert c["guarantee_total"] == sum(d["amount"] for _, _, d in H.edges(data=True))
        ref = {tuple(x) for x in nx.simple_cycles(H, length_bound=6)}
        assert len(c["cycles"]) == len(ref)
        for cyc in c["cycles"]:
            assert cyc[0] == min(cyc)
            assert all(H.has_edge(a, b) for a, b in itertools.pairwise(cyc + cyc[:1]))


def test_focus_enterprises_are_every_firm_above_the_threshold(make_dataset):
    """SPEC §5: "Focus enterprises (重点协调): every enterprise whose exposure exceeds
    5,000 万元" — in a circle or not (the issue: "today only circle members are checked")."""
    from graphrisk.io.load import load_dataset
    from graphrisk.network.metrics import analyze_circles

    ds = load_dataset(make_dataset(
        enterprises="id,name\nA,甲\nB,乙\nC,丙\nD,丁\n",
        institutions="id,name\nK,银行\n",
        loans="id,borrower_id,lender_id,balance\nL1,A,K,5000\nL2,C,K,4000\nL3,D,K,100\n",
        guarantees="id,guarantor_id,borrower_id,amount\nG1,A,B,1\nG2,B,A,1\nG3,C,D,1500\n"))
    doc = analyze_circles(ds)
    # A: 5,000 + 1 (in circle A–B); C: 4,000 + 1,500 = 5,500 (in no circle); B, D below
    assert [(f["id"], f["exposure"], f["circle"]) for f in doc["focus"]] == [
        ("C", 5500.0, None), ("A", 5001.0, "C001")]
    assert doc["summary"]["focus_enterprises"] == 2
    assert doc["circles"][0]["focus_members"] == ["A"]
