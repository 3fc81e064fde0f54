"""Cutting strategies (SPEC §7): feedback arc sets, the graph change of each action,
exact local re-scoring against full re-runs, and the greedy plan against baselines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graphrisk.contagion.montecarlo import draw_scenarios, run_scenarios
from graphrisk.io.load import load_dataset
from graphrisk.mitigation._evaluator import Evaluator
from graphrisk.mitigation.actions import (
    Action,
    apply_action,
    candidate_actions,
    describe,
    edge_pressure,
    initial_state,
)
from graphrisk.mitigation.feedback_arcs import feedback_arc_set, is_acyclic
from graphrisk.mitigation.plan import baseline_choices, greedy_plan, recommend
from graphrisk.params import ContagionParams, StrategyParams

from .conftest import DEMO
from .reference_cascade import make_network, random_network, type_codes


# ------------------------------------------------------------ feedback arc sets
def acyclic(n, src, dst):
    """Kahn's algorithm, written here independently of igraph."""
    indeg = [0] * n
    out = [[] for _ in range(n)]
    for u, v in zip(src, dst, strict=True):
        if u != v:
            out[u].append(v)
            indeg[v] += 1
    stack = [i for i in range(n) if indeg[i] == 0]
    seen = 0
    while stack:
        u = stack.pop()
        seen += 1
        for v in out[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    return seen == n


def brute_force_fas(n, src, dst, w):
    """Least weight of an edge set whose removal leaves no cycle (parallel edges kept)."""
    m = len(src)
    best = np.inf
    for r in range(m + 1):
        for removed in itertools.combinations(range(m), r):
            keep = [i for i in range(m) if i not in removed]
            weight = sum(w[i] for i in removed)
            if weight < best and acyclic(n, [src[i] for i in keep], [dst[i] for i in keep]):
                best = weight
    return best


@pytest.mark.parametrize("seed", range(25))
def test_fas_exact_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 7)), int(rng.integers(3, 11))
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(0, 20, m).astype(float)
    edges, exact = feedback_arc_set(n, src, dst, w)
    keep = np.setdiff1d(np.arange(m), edges)
    assert exact and acyclic(n, src[keep].tolist(), dst[keep].tolist())
    assert w[edges].sum() == pytest.approx(brute_force_fas(n, src.tolist(), dst.tolist(), w))
    h, exact = feedback_arc_set(n, src, dst, w, exact_max_edges=0)  # the heuristic
    keep = np.setdiff1d(np.arange(m), h)
    assert not exact and acyclic(n, src[keep].tolist(), dst[keep].tolist())
    assert w[h].sum() >= w[edges].sum() - 1e-9


def test_fas_parallel_links_and_self_loops():
    # two contracts 0→1 (weights 2 and 3) count as one link of weight 5
    edges, _ = feedback_arc_set(2, [0, 0, 1, 1], [1, 1, 0, 1], [2.0, 3.0, 4.0, 9.0])
    assert edges.tolist() == [2]
    edges, _ = feedback_arc_set(2, [0, 0, 1], [1, 1, 0], [2.0, 3.0, 6.0])
    assert edges.tolist() == [0, 1]
    assert is_acyclic(2, [0, 1], [1, 1]) and not is_acyclic(2, [0, 1], [1, 0])


# --------------------------------------------------------------- graph changes
def small_world():
    ents = ["EA", "EB", "EC", "ED", "B1"]
    loans = [("LA", "EA", "B1", 100), ("LB", "EB", "B1", 200), ("LB2", "EB", "B1", 100),
             ("LC", "EC", "B1", 50)]
    gs = [("G0", "EB", "EA", 80, "LA"), ("G1", "EA", "EB", 60, None),
          ("G2", "EC", "EB", 20, None), ("G3", "ED", "EB", 120, "LB"),
          ("G4", "EC", "EB", 40, "LB")]
    net = make_network(ents, loans, gs)
    return net, initial_state(net, np.array([50.0, 30.0, 500.0, 1000.0, np.inf]))


def test_apply_each_strategy():
    net, s = small_world()
    new, b, j = apply_action(net, s, Action("replace", (0,)))
    assert new.src[0] == net.n and new.active.all() and b.tolist() == [0] and not j.size
    assert s.src[0] == 1  # the input state is not changed
    new, b, _ = apply_action(net, s, Action("net_mutual", (0, 1), members=(0, 1)))
    assert new.active.tolist() == [False, False, True, True, True] and b.tolist() == [0, 1]
    # share_evenly on EB: the general group (G1 60, G2 20) → 40 each; loan LB (G3 120,
    # G4 40) → 80 each
    new, b, _ = apply_action(net, s, Action("share_evenly", (1, 2, 3, 4), borrower=1))
    assert new.amount.tolist() == [80, 40, 40, 80, 80] and b.tolist() == [1]
    # cap on G3 (ED guarantees loan LB): pays 60 now, LB falls to 140, ED's capacity to 940
    new, b, j = apply_action(net, s, Action("cap", (3,), members=(3,), borrower=1,
                                            payment=60.0))
    assert not new.active[3] and new.balance.tolist() == [100, 140, 100, 50]
    assert new.cap[3] == 940 and j.tolist() == [3]
    # cap on a general guarantee (G1): the payment is spread over EB's loans by balance
    new, _, _ = apply_action(net, s, Action("cap", (1,), members=(0,), borrower=1,
                                            payment=30.0))
    assert new.balance.tolist() == [100, 180, 90, 50] and new.cap[0] == 20


def test_descriptions_in_two_languages():
    net, s = small_world()
    names = {"EA": "甲", "EB": "乙"}
    zh, en = describe(Action("replace", (0,), amount=80.0), net, names)
    assert "担保置换" in zh and "G0" in zh and "乙" in zh and "Replace guarantee G0" in en
    zh, en = describe(Action("break_circle", (0,), members=(0, 1), amount=80.0), net, names)
    assert "破圈" in zh and "feedback arc set" in en


# ------------------------------------------------ local re-scoring = full re-run
def random_action(rng, net, state):
    real = np.flatnonzero(state.real(net.n))
    if not len(real):
        return None
    g = rng.choice(real, size=min(len(real), int(rng.integers(1, 4))), replace=False)
    kind = rng.choice(["replace", "net_mutual", "share_evenly", "cap", "break_circle"])
    if kind == "cap":
        k = int(g[0])
        p = min(0.5 * state.amount[k], state.cap[state.src[k]])
        return Action("cap", (k,), members=(int(state.src[k]),), borrower=int(net.g_dst[k]),
                      payment=float(p))
    if kind == "share_evenly":
        return Action("share_evenly", tuple(g.tolist()), borrower=int(net.g_dst[g[0]]))
    return Action(str(kind), tuple(g.tolist()))


@pytest.mark.parametrize("seed", range(40))
def test_local_rescoring_equals_full_rerun(seed):
    rng = np.random.default_rng(seed)
    ents, loans, gs, capd = random_network(rng, 14)
    net = make_network(ents, loans, gs)
    params = ContagionParams(runs=40, recovery=float(rng.choice([0.0, 0.3])))
    scen = draw_scenarios(rng.uniform(0, 0.4, size=14), params.runs, seed)
    cap = np.array([capd.get(e, np.inf) for e in ents])
    ev = Evaluator(net, scen, initial_state(net, cap, type_codes(gs)), params)
    for _ in range(4):
        act = random_action(rng, net, ev.state)
        if act is None:
            break
        new, b, j = apply_action(net, ev.state, act)
        ch = ev.evaluate(new, b, j, detail=True)
        loss, cover = ch.apply(ev.loss, ev.cover)
        whole = new.model(net, params.recovery, params.tolerance)
        full = run_scenarios(whole, scen)
        # the region and its fragility, found without compiling the changed network,
        # are those of the compiled one
        region = ev.region(b, j, whole)
        assert np.array_equal(ch.region, region)
        assert ch.detail is not None
        assert np.array_equal(ch.detail[1].fragile[:len(region)], whole.fragile[region])
        assert loss == pytest.approx(full.loss, abs=2e-6)  # losses are rounded to 1e-6 万元
        assert cover == pytest.approx(full.cover, abs=2e-6)  # losses are rounded to 1e-6 万元
        ev.commit(new, b, j)  # the spliced outcome equals a full re-run
        assert np.array_equal(ev.default_keys(), np.sort(full.keys))
        tk, tc = ev.touched_keys()
        order = np.argsort(full.touched)
        assert np.array_equal(tk, full.touched[order]) and tc == pytest.approx(full.calls[order])
        assert ev.loss == pytest.approx(full.loss, abs=2e-6)  # losses are rounded to 1e-6 万元


# ------------------------------------------------------------ greedy and baselines
def known_best_world():
    """EY (pd 0.5, nothing in its estate) owes 60, guaranteed by EF whose capacity is 50
    and who owes 5000 itself: replacing that small guarantee stops the cascade.  EX (pd 0.3) owes 1000,
    guaranteed by the solvent ES: the largest guarantee, whose replacement only loses
    cover.  EA and EB guarantee each other (EB owes 1000); EC→ED→EE→EC is a circle."""
    ents = ["EY", "EF", "EX", "ES", "EA", "EB", "EC", "ED", "EE", "B1"]
    loans = [("LY", "EY", "B1", 60), ("LF", "EF", "B1", 5000), ("LX", "EX", "B1", 1000),
             ("LS", "ES", "B1", 100), ("LA", "EA", "B1", 100), ("LB", "EB", "B1", 1000),
             ("LC", "EC", "B1", 300), ("LD", "ED", "B1", 300), ("LE", "EE", "B1", 300)]
    gs = [("G_FY", "EF", "EY", 60, "LY"), ("G_SX", "ES", "EX", 1000, "LX"),
          ("G_AB", "EA", "EB", 100, "LB"), ("G_BA", "EB", "EA", 100, "LA"),
          ("G_CD", "EC", "ED", 300, "LD"), ("G_DE", "ED", "EE", 300, "LE"),
          ("G_EC", "EE", "EC", 250, "LC")]
    net = make_network(ents, loans, gs)
    cap = np.array([0, 50, 10, 10000, 50, 50, 100, 100, 100, np.inf])
    pd_ = np.array([0.5, 0.01, 0.3, 0.01, 0.3, 0.05, 0.2, 0.05, 0.05])
    return net, cap, pd_


def test_best_single_cut_is_known_and_largest_amount_is_wrong():
    net, cap, pd_ = known_best_world()
    params = ContagionParams(runs=400, seed=5)
    scen = draw_scenarios(pd_, params.runs, params.seed)
    state = initial_state(net, cap)
    base = run_scenarios(state.model(net, 0.0, 1e-9), scen).loss.mean()
    # brute force: every single replacement, re-run in full
    after = {}
    for k in range(len(net.g_id)):
        new, _, _ = apply_action(net, state, Action("replace", (k,)))
        after[net.g_id[k]] = run_scenarios(new.model(net, 0.0, 1e-9), scen).loss.mean()
    best = min(after, key=after.get)
    assert best == "G_FY" and after["G_FY"] < base - 1000
    assert after["G_SX"] > base  # replacing the largest guarantee only loses cover
    ev = Evaluator(net, scen, state, params)
    plan = greedy_plan(ev, StrategyParams(budget=1, strategies=("replace",)))
    assert [net.g_id[a.guarantees[0]] for a, _, _ in plan] == ["G_FY"]
    assert plan[0][2]["expected"] == pytest.approx(after["G_FY"])
    choice = baseline_choices(net, state, 1, 0)
    assert net.g_id[choice["largest_amount"][0]] == "G_SX"


def test_candidates_cover_every_strategy_and_score_exactly():
    net, cap, pd_ = known_best_world()
    params = ContagionParams(runs=400, seed=5)
    scen = draw_scenarios(pd_, params.runs, params.seed)
    ev = Evaluator(net, scen, initial_state(net, cap), params)
    pressure = edge_pressure(ev)
    assert pressure[list(net.g_id).index("G_FY")] > 0
    assert pressure[list(net.g_id).index("G_SX")] == 0  # ES never defaults
    cands = candidate_actions(net, ev.state, pressure, StrategyParams().strategies,
                              max_candidates=10, cap_fraction=0.5, exact_max_edges=40)
    kinds = {a.strategy for a in cands}
    assert {"replace", "cap", "net_mutual", "break_circle"} <= kinds
    pair = [a for a in cands if a.strategy == "net_mutual" and len(a.members) == 2]
    assert [net.ids[list(a.members)].tolist() for a in pair] == [["EA", "EB"]]
    circle = [a for a in cands if a.strategy == "break_circle" and len(a.members) == 3]
    # the lightest link of the circle EC→ED→EE→EC is G_EC (250)
    assert [net.g_id[list(a.guarantees)].tolist() for a in circle] == [["G_EC"]]
    for act in cands:
        new, b, j = apply_action(net, ev.state, act)
        loss, _ = ev.evaluate(new, b, j).apply(ev.loss, ev.cover)
        full = run_scenarios(new.model(net, 0.0, 1e-9), scen)
        assert loss == pytest.approx(full.loss, abs=2e-6)  # losses are rounded to 1e-6 万元


def test_share_evenly_saves_the_weak_co_guarantor():
    # EB owes 100 on LB and has nothing in its estate (so 100 is short); EW (capacity
    # 60, owes 1000) guarantees 90, ES (rich) 10
    ents = ["EB", "EW", "ES", "B1"]
    loans = [("LB", "EB", "B1", 100), ("LW", "EW", "B1", 1000)]
    gs = [("G1", "EW", "EB", 90, "LB"), ("G2", "ES", "EB", 10, "LB")]
    net = make_network(ents, loans, gs)
    params = ContagionParams(runs=200, seed=1)
    scen = draw_scenarios(np.array([0.5, 0.0, 0.0]), params.runs, params.seed)
    ev = Evaluator(net, scen, initial_state(net, np.array([0, 60, 1e6, np.inf])), params)
    plan = greedy_plan(ev, StrategyParams(budget=2, strategies=("share_evenly",)))
    assert len(plan) == 1 and plan[0][0].strategy == "share_evenly"
    assert ev.state.amount.tolist() == [50, 50]
    assert plan[0][2]["expected"] < plan[0][1]["expected"] - 400


@pytest.mark.parametrize("tables", [
    {"enterprises": "id,name,net_assets\nE1,a,10\nE2,b,5\n"},
    {"enterprises": "id,name,net_assets\nE1,a,10\nE2,b,5\n",
     "institutions": "id,name\nB1,bank\n",
     "loans": "id,borrower_id,lender_id,balance\nL1,E1,B1,100\n",
     "guarantees": "id,guarantor_id,borrower_id,amount\nG1,E2,E1,50\n"},
])
def test_recommend_without_circles_or_guarantees(make_dataset, tables):
    ds = load_dataset(make_dataset(**tables))
    rep = recommend(ds, params=ContagionParams(runs=100, seed=1), sparams=StrategyParams(budget=3))
    assert rep["loss_after"] <= rep["loss_before"]
    assert set(rep["baselines"]) == {"random", "largest_amount", "betweenness"}


def test_budget_and_amount_budget(small):
    ds = load_dataset(small)
    rep = recommend(ds, params=ContagionParams(runs=200, seed=2), sparams=StrategyParams(budget=0))
    assert rep["actions"] == [] and rep["loss_after"] == rep["loss_before"]
    rep = recommend(ds, params=ContagionParams(runs=200, seed=2), sparams=StrategyParams(budget=5, amount_budget=0.0))
    assert all(a["amount"] == 0 for a in rep["actions"])


def test_recommend_on_demo_beats_baselines():
    ds = load_dataset(DEMO)
    p, sp = ContagionParams(runs=300, seed=1, jobs=1), StrategyParams(budget=3)
    rep = recommend(ds, params=p, sparams=sp)
    assert rep == recommend(ds, params=p, sparams=sp)  # deterministic
    # candidates scored by two processes: the same plan, the same numbers
    assert rep == recommend(ds, params=ContagionParams(runs=300, seed=1, jobs=2), sparams=sp)
    assert {"actions", "baselines", "loss_before", "loss_after"} <= set(rep)
    assert set(rep["baselines"]) == {"random", "largest_amount", "betweenness"}
    assert 1 <= len(rep["actions"]) <= 3
    previous = rep["loss_before"]
    for a in rep["actions"]:
        assert {"strategy", "description_zh", "description_en", "loss_before",
                "loss_after"} <= set(a)
        assert ("guarantee_id" in a) or ("members" in a)
        assert a["loss_before"] == pytest.approx(previous) and a["loss_after"] < previous
        previous = a["loss_after"]
    assert rep["loss_after"] == pytest.approx(previous)
    for b in rep["baselines"].values():
        assert b["actions"] == len(rep["actions"])
        assert rep["reduction"] >= b["reduction"]
