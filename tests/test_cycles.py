"""Bounded simple-cycle enumeration: hand-built cases, networkx, matrix traces."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from graphrisk.errors import ParameterError
from graphrisk.network.cycles import (
    circle_cycles,
    csr_neighbours,
    gc_paused,
    induced_subgraph,
    simple_adjacency,
    simple_cycles_bounded,
    sorted_unique,
)


def adj(edges, n):
    edges = list(edges)
    if not edges:
        return sp.csr_matrix((n, n))
    r, c = zip(*edges, strict=True)
    return sp.csr_matrix((np.ones(len(edges)), (r, c)), shape=(n, n))


def as_lists(cycles):
    return [c.tolist() for c in cycles]


def canonical(cycle, rank):
    i = min(range(len(cycle)), key=lambda j: rank[cycle[j]])
    return tuple(cycle[i:] + cycle[:i])


def random_digraph(rng, n, p):
    G = nx.gnp_random_graph(n, p, directed=True, seed=int(rng.integers(2**31)))
    return G, adj(G.edges, n)


# ---------------------------------------------------------------- hand-built cases
def test_mutual_pair_and_triangle():
    a = adj([(0, 1), (1, 0), (1, 2), (2, 0)], 3)
    cycles, truncated = simple_cycles_bounded(a)
    assert as_lists(cycles) == [[0, 1], [0, 1, 2]] and truncated is False


def test_circle_with_chords():
    # 0→1→2→3→0 plus chords 0→2 and 3→1
    a = adj([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (3, 1)], 4)
    assert as_lists(simple_cycles_bounded(a)[0]) == [[0, 2, 3], [1, 2, 3], [0, 1, 2, 3]]
    assert as_lists(simple_cycles_bounded(a, max_length=3)[0]) == [[0, 2, 3], [1, 2, 3]]
    assert simple_cycles_bounded(a, max_length=2)[0] == []


def test_canonical_rotation_follows_members_order():
    a = adj([(0, 1), (1, 2), (2, 0)], 3)
    assert as_lists(simple_cycles_bounded(a, [2, 0, 1])[0]) == [[2, 0, 1]]
    assert as_lists(simple_cycles_bounded(a, [1, 2, 0])[0]) == [[1, 2, 0]]


def test_restricted_to_members():
    a = adj([(0, 1), (1, 0), (1, 2), (2, 1)], 3)
    assert as_lists(simple_cycles_bounded(a, [1, 2])[0]) == [[1, 2]]


def test_self_loops_and_parallel_edges_ignored():
    a = sp.csr_matrix(np.array([[1, 3], [2, 0]]))
    assert as_lists(simple_cycles_bounded(a)[0]) == [[0, 1]]


def test_cap_keeps_shortest_and_flags_truncation():
    # complete digraph on 4 nodes: 6 two-cycles, 8 three-cycles, 6 four-cycles
    a = adj([(i, j) for i in range(4) for j in range(4) if i != j], 4)
    full, truncated = simple_cycles_bounded(a, max_cycles=None)
    assert len(full) == 20 and not truncated
    kept, truncated = simple_cycles_bounded(a, max_cycles=7)
    assert truncated and [len(c) for c in kept] == [2] * 6 + [3]
    assert as_lists(kept) == as_lists(full[:7])
    exact, truncated = simple_cycles_bounded(a, max_cycles=20)
    assert len(exact) == 20 and not truncated


def test_empty_and_tiny():
    assert simple_cycles_bounded(sp.csr_matrix((0, 0))) == ([], False)
    assert simple_cycles_bounded(adj([], 1)) == ([], False)
    assert simple_cycles_bounded(adj([(0, 1)], 2)) == ([], False)


@pytest.mark.parametrize("kwargs", [{"max_length": 1}, {"max_cycles": 0}])
def test_bad_parameters(kwargs):
    with pytest.raises(ParameterError):
        simple_cycles_bounded(adj([(0, 1)], 2), **kwargs)


def test_bad_members():
    with pytest.raises(ParameterError):
        simple_cycles_bounded(adj([(0, 1)], 2), [0, 0])
    with pytest.raises(ParameterError):
        simple_cycles_bounded(adj([(0, 1)], 2), [0, 5])


# ------------------------------------------------------------ against networkx
@pytest.mark.parametrize("seed", range(12))
def test_matches_networkx_bounded(seed):
    rng = np.random.default_rng(seed)
    for _ in range(15):
        n = int(rng.integers(2, 13))
        G, a = random_digraph(rng, n, rng.uniform(0.05, 0.5))
        k = int(rng.integers(2, 7))
        order = rng.permutation(n)
        rank = {int(v): i for i, v in enumerate(order)}
        ref = {canonical(c, rank) for c in nx.simple_cycles(G, length_bound=k)}
        got, truncated = simple_cycles_bounded(a, order, max_length=k, max_cycles=None)
        got = [tuple(c.tolist()) for c in got]
        assert len(got) == len(set(got)) and set(got) == ref and not truncated
        # ordered by length, then by member positions
        assert got == sorted(got, key=lambda c: (len(c), [rank[x] for x in c]))
        cap = int(rng.integers(1, 8))
        kept, truncated = simple_cycles_bounded(a, order, max_length=k, max_cycles=cap)
        assert [tuple(c.tolist()) for c in kept] == got[:cap]
        assert truncated == (len(ref) > cap)


def test_matches_networkx_on_one_larger_circle():
    rng = np.random.default_rng(7)
    n = 60
    ring = [(i, (i + 1) % n) for i in range(n)]
    extra = [tuple(map(int, rng.choice(n, 2, replace=False))) for _ in range(60)]
    G = nx.DiGraph(ring + extra)
    a = adj(G.edges, n)
    ref = {canonical(c, range(n)) for c in nx.simple_cycles(G, length_bound=6)}
    got, truncated = simple_cycles_bounded(a, max_length=6, max_cycles=None)
    assert {tuple(c.tolist()) for c in got} == ref and len(got) == len(ref) and ref


# --------------------------------------------- counts against matrix traces
@pytest.mark.parametrize("seed", range(8))
def test_short_cycle_counts_match_traces(seed):
    """tr(A²) = 2·C2 and tr(A³) = 3·C3; tr(A⁴) needs a correction for mutual pairs."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(5, 40))
    _, a = random_digraph(rng, n, rng.uniform(0.05, 0.3))
    A = simple_adjacency(a).toarray().astype(np.int64)
    cycles, _ = simple_cycles_bounded(a, max_length=4, max_cycles=None)
    c = {k: sum(len(x) == k for x in cycles) for k in (2, 3, 4)}
    A2 = A @ A
    assert np.trace(A2) == 2 * c[2]
    assert np.trace(A2 @ A) == 3 * c[3]
    # closed 4-walks: simple 4-cycles (4 rotations each) plus the walks that go
    # back and forth on mutual pairs: x0=x2 or x1=x3, i.e. 2·Σ m_v² − Σ m_v with m_v
    # the number of mutual partners of v (Σ m_v = 2·C2).
    m = (A * A.T).sum(axis=1)
    assert np.trace(A2 @ A2) == 4 * c[4] + 2 * int((m ** 2).sum()) - 2 * c[2]


# --------------------------------------------------------------- batch version
def test_circle_cycles_equals_separate_calls():
    rng = np.random.default_rng(3)
    G, a = random_digraph(rng, 30, 0.12)
    sccs = [sorted(s) for s in nx.strongly_connected_components(G) if len(s) > 1]
    batch = circle_cycles(a, sccs, max_length=5, max_cycles=10)
    for members, (cycles, truncated) in zip(sccs, batch, strict=True):
        one, t1 = simple_cycles_bounded(a, members, max_length=5, max_cycles=10)
        assert as_lists(cycles) == as_lists(one) and truncated == t1


def test_circle_cycles_ignores_links_between_sets():
    a = adj([(0, 1), (1, 0), (1, 2), (2, 1)], 3)   # 0↔1↔2, sets {0, 1} and {2}
    out = circle_cycles(a, [[0, 1], [2]])
    assert as_lists(out[0][0]) == [[0, 1]] and out[1] == ([], False)


# ---------------------------------------------------------------- helpers
def test_induced_subgraph_relabels_in_member_order():
    a = adj([(0, 1), (1, 2), (2, 0), (2, 2)], 3)
    assert induced_subgraph(a, [2, 0]).toarray().tolist() == [[0, 1], [0, 0]]


def test_csr_neighbours_matches_rows():
    rng = np.random.default_rng(5)
    _, a = random_digraph(rng, 20, 0.2)
    a = simple_adjacency(a)
    frontier = np.array([3, 0, 3, 19])
    which, nbr = csr_neighbours(a.indptr, a.indices, frontier)
    for i, v in enumerate(frontier):
        assert sorted(nbr[which == i].tolist()) == sorted(a[v].indices.tolist())


def test_sorted_unique():
    x = np.array([5, 1, 5, 3, 1])
    assert sorted_unique(x).tolist() == np.unique(x).tolist()
    assert len(sorted_unique(np.zeros(0, dtype=np.int64))) == 0


def test_circle_cycles_pairs_fast_path():
    a = adj([(0, 1), (1, 0), (2, 3), (4, 5), (5, 4), (5, 6), (6, 4)], 7)
    out = circle_cycles(a, [[1, 0], [2, 3], [4, 5, 6]])
    assert as_lists(out[0][0]) == [[1, 0]] and out[1] == ([], False)
    assert as_lists(out[2][0]) == [[4, 5], [4, 5, 6]]


def test_gc_paused_restores_the_collector():
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
