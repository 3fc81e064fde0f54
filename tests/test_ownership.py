"""Holdings h(A, C) in the three modes of SPEC §3, against published worked examples,
brute-force simple-path enumeration (networkx) and a plain Python fixed point."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np
import pytest

from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import KIND_CODES, Network
from graphrisk.ownership._paths import holding_csr, passthrough_closure, path_layers
from graphrisk.ownership.holdings import holding_closure, holding_paths, holdings_of
from graphrisk.ownership.owners import owners_of
from graphrisk.params import OwnershipParams

PT, MUL, WL = "passthrough", "multiply", "weakest_link"


def make_net(edges, persons=()):
    """A Network from (holder, company, pct) triples; ids in order of appearance."""
    ids = []
    for a, b, _ in edges:
        for x in (a, b):
            if x not in ids:
                ids.append(x)
    idx = {k: i for i, k in enumerate(ids)}
    e = np.zeros(0, dtype=np.int32)
    kind = np.array([KIND_CODES["Person"] if x in persons else 0 for x in ids], dtype=np.int8)
    return Network(np.array(ids, dtype=object), kind, e, e, e.astype(float), e, e.astype(object),
                   np.array([idx[a] for a, _, _ in edges], dtype=np.int32),
                   np.array([idx[b] for _, b, _ in edges], dtype=np.int32),
                   np.array([p for _, _, p in edges], dtype=float),
                   e, e, e.astype(float), e.astype(bool), e.astype(object))


def h(edges, a, c, mode=PT, threshold=25.0, **kw):
    net = make_net(edges)
    i, j = net.positions([a, c])
    return float(holding_closure(net, params=OwnershipParams(mode, threshold, **kw))[i, j])


# ------------------------------------------------------------- worked examples
OFAC_CHAIN = [("X", "A", 50), ("A", "B", 50)]
OFAC_TWO = [("X", "A", 50), ("X", "B", 50), ("A", "C", 25), ("B", "C", 25)]
OFAC_DIRECT = [("X", "A", 50), ("X", "B", 10), ("A", "B", 40)]


@pytest.mark.parametrize("edges,target,pt,mul", [
    (OFAC_CHAIN, "B", 50.0, 25.0),      # OFAC FAQ 401, example 1
    (OFAC_TWO, "C", 50.0, 25.0),        # example 2: two 50 %-owned holders, 25 % each
    (OFAC_DIRECT, "B", 50.0, 30.0),     # example 3: 10 % direct + 40 % through A
])
def test_ofac_50_percent_rule(edges, target, pt, mul):
    assert h(edges, "X", target, PT, threshold=50) == pytest.approx(pt)
    assert h(edges, "X", target, MUL) == pytest.approx(mul)


def test_42_announcement_case():
    edges = [("A", "M", 30), ("M", "T", 40)]
    assert h(edges, "A", "T", PT) == pytest.approx(40.0)
    assert h(edges, "A", "T", MUL) == pytest.approx(12.0)
    # below the threshold nothing passes through
    assert h([("A", "M", 24.9), ("M", "T", 40)], "A", "T", PT) == 0.0


def test_multi_path_multiply():
    edges = [("A", "B", 40), ("A", "C", 30), ("B", "D", 50), ("C", "D", 20)]
    assert h(edges, "A", "D", MUL) == pytest.approx(26.0)
    assert h(edges, "A", "D", WL) == pytest.approx(60.0)
    assert h(edges, "A", "D", PT) == pytest.approx(70.0)


UBO_KATA = [("C1", "C", 50), ("I1", "C", 50), ("C2", "C1", 40), ("I1", "C1", 60),
            ("I2", "C2", 10), ("I3", "C2", 90)]


def test_ubo_kata_multiply():
    assert h(UBO_KATA, "I1", "C", MUL) == pytest.approx(80.0)
    assert h(UBO_KATA, "I2", "C", MUL) == pytest.approx(2.0)
    assert h(UBO_KATA, "I3", "C", MUL) == pytest.approx(18.0)


def test_control_versus_cash_flow():
    edges = [("F", "C", 30), ("F", "B", 30), ("B", "C", 20)]
    assert h(edges, "F", "C", WL) == pytest.approx(50.0)
    assert h(edges, "F", "C", MUL) == pytest.approx(36.0)


@pytest.mark.parametrize("mode", [PT, MUL, WL])
def test_hundred_percent_loop_terminates(mode):
    net = make_net([("A", "B", 100), ("B", "A", 100)])
    H = holding_closure(net, params=OwnershipParams(mode)).toarray()
    assert H.max() <= 100.0
    assert H[0, 0] == 0 and H[1, 1] == 0  # no holding in itself
    assert H[0, 1] == pytest.approx(100.0) and H[1, 0] == pytest.approx(100.0)
    assert [x.company_id for x in holdings_of(net, "A", params=OwnershipParams(mode))] == ["B"]


def test_cross_holding_keeps_direct_shares():
    edges = [("T", "Y", 20), ("Y", "T", 15)]
    for mode in (PT, MUL, WL):
        assert h(edges, "T", "Y", mode) == pytest.approx(20.0)
        assert h(edges, "Y", "T", mode) == pytest.approx(15.0)


def test_passthrough_via_cross_holding_never_exceeds_100():
    # A controls M; M and N hold each other and both hold C
    edges = [("A", "M", 60), ("M", "N", 50), ("N", "M", 40), ("M", "C", 50), ("N", "C", 50)]
    for mode in (PT, MUL, WL):
        H = holding_closure(make_net(edges), params=OwnershipParams(mode)).toarray()
        assert H.max() <= 100.0 + 1e-9
    assert h(edges, "A", "C", PT) == pytest.approx(100.0)


# ------------------------------------------------------------ reference versions
def brute(edges, mode):
    """h over simple paths by networkx enumeration (multiply / weakest_link)."""
    G = nx.DiGraph()
    for a, b, p in edges:
        G.add_edge(a, b, w=G.edges[a, b]["w"] + p / 100 if G.has_edge(a, b) else p / 100)
    out = {}
    for a, c in itertools.permutations(G.nodes, 2):
        total = 0.0
        for path in nx.all_simple_paths(G, a, c):
            ws = [G.edges[u, v]["w"] for u, v in zip(path, path[1:], strict=False)]
            total += float(np.prod(ws)) if mode == MUL else min(ws)
        if total > 0:
            out[a, c] = min(total * 100, 100.0)
    return out


def python_fixed_point(edges, threshold):
    """Passthrough by the definition: Q(A) ← {M : h(A, M) ≥ T} from Q = ∅ until stable."""
    d: dict = {}
    for a, b, p in edges:
        d[a, b] = d.get((a, b), 0) + p
    nodes = sorted({x for e in edges for x in e[:2]})
    out = {}
    for a in nodes:
        q: set = set()
        while True:
            hold = {c: d.get((a, c), 0) + sum(d.get((m, c), 0) for m in q if m != c)
                    for c in nodes if c != a}
            new = {m for m, v in hold.items() if v >= threshold - 1e-9}
            if new == q:
                break
            q = new
        out.update({(a, c): min(v, 100.0) for c, v in hold.items() if v > 0})
    return out


def random_edges(rng: random.Random, n: int, m: int):
    """Random holdings with cycles; the shares held in each company sum to <= 100."""
    left = {i: 100.0 for i in range(n)}
    edges = set()
    out = []
    for _ in range(m):
        a, b = rng.sample(range(n), 2)
        if (a, b) in edges or left[b] < 1:
            continue
        p = round(rng.uniform(1, min(left[b], 80)), 1)
        left[b] -= p
        edges.add((a, b))
        out.append((f"N{a}", f"N{b}", p))
    return out


def as_dict(net, M):
    C = M.tocoo()
    return {(net.ids[i], net.ids[j]): v for i, j, v in zip(C.row, C.col, C.data, strict=True)}


@pytest.mark.parametrize("seed", range(40))
def test_multiply_and_weakest_link_match_brute_force(seed):
    rng = random.Random(seed)
    edges = random_edges(rng, rng.randint(3, 8), rng.randint(3, 18))
    net = make_net(edges)
    for mode in (MUL, WL):
        got = as_dict(net, holding_closure(net, params=OwnershipParams(mode, floor=0, max_depth=20)))
        want = brute(edges, mode)
        assert got.keys() == want.keys()
        for k in want:
            assert got[k] == pytest.approx(want[k], abs=1e-9), (mode, k)


@pytest.mark.parametrize("seed", range(40))
def test_passthrough_matches_python_fixed_point(seed):
    rng = random.Random(100 + seed)
    edges = random_edges(rng, rng.randint(3, 9), rng.randint(3, 20))
    net = make_net(edges)
    for t in (25.0, 50.0, 10.0):
        got = as_dict(net, holding_closure(net, params=OwnershipParams(PT, t)))
        want = python_fixed_point(edges, t)
        assert got.keys() == want.keys()
        for k in want:
            assert got[k] == pytest.approx(want[k], abs=1e-9), (t, k)


@pytest.mark.parametrize("mode", [PT, MUL, WL])
@pytest.mark.parametrize("seed", range(10))
def test_paths_add_up_to_holdings(mode, seed):
    rng = random.Random(200 + seed)
    edges = random_edges(rng, 8, 20)
    net = make_net(edges)
    params = OwnershipParams(mode, floor=0, max_depth=20)
    H = holding_closure(net, params=params).toarray()
    for a in net.ids:
        for hold in holdings_of(net, a, params=params):
            total = sum(p.share_pct for p in hold.paths)
            i, j = net.positions([a, hold.company_id])
            assert min(total, 100.0) == pytest.approx(H[i, j])
            assert hold.share_pct == pytest.approx(H[i, j])
            for p in hold.paths:
                assert p.nodes[0] == a and p.nodes[-1] == hold.company_id
                assert len(p.hops) == len(p.nodes) - 1 and all(x > 0 for x in p.hops)
                if mode != PT:  # simple paths; passthrough chains may pass C itself
                    assert len(set(p.nodes)) == len(p.nodes)
                if mode == MUL:
                    assert p.share_pct == pytest.approx(100 * np.prod(np.array(p.hops) / 100))
                if mode == WL:
                    assert p.share_pct == pytest.approx(min(p.hops))
                if mode == PT:
                    assert p.share_pct == pytest.approx(p.hops[-1])


def test_all_holders_at_once_equals_one_by_one():
    rng = random.Random(7)
    edges = random_edges(rng, 12, 40)
    net = make_net(edges)
    for mode in (PT, MUL, WL):
        params = OwnershipParams(mode)
        H = holding_closure(net, params=params)
        rows = np.array([3, 0, 7])
        sub = holding_closure(net, params=params, holders=rows)
        assert np.allclose(sub.toarray(), H.toarray()[rows])


def test_chunked_expansion_equals_unchunked():
    rng = random.Random(3)
    edges = random_edges(rng, 15, 60)
    net = make_net(edges)
    D = holding_csr(net.h_src, net.h_dst, net.h_pct, net.n)

    def collect(limit):
        out = {}
        for nodes, vals in path_layers(D, np.arange(net.n), floor=0, max_depth=6, limit=limit):
            for row, v in zip(nodes.tolist(), vals.tolist(), strict=True):
                out[tuple(row)] = v
        return out

    assert collect(3) == collect(10**9)


# --------------------------------------------------------------- pruning, depth
def test_floor_prunes_small_paths():
    edges = [("A", "B", 10), ("B", "C", 30), ("A", "C", 20)]  # path A-B-C is 3 %
    assert h(edges, "A", "C", MUL, floor=0.01) == pytest.approx(23.0)
    assert h(edges, "A", "C", MUL, floor=5) == pytest.approx(20.0)


def test_max_depth_bounds_paths():
    edges = [("A", "B", 100), ("B", "C", 100), ("C", "D", 100)]
    assert h(edges, "A", "D", MUL, max_depth=3) == pytest.approx(100.0)
    assert h(edges, "A", "D", MUL, max_depth=2) == 0.0


def test_min_pct_and_sorting():
    edges = [("A", "B", 40), ("A", "C", 30), ("B", "D", 50), ("C", "D", 20), ("A", "E", 5)]
    net = make_net(edges)
    got = holdings_of(net, "A", params=OwnershipParams(MUL))
    assert [x.company_id for x in got] == ["B", "C", "D", "E"]
    assert [x.share_pct for x in got] == pytest.approx([40, 30, 26, 5])
    d = next(x for x in got if x.company_id == "D")
    assert d.direct_pct == 0 and d.path_count == 2
    assert [p.nodes for p in d.paths] == [("A", "B", "D"), ("A", "C", "D")]
    assert [x.company_id for x in holdings_of(net, "A", params=OwnershipParams(MUL), min_pct=26)] \
        == ["B", "C", "D"]
    assert len(holdings_of(net, "A", params=OwnershipParams(MUL), max_paths=1)[2].paths) == 1
    H = holding_closure(net, params=OwnershipParams(MUL), min_pct=26)
    assert as_dict(net, H) == pytest.approx({("A", "B"): 40, ("A", "C"): 30, ("A", "D"): 26,
                                             ("B", "D"): 50})


def test_passthrough_paths_name_the_intermediary():
    edges = [("A", "M", 30), ("M", "T", 40)]
    net = make_net(edges)
    (t, m) = holdings_of(net, "A")
    assert m.company_id == "M" and not m.paths[0].via
    assert t.company_id == "T" and t.share_pct == pytest.approx(40)
    (p,) = t.paths
    assert p.nodes == ("A", "M", "T") and p.hops == pytest.approx((30, 40))
    assert p.via == "M" and p.via_pct == pytest.approx(30)
    assert p.as_dict()["via"] == "M"


def test_passthrough_chain_follows_the_strongest_holder():
    # 钢铁 joins Q(P) through 控股 (60 %), not through P's own 10 %
    edges = [("P", "K", 70), ("K", "S", 60), ("P", "S", 10), ("S", "T", 55)]
    net = make_net(edges)
    t = next(x for x in holdings_of(net, "P") if x.company_id == "T")
    assert t.paths[0].nodes == ("P", "K", "S", "T")


def test_unknown_holder_and_bad_params():
    net = make_net(OFAC_CHAIN)
    with pytest.raises(UnknownEntityError):
        holdings_of(net, "nobody")
    with pytest.raises(ParameterError):
        OwnershipParams("sideways")
    with pytest.raises(ParameterError):
        OwnershipParams(threshold=0)


def test_empty_network():
    net = make_net([])
    for mode in (PT, MUL, WL):
        assert holding_closure(net, params=OwnershipParams(mode)).nnz == 0
    D = holding_csr([], [], [], 0)
    H, Q = passthrough_closure(D, 0.25)
    assert H.shape == (0, 0) and Q.nnz == 0
    assert list(holding_paths(net, [], params=OwnershipParams(MUL))) == []


# ------------------------------------------------------------------- owners
def kata_dataset(make_dataset, extra_positions=""):
    return load_dataset(make_dataset(
        enterprises="id,name\nC,目标公司\nC1,一号公司\nC2,二号公司\n",
        persons="id,name\nI1,甲\nI2,乙\nI3,丙\nI4,丁\n",
        shareholdings="holder_id,company_id,share_pct\n" +
        "\n".join(f"{a},{b},{p}" for a, b, p in UBO_KATA) + "\n",
        positions="person_id,company_id,role\nI4,C,general_manager\n" + extra_positions))


def test_owners_ubo_kata(make_dataset):
    ds = kata_dataset(make_dataset)
    out = owners_of(ds, "C", params=OwnershipParams(MUL))
    owners = {o["holder_id"]: o for o in out["owners"]}
    assert set(owners) == {"I1", "C1"}  # ≥ 25 % in multiply terms
    assert owners["I1"]["share_pct"] == pytest.approx(80) and owners["I1"]["beneficial_owner"]
    assert owners["I1"]["direct_pct"] == pytest.approx(50)
    assert not owners["C1"]["beneficial_owner"]
    bo = {b["person_id"]: b for b in out["beneficial_owners"]}
    assert set(bo) == {"I1"} and "ownership" in bo["I1"]["basis"]
    # I1 holds 50 % directly and controls C1 (60 %): 100 % of control rights
    assert [u["id"] for u in out["ultimate_controllers"]] == ["I1"]
    assert not out["circular"]
    paths = {tuple(p["nodes"]) for p in owners["I1"]["paths"]}
    assert paths == {("I1", "C"), ("I1", "C1", "C")}


def test_owners_actual_controller_post_is_beneficial_owner(make_dataset):
    ds = kata_dataset(make_dataset, "I2,C,actual_controller\n")
    bo = {b["person_id"]: b for b in owners_of(ds, "C", params=OwnershipParams(MUL))["beneficial_owners"]}
    assert bo["I2"]["basis"] == ["actual_controller"] and bo["I2"]["multiply_pct"] == pytest.approx(2)


def test_owners_fallback_to_senior_manager(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises="id,name\nC,目标\nH1,甲\nH2,乙\nH3,丙\nH4,丁\n", persons="id,name\nM,经理\n",
        shareholdings="holder_id,company_id,share_pct\nH1,C,25\nH2,C,25\nH3,C,25\nH4,C,25\n",
        positions="person_id,company_id,role\nM,C,general_manager\n"))
    out = owners_of(ds, "C")
    assert [b["basis"] for b in out["beneficial_owners"]] == [["senior_manager"]]
    assert out["ultimate_controllers"] == [] and out["control_chain"] == []  # a 4-way tie
    assert not out["circular"]
    assert {o["holder_id"] for o in out["owners"]} == {"H1", "H2", "H3", "H4"}


def test_owners_loop_without_person_is_circular(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises="id,name\nA,甲\nB,乙\n",
        shareholdings="holder_id,company_id,share_pct\nA,B,100\nB,A,100\n"))
    for mode in (PT, MUL, WL):
        out = owners_of(ds, "A", params=OwnershipParams(mode))
        assert [o["holder_id"] for o in out["owners"]] == ["B"]
        assert out["owners"][0]["share_pct"] == pytest.approx(100)
        assert out["ultimate_controllers"] == [] and out["circular"]


def test_owners_control_chain_and_relative_control(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises="id,name\nK,控股\nS,钢铁\nT,特钢\nX,其他\n", persons="id,name\nP,张\nQ,李\n",
        shareholdings="holder_id,company_id,share_pct\nP,K,70\nK,S,60\nS,T,40\nX,T,30\nQ,T,30\n"))
    out = owners_of(ds, "T")
    chain = [(s["id"], s["basis"]) for s in out["control_chain"]]
    # S is the largest holder of T (relative control), K holds > 50 % of S, P of K
    assert chain == [("S", "relative"), ("K", "absolute"), ("P", "absolute")]
    assert [u["id"] for u in out["ultimate_controllers"]] == ["P"]
    assert "control" in {b for x in out["beneficial_owners"] for b in x["basis"]}


def test_owners_errors(make_dataset):
    ds = kata_dataset(make_dataset)
    with pytest.raises(UnknownEntityError):
        owners_of(ds, "nobody")
    with pytest.raises(ParameterError):
        owners_of(ds, "I1")
