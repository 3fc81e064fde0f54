"""DebtRank with the increment dynamics of Bardoscia et al. (2015): hand-worked
examples and a dense, naive implementation of the same formula."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graphrisk.contagion.cascade import compile_model
from graphrisk.contagion.debtrank import debtrank, debtrank_importance, impact_matrix, resonant
from graphrisk.errors import ParameterError

from .reference_cascade import make_network, random_network, type_codes


def chain():
    # A (net assets 50) borrows 100: its estate pays 50 and B, guaranteeing 80 of it,
    # is called for the 50 left (capacity 100 → impact 0.5);
    # B (net assets 100) borrows 200: 100 is left, C guarantees 40 of it (capacity 80 →
    # impact 0.5); C borrows 20.
    ents = ["EA", "EB", "EC", "B1"]
    loans = [("LA", "EA", "B1", 100), ("LB", "EB", "B1", 200), ("LC", "EC", "B1", 20)]
    gs = [("G1", "EB", "EA", 80, "LA"), ("G2", "EC", "EB", 40, "LB")]
    net = make_network(ents, loans, gs)
    return compile_model(net, np.array([50, 100, 80, np.inf]))


def test_impact_matrix_by_hand():
    """The impact of b on j is what b's lone default calls on j — after b's own estate
    (SPEC §6 step 1, 先穷尽主债务人) — over j's capacity: W[A, B] = 50 / 100, not 80 / 100."""
    w = impact_matrix(chain()).toarray()
    assert w[0, 1] == 0.5 and w[1, 2] == 0.5
    assert np.count_nonzero(w) == 2
    # capacity 0 → impact 1; a person (infinite capacity) → 0; capped at 1
    ents = ["EA", "EB", "P1", "EC", "B1"]
    gs = [("G1", "EB", "EA", 10, None), ("G2", "P1", "EA", 10, None),
          ("G3", "EC", "EA", 500, None)]
    net = make_network(ents, [("LA", "EA", "B1", 1000)], gs)
    w = impact_matrix(compile_model(net, np.array([5, 0, np.inf, 100, np.inf]))).toarray()
    assert w[0, 1] == 1.0 and w[0, 2] == 0.0 and w[0, 3] == 1.0
    # collateral and pledges carry no distress (SPEC §6: their providers "do not
    # default through it"); a 一般保证 does
    types = np.array([2, 1, 2], dtype=np.int8)
    w = impact_matrix(compile_model(net, np.array([5, 0, np.inf, 100, np.inf]),
                                    types=types)).toarray()
    assert w[0, 1] == 0.0 and w[0, 2] == 0.0 and w[0, 3] == 0.0
    types = np.array([1, 0, 0], dtype=np.int8)
    w = impact_matrix(compile_model(net, np.array([5, 0, np.inf, 100, np.inf]),
                                    types=types)).toarray()
    assert w[0, 1] == 1.0


def test_chain_by_hand():
    h, r = debtrank(chain(), {0: 1.0})
    assert h[:3].tolist() == [1.0, 0.5, 0.25]
    assert r == pytest.approx(200 * 0.5 + 20 * 0.25)  # 105
    value, saturated = debtrank_importance(chain(), [0, 1, 2])
    assert value.tolist() == pytest.approx([105.0, 10.0, 0.0])  # B alone: C at 0.5 × 20
    assert saturated.tolist() == [0, 0, 0]


def mutual(impact_ab, impact_ba):
    # A guarantees B's loan and B guarantees A's loan; capacities 100
    ents = ["EA", "EB", "B1"]
    loans = [("LA", "EA", "B1", 200), ("LB", "EB", "B1", 200)]
    gs = [("G1", "EB", "EA", 100 * impact_ab, "LA"), ("G2", "EA", "EB", 100 * impact_ba, "LB")]
    return compile_model(make_network(ents, loans, gs), np.array([100, 100, np.inf]))


def test_cycle_increments_by_hand():
    # impacts 0.5 both ways, shock 0.4 on A: distress bounces back and forth,
    # h_A = 0.4 (1 + 0.25 + 0.25² + …) = 0.4 / 0.75, h_B = 0.5 h_A
    h, r = debtrank(mutual(0.5, 0.5), {0: 0.4}, tolerance=1e-14)
    assert h[0] == pytest.approx(0.4 / 0.75) and h[1] == pytest.approx(0.2 / 0.75)
    assert r == pytest.approx(200 * (0.4 / 0.75 - 0.4) + 200 * 0.2 / 0.75)
    # a full default of A: B gets 0.5, A is saturated and passes nothing back
    h, r = debtrank(mutual(0.5, 0.5), {0: 1.0})
    assert h[:2].tolist() == [1.0, 0.5] and r == pytest.approx(100)


def test_saturation():
    h, _ = debtrank(mutual(1.0, 1.0), {0: 0.5})
    assert h[:2].tolist() == [1.0, 1.0]
    value, saturated = debtrank_importance(mutual(1.0, 1.0), [0, 1])
    assert saturated.tolist() == [1, 1] and value.tolist() == [200.0, 200.0]


def test_bad_shock():
    with pytest.raises(ParameterError):
        debtrank(chain(), {0: 1.5})


def least_fixed_point(model, seed):
    """The limit of the dynamics, independently: the least fixed point of
    h = min(1, e_seed + Wᵀ h), found by trying every set of saturated entities among
    those the shock can reach and solving the linear system for the others."""
    w = impact_matrix(model).toarray()
    reach, todo = {seed}, [seed]
    while todo:
        b = todo.pop()
        for j in np.flatnonzero(w[b]):
            if j not in reach:
                reach.add(j)
                todo.append(j)
    nodes = sorted(reach - {seed})
    best = None
    for r in range(len(nodes) + 1):
        for sat in itertools.combinations(nodes, r):
            h = np.zeros(model.size)
            h[seed] = 1.0
            h[list(sat)] = 1.0
            free = [j for j in nodes if j not in sat]
            if free:
                a = np.eye(len(free)) - w[np.ix_(free, free)].T
                rhs = w[:, free].T @ h
                try:
                    h[free] = np.linalg.solve(a, rhs)
                except np.linalg.LinAlgError:
                    continue
            fixed = np.minimum(1.0, (np.arange(model.size) == seed) + w.T @ h)
            if np.allclose(fixed, h, atol=1e-9) and h.min() >= -1e-12:
                if best is None or (h <= best + 1e-9).all():
                    best = h
    return best


@pytest.mark.parametrize("seed", range(12))
def test_batched_equals_least_fixed_point(seed):
    rng = np.random.default_rng(300 + seed)
    ents, loans, gs, capd = random_network(rng, 10)
    net = make_network(ents, loans, gs)
    model = compile_model(net, np.array([capd.get(e, np.inf) for e in ents]),
                          types=type_codes(gs))
    value, saturated = debtrank_importance(model, tolerance=1e-13)
    for i in range(10):
        h = least_fixed_point(model, i)
        expected = model.short @ h - model.short[i]
        assert value[i] == pytest.approx(expected, rel=1e-6, abs=1e-6)
        assert saturated[i] == np.sum(h >= 1 - 1e-9) - 1
        h1, r1 = debtrank(model, {i: 1.0}, tolerance=1e-13)
        assert h1 == pytest.approx(h, abs=1e-6) and r1 == pytest.approx(expected, rel=1e-6,
                                                                          abs=1e-6)


def test_resonant_cycle_saturates():
    # EA and EB guarantee each other beyond capacity (impact 1 both ways); EC, hit with
    # impact 0.01 by the seed ES (nothing in its estate), feeds distress 0.01 × 0.1 into
    # the pair (EC's estate of 100 leaves 100 of its 200 unpaid, of which 1 is called on
    # EA, capacity 10): in the limit both members are fully distressed (the increments
    # circulate undiminished)
    ents = ["ES", "EC", "EA", "EB", "B1"]
    loans = [("L0", "ES", "B1", 100), ("L1", "EC", "B1", 200), ("L2", "EA", "B1", 100),
             ("L3", "EB", "B1", 100)]
    gs = [("G0", "EC", "ES", 1, "L0"), ("G1", "EA", "EC", 1, "L1"),
          ("G2", "EB", "EA", 100, "L2"), ("G3", "EA", "EB", 100, "L3")]
    model = compile_model(make_network(ents, loans, gs), np.array([0, 100, 10, 10, np.inf]))
    assert resonant(impact_matrix(model))[:4].tolist() == [False, False, True, True]
    h, _ = debtrank(model, {0: 1.0})
    assert h[:4].tolist() == pytest.approx([1.0, 0.01, 1.0, 1.0])
    assert least_fixed_point(model, 0)[:4] == pytest.approx([1.0, 0.01, 1.0, 1.0])
