"""The vectorised engine of the default cascade (SPEC §6).

The model it computes is described in :mod:`graphrisk.contagion.cascade`.

:func:`compile_model` turns a :class:`~graphrisk.network.graph.Network` into a
:class:`CascadeModel`: the loans and guarantees grouped by borrower, with the sums the
pro-rata rules need.  :func:`propagate` runs many cascades at once, event-driven: each
step touches only the borrowers whose unpaid share grew (those that just defaulted,
and defaulted guarantors that received more calls) and the guarantees they call
(numpy gathers, ``np.add.at`` and a scatter to find distinct keys; no Python loop per
edge).

The state of a cascade is, per entity, whether it defaulted and the calls T on it.
A defaulted entity b pays the share ``ρ_b = min(1, E_b / (L_b + T_b))`` of each of
its obligations (estate E_b, own loans L_b; pari passu), so its loans are short by
``u_b = 1 − ρ_b`` of their balance (times ``1 − r``), and the calls on its guarantors
follow from that shortfall.  When T_b grows, u_b grows and so do the calls it passes
on: the engine passes on every increase, until no unpaid share grows by more than
:data:`EPSILON` (on a cycle of defaulted firms the increments shrink geometrically).

Only the calls that can matter are tracked: those on guarantors that are *fragile*
(all the calls they could ever receive exceed their capacity) or already in default;
the others can never default and pay in full.  Collateral and pledges (抵押/质押) and
the replacement cover are settled per borrower at the end.  A batch of ``B`` runs
uses ``B · (n + 1)`` cells of a reusable :class:`Workspace` (23 bytes each, written
only where touched).  Index ``n`` is a virtual *replacement cover* (collateral or a
government fund, see :mod:`graphrisk.mitigation.actions`) with unlimited capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graphrisk.errors import ParameterError
from graphrisk.network.graph import Network

__all__ = ["CascadeModel", "Propagation", "Workspace", "guarantee_calls", "compile_model",
           "threshold",
           "guarantee_types", "cell_calls", "model_calls", "unpaid_share", "propagate",
           "run_losses", "edge_flows", "loan_flows", "ranges", "sorted_unique", "JOINT",
           "GENERAL", "SECURED", "TYPE_CODES", "EPSILON"]

#: guarantee type codes: 连带责任保证, 一般保证, 抵押/质押 (collateral and pledge)
JOINT, GENERAL, SECURED = 0, 1, 2
#: the code of each guarantee ``type`` of SPEC §1
TYPE_CODES = {"joint_several": JOINT, "general": GENERAL, "collateral": SECURED,
              "pledge": SECURED}
#: an unpaid share that grows by less than this is not passed on
EPSILON = 1e-13
#: the most propagation steps of one batch of cascades (a guard; never reached in tests)
MAX_STEPS = 100_000


def ranges(starts: npt.ArrayLike, counts: npt.ArrayLike) -> np.ndarray:
    """Concatenate ``arange(s, s + c)`` for each (start, count), vectorised.

    >>> ranges(np.array([5, 0, 2]), np.array([2, 0, 3])).tolist()
    [5, 6, 2, 3, 4]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return (np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
            + np.repeat(np.asarray(starts, dtype=np.int64), counts))


def guarantee_calls(g_dst: np.ndarray, g_loan: np.ndarray, amount: npt.ArrayLike,
                    l_borrower: np.ndarray, l_shortfall: np.ndarray, n_borrowers: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute the call on each guarantee from its borrower's loan shortfalls.

    Loan-specific guarantees first, pro rata to their amounts and never above them;
    what is left of all the borrower's loans goes to its guarantees without a loan,
    pro rata and never above their amounts (SPEC §6 step 2).  Indices are local:
    ``g_loan`` indexes ``l_*`` (``-1``: no loan), ``g_dst`` and ``l_borrower`` are in
    ``range(n_borrowers)``.  Returns ``(calls, residual per loan, residual per
    borrower)``.  ``O(guarantees + loans + n_borrowers)``.

    >>> c, r, R = guarantee_calls(np.array([0, 0, 0]), np.array([0, 0, -1]),
    ...                           np.array([60., 40., 50.]), np.array([0, 0]),
    ...                           np.array([80., 30.]), 1)
    >>> c.tolist(), r.tolist(), R.tolist()
    ([48.0, 32.0, 30.0], [0.0, 30.0], [30.0])
    """
    amount = np.asarray(amount, dtype=np.float64)
    spec = g_loan >= 0
    n_loans = len(l_shortfall)
    a_loan = np.bincount(g_loan[spec], weights=amount[spec], minlength=n_loans)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_loan = np.where(a_loan > 0, np.minimum(1.0, l_shortfall / a_loan), 0.0)
        resid = np.maximum(l_shortfall - a_loan, 0.0)
        big_r = np.bincount(l_borrower, weights=resid, minlength=n_borrowers)
        a_gen = np.bincount(g_dst[~spec], weights=amount[~spec], minlength=n_borrowers)
        f_gen = np.where(a_gen > 0, np.minimum(1.0, big_r / a_gen), 0.0)
    calls = np.empty(len(amount))
    calls[spec] = amount[spec] * f_loan[g_loan[spec]]
    calls[~spec] = amount[~spec] * f_gen[g_dst[~spec]]
    return calls, resid, big_r


def guarantee_types(net: Network) -> np.ndarray:
    """Return the type code of each guarantee (:data:`TYPE_CODES`), from ``net``'s dataset.

    A network built without its dataset, or a type not in :data:`TYPE_CODES`, counts
    as ``joint_several`` (the default of SPEC §1).

    >>> guarantee_types(net).tolist()  # G3 is a general guarantee (一般保证)
    [0, 0, 1, 0]
    """
    if net.ds is None or "type" not in net.ds.tables["guarantees"]:
        return np.zeros(len(net.g_src), dtype=np.int8)
    col = net.ds.tables["guarantees"]["type"].astype(str)
    return col.map(TYPE_CODES).fillna(JOINT).to_numpy(dtype=np.int8)


@dataclass(frozen=True, eq=False)
class CascadeModel:
    """A network compiled for cascades: loans and guarantees grouped by borrower.

    Entities are ``0..n-1`` as in the :class:`~graphrisk.network.graph.Network`; ``n`` is
    the replacement cover.  Per entity: ``cap`` (capacity: the default test),
    ``thr`` (the capacity plus the tolerance), ``estate`` (what a defaulted entity
    shares among its obligations: ``cap``, or 0 when unlimited, i.e. unknown),
    ``debt`` (its loan balances), ``short`` (its loan balances × (1 − r)), ``u0``
    (the unpaid share of its loans when it defaults with no call on it) and
    ``fragile``.  ``e_*`` are the guarantees that can be called (in force, amount > 0,
    not a self-guarantee), sorted by borrower (``start``/``count`` per borrower);
    ``p_edge`` lists those that can make their guarantor default (not collateral, not
    the cover), sorted by borrower (``p_start``/``p_count``); ``e_alone`` is each
    call when its borrower defaults alone.  ``l_*`` are the loans; ``l_order`` sorts
    them by borrower (``l_start``/``l_count``, ``l_rank`` the place of a loan among
    its borrower's); ``l_spec`` sums the amounts of the guarantees naming each loan,
    ``wide`` those of each borrower's guarantees without a loan.  ``mixed`` marks the
    borrowers with guarantees without a loan *and* a loan named by a guarantee; for the
    others every call is linear in the unpaid share u until it reaches the amount,
    ``call = amount · min(1, u · e_k)`` (``e_k``: the loan's ``l_short / l_spec``, or
    the borrower's ``short / wide``), which :func:`cell_calls` uses as a fast path.
    ``possible``: per guarantor, the calls it could receive with nothing paid by its
    borrowers' estates (``fragile``: above its capacity).
    """

    n: int
    cap: np.ndarray
    thr: np.ndarray
    estate: np.ndarray
    debt: np.ndarray
    short: np.ndarray
    u0: np.ndarray
    fragile: np.ndarray
    start: np.ndarray
    count: np.ndarray
    e_src: np.ndarray
    e_amount: np.ndarray
    e_loan: np.ndarray
    e_type: np.ndarray
    e_guar: np.ndarray
    e_alone: np.ndarray
    p_edge: np.ndarray
    p_start: np.ndarray
    p_count: np.ndarray
    wide: np.ndarray
    l_lender: np.ndarray
    l_balance: np.ndarray
    l_short: np.ndarray
    l_spec: np.ndarray
    l_order: np.ndarray
    l_start: np.ndarray
    l_count: np.ndarray
    l_rank: np.ndarray
    recovery: float
    mixed: np.ndarray
    e_k: np.ndarray
    possible: np.ndarray

    @property
    def size(self) -> int:
        """Return the cells per run: the entities and the replacement cover."""
        return self.n + 1

    @property
    def e_dst(self) -> np.ndarray:
        """Return the borrower of each edge."""
        return np.repeat(np.arange(self.size), self.count)

    @property
    def e_prop(self) -> np.ndarray:
        """Return whether each edge can make its guarantor default."""
        out = np.zeros(len(self.e_src), dtype=bool)
        out[self.p_edge] = True
        return out


def threshold(cap: np.ndarray, tolerance: float) -> np.ndarray:
    """Return the default threshold of each capacity: ``cap + tolerance · max(1, cap)``."""
    return cap + tolerance * np.maximum(1.0, cap)


def unpaid_share(estate: npt.ArrayLike, debt: npt.ArrayLike, calls: npt.ArrayLike
                 ) -> np.ndarray:
    """Return ``u = 1 − min(1, estate / (debt + calls))``: the unpaid share of a defaulted entity.

    Its estate is shared pro rata among all its obligations (pari passu): its own loans
    (``debt``) and the calls on it as a guarantor.  No obligation: 0.

    >>> unpaid_share([100.0, 0.0, 500.0], [300.0, 50.0, 200.0], [100.0, 0.0, 0.0]).tolist()
    [0.75, 1.0, 0.0]
    """
    estate = np.asarray(estate, dtype=np.float64)
    total = np.asarray(debt, dtype=np.float64) + np.asarray(calls, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(total > 0, np.minimum(1.0, estate / total), 1.0)
    return np.asarray(1.0 - rho)


def cell_calls(model: CascadeModel, node: np.ndarray, u: np.ndarray, *, prop: bool = False,
               general: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the calls on the guarantees of defaulted cells.

    Cell k is entity ``node[k]`` with unpaid share ``u[k]``: each of its loans is short
    by ``u · balance · (1 − r)``, and :func:`guarantee_calls` spreads that over its
    guarantees.  ``prop``: only the guarantees that can make their guarantor default;
    ``general`` (per cell, optional): whether its 一般保证 are called yet (when not,
    their calls are 0).  Returns ``(owner cell, edge, call)``, the edges of each cell
    together, cells in order.  ``O(guarantees of the cells + loans of the mixed
    ones)``: a borrower that is not ``mixed`` needs no look at its loans.
    """
    node = np.asarray(node, dtype=np.int64)
    u = np.asarray(u, dtype=np.float64)
    k = len(node)
    if prop:
        cnt = model.p_count[node]
        e = model.p_edge[ranges(model.p_start[node], cnt)]
    else:
        cnt = model.count[node]
        e = ranges(model.start[node], cnt)
    owner = np.repeat(np.arange(k), cnt)
    call = model.e_amount[e] * np.minimum(1.0, u[owner] * model.e_k[e])
    mix = np.flatnonzero(model.mixed[node] & (cnt > 0))
    if mix.size:
        at = np.flatnonzero(model.mixed[node[owner]])
        call[at] = _mixed_calls(model, node[mix], u[mix], e[at],
                                np.repeat(np.arange(len(mix)), cnt[mix]))
    if general is not None:
        call[(model.e_type[e] == GENERAL) & ~np.asarray(general, bool)[owner]] = 0.0
    return owner, e, call


def _mixed_calls(model: CascadeModel, node: np.ndarray, u: np.ndarray, e: np.ndarray,
                 owner: np.ndarray) -> np.ndarray:
    """Return the calls on edges ``e`` (of cell ``owner``) of borrowers that are ``mixed``."""
    k = len(node)
    cnt_l = model.l_count[node]
    lo = model.l_order[ranges(model.l_start[node], cnt_l)]
    lown = np.repeat(np.arange(k), cnt_l)
    s = u[lown] * model.l_short[lo]
    a = model.l_spec[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        f_loan = np.where(a > 0, np.minimum(1.0, s / a), 0.0)
        big_r = np.bincount(lown, weights=np.maximum(s - a, 0.0), minlength=k)
        w = model.wide[node]
        f_wide = np.where(w > 0, np.minimum(1.0, big_r / w), 0.0)
    el = model.e_loan[e]
    spec = el >= 0
    f = f_wide[owner]
    off = np.cumsum(cnt_l) - cnt_l
    f[spec] = f_loan[off[owner[spec]] + model.l_rank[el[spec]]]
    return np.asarray(model.e_amount[e] * f)


def model_calls(model: CascadeModel, u: npt.ArrayLike) -> np.ndarray:
    """Return the call on every edge when every entity i defaults with unpaid share ``u[i]``.

    ``u`` has one value per entity (``model.size``, or ``model.n``).  ``O(m + loans)``.
    """
    u = np.asarray(u, dtype=np.float64)
    if len(u) == model.n:
        u = np.append(u, 0.0)
    owner, e, call = cell_calls(model, np.arange(model.size), u)
    out = np.zeros(len(model.e_src))
    out[e] = call
    return out


def compile_model(net: Network, cap: npt.ArrayLike, recovery: float = 0.0, *,
                  tolerance: float = 1e-9, src: npt.ArrayLike | None = None,
                  amount: npt.ArrayLike | None = None, active: npt.ArrayLike | None = None,
                  balance: npt.ArrayLike | None = None, types: npt.ArrayLike | None = None
                  ) -> CascadeModel:
    """Compile a network for :func:`propagate` (``O(m log m + loans + n)``).

    Parameters
    ----------
    net : Network
    cap : ndarray
        Capacity per entity (:func:`~graphrisk.contagion.cascade.capacities`).
    recovery : float
        The extra haircut r in [0, 1] on a defaulted loan's shortfall.
    tolerance : float
        Relative slack of the "exceeds capacity" test.
    src, amount, active, balance : ndarray, optional
        Replace the guarantors (``net.n`` = replacement cover), the amounts, the
        guarantees in force and the loan balances of ``net`` (used by strategies).
    types : ndarray, optional
        Type code per guarantee (:data:`TYPE_CODES`; default :func:`guarantee_types`).

    Raises
    ------
    ParameterError
        ``recovery`` outside [0, 1].
    """
    if not 0 <= recovery <= 1:
        raise ParameterError("recovery must be in [0, 1]")
    n, size = net.n, net.n + 1
    src = net.g_src if src is None else np.asarray(src)
    amount = net.g_amount if amount is None else np.asarray(amount, dtype=np.float64)
    active = np.ones(len(src), dtype=bool) if active is None else np.asarray(active, bool)
    balance = net.l_balance if balance is None else np.asarray(balance, dtype=np.float64)
    gtype = guarantee_types(net) if types is None else np.asarray(types, dtype=np.int8)
    cap_full = np.append(np.asarray(cap, dtype=np.float64), np.inf)
    thr = threshold(cap_full, tolerance)
    estate = np.where(np.isfinite(cap_full), cap_full, 0.0)
    l_short = balance * (1.0 - recovery)
    n_loans = len(balance)
    keep = np.flatnonzero(active & (amount > 0) & (src != net.g_dst))
    keep = keep[np.argsort(net.g_dst[keep], kind="stable")]
    dst = net.g_dst[keep].astype(np.int64)
    e_src, e_amount = src[keep].astype(np.int64), amount[keep]
    e_loan, e_type = net.g_loan[keep].astype(np.int64), gtype[keep]
    start = np.searchsorted(dst, np.arange(size)).astype(np.int64)
    count = np.diff(np.append(start, len(keep)))
    spec = e_loan >= 0
    p_edge = np.flatnonzero((e_type != SECURED) & (e_src < n))
    p_start = np.searchsorted(dst[p_edge], np.arange(size)).astype(np.int64)
    l_order = np.argsort(net.l_borrower, kind="stable")
    l_start = np.searchsorted(net.l_borrower[l_order], np.arange(size)).astype(np.int64)
    l_count = np.diff(np.append(l_start, n_loans))
    l_rank = np.empty(n_loans, dtype=np.int64)
    l_rank[l_order] = np.arange(n_loans) - np.repeat(l_start, l_count)
    debt = np.bincount(net.l_borrower, weights=balance, minlength=size)
    model = CascadeModel(
        n=n, cap=cap_full, thr=thr, estate=estate, debt=debt,
        short=np.bincount(net.l_borrower, weights=l_short, minlength=size),
        u0=unpaid_share(estate, debt, 0.0), fragile=np.zeros(size, dtype=bool),
        start=start, count=count, e_src=e_src, e_amount=e_amount, e_loan=e_loan,
        e_type=e_type, e_guar=keep.astype(np.int64), e_alone=np.zeros(len(keep)),
        p_edge=p_edge, p_start=p_start, p_count=np.diff(np.append(p_start, len(p_edge))),
        wide=np.bincount(dst[~spec], weights=e_amount[~spec], minlength=size),
        l_lender=net.l_lender, l_balance=balance, l_short=l_short,
        l_spec=np.bincount(e_loan[spec], weights=e_amount[spec], minlength=n_loans),
        l_order=l_order, l_start=l_start, l_count=l_count, l_rank=l_rank,
        recovery=float(recovery), mixed=np.zeros(size, dtype=bool), e_k=np.zeros(len(keep)),
        possible=np.zeros(size))
    named = np.bincount(net.l_borrower, weights=model.l_spec > 0, minlength=size) > 0
    model.mixed[:] = named & (model.wide > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        model.e_k[spec] = l_short[e_loan[spec]] / model.l_spec[e_loan[spec]]
        model.e_k[~spec] = model.short[dst[~spec]] / model.wide[dst[~spec]]
    upper = model_calls(model, np.ones(size))  # nothing paid by the borrowers' estates
    model.possible[:] = np.bincount(e_src[p_edge], weights=upper[p_edge], minlength=size)
    model.fragile[:] = model.possible > thr
    model.e_alone[:] = model_calls(model, model.u0)
    return model


@dataclass(frozen=True, eq=False)
class Propagation:
    """Outcome of :func:`propagate` for ``runs`` cascades.

    Keys are ``run · size + entity``.  ``keys``/``rounds``/``rho``: every default with
    its round (seeds first, round 0) and the share of its obligations it pays;
    ``touched``/``calls``: every guarantor whose calls were tracked (fragile or in
    default), sorted, with its total calls (collateral excluded).
    """

    runs: int
    size: int
    keys: np.ndarray
    rounds: np.ndarray
    rho: np.ndarray
    touched: np.ndarray
    calls: np.ndarray


def sorted_unique(a: npt.ArrayLike) -> np.ndarray:
    """Return the sorted distinct values.

    Sort-based: numpy's hash-based ``unique`` is far slower on large int64 keys.

    >>> sorted_unique(np.array([5, 1, 5, 3])).tolist()
    [1, 3, 5]
    """
    s = np.sort(np.asarray(a))
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


class Workspace:
    """Reusable state cells for :func:`propagate`.

    ``cells`` of 23 bytes, allocated lazily by the OS and cleaned after each use:
    defaulted, calls, the unpaid share already passed on, whether the 一般保证 are
    called, and a scratch index.
    """

    cells: int
    defaulted: np.ndarray
    calls: np.ndarray
    sent: np.ndarray
    general: np.ndarray
    writer: np.ndarray

    def __init__(self, cells: int) -> None:
        self.cells = cells
        self.defaulted = np.zeros(cells, dtype=bool)
        self.calls = np.zeros(cells)
        self.sent = np.zeros(cells)
        self.general = np.zeros(cells, dtype=bool)
        self.writer = np.empty(cells, dtype=np.int32)


def _step(model: CascadeModel, ws: Workspace, cells: np.ndarray, u_new: np.ndarray,
          g_old: np.ndarray) -> np.ndarray:
    """Pass on the growth of the calls of ``cells`` (unpaid share ``sent`` → ``u_new``).

    ``g_old``: whether their 一般保证 were called before (``ws.general`` now).  Adds
    the increments to the calls on the tracked guarantors; returns the distinct cells
    hit.
    """
    size = model.size
    node = cells % size
    base = cells - node
    owner, e, c_new = cell_calls(model, node, u_new, prop=True, general=ws.general[cells])
    sent = ws.sent[cells]
    before = np.flatnonzero(sent > 0)  # nothing sent yet: no call before
    d = c_new
    if before.size:
        _, _, c_old = cell_calls(model, node[before], sent[before], prop=True,
                                 general=g_old[before])
        d = c_new.copy()
        d[(sent > 0)[owner]] -= c_old
    ws.sent[cells] = u_new
    src = model.e_src[e]
    tgt = base[owner] + src
    live = (d > 0) & (model.fragile[src] | ws.defaulted[tgt])
    tgt = tgt[live]
    np.add.at(ws.calls, tgt, d[live])
    return _distinct(tgt, ws.writer)


def propagate(model: CascadeModel, seed_keys: npt.ArrayLike, runs: int,
              ws: Workspace | None = None, *, init_keys: npt.ArrayLike | None = None,
              init_calls: npt.ArrayLike | None = None) -> Propagation:
    """Run ``runs`` cascades at once from seeds given as keys ``run · size + entity``.

    Round r: the entities that defaulted in round r call their 连带责任保证 guarantors
    and those of round r − 1 their 一般保证 guarantors; the calls and unpaid shares
    settle (every increase passed on, event-driven); whoever is then called beyond
    capacity defaults in round r + 1.  It stops when a round brings nobody down and
    no 一般保证 is left to call.  ``init_keys``/``init_calls``: calls already on some
    cells at the start (from borrowers outside the model, see
    :mod:`graphrisk.mitigation._evaluator`); a cell they put beyond capacity defaults in
    round 0.  Time ``O(Σ_runs (defaults + guarantees called) · steps)``; memory ``runs ·
    size`` cells of a :class:`Workspace`.
    """
    size = model.size
    if ws is None or ws.cells < runs * size:
        ws = Workspace(runs * size)
    hit_parts: list[np.ndarray] = []
    seeds = np.asarray(seed_keys, dtype=np.int64)
    if init_keys is not None and init_calls is not None:
        ik = np.asarray(init_keys, dtype=np.int64)
        np.add.at(ws.calls, ik, np.asarray(init_calls, dtype=np.float64))
        ik = _distinct(ik, ws.writer)
        hit_parts.append(ik)
        seeds = np.concatenate([seeds, ik[ws.calls[ik] > model.thr[ik % size]]])
    new = _distinct(seeds, ws.writer)
    ws.defaulted[new] = True
    key_parts, round_parts = [new], [np.zeros(len(new), dtype=np.int32)]
    pending = np.zeros(0, dtype=np.int64)
    r, steps = 0, 0
    while new.size or pending.size:
        g_old = np.concatenate([ws.general[new], np.zeros(len(pending), dtype=bool)])
        ws.general[pending] = True
        cells = np.concatenate([new, pending])
        u_new = np.maximum(unpaid_share(model.estate[cells % size], model.debt[cells % size],
                                        ws.calls[cells]), ws.sent[cells])
        hits: list[np.ndarray] = []
        while cells.size and steps < MAX_STEPS:
            steps += 1
            hit = _step(model, ws, cells, u_new, g_old)
            hits.append(hit)
            cells = hit[ws.defaulted[hit]]
            u_new = unpaid_share(model.estate[cells % size], model.debt[cells % size],
                                 ws.calls[cells])
            grow = u_new > ws.sent[cells] + EPSILON
            cells, u_new = cells[grow], u_new[grow]
            g_old = ws.general[cells]
        hit = _distinct(np.concatenate(hits), ws.writer) if hits else np.zeros(0, np.int64)
        hit_parts.append(hit)
        fresh = hit[(ws.calls[hit] > model.thr[hit % size]) & ~ws.defaulted[hit]]
        r += 1
        pending, new = new, fresh
        if new.size:
            ws.defaulted[new] = True
            key_parts.append(new)
            round_parts.append(np.full(len(new), r, dtype=np.int32))
    touched = sorted_unique(np.concatenate(hit_parts)) if hit_parts else np.zeros(0, np.int64)
    keys = np.concatenate(key_parts)
    node = keys % size
    rho = 1.0 - unpaid_share(model.estate[node], model.debt[node], ws.calls[keys])
    out = Propagation(runs, size, keys, np.concatenate(round_parts), rho, touched,
                      ws.calls[touched])
    ws.defaulted[keys] = False  # leave the workspace clean
    ws.general[keys] = False
    ws.sent[keys] = 0.0
    ws.calls[touched] = 0.0
    return out


def _distinct(keys: np.ndarray, writer: np.ndarray) -> np.ndarray:
    """Return the distinct keys in order of last occurrence, by a scatter into ``writer``."""
    pos = np.arange(len(keys), dtype=np.int32)
    writer[keys] = pos
    return keys[writer[keys] == pos]


def edge_flows(model: CascadeModel, prop: Propagation) -> dict[str, np.ndarray]:
    """Return every guarantee of every defaulted borrower of every run, called and paid.

    Keys: ``run``, ``edge`` (model edge), ``owner`` (position in ``prop.keys`` of its
    borrower), ``call`` and ``paid``.  A guarantor in default pays the share ``rho``
    of each call; collateral, pledges, the cover and guarantors not in default pay in
    full.  ``O(guarantees of the defaulted · log defaults)``.
    """
    size = prop.size
    run = prop.keys // size
    node = prop.keys - run * size
    owner, e, call = cell_calls(model, node, 1.0 - prop.rho)
    src = model.e_src[e]
    key = run[owner] * size + src
    order = np.argsort(prop.keys)
    sk = prop.keys[order]
    pos = np.minimum(np.searchsorted(sk, key), max(len(sk) - 1, 0))
    hit = (sk[pos] == key) & (model.e_type[e] != SECURED) & (src < model.n)
    pay = np.ones(len(e))
    pay[hit] = prop.rho[order[pos[hit]]]
    return {"run": run[owner], "edge": e, "owner": owner, "call": call, "paid": call * pay}


def run_losses(model: CascadeModel, prop: Propagation,
               edges: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the lenders' loss per run, and what the replacement cover paid per run.

    Loss = Σ over defaulted b of its loans' shortfall (``u_b ·`` balance × (1 − r))
    − what its guarantors pay (the cover excepted).  The cover's payments are counted
    as loss (a replaced guarantee no longer protects the lender in this measure; see
    :mod:`graphrisk.mitigation.actions`).  Both are rounded to 1e-6 万元.  ``edges``:
    :func:`edge_flows`, when already computed.
    """
    edges = edge_flows(model, prop) if edges is None else edges
    size = prop.size
    run = prop.keys // size
    node = prop.keys - run * size
    short = np.bincount(run, weights=(1.0 - prop.rho) * model.short[node], minlength=prop.runs)
    to_cover = model.e_src[edges["edge"]] == model.n
    paid = np.bincount(edges["run"][~to_cover], weights=edges["paid"][~to_cover],
                       minlength=prop.runs)
    cover = np.bincount(edges["run"][to_cover], weights=edges["paid"][to_cover],
                        minlength=prop.runs)
    # rounded to 1e-6 万元 (0.01 元): the same cascade summed in another order differs in
    # the last bits, and equal scenarios should show equal losses
    return np.round(np.maximum(short - paid, 0.0), 6), np.round(cover.astype(np.float64), 6)


def loan_flows(model: CascadeModel, prop: Propagation,
               edges: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Return every defaulted loan of every run.

    Keys: ``run``, ``loan``, ``owner``, ``estate`` (paid from the borrower's estate:
    ``rho ·`` balance), ``shortfall`` ((balance − estate) × (1 − r)), ``paid`` (by
    guarantors) and ``loss`` = shortfall − paid.  A guarantee without a loan pays the
    borrower's loans pro rata to what the loan-specific guarantees left of them.
    ``edges`` is :func:`edge_flows` when already computed.
    """
    edges = edge_flows(model, prop) if edges is None else edges
    size = prop.size
    run = prop.keys // size
    node = prop.keys - run * size
    cnt = model.l_count[node]
    loan = model.l_order[ranges(model.l_start[node], cnt)]
    owner = np.repeat(np.arange(len(prop.keys)), cnt)
    short = (1.0 - prop.rho[owner]) * model.l_short[loan]
    paid = np.zeros(len(loan))
    e_loan = model.e_loan[edges["edge"]]
    spec = e_loan >= 0
    off = np.cumsum(cnt) - cnt
    at = off[edges["owner"][spec]] + model.l_rank[e_loan[spec]]
    paid += np.bincount(at, weights=edges["paid"][spec], minlength=len(loan))
    wide = np.bincount(edges["owner"][~spec], weights=edges["paid"][~spec],
                       minlength=len(prop.keys))
    resid = np.maximum(short - model.l_spec[loan], 0.0)
    big_r = np.bincount(owner, weights=resid, minlength=len(prop.keys))
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(big_r[owner] > 0, resid / big_r[owner], 0.0)
    paid += wide[owner] * frac
    return {"run": run[owner], "loan": loan, "owner": owner,
            "estate": prop.rho[owner] * model.l_balance[loan], "shortfall": short,
            "paid": paid, "loss": np.maximum(short - paid, 0.0)}
