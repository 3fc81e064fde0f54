"""Cutting strategies (化解策略, SPEC §7): each intervention as a change of the network.

A :class:`PlanState` is the guarantee network as a plan leaves it: who backs each
guarantee (or the *replacement cover*, index ``n``), its amount, whether it is still
in force, the loan balances and the guarantors' capacities.  An :class:`Action`
changes it:

``replace`` 担保置换
    The guarantee is replaced by collateral or a government guarantee fund (政府性融资
    担保基金): its calls go to the replacement cover, which never defaults, instead of
    the guarantor.  The cover's payments are *counted as loss* when scoring (the cost
    moves to the fund, it does not vanish), so a replacement only scores by the
    contagion it stops; the cover's expected payments are reported apart.
``break_circle`` 破圈
    ``replace`` applied to a minimum-weight feedback arc set of one circle (担保圈,
    a strongly connected component): the least total guaranteed amount whose
    replacement leaves no cycle among its members (:mod:`graphrisk.mitigation.feedback_arcs`).
``net_mutual`` 打包处置互保债务
    A mutual pair (互保) or a circle is settled as one package: the lenders restructure
    the members' debts together and release every guarantee *among the members*;
    guarantees from outside stay.  The released cover is lost to the lenders.
``share_evenly`` 平均分摊担保责任
    A borrower's guarantors share its liability evenly: within each group of its
    guarantees (those naming one loan, and those without ``loan_id``) every guarantee
    gets the group's mean amount, so each guarantor is called the same.
``cap`` 部分代偿后免责
    The guarantor pays ``cap_fraction`` × the amount now (never more than its capacity
    or the balance the guarantee covers), the loan balance falls by that payment (the
    payment of a guarantee without a loan is spread over the borrower's loans pro rata
    to their balances), the guarantor's capacity falls by it, and the rest of the
    guarantee is released.

Only guarantees whose guarantor *and* borrower defaulted together in some scenario
can lower the loss when changed (elsewhere a change can only remove cover that was
paid in full, and collateral never brings its provider down), so candidates are
restricted to those, ranked by *pressure*: the sum over such scenarios of the
guarantor's own debt times the share of its calls that came through the guarantee
(the call being what the borrower's estate left unpaid in that scenario).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from graphrisk.contagion.cascade import (
    CascadeModel,
    cell_calls,
    compile_model,
    guarantee_types,
    ranges,
)
from graphrisk.domain.glossary import STRATEGIES
from graphrisk.mitigation.feedback_arcs import feedback_arc_set
from graphrisk.network.circles import circle_labels, mutual_pairs
from graphrisk.network.graph import Network

__all__ = ["PlanState", "Action", "initial_state", "apply_action", "edge_pressure",
           "candidate_actions", "describe"]

_T = TypeVar("_T")


class _Outcome(Protocol):
    """What :func:`edge_pressure` reads of an :class:`~graphrisk.mitigation._evaluator.Evaluator`.

    (A protocol, not the class: the evaluator module imports this one.)
    """

    net: Network
    model: CascadeModel
    runs: int
    dkey: np.ndarray
    drho: np.ndarray
    tkey: np.ndarray
    tcal: np.ndarray


@dataclass(frozen=True, eq=False)
class PlanState:
    """The network as a plan leaves it (``src == n``: replaced by the cover).

    ``types``: the type code of each guarantee (``graphrisk.contagion.cascade.TYPE_CODES``;
    None: from the network's dataset).
    """

    src: np.ndarray
    amount: np.ndarray
    active: np.ndarray
    balance: np.ndarray
    cap: np.ndarray
    types: np.ndarray | None = None

    def model(self, net: Network, recovery: float, tolerance: float) -> CascadeModel:
        """Compile the network in this state for cascades (see ``compile_model``)."""
        return compile_model(net, self.cap, recovery, tolerance=tolerance, src=self.src,
                             amount=self.amount, active=self.active, balance=self.balance,
                             types=self.types)

    def real(self, n: int) -> np.ndarray:
        """Guarantees in force that a real guarantor (not the cover) still backs."""
        return self.active & (self.src < n)


def initial_state(net: Network, cap: npt.ArrayLike, types: npt.ArrayLike | None = None
                  ) -> PlanState:
    """Return the state before any action: the recorded guarantees and loans, capacities *cap*.

    ``types``: the guarantee type codes (default: from the network's dataset).
    """
    codes = guarantee_types(net) if types is None else np.asarray(types, dtype=np.int8)
    return PlanState(net.g_src.astype(np.int64), net.g_amount.copy(),
                     np.ones(len(net.g_src), dtype=bool), net.l_balance.copy(),
                     np.asarray(cap, dtype=np.float64).copy(), codes)


@dataclass(frozen=True)
class Action:
    """One intervention.

    ``guarantees``: indices of the guarantees it changes; ``members``: entity indices
    (the package or circle; for ``share_evenly`` the borrower's guarantors);
    ``borrower``: for ``share_evenly`` and ``cap``; ``amount``: 万元 replaced, released
    or moved; ``payment``: what the guarantor pays now (``cap``); ``exact``: whether
    a ``break_circle`` set is certainly minimum.
    """

    strategy: str
    guarantees: tuple[int, ...]
    members: tuple[int, ...] = ()
    borrower: int = -1
    amount: float = 0.0
    payment: float = 0.0
    exact: bool = True


def apply_action(net: Network, state: PlanState, action: Action
                 ) -> tuple[PlanState, np.ndarray, np.ndarray]:
    """Apply ``action`` to ``state``: ``O(m + loans)`` (copies).

    Returns
    -------
    (state, borrowers, guarantors) : PlanState, ndarray, ndarray
        The state after ``action``, the borrowers whose guarantees or loans changed, and
        the guarantors whose capacity changed.
    """
    g = np.asarray(action.guarantees, dtype=np.int64)
    src, amount, active = state.src.copy(), state.amount.copy(), state.active.copy()
    balance, cap = state.balance, state.cap
    guarantors = np.zeros(0, dtype=np.int64)
    if action.strategy in ("replace", "break_circle"):
        src[g] = net.n
    elif action.strategy == "net_mutual":
        active[g] = False
    elif action.strategy == "share_evenly":
        for idx in _groups(net, state, action.borrower):
            amount[idx] = amount[idx].mean()
    elif action.strategy == "cap":
        (k,) = g
        j, p = int(state.src[k]), action.payment
        active[k] = False
        balance, cap = balance.copy(), cap.copy()
        if np.isfinite(cap[j]):
            cap[j] = max(cap[j] - p, 0.0)
            guarantors = np.array([j])
        loans = _covered_loans(net, k)
        share = balance[loans] / balance[loans].sum() if balance[loans].sum() > 0 else 0.0
        balance[loans] = np.maximum(balance[loans] - p * share, 0.0)
    else:  # pragma: no cover - guarded by StrategyParams
        raise ValueError(action.strategy)
    borrowers = np.unique(net.g_dst[g]).astype(np.int64)
    return PlanState(src, amount, active, balance, cap, state.types), borrowers, guarantors


def _covered_loans(net: Network, k: int) -> np.ndarray:
    """Return the loans guarantee *k* covers: its loan, or all the borrower's loans."""
    if net.g_loan[k] >= 0:
        return np.array([net.g_loan[k]])
    return np.flatnonzero(net.l_borrower == net.g_dst[k])


def _groups(net: Network, state: PlanState, borrower: int) -> list[np.ndarray]:
    """Return the groups (per loan, and general) of the borrower's real guarantees, size >= 2."""
    idx = np.flatnonzero((net.g_dst == borrower) & state.real(net.n))
    out = []
    for loan in np.unique(net.g_loan[idx]):
        grp = idx[net.g_loan[idx] == loan]
        if len(grp) >= 2:
            out.append(grp)
    return out


def edge_pressure(ev: _Outcome, sources: npt.ArrayLike | None = None,
                  runs: np.ndarray | None = None) -> np.ndarray:
    """Return the pressure of each guarantee under the scenarios (see the module notes).

    ``ev`` is a :class:`~graphrisk.mitigation._evaluator.Evaluator`; ``sources`` and
    ``runs`` restrict the sum to the guarantees of those guarantors and to those
    scenarios.  Only guarantees of fragile guarantors can have pressure; a call is
    the one the borrower's estate share left in that scenario.  ``O(Σ over the
    borrowers of those guarantees of their defaults · their guarantees · log)``.
    """
    m, nr, dkey = ev.model, ev.runs, ev.dkey
    nodes = np.flatnonzero(m.fragile) if sources is None else np.asarray(sources, np.int64)
    nodes = np.unique(nodes[m.fragile[nodes] & (nodes < m.n)])
    if not nodes.size or not len(dkey):
        return np.zeros(len(ev.net.g_id))
    src_p = m.e_src[m.p_edge]
    borrowers = np.unique(m.e_dst[m.p_edge[np.isin(src_p, nodes)]])
    lo = np.searchsorted(dkey, borrowers * nr)
    pos = ranges(lo, np.searchsorted(dkey, (borrowers + 1) * nr) - lo)
    b, run, rho = dkey[pos] // nr, dkey[pos] % nr, ev.drho[pos]
    if runs is not None:
        keep = np.isin(run, runs)
        b, run, rho = b[keep], run[keep], rho[keep]
    owner, e, call = cell_calls(m, b, 1.0 - rho, prop=True)
    j = m.e_src[e]
    key = j * nr + run[owner]
    pos = np.minimum(np.searchsorted(dkey, key), len(dkey) - 1)
    both = (dkey[pos] == key) & np.isin(j, nodes) & (call > 0)
    total = ev.tcal[np.searchsorted(ev.tkey, key[both])]
    weight = m.short[j[both]] * call[both] / total
    return np.bincount(m.e_guar[e[both]], weights=weight, minlength=len(ev.net.g_id))


def _top(items: Sequence[_T], scores: Sequence[float], k: int) -> list[_T]:
    """Return the ``k`` items of highest positive score, best first."""
    order = sorted(range(len(items)), key=lambda i: -scores[i])
    return [items[i] for i in order[:k] if scores[i] > 0]


def candidate_actions(net: Network, state: PlanState, pressure: np.ndarray,
                      strategies: Collection[str], *, max_candidates: int,
                      cap_fraction: float, exact_max_edges: int,
                      fas_cache: dict[tuple[int, ...], tuple[np.ndarray, bool]] | None = None
                      ) -> list[Action]:
    """Return the actions worth scoring exactly, the most promising first per strategy.

    Complexity: ``O(n + m)`` (components) plus one feedback arc set per circle with
    pressure (cached across steps by its links).
    """
    n = net.n
    real = state.real(n)
    hot = np.flatnonzero(real & (pressure > 0))
    hot = hot[np.argsort(-pressure[hot], kind="stable")]
    out: list[Action] = []
    if "replace" in strategies:
        out += [Action("replace", (int(k),), amount=float(state.amount[k]))
                for k in hot[:max_candidates]]
    if "cap" in strategies:
        for k in hot[:max_candidates].tolist():
            j = int(state.src[k])
            covered = state.balance[_covered_loans(net, k)].sum()
            p = min(cap_fraction * state.amount[k], covered, state.cap[j])
            out.append(Action("cap", (k,), members=(j,), borrower=int(net.g_dst[k]),
                              amount=float(state.amount[k] - p), payment=float(p)))
    if "share_evenly" in strategies:
        borrowers = np.unique(net.g_dst[hot])
        score = np.bincount(net.g_dst[hot], weights=pressure[hot], minlength=n)
        items: list[Action] = []
        scores: list[float] = []
        for b in borrowers[np.argsort(-score[borrowers], kind="stable")].tolist():
            groups = [g for g in _groups(net, state, b) if np.ptp(state.amount[g]) > 0]
            if groups:
                idx = np.concatenate(groups)
                moved = sum(float(np.abs(state.amount[g] - state.amount[g].mean()).sum()) / 2
                            for g in groups)
                items.append(Action("share_evenly", tuple(idx.tolist()),
                                    members=tuple(np.unique(state.src[idx]).tolist()),
                                    borrower=b, amount=moved))
                scores.append(score[b])
            if len(items) >= max_candidates:
                break
        out += _top(items, scores, max_candidates)
    if "net_mutual" in strategies or "break_circle" in strategies:
        out += _package_actions(net, state, pressure, strategies, max_candidates,
                                exact_max_edges, {} if fas_cache is None else fas_cache)
    return out


def _package_actions(net: Network, state: PlanState, pressure: np.ndarray,
                     strategies: Collection[str], k: int, exact_max_edges: int,
                     fas_cache: dict[tuple[int, ...], tuple[np.ndarray, bool]]
                     ) -> list[Action]:
    """Return the net_mutual and break_circle candidates, vectorised over packages.

    ``O(n + m)`` plus one feedback arc set for each of the ``k`` circles under most
    pressure.
    """
    real = np.flatnonzero(state.real(net.n) & (net.g_src != net.g_dst))
    src, dst = net.g_src[real].astype(np.int64), net.g_dst[real].astype(np.int64)
    sub = dataclasses.replace(net, g_src=net.g_src[real], g_dst=net.g_dst[real],
                              g_amount=state.amount[real], g_loan=net.g_loan[real],
                              g_id=net.g_id[real])
    label = circle_labels(sub)
    out: list[tuple[Action, float]] = []
    # packages: mutual pairs (key a·n + b, a < b) and circles of 3 or more (by label)
    pairs = mutual_pairs(sub)
    pair_key = np.sort(pairs[:, 0] * net.n + pairs[:, 1]) if len(pairs) else np.zeros(0, int)
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    edge_pair = lo * net.n + hi
    pos = np.minimum(np.searchsorted(pair_key, edge_pair), max(len(pair_key) - 1, 0))
    in_pair = (pair_key[pos] == edge_pair) if len(pair_key) else np.zeros(len(src), bool)
    in_circle = (label[src] >= 0) & (label[src] == label[dst])
    sizes = np.bincount(label[label >= 0], minlength=1)
    groups: list[tuple[np.ndarray, np.ndarray]] = []  # (edges of the package, members)
    if "net_mutual" in strategies:
        groups += _grouped(real[in_pair], edge_pair[in_pair], pressure, k,
                           lambda key: np.array([key // net.n, key % net.n]))
        big = in_circle & (sizes[np.maximum(label[src], 0)] > 2)
        groups += _grouped(real[big], label[src[big]], pressure, k,
                           lambda c: np.flatnonzero(label == c))
        for idx, members in groups:
            out.append((Action("net_mutual", tuple(idx.tolist()),
                               members=tuple(members.tolist()),
                               amount=float(state.amount[idx].sum())),
                        float(pressure[idx].sum())))
    if "break_circle" in strategies:
        for idx, members in _grouped(real[in_circle], label[src[in_circle]], pressure, k,
                                     lambda c: np.flatnonzero(label == c)):
            key = tuple(idx.tolist())
            if key not in fas_cache:
                loc = np.searchsorted(members, [net.g_src[idx], net.g_dst[idx]])
                fas, exact = feedback_arc_set(len(members), loc[0], loc[1], state.amount[idx],
                                              exact_max_edges=exact_max_edges)
                fas_cache[key] = (idx[fas], exact)
            fas, exact = fas_cache[key]
            if pressure[fas].sum() > 0:
                out.append((Action("break_circle", tuple(fas.tolist()),
                                   members=tuple(members.tolist()),
                                   amount=float(state.amount[fas].sum()), exact=exact),
                            float(pressure[fas].sum())))
    by: dict[str, list[tuple[Action, float]]] = {}
    for act, score in out:
        by.setdefault(act.strategy, []).append((act, score))
    return [a for lst in by.values() for a in _top([x for x, _ in lst], [y for _, y in lst], k)]


def _grouped(edges: np.ndarray, group: np.ndarray, pressure: np.ndarray, k: int,
             members_of: Callable[[Any], np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the ``k`` groups of edges under most pressure (pressure > 0), with members."""
    if not len(edges):
        return []
    keys, inv = np.unique(group, return_inverse=True)
    score = np.bincount(inv, weights=pressure[edges])
    best = np.argsort(-score, kind="stable")[:k]
    best = best[score[best] > 0]
    order = np.argsort(inv, kind="stable")
    start = np.searchsorted(inv[order], np.arange(len(keys) + 1))
    return [(np.sort(edges[order[start[i]:start[i + 1]]]), np.sort(members_of(keys[i])))
            for i in best.tolist()]


def describe(action: Action, net: Network, names: pd.Series) -> tuple[str, str]:
    """Describe an action in one line, in Chinese and in English.

    Parameters
    ----------
    action : Action
        The action.
    net : Network
        The network its indices refer to.
    names : Series
        Entity id → display name (:meth:`~graphrisk.io.dataset.Dataset.names`); an
        entity without a name is shown by its id.

    Returns
    -------
    (zh, en) : str, str
        The description in Chinese and in English.
    """

    def nm(i: int) -> str:
        eid = net.ids[i]
        return f"{names.get(eid, '') or eid}"
    g = list(action.guarantees)
    zh_name = STRATEGIES[action.strategy]
    if action.strategy == "replace":
        k = g[0]
        return (f"{zh_name}：以抵押物或政府性融资担保基金置换{nm(net.g_src[k])}为{nm(net.g_dst[k])}"
                f"提供的担保 {net.g_id[k]}（{action.amount:,.2f} 万元）",
                f"Replace guarantee {net.g_id[k]} ({action.amount:,.2f} 万元) given by "
                f"{nm(net.g_src[k])} for {nm(net.g_dst[k])} with collateral or a government "
                "guarantee fund")
    if action.strategy == "cap":
        k = g[0]
        return (f"{zh_name}：{nm(net.g_src[k])}对担保 {net.g_id[k]} 先行代偿 {action.payment:,.2f} "
                f"万元后免除其余 {action.amount:,.2f} 万元担保责任",
                f"{nm(net.g_src[k])} pays {action.payment:,.2f} 万元 now on guarantee "
                f"{net.g_id[k]} and is released from the remaining {action.amount:,.2f} 万元")
    who = "、".join(nm(i) for i in action.members[:6]) + ("等" if len(action.members) > 6 else "")
    who_en = ", ".join(nm(i) for i in action.members[:6]) + (
        " …" if len(action.members) > 6 else "")
    if action.strategy == "share_evenly":
        b = nm(action.borrower)
        return (f"{zh_name}：{b}的担保责任在{who}之间平均分摊（调整 {action.amount:,.2f} 万元）",
                f"Spread {b}'s guarantee liability evenly over its guarantors {who_en} "
                f"({action.amount:,.2f} 万元 moved)")
    if action.strategy == "net_mutual":
        kind = "互保" if len(action.members) == 2 else "担保圈"
        return (f"{zh_name}：将{who}之间的{kind}（{len(g)} 笔，{action.amount:,.2f} 万元）打包处置，"
                "解除成员间相互担保",
                f"Settle the {'mutual pair' if len(action.members) == 2 else 'circle'} {who_en} as "
                f"one package and release the {len(g)} guarantees among them "
                f"({action.amount:,.2f} 万元)")
    how = "精确" if action.exact else "启发式"
    return (f"破圈：置换担保圈（{len(action.members)} 家：{who}）中的 {len(g)} 笔担保（共 "
            f"{action.amount:,.2f} 万元，{how}最小反馈边集），使其不再成环",
            f"Break the circle of {len(action.members)} ({who_en}) by replacing {len(g)} "
            f"guarantees ({action.amount:,.2f} 万元, {'exact' if action.exact else 'heuristic'} "
            "minimum-weight feedback arc set)")
