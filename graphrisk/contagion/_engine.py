"""The vectorised engine of the default cascade (SPEC §6).

The model it computes is described in :mod:`graphrisk.contagion`.

:func:`compile_model` turns a :class:`~graphrisk.network.graph.Network` into a
:class:`CascadeModel`: the fixed calls, grouped by borrower.  :func:`propagate` runs
many cascades at once, event-driven: each round touches only the guarantees of the
borrowers that defaulted in the previous round (numpy gathers, ``np.add.at`` and a
scatter to find distinct keys; no Python loop per edge, no sort per round).

Only *fragile* guarantors — those whose possible calls (the sum of the calls of all
their guarantees) exceed their capacity — can default; the guarantees of the others
(and of persons, institutions and the replacement cover) are settled per borrower
without being propagated.  A cascade costs ``O(defaults + fragile guarantees called)``
plus a few numpy calls per round; a batch of ``B`` runs uses ``B · (n + 1)`` cells of a
reusable :class:`Workspace` (13 bytes each, written only where touched).  Index ``n``
is a virtual *replacement cover* (collateral or a government fund, see
:mod:`graphrisk.mitigation.actions`) with unlimited capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graphrisk.errors import ParameterError
from graphrisk.network.graph import Network

__all__ = ["CascadeModel", "Propagation", "Workspace", "guarantee_calls", "compile_model",
           "propagate", "run_losses", "edge_flows", "loan_flows", "ranges", "sorted_unique"]


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
    """Compute the call on each guarantee when its borrower defaults (see the module notes).

    Indices are local: ``g_loan`` indexes ``l_*`` (``-1``: no loan), ``g_dst`` and
    ``l_borrower`` are in ``range(n_borrowers)``.  Returns ``(calls, residual per
    loan, residual per borrower)``.  ``O(guarantees + loans + n_borrowers)``.

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


@dataclass(frozen=True, eq=False)
class CascadeModel:
    """A network compiled for cascades: fixed calls grouped by borrower.

    Entities are ``0..n-1`` as in the :class:`~graphrisk.network.graph.Network`; ``n`` is the
    replacement cover.  ``e_*`` are the guarantees with a positive call, sorted by
    borrower (``start``/``count`` per borrower).  A guarantor is *fragile* when all
    the calls it could ever receive exceed its capacity; the others (and persons,
    institutions, the cover) can never default and always pay in full, so only the
    guarantees of fragile guarantors are propagated (``f_*``, ``f_start``/``f_count``)
    and the rest is settled per borrower: ``sure`` (paid by safe guarantors) and
    ``cover`` (paid by the replacement cover).  ``l_*`` are the loans; ``l_order``
    sorts them by borrower (``l_start``/``l_count``).
    """

    n: int
    cap: np.ndarray
    thr: np.ndarray
    short: np.ndarray
    start: np.ndarray
    count: np.ndarray
    e_src: np.ndarray
    e_call: np.ndarray
    e_guar: np.ndarray
    e_loan: np.ndarray
    fragile: np.ndarray
    f_start: np.ndarray
    f_count: np.ndarray
    f_src: np.ndarray
    f_call: np.ndarray
    f_guar: np.ndarray
    sure: np.ndarray
    cover: np.ndarray
    l_lender: np.ndarray
    l_short: np.ndarray
    l_resid: np.ndarray
    resid: np.ndarray
    l_order: np.ndarray
    l_start: np.ndarray
    l_count: np.ndarray
    recovery: float

    @property
    def size(self) -> int:
        """Return the cells per run: the entities and the replacement cover."""
        return self.n + 1

    @property
    def e_dst(self) -> np.ndarray:
        """Return the borrower of each edge."""
        return np.repeat(np.arange(self.size), self.count)


def _threshold(cap: np.ndarray, tolerance: float) -> np.ndarray:
    return cap + tolerance * np.maximum(1.0, cap)


def compile_model(net: Network, cap: npt.ArrayLike, recovery: float = 0.0, *,
                  tolerance: float = 1e-9, src: npt.ArrayLike | None = None,
                  amount: npt.ArrayLike | None = None, active: npt.ArrayLike | None = None,
                  balance: npt.ArrayLike | None = None) -> CascadeModel:
    """Compile a network for :func:`propagate` (``O(m log m + loans + n)``).

    Parameters
    ----------
    net : Network
    cap : ndarray
        Capacity per entity (:func:`capacities`).
    recovery : float
        Recovery rate r in [0, 1].
    tolerance : float
        Relative slack of the "exceeds capacity" test.
    src, amount, active, balance : ndarray, optional
        Replace the guarantors (``net.n`` = replacement cover), the amounts, the
        guarantees in force and the loan balances of ``net`` (used by strategies).
    """
    if not 0 <= recovery <= 1:
        raise ParameterError("recovery must be in [0, 1]")
    n, size = net.n, net.n + 1
    src = net.g_src if src is None else np.asarray(src)
    amount = net.g_amount if amount is None else np.asarray(amount, dtype=np.float64)
    active = np.ones(len(src), dtype=bool) if active is None else np.asarray(active, bool)
    balance = net.l_balance if balance is None else np.asarray(balance, dtype=np.float64)
    l_short = balance * (1.0 - recovery)
    calls, l_resid, resid = guarantee_calls(net.g_dst, net.g_loan, np.where(active, amount, 0.0),
                                            net.l_borrower, l_short, size)
    keep = np.flatnonzero(active & (calls > 0))
    keep = keep[np.argsort(net.g_dst[keep], kind="stable")]
    dst = net.g_dst[keep]
    e_src, e_call = src[keep].astype(np.int64), calls[keep]
    start = np.searchsorted(dst, np.arange(size)).astype(np.int64)
    count = np.diff(np.append(start, len(keep)))
    cap_full = np.append(np.asarray(cap, dtype=np.float64), np.inf)
    thr = _threshold(cap_full, tolerance)
    fragile = np.bincount(e_src, weights=e_call, minlength=size) > thr
    f = fragile[e_src]
    f_start = np.searchsorted(dst[f], np.arange(size)).astype(np.int64)
    l_order = np.argsort(net.l_borrower, kind="stable")
    l_start = np.searchsorted(net.l_borrower[l_order], np.arange(size)).astype(np.int64)
    to_cover = e_src == n
    return CascadeModel(
        n=n, cap=cap_full, thr=thr,
        short=np.bincount(net.l_borrower, weights=l_short, minlength=size),
        start=start, count=count, e_src=e_src, e_call=e_call,
        e_guar=keep.astype(np.int64), e_loan=net.g_loan[keep].astype(np.int64),
        fragile=fragile, f_start=f_start, f_count=np.diff(np.append(f_start, int(f.sum()))),
        f_src=e_src[f], f_call=e_call[f], f_guar=keep[f].astype(np.int64),
        sure=np.bincount(dst[~f & ~to_cover], weights=e_call[~f & ~to_cover], minlength=size),
        cover=np.bincount(dst[to_cover], weights=e_call[to_cover], minlength=size),
        l_lender=net.l_lender, l_short=l_short, l_resid=l_resid, resid=resid,
        l_order=l_order, l_start=l_start, l_count=np.diff(np.append(l_start, len(l_order))),
        recovery=float(recovery))


@dataclass(frozen=True, eq=False)
class Propagation:
    """Outcome of :func:`propagate` for ``runs`` cascades.

    Keys are ``run · size + entity``.  ``keys``/``rounds``: every default with its
    round (seeds first, round 0); ``touched``/``calls``: every *fragile* guarantor that
    received calls, sorted, with its total calls (the others pay in full).
    """

    runs: int
    size: int
    keys: np.ndarray
    rounds: np.ndarray
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

    ``cells`` of 13 bytes, allocated lazily by the OS and cleaned after each use.
    """

    cells: int
    defaulted: np.ndarray
    calls: np.ndarray
    writer: np.ndarray

    def __init__(self, cells: int) -> None:
        self.cells = cells
        self.defaulted = np.zeros(cells, dtype=bool)
        self.calls = np.zeros(cells)
        self.writer = np.empty(cells, dtype=np.int32)


def propagate(model: CascadeModel, seed_keys: npt.ArrayLike, runs: int,
              ws: Workspace | None = None) -> Propagation:
    """Run ``runs`` cascades at once from seeds given as keys ``run · size + entity``.

    Event-driven: each round gathers only the guarantees of fragile guarantors of the
    borrowers that defaulted in the previous round, adds their calls with
    ``np.add.at`` and finds the distinct guarantors hit with a scatter ("last writer
    wins"), without sorting.  Time ``O(Σ_runs (defaults + fragile guarantees
    called))`` plus ``O(rounds)`` numpy calls.  Memory: ``runs · size`` cells of a
    :class:`Workspace` (only the pages of cells touched are ever written).
    """
    size = model.size
    if ws is None or ws.cells < runs * size:
        ws = Workspace(runs * size)
    defaulted, calls, writer = ws.defaulted, ws.calls, ws.writer
    new = _distinct(np.asarray(seed_keys, dtype=np.int64), writer)
    defaulted[new] = True
    key_parts, round_parts = [new], [np.zeros(len(new), dtype=np.int32)]
    hit_parts: list[np.ndarray] = []
    r = 0
    while new.size:
        run = new // size
        node = new - run * size
        cnt = model.f_count[node]
        if not cnt.any():
            break
        e = ranges(model.f_start[node], cnt)
        target = np.repeat(run * size, cnt) + model.f_src[e]
        np.add.at(calls, target, model.f_call[e])
        hit = _distinct(target, writer)
        hit_parts.append(hit)
        new = hit[(calls[hit] > model.thr[hit % size]) & ~defaulted[hit]]
        r += 1
        if new.size:
            defaulted[new] = True
            key_parts.append(new)
            round_parts.append(np.full(len(new), r, dtype=np.int32))
    touched = sorted_unique(np.concatenate(hit_parts)) if hit_parts else np.zeros(0, np.int64)
    keys = np.concatenate(key_parts)
    out = Propagation(runs, size, keys, np.concatenate(round_parts), touched, calls[touched])
    defaulted[keys] = False  # leave the workspace clean
    calls[touched] = 0.0
    return out


def _distinct(keys: np.ndarray, writer: np.ndarray) -> np.ndarray:
    """Return the distinct keys in order of last occurrence, by a scatter into ``writer``."""
    pos = np.arange(len(keys), dtype=np.int32)
    writer[keys] = pos
    return keys[writer[keys] == pos]


def run_losses(model: CascadeModel, prop: Propagation) -> tuple[np.ndarray, np.ndarray]:
    """Return the lenders' loss per run, and what the replacement cover paid per run.

    Loss = Σ over defaulted b of (own shortfall − what safe guarantors pay) − what the
    fragile guarantors pay (capacity when over it, else their calls).  The cover's
    payments are counted as loss (a replaced guarantee no longer protects the lender
    in this measure; see :mod:`graphrisk.mitigation.actions`).  ``O(defaults + touched)``.
    """
    size = prop.size
    run = prop.keys // size
    node = prop.keys - run * size
    short = np.bincount(run, weights=model.short[node] - model.sure[node], minlength=prop.runs)
    cover = np.bincount(run, weights=model.cover[node], minlength=prop.runs)
    trun = prop.touched // size
    tnode = prop.touched - trun * size
    t = prop.calls
    paid = np.bincount(trun, weights=np.where(t > model.thr[tnode], model.cap[tnode], t),
                       minlength=prop.runs)
    return np.maximum(short - paid, 0.0), cover


def edge_flows(model: CascadeModel, prop: Propagation) -> dict[str, np.ndarray]:
    """Return every called guarantee of every run.

    Keys: ``run``, ``edge`` (model edge), ``owner`` (position in ``prop.keys`` of its
    borrower), ``call`` and ``paid``.
    """
    size = prop.size
    run = prop.keys // size
    cnt = model.count[prop.keys - run * size]
    e = ranges(model.start[prop.keys - run * size], cnt)
    owner = np.repeat(np.arange(len(prop.keys)), cnt)
    src = model.e_src[e]
    share = np.ones(len(e))
    f = np.flatnonzero(model.fragile[src])
    total = prop.calls[np.searchsorted(prop.touched, run[owner[f]] * size + src[f])]
    over = total > model.thr[src[f]]
    share[f[over]] = model.cap[src[f[over]]] / total[over]
    call = model.e_call[e]
    return {"run": run[owner], "edge": e, "owner": owner, "call": call, "paid": call * share}


def loan_flows(model: CascadeModel, prop: Propagation,
               edges: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Return every defaulted loan of every run.

    Keys: ``run``, ``loan``, ``shortfall``, ``paid`` (by guarantors) and ``loss`` =
    shortfall − paid.  ``edges`` is :func:`edge_flows` when already computed.
    """
    edges = edge_flows(model, prop) if edges is None else edges
    size = prop.size
    run = prop.keys // size
    node = prop.keys - run * size
    cnt = model.l_count[node]
    loan = model.l_order[ranges(model.l_start[node], cnt)]
    owner = np.repeat(np.arange(len(prop.keys)), cnt)
    paid = np.zeros(len(loan))
    e_loan = model.e_loan[edges["edge"]]
    spec = e_loan >= 0
    n_loans = max(len(model.l_short), 1)
    combined = owner * n_loans + loan  # ascending: owners ascending, loans sorted within
    at = np.searchsorted(combined, edges["owner"][spec] * n_loans + e_loan[spec])
    paid += np.bincount(at, weights=edges["paid"][spec], minlength=len(loan))
    general = np.bincount(edges["owner"][~spec], weights=edges["paid"][~spec],
                          minlength=len(prop.keys))
    big_r = model.resid[node]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(big_r[owner] > 0, model.l_resid[loan] / big_r[owner], 0.0)
    paid += general[owner] * frac
    short = model.l_short[loan]
    return {"run": run[owner], "loan": loan, "shortfall": short, "paid": paid,
            "loss": np.maximum(short - paid, 0.0)}
