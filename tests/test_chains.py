"""Guarantee chains: hops, simple paths, widest-chain amounts (SPEC §5)."""

import itertools

import networkx as nx
import numpy as np
import pytest

from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.network.chains import chain_hops, guarantee_chains, link_graph, reach
from graphrisk.network.graph import build_network
from graphrisk.params import ChainParams

from .conftest import DEMO
from .test_circles import network


def random_graph(rng, n, m):
    edges = {tuple(map(int, rng.choice(n, 2, replace=False))) for _ in range(m)}
    amounts = {e: float(rng.integers(0, 20)) for e in edges}
    return sorted(edges), amounts


def digraph(edges, amounts, direction):
    G = nx.DiGraph()
    for (u, v) in edges:
        if direction == "down":
            G.add_edge(u, v, amount=amounts[(u, v)])
        else:
            G.add_edge(v, u, amount=amounts[(u, v)])
    return G


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("direction", ["down", "up"])
def test_hops_match_networkx(seed, direction):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    edges, amounts = random_graph(rng, n, int(rng.integers(n // 2, 3 * n)))
    net = network(n, edges, [amounts[e] for e in edges])
    G = digraph(edges, amounts, direction)
    depth = int(rng.integers(1, 7))
    for root in rng.choice(n, 5, replace=False).tolist():
        ref = nx.single_source_shortest_path_length(G, root, cutoff=depth) if root in G else {
            root: 0}
        hops = chain_hops(net, root, direction, depth)
        assert {i: int(h) for i, h in enumerate(hops) if h >= 0} == ref


def brute_width(G, root, target, depth):
    best = None
    for path in nx.all_simple_paths(G, root, target, cutoff=depth):
        w = min(G.edges[a, b]["amount"] for a, b in itertools.pairwise(path))
        best = w if best is None else max(best, w)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_reach_width_matches_brute_force(seed):
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(4, 12))
    edges, amounts = random_graph(rng, n, int(rng.integers(n, 3 * n)))
    net = network(n, edges, [amounts[e] for e in edges])
    depth = int(rng.integers(1, 6))
    for direction in ("down", "up"):
        G = digraph(edges, amounts, direction)
        roots = np.arange(n)
        row, node, hops, width = reach(link_graph(net, direction), roots, depth)
        got = {(int(r), int(v)): (int(h), w) for r, v, h, w in
               zip(row, node, hops, width, strict=True)}
        for root in range(n):
            lengths = nx.single_source_shortest_path_length(G, root, cutoff=depth) \
                if root in G else {root: 0}
            for t, h in lengths.items():
                if t == root:
                    continue
                assert got[(root, t)] == (h, brute_width(G, root, t, depth))
            assert {v for (r, v) in got if r == root} == set(lengths) - {root}


@pytest.mark.parametrize("seed", range(6))
def test_paths_are_all_simple_paths_when_not_truncated(seed, make_dataset):
    rng = np.random.default_rng(300 + seed)
    n = 9
    edges, amounts = random_graph(rng, n, 18)
    ents = "id,name\n" + "\n".join(f"E{i},e{i}" for i in range(n))
    gs = "id,guarantor_id,borrower_id,amount\n" + "\n".join(
        f"G{u}_{v},E{u},E{v},{amounts[(u, v)]}" for u, v in edges)
    ds = load_dataset(make_dataset(enterprises=ents, guarantees=gs))
    net = build_network(ds)
    G = nx.DiGraph()
    G.add_edges_from((f"E{u}", f"E{v}") for u, v in edges)
    for direction in ("down", "up"):
        H = G if direction == "down" else G.reverse()
        for root in ("E0", "E3"):
            doc = guarantee_chains(net, root, direction=direction, params=ChainParams(depth=4, max_paths=1000))
            assert doc["summary"]["paths_complete"]
            for e in doc["entities"]:
                ref = sorted(map(tuple, nx.all_simple_paths(H, root, e["id"], cutoff=4)))
                got = []
                for path in e["paths"]:
                    nodes = [root]
                    for st in path:
                        # steps read guarantor → borrower whatever the direction
                        assert st["guarantee_id"] == f"G{st['from'][1:]}_{st['to'][1:]}"
                        near, far = ((st["from"], st["to"]) if direction == "down"
                                     else (st["to"], st["from"]))
                        assert near == nodes[-1]
                        nodes.append(far)
                    got.append(tuple(nodes))
                assert sorted(got) == ref
                assert [len(p) for p in e["paths"]] == sorted(len(p) for p in e["paths"])
                assert len(e["paths"][0]) == e["hops"]


CHAIN_DS = dict(
    enterprises="""
        id,name
        X,根
        A,甲
        B,乙
        C,丙
        D,丁
        """,
    institutions="""
        id,name
        K,银行
        """,
    loans="""
        id,borrower_id,lender_id,balance,classification
        L1,C,K,800,doubtful
        L2,B,K,100,normal
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount
        G1,X,A,500
        G2,A,B,300
        G3,B,C,900
        G4,X,C,100
        G5,C,X,50
        G6,X,A,200
        G7,C,D,10
        """,
)


@pytest.fixture
def chain_ds(make_dataset):
    ds = load_dataset(make_dataset(**CHAIN_DS))
    return ds, build_network(ds)


def test_downstream_hand_worked(chain_ds):
    ds, net = chain_ds
    doc = guarantee_chains(net, "X", direction="down")
    assert doc["root"] == "X" and doc["root_name"] == "根" and doc["direction"] == "down"
    e = {x["id"]: x for x in doc["entities"]}
    assert list(e) == ["A", "C", "B", "D"]              # by hops, then amount at stake
    assert e["A"]["hops"] == 1 and e["A"]["direct_amount"] == 700    # two contracts
    assert e["A"]["paths"][0] == [{"guarantee_id": "G1", "guarantee_ids": ["G1", "G6"],
                                   "from": "X", "to": "A", "amount": 700.0}]
    assert e["B"]["hops"] == 2 and e["B"]["amount_at_stake"] == 300
    # C: directly 100, or X→A→B→C with bottleneck 300: the widest chain is 300
    assert e["C"]["hops"] == 1 and e["C"]["amount_at_stake"] == 300
    assert e["C"]["direct_amount"] == 100 and len(e["C"]["paths"]) == 2
    assert e["C"]["loan_balance"] == 800 and e["C"]["npl_balance"] == 800
    assert e["D"]["hops"] == 2 and e["D"]["amount_at_stake"] == 10
    assert "X" not in e                                  # C→X closes a circle: never listed
    assert doc["summary"]["by_hops"] == {"1": 2, "2": 2}


def test_upstream_hand_worked(chain_ds):
    ds, net = chain_ds
    doc = guarantee_chains(net, "C", direction="up")
    e = {x["id"]: x for x in doc["entities"]}
    assert {k: v["hops"] for k, v in e.items()} == {"B": 1, "X": 1, "A": 2}
    assert e["B"]["paths"][0] == [{"guarantee_id": "G3", "guarantee_ids": ["G3"],
                                   "from": "B", "to": "C", "amount": 900.0}]
    assert e["A"]["amount_at_stake"] == 300 and e["X"]["amount_at_stake"] == 300
    assert e["X"]["direct_amount"] == 100


def test_depth_and_max_paths(chain_ds):
    ds, net = chain_ds
    doc = guarantee_chains(net, "X", direction="down", params=ChainParams(depth=1))
    assert {x["id"] for x in doc["entities"]} == {"A", "C"}
    assert doc["entities"][1]["amount_at_stake"] == 100      # within one link only
    doc = guarantee_chains(net, "X", direction="down", params=ChainParams(max_paths=1))
    e = {x["id"]: x for x in doc["entities"]}
    assert len(e["C"]["paths"]) == 1 and e["C"]["paths_truncated"]
    assert not doc["summary"]["paths_complete"]


def test_circle_terminates_and_excludes_root(make_dataset):
    ring = "\n".join(f"G{i},E{i},E{(i + 1) % 5},10" for i in range(5))
    ents = "id,name\n" + "\n".join(f"E{i},e{i}" for i in range(5))
    ds = load_dataset(make_dataset(enterprises=ents,
                                   guarantees="id,guarantor_id,borrower_id,amount\n" + ring))
    doc = guarantee_chains(build_network(ds), "E0", direction="down", params=ChainParams(depth=50))
    assert [(x["id"], x["hops"]) for x in doc["entities"]] == [("E1", 1), ("E2", 2),
                                                              ("E3", 3), ("E4", 4)]


def test_errors(chain_ds):
    ds, net = chain_ds
    with pytest.raises(UnknownEntityError):
        guarantee_chains(net, "NOPE", direction="down")
    with pytest.raises(ParameterError):
        guarantee_chains(net, "X", direction="sideways")
    with pytest.raises(ParameterError):
        ChainParams(depth=0)


def test_isolated_root(small):
    ds = load_dataset(small)
    doc = guarantee_chains(build_network(ds), "E4", direction="up")
    assert doc["entities"] == [] and doc["summary"]["entities"] == 0


def test_demo_chain_into_the_big_circle():
    ds = load_dataset(DEMO)
    net = build_network(ds)
    names = ds.names()
    lighting = names.index[names == "青山照明有限公司"][0]
    doc = guarantee_chains(net, lighting, direction="down")
    reached = {names[e["id"]]: e["hops"] for e in doc["entities"]}
    # 照明 → 电子 → 电器 → 置业, then around the big circle
    assert reached["青山电子有限公司"] == 1 and reached["青山电器有限公司"] == 2
    assert reached["青山置业有限公司"] == 3
    # at 2026-03-31 G014 (置业 → 水泥) has ended (2025-12-31), so 水泥 is reached through
    # 建工 (4 → 5), 商砼 and 五金 at 6, and 机械 (商砼 → 机械) would be 7: past the
    # default depth 6
    assert reached["青山建工集团有限公司"] == 4 and reached["青山水泥有限公司"] == 5
    assert reached["青山商砼有限公司"] == reached["青山五金有限公司"] == 6
    assert "青山机械制造有限公司" not in reached and len(reached) == 7
    deeper = guarantee_chains(net, lighting, direction="down", params=ChainParams(depth=7))
    assert {names[e["id"]]: e["hops"] for e in deeper["entities"]}["青山机械制造有限公司"] == 7
    # with every guarantee (undated) G014 is a shortcut: 水泥 at 4, 机械 at 6
    full = load_dataset(DEMO, dated=False)
    before = guarantee_chains(build_network(full), lighting, direction="down")
    hops = {names[e["id"]]: e["hops"] for e in before["entities"]}
    assert hops["青山水泥有限公司"] == 4 and hops["青山机械制造有限公司"] == 6 and len(hops) == 8
