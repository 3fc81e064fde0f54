"""A greedy plan of cutting actions under a budget, and the baselines it must beat (SPEC §7).

Every action is scored on the *same* Monte Carlo scenarios (common random numbers,
:func:`graphrisk.contagion.montecarlo.draw_scenarios`), so differences are not noise.  Scores are
exact: :class:`graphrisk.mitigation._evaluator.Evaluator` re-runs each change only on the region of
the scenarios it can alter, which gives the same numbers as a full re-run.

The plan: at each step every candidate of :func:`~graphrisk.mitigation.actions.candidate_actions`
(at most ``max_candidates`` per strategy) is scored exactly, the one that lowers the
objective (expected loss by default) most is applied, and everything is scored again
on the changed network.  It stops at the budget (actions, or 万元 touched) or when no
candidate lowers the objective by more than ``min_gain``.

Baselines spend the same number of actions as the plan (the budget when the plan
found nothing to do), each replacing guarantees (``replace``) chosen by a naive rule:
``random`` (uniform, from the seed), ``largest_amount``, ``betweenness`` (highest edge
betweenness on the guarantee graph; exact when ``n · m <= 1e8``, else estimated from
``betweenness_sources`` random sources).

Cost per step: ``O(n + m)`` for the candidates, plus for each candidate not scored
before (or whose region meets the last action's) a copy of the state (``O(m)``) and
``O(affected scenarios · region)``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import igraph as ig
import numpy as np

from graphrisk.contagion._pool import parallel_map
from graphrisk.contagion.cascade import capacities
from graphrisk.contagion.montecarlo import draw_scenarios, pd_vector, tail_stats
from graphrisk.domain.glossary import STRATEGIES
from graphrisk.mitigation._evaluator import Change, Evaluator
from graphrisk.mitigation.actions import (
    Action,
    PlanState,
    apply_action,
    candidate_actions,
    describe,
    edge_pressure,
    initial_state,
)
from graphrisk.network.graph import Network, analysis
from graphrisk.params import TAIL_KEYS, ContagionParams, StrategyParams

__all__ = ["greedy_plan", "baseline_choices", "recommend"]


#: the identity of an action in the cache of scored changes
_ActionKey = tuple[str, tuple[int, ...], int, float]


def _objective(loss: np.ndarray, key: str) -> float:
    """Return the objective ``key`` (``expected`` or a tail statistic) of a loss sample."""
    return float(loss.mean()) if key == "expected" else tail_stats(loss)[key]


def _summary(loss: np.ndarray, cover: np.ndarray) -> dict[str, float]:
    """Return the expected loss, its tail statistics and the expected cover payments."""
    return {"expected": float(loss.mean()), **tail_stats(loss),
            "cover_expected": float(cover.mean())}


def _key(act: Action) -> _ActionKey:
    """Return the cache key of an action."""
    return act.strategy, act.guarantees, act.borrower, round(act.payment, 9)


def _score(ev: Evaluator, act: Action) -> Change:
    """Return the change of an action on ``ev``'s current state (a task of the pool)."""
    state, b, j = apply_action(ev.net, ev.state, act)
    return ev.evaluate(state, b, j)


def greedy_plan(ev: Evaluator, sparams: StrategyParams
                ) -> list[tuple[Action, dict[str, float], dict[str, float]]]:
    """Return the greedy actions with their (before, after) summaries.

    ``ev`` ends in the final state.

    Each step scores every candidate exactly; a candidate's change is reused from an
    earlier step when its region does not meet the regions of the actions applied
    since (then it is still exact, see :mod:`graphrisk.mitigation._evaluator`).  The
    new candidates of a step are scored by ``ev.params.jobs`` processes (forked from
    this one: they see the evaluator as it is); the choice is made here, in candidate
    order, so the plan does not depend on the number of processes.
    """
    plan: list[tuple[Action, dict[str, float], dict[str, float]]] = []
    spent = 0.0
    fas_cache: dict[tuple[int, ...], tuple[np.ndarray, bool]] = {}
    cache: dict[_ActionKey, Change] = {}
    pressure = edge_pressure(ev)
    for _ in range(sparams.budget):
        before = _summary(ev.loss, ev.cover)
        current = _objective(ev.loss, sparams.objective)
        cands = candidate_actions(ev.net, ev.state, pressure, sparams.strategies,
                                  max_candidates=sparams.max_candidates,
                                  cap_fraction=sparams.cap_fraction,
                                  exact_max_edges=sparams.fas_exact_max_edges,
                                  fas_cache=fas_cache)
        best = None
        cands = [act for act in cands if sparams.amount_budget is None
                 or spent + act.amount <= sparams.amount_budget]
        todo = list({_key(act): act for act in cands if _key(act) not in cache}.values())
        done = ev.evaluations + len(todo)
        for act, ch in zip(todo, parallel_map(_score, ev, todo, ev.params.jobs), strict=True):
            cache[_key(act)] = ch
        ev.evaluations = done  # also when the scores came from worker processes
        for act in cands:
            ch = cache[_key(act)]
            loss, _ = ch.apply(ev.loss, ev.cover)
            key = (_objective(loss, sparams.objective), float(loss.mean()), act.amount)
            if best is None or key < best[0]:
                best = (key, act, ch)
        if best is None or current - best[0][0] <= sparams.min_gain:
            break
        _, act, ch = best
        state, b, j = apply_action(ev.net, ev.state, act)
        pressure = pressure - edge_pressure(ev, ch.region, ch.runs)
        ev.commit(state, b, j)
        pressure = pressure + edge_pressure(ev, ch.region, ch.runs)
        pressure[np.abs(pressure) < 1e-9] = 0.0
        cache = {k: c for k, c in cache.items()
                 if not np.intersect1d(c.region, ch.region, assume_unique=True).size}
        spent += act.amount
        plan.append((act, before, _summary(ev.loss, ev.cover)))
    return plan


def baseline_choices(net: Network, state: PlanState, k: int, seed: int,
                     sources: int = 256) -> dict[str, np.ndarray]:
    """Return the guarantees the naive rules would replace first (``k`` each).

    Parameters
    ----------
    net : Network
        The network.
    state : PlanState
        The state the baselines start from.
    k : int
        Number of guarantees per rule.
    seed : int
        Seed of the ``random`` rule (and of the sources of estimated betweenness).
    sources : int
        Random sources of the betweenness estimate (when ``n · m > 1e8``).

    Returns
    -------
    dict of str to ndarray
        Rule (``random``, ``largest_amount``, ``betweenness``) → guarantee indices.
    """
    pool = np.flatnonzero(state.real(net.n) & (state.amount > 0) & (net.g_src != net.g_dst))
    rng = np.random.default_rng(seed)
    out = {"random": rng.permutation(pool)[:k],
           "largest_amount": pool[np.lexsort((pool, -state.amount[pool]))][:k]}
    nodes, local = np.unique(np.concatenate([net.g_src[pool], net.g_dst[pool]]),
                             return_inverse=True)
    edges = local.reshape(2, -1).T
    g = ig.Graph(n=len(nodes), edges=edges.tolist(), directed=True)
    if len(nodes) * len(pool) <= 1e8:
        eb = np.array(g.edge_betweenness(directed=True))
    else:
        src = rng.choice(len(nodes), size=min(sources, len(nodes)), replace=False)
        eb = np.array(g.edge_betweenness(directed=True, sources=src.tolist()))
    out["betweenness"] = pool[np.lexsort((pool, -eb))][:k] if len(pool) else pool
    return out


@analysis(params=ContagionParams, sparams=StrategyParams)
def recommend(net: Network, *, params: ContagionParams | None = None,
              sparams: StrategyParams | None = None,
              capacity: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Build the ``recommend`` report: a greedy plan and the baselines (SPEC §7, §9).

    Parameters
    ----------
    net : Network
        The network (a Dataset is also accepted).
    params : ContagionParams, optional
        Scenarios and cascade model (``runs``, ``seed``, ``recovery``, ...).
    sparams : StrategyParams, optional
        Budget, strategies and objective of the plan.
    capacity : mapping of str to float, optional
        Entity id → capacity replacing the default (see
        :func:`~graphrisk.contagion.cascade.capacities`).

    Returns
    -------
    dict
        ``runs``, ``seed``, ``objective``, ``budget``, ``amount_budget``,
        ``loss_before``, ``loss_after`` (expected loss), ``tail_before``,
        ``tail_after``, ``cover_expected_payment``, ``actions`` [{step, strategy,
        strategy_zh, guarantee_id or members, guarantee_ids, amount, description_zh,
        description_en, loss_before, loss_after, tail_before, tail_after, …}],
        ``baselines`` {random, largest_amount, betweenness: {guarantee_ids, actions,
        amount, loss_after, tail_after, reduction}}, ``evaluations``, ``warnings``.

    Examples
    --------
    The demo at its date 2026-03-31: G012 (机械 → 五金) and G006 (饮料 → 玻璃), the two
    guarantees an undated reading would cap first, have ended, so the plan caps 商砼's
    G011 (for 机械's L042) and replaces 五金's G013 (for 置业's L033):

    >>> from graphrisk.params import ContagionParams, StrategyParams
    >>> rep = recommend(demo_net, params=ContagionParams(runs=200),
    ...                 sparams=StrategyParams(budget=3))
    >>> round(rep["loss_before"], 2), round(rep["loss_after"], 2)
    (1934.16, 1866.25)
    >>> [(a["strategy"], a["guarantee_id"]) for a in rep["actions"]]
    [('cap', 'G011'), ('replace', 'G013'), ('cap', 'G017')]
    """
    assert params is not None and sparams is not None  # filled in by @analysis
    ds = net.dataset
    cap, warnings = capacities(net, capacity=capacity)
    pd_, _, _ = pd_vector(net, params=params)
    scen = draw_scenarios(pd_, params.runs, params.seed)
    state0 = initial_state(net, cap)
    ev = Evaluator(net, scen, state0, params)
    ev0 = copy.copy(ev)  # the initial state, for the baselines (commit never mutates arrays)
    base_loss, base_cover = ev.loss, ev.cover
    start = _summary(base_loss, base_cover)
    plan = greedy_plan(ev, sparams)
    names = ds.names()
    actions = []
    for step, (act, before, after) in enumerate(plan, 1):
        zh, en = describe(act, net, names)
        row = {"step": step, "strategy": act.strategy, "strategy_zh": STRATEGIES[act.strategy]}
        if act.strategy in ("replace", "cap"):
            row["guarantee_id"] = net.g_id[act.guarantees[0]]
        else:
            row["members"] = [net.ids[i] for i in act.members]
        if act.borrower >= 0:
            row["borrower_id"] = net.ids[act.borrower]
        row.update({
            "guarantee_ids": [net.g_id[k] for k in act.guarantees],
            "amount": act.amount, "description_zh": zh, "description_en": en,
            "loss_before": before["expected"], "loss_after": after["expected"],
            "tail_before": {k: before[k] for k in TAIL_KEYS},
            "tail_after": {k: after[k] for k in TAIL_KEYS},
            "cover_expected_payment": after["cover_expected"]})
        if act.strategy == "cap":
            row["payment"] = act.payment
        if act.strategy == "break_circle":
            row["exact"] = act.exact
        actions.append(row)
    k = len(plan) or sparams.budget
    baselines = {}
    for rule, chosen in baseline_choices(net, state0, k, params.seed,
                                         sparams.betweenness_sources).items():
        if sparams.amount_budget is not None:
            within = np.cumsum(net.g_amount[chosen]) <= sparams.amount_budget
            chosen = chosen[within]
        if len(chosen):
            state, b, j = apply_action(net, state0, Action("replace", tuple(chosen.tolist())))
            loss, cover = ev0.evaluate(state, b, j).apply(ev0.loss, ev0.cover)
        else:
            loss, cover = base_loss, base_cover
        s = _summary(loss, cover)
        baselines[rule] = {"actions": int(len(chosen)),
                           "guarantee_ids": [net.g_id[i] for i in chosen.tolist()],
                           "amount": float(net.g_amount[chosen].sum()),
                           "loss_after": s["expected"],
                           "tail_after": {kk: s[kk] for kk in TAIL_KEYS},
                           "reduction": start["expected"] - s["expected"],
                           "cover_expected_payment": s["cover_expected"]}
    end = _summary(ev.loss, ev.cover)
    return {
        "runs": params.runs, "seed": params.seed, "objective": sparams.objective,
        "budget": sparams.budget, "amount_budget": sparams.amount_budget,
        "strategies": list(sparams.strategies), "recovery": params.recovery,
        "loss_before": start["expected"], "loss_after": end["expected"],
        "reduction": start["expected"] - end["expected"],
        "tail_before": {kk: start[kk] for kk in TAIL_KEYS},
        "tail_after": {kk: end[kk] for kk in TAIL_KEYS},
        "cover_expected_payment": end["cover_expected"],
        "actions": actions, "baselines": baselines,
        "evaluations": ev.evaluations, "warnings": warnings,
    }
