"""Monte Carlo of default contagion (SPEC §6).

Scenarios, expected and tail loss, network-adjusted default probabilities and systemic
importance.

Definitions
-----------
*PD.*  Each enterprise defaults on its own (a *seed*) with probability ``pd``,
independently of the others.  Where ``pd`` is missing it comes from the enterprise:
``status`` ``defaulted`` → 1.0; else its worst loan classification (五级分类) →
:data:`~graphrisk.params.PD_BY_CLASSIFICATION` (normal 1 %, special_mention 5 %,
substandard 20 %, doubtful 50 %, loss 90 %); no loans → 1 %.  Persons and institutions
are never seeds.

*Scenarios (common random numbers, counter-based).*  Run k seeds enterprise i when
``U[k, i] < pd_i``, where ``U[k, i]`` is a pure function of ``(seed, k, i)``
(:func:`uniforms`): with SplitMix64's finaliser ``mix64`` and ``GAMMA =
0x9E3779B97F4A7C15``, ``b_j = mix64(mix64(seed) + (j + 1)·GAMMA)`` for the pair
``j = ⌊k/2⌋``, ``z = mix64(b_j + (i + 1)·GAMMA)`` (mod 2^64), and U is the low 32 bits
of z over 2^32 for even k, the high 32 bits for odd k.  i is the entity's position in
the network — an enterprise's position in the enterprises table.  So any process (or
Spark task holding some entities) draws exactly its own scenarios' numbers, whatever
the batching; the seed sets are reused for every model and every strategy, so that
differences between strategies are not noise.  Same seed, same numbers.

*Processes.*  ``params.jobs`` forked workers (:mod:`graphrisk.contagion._pool`) share
consecutive ranges of scenarios, and the candidates of systemic importance; their
results are combined in order, so the numbers do not depend on the number of processes.

*Loss.*  Each run is a cascade of :mod:`graphrisk.contagion` (each defaulted firm's
estate first, then its guarantors); its loss is the lenders' total loss.  *Expected loss* is the mean over runs.  *Tail*: with N runs and
``k = ⌈(1 − q) · N⌉``, ``VaR_q`` is the k-th largest loss and ``ES_q`` (expected
shortfall) the mean of the k largest — q = 95 % and 99 %.  The same per lender.

*Network-adjusted PD* of an enterprise: the share of runs in which it defaults,
as a seed or through contagion — against its own ``pd``.

*Systemic importance* (``model="cascade"``): the lenders' loss on the loans of
*other* entities when the entity alone defaults — the loss its default causes beyond
its own loans (0 when nobody else falls).  With ``model="debtrank"`` it is the
DebtRank of :mod:`graphrisk.contagion.debtrank` instead.

Complexity: ``O(runs · (n + seeds + cascade size))`` for the runs (one 64-bit hash
per entity and pair of runs), in batches of ``batch_cells // n`` runs (23 bytes per
cell); systemic importance runs one cascade per entity that can bring a guarantor down
alone (the others score 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from graphrisk.contagion._pool import parallel_map, resolve_jobs
from graphrisk.contagion.cascade import (
    CascadeModel,
    Workspace,
    capacities,
    compile_model,
    edge_flows,
    loan_flows,
    propagate,
    ranges,
    run_losses,
    sorted_unique,
)
from graphrisk.contagion.debtrank import debtrank_importance
from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.network.graph import Network, analysis
from graphrisk.params import TAIL_KEYS, ContagionParams

__all__ = ["pd_vector", "GAMMA", "mix64", "pair_keys", "uniforms", "seed_thresholds",
           "Scenarios", "draw_scenarios", "Outcome", "run_scenarios", "tail_stats",
           "importance_candidates", "systemic_importance", "monte_carlo"]


@analysis(params=ContagionParams)
def pd_vector(net: Network, *, params: ContagionParams | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each enterprise's PD, where it came from, and its worst loan classification.

    The enterprises are in table order.

    Returns
    -------
    pd : ndarray of float
    source : ndarray of str
        ``given``, ``status`` (defaulted), ``classification`` or ``no_loans``.
    worst : ndarray of str
        Worst loan classification ("" without loans).

    Examples
    --------
    >>> pd_, source, worst = pd_vector(net)
    >>> pd_.tolist()
    [0.01, 0.05, 0.5, 0.01]
    >>> source[3], worst[3]  # E4 has no pd: it comes from its worst loan
    ('classification', 'normal')
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    e = ds.tables["enterprises"]
    names = np.array([*CLASSIFICATION, ""], dtype=object)  # code -1: no loans
    worst = names[net.worst_classification()[:len(e)]]  # enterprises come first
    by_class = dict(params.pd_by_classification)
    pd_ = e["pd"].to_numpy(dtype=np.float64).copy()
    source = np.full(len(e), "given", dtype=object)
    missing = np.isnan(pd_)
    status = (e["status"] == "defaulted").to_numpy() & missing
    has_loans = worst != ""
    from_class = missing & ~status & has_loans
    pd_[status], source[status] = params.pd_defaulted, "status"
    pd_[from_class] = [by_class.get(w, params.pd_no_loans) for w in worst[from_class]]
    source[from_class] = "classification"
    rest = missing & ~status & ~has_loans
    pd_[rest], source[rest] = params.pd_no_loans, "no_loans"
    return pd_, source, worst


@dataclass(frozen=True, eq=False)
class Scenarios:
    """Seed defaults of each run: ``nodes[indptr[k]:indptr[k + 1]]`` for run k.

    Run k is the scenario ``first + k`` of the seed (see :func:`draw_scenarios`).
    """

    runs: int
    seed: int
    indptr: np.ndarray
    nodes: np.ndarray
    first: int = 0

    def runs_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (position in ``nodes``, run) of every run in which one of ``nodes`` is a seed."""
        if "_by_node" not in self.__dict__:
            run = np.repeat(np.arange(self.runs), np.diff(self.indptr))
            order = np.argsort(self.nodes, kind="stable")
            width = int(self.nodes.max()) + 1 if len(self.nodes) else 0
            start = np.searchsorted(self.nodes[order], np.arange(width + 1))
            object.__setattr__(self, "_by_node", (run[order], start))
        run, start = self.__dict__["_by_node"]
        nodes = np.asarray(nodes, dtype=np.int64)
        inside = nodes < len(start) - 1
        at = np.where(inside, nodes, 0)
        counts = np.where(inside, start[at + 1] - start[at], 0)
        return np.repeat(np.arange(len(nodes)), counts), run[ranges(start[at], counts)]

    def seeds_of(self, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (position in ``runs``, entity) of the seeds of the given runs."""
        counts = self.indptr[runs + 1] - self.indptr[runs]
        return (np.repeat(np.arange(len(runs)), counts),
                self.nodes[ranges(self.indptr[runs], counts)])


#: the increment of SplitMix64 (the golden ratio in 64 bits)
GAMMA = 0x9E3779B97F4A7C15
_U64 = np.uint64
_MIX = (_U64(30), _U64(0xBF58476D1CE4E5B9), _U64(27), _U64(0x94D049BB133111EB), _U64(31))


def mix64(z: npt.ArrayLike) -> np.ndarray:
    """Return the SplitMix64 finaliser of every ``uint64`` in ``z`` (wrapping arithmetic).

    ``z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
    z ^= z >> 31`` — the output function of SplitMix64 (Steele, Lea & Flood 2014;
    Vigna's ``splitmix64.c``), so ``mix64(GAMMA)`` is the first output of SplitMix64
    seeded with 0:

    >>> hex(int(mix64(np.array([GAMMA], dtype=np.uint64))[0]))
    '0xe220a8397b1dcdaf'
    """
    z = np.array(z, dtype=np.uint64)
    _mix_inplace(z, np.empty_like(z))
    return z


def _mix_inplace(z: np.ndarray, tmp: np.ndarray) -> None:
    s1, m1, s2, m2, s3 = _MIX
    np.right_shift(z, s1, out=tmp)
    z ^= tmp
    z *= m1
    np.right_shift(z, s2, out=tmp)
    z ^= tmp
    z *= m2
    np.right_shift(z, s3, out=tmp)
    z ^= tmp


def _wrap(x: npt.ArrayLike) -> np.ndarray:
    """Return integers modulo 2^64 as ``uint64`` (negative ones in two's complement)."""
    return np.array([int(v) % (1 << 64) for v in np.atleast_1d(x).tolist()], dtype=np.uint64)


def pair_keys(seed: int, pairs: npt.ArrayLike) -> np.ndarray:
    """Return ``b_j = mix64(mix64(seed) + (j + 1) · GAMMA)``: the key of scenario pair j.

    Scenarios ``2j`` and ``2j + 1`` share the key of pair j (see :func:`uniforms`).
    """
    s = mix64(_wrap(seed))[0]
    j = np.asarray(pairs, dtype=np.uint64) + _U64(1)
    return mix64(s + j * _U64(GAMMA))


def _entity_keys(k: int) -> np.ndarray:
    return (np.arange(k, dtype=np.uint64) + _U64(1)) * _U64(GAMMA)


def uniforms(seed: int, scenarios: npt.ArrayLike, entities: npt.ArrayLike) -> np.ndarray:
    """Return ``U[k, i]``, the uniform of entity i in scenario k (counter-based).

    ``U`` is a pure function of ``(seed, k, i)``: ::

        s     = mix64(seed mod 2^64)
        b_j   = mix64(s + (j + 1) · GAMMA)          j = ⌊k / 2⌋   (mod 2^64)
        z     = mix64(b_j + (i + 1) · GAMMA)                      (mod 2^64)
        U     = (z mod 2^32) / 2^32        if k is even
                ⌊z / 2^32⌋ / 2^32          if k is odd

    with :func:`mix64` the SplitMix64 finaliser and :data:`GAMMA` = 0x9E3779B97F4A7C15:
    entity i's 64 bits in pair j are the (i + 1)-th output of a SplitMix64 generator
    started at ``b_j``, one half for each scenario of the pair.  i is the entity's
    position in the network (the enterprises come first, in table order).  Entity i
    is a seed of scenario k when ``U[k, i] < pd_i``.

    Examples
    --------
    >>> uniforms(0, [0, 1, 2], [0, 5]).round(6).tolist()
    [[0.30117, 0.63382], [0.652448, 0.146235], [0.940483, 0.411358]]
    """
    k = np.asarray(scenarios, dtype=np.int64)
    z = pair_keys(seed, k // 2)[:, None] + (np.asarray(entities, dtype=np.uint64)
                                           + _U64(1))[None, :] * _U64(GAMMA)
    z = mix64(z)
    bits = np.where((k % 2 == 0)[:, None], z & _U64(0xFFFFFFFF), z >> _U64(32))
    return bits.astype(np.float64) / 2.0**32


def seed_thresholds(pd_: npt.ArrayLike) -> np.ndarray:
    """Return ``⌈pd · 2^32⌉`` (``uint64``): U < pd exactly when the 32 bits are below it.

    >>> seed_thresholds([0.0, 0.5, 1.0]).tolist()
    [0, 2147483648, 4294967296]
    """
    p = np.clip(np.asarray(pd_, dtype=np.float64), 0.0, 1.0)
    return np.ceil(p * 2.0**32).astype(np.uint64)


def draw_scenarios(pd_: np.ndarray, runs: int, seed: int, *, forced: Iterable[int] = (),
                   first: int = 0, block_cells: int = 1 << 17) -> Scenarios:
    """Draw the seed defaults of scenarios ``first .. first + runs - 1`` (common random numbers).

    Entity i is a seed of scenario k when ``U[k, i] < pd_i``, with the counter-based
    uniforms of :func:`uniforms`: the same seed gives the same seed sets whatever the
    batching, the range drawn or the number of processes.  Two scenarios share one
    64-bit hash per entity.

    Parameters
    ----------
    pd_ : ndarray
        PD of entities ``0..len(pd_)-1`` (the enterprises come first in a Network).
    runs, seed : int
    forced : iterable of int
        Entities that default in every run (a conditional stress scenario).
    first : int
        Global number of the first scenario; the result numbers runs from 0
        (``Scenarios.first`` keeps the offset).
    block_cells : int
        Hashes computed per block (kept in the CPU cache); the result does not depend on it.

    Examples
    --------
    >>> pd_ = np.array([0.5, 0.0, 1.0])
    >>> s = draw_scenarios(pd_, 4, seed=1)
    >>> [s.nodes[s.indptr[k]:s.indptr[k + 1]].tolist() for k in range(4)]
    [[2], [0, 2], [2], [2]]
    >>> (uniforms(1, range(4), [0]) < 0.5).ravel().tolist()  # entity 0 (pd 0.5)
    [False, True, False, False]
    >>> t = draw_scenarios(pd_, 2, seed=1, first=1)  # scenarios 1 and 2 only
    >>> [t.nodes[t.indptr[k]:t.indptr[k + 1]].tolist() for k in range(2)]
    [[0, 2], [2]]
    """
    k = len(pd_)
    thr = seed_thresholds(pd_)
    always = np.unique(np.asarray(list(forced), dtype=np.int64))
    parts = [np.zeros(0, dtype=np.int64)]
    if runs > 0 and k > 0:
        ent = _entity_keys(k)
        j0, j1 = first // 2, (first + runs - 1) // 2
        base = pair_keys(seed, np.arange(j0, j1 + 1))
        m = min(k, block_cells)
        p = max(1, block_cells // m)
        z = np.empty(p * m, dtype=np.uint64)
        tmp = np.empty_like(z)
        low = _U64(0xFFFFFFFF)
        for a in range(0, k, m):
            e = ent[a:a + m]
            th = thr[a:a + m]
            for pa in range(0, len(base), p):
                bp = base[pa:pa + p]
                zz = z[:len(bp) * len(e)].reshape(len(bp), len(e))
                tt = tmp[:zz.size].reshape(zz.shape)
                np.add(bp[:, None], e[None, :], out=zz)
                _mix_inplace(zz, tt)
                for half in (0, 1):
                    bits = np.bitwise_and(zz, low, out=tt) if half == 0 else \
                        np.right_shift(zz, _U64(32), out=tt)
                    r, c = np.nonzero(bits < th)
                    run = 2 * (j0 + pa + r) + half - first
                    ok = (run >= 0) & (run < runs)
                    parts.append(run[ok] * k + (a + c[ok]))
    key = np.sort(np.concatenate(parts))
    rows, cols = key // max(k, 1), key % max(k, 1)
    if always.size:
        width = max(k, int(always.max()) + 1)
        key = sorted_unique(np.concatenate([rows * width + cols,
                                            np.repeat(np.arange(runs), always.size) * width
                                            + np.tile(always, runs)]))
        rows, cols = key // width, key % width
    indptr = np.searchsorted(rows, np.arange(runs + 1)).astype(np.int64)
    return Scenarios(runs, seed, indptr, cols.astype(np.int64), first)


@dataclass(frozen=True, eq=False)
class Outcome:
    """Results of the runs ``runs`` (global run numbers) under one model.

    ``loss``/``cover`` per run (lenders' loss, replacement cover's payments);
    ``keys``: the defaults as ``run · size + entity`` (global runs), ``rho`` the share
    of its obligations each pays; ``touched`` and ``calls``: the tracked guarantors
    (fragile or in default) that were called, with their total calls.
    """

    runs: np.ndarray
    size: int
    loss: np.ndarray
    cover: np.ndarray
    keys: np.ndarray
    rho: np.ndarray
    touched: np.ndarray
    calls: np.ndarray


#: ``(run, lender, loss)`` triples of :func:`run_scenarios` with ``by_lender``
LenderLosses = tuple[np.ndarray, np.ndarray, np.ndarray]


@overload
def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = ..., *,
                  batch_cells: int = ..., by_lender: Literal[False] = ...,
                  jobs: int | None = ...) -> Outcome: ...


@overload
def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = ..., *,
                  batch_cells: int = ..., by_lender: Literal[True],
                  jobs: int | None = ...) -> tuple[Outcome, LenderLosses]: ...


@overload
def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = ..., *,
                  batch_cells: int = ..., by_lender: bool = ..., jobs: int | None = ...
                  ) -> Outcome | tuple[Outcome, LenderLosses]: ...


def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = None, *,
                  batch_cells: int = 8_000_000, by_lender: bool = False, jobs: int | None = 1
                  ) -> Outcome | tuple[Outcome, LenderLosses]:
    """Run the cascades of the given runs (default: all) in batches.

    Returns an :class:`Outcome`; with ``by_lender`` also ``(run, lender, loss)``
    triples (one per run and lender with a defaulted loan).  ``jobs`` processes
    (None: the cores available) share the runs; each run's cascade does not depend on
    the batch it is in, and the parts are joined in run order, so the result is the
    same for any ``jobs`` and ``batch_cells``.

    Examples
    --------
    >>> from graphrisk.contagion import capacities, compile_model
    >>> model = compile_model(net, capacities(net)[0])
    >>> scen = draw_scenarios(np.array([0.0, 0.0, 1.0, 0.0]), 3, seed=0)
    >>> run_scenarios(model, scen).loss.round(2).tolist()  # E3 alone: M1's loan, less E3's estate
    [47.14, 47.14, 47.14]
    """
    run_ids = np.arange(scen.runs) if runs is None else np.asarray(runs, dtype=np.int64)
    step = max(1, min(batch_cells // model.size, len(run_ids)))
    tasks = _split(run_ids, step, resolve_jobs(jobs))
    parts = parallel_map(_run_task, (model, scen, step, by_lender), tasks, jobs)
    out = Outcome(run_ids, model.size, *(_cat([q[0][f] for q in parts], dt) for f, dt in (
        ("loss", float), ("cover", float), ("keys", np.int64), ("rho", float),
        ("touched", np.int64), ("calls", float))))
    if not by_lender:
        return out
    trip = [q[1] for q in parts if q[1] is not None]
    return out, (_cat([t[0] for t in trip], np.int64), _cat([t[1] for t in trip], np.int64),
                 _cat([t[2] for t in trip], float))


def _split(items: np.ndarray, step: int, jobs: int) -> list[np.ndarray]:
    """Cut ``items`` into consecutive tasks: one with one process, else about 4 per process.

    Tasks hold whole batches of ``step`` where they can, so that the batches are full.
    """
    if jobs <= 1 or len(items) <= step:
        return [items]
    per = max(step, -(-len(items) // (4 * jobs)))
    per = -(-per // step) * step
    return [items[i:i + per] for i in range(0, len(items), per)]


def _run_task(shared: tuple[CascadeModel, Scenarios, int, bool], run_ids: np.ndarray
              ) -> tuple[dict[str, np.ndarray], LenderLosses | None]:
    """Run the cascades of ``run_ids`` (one task of :func:`run_scenarios`)."""
    model, scen, step, by_lender = shared
    size = model.size
    ws = Workspace(min(step, len(run_ids)) * size)
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("loss", "cover", "keys", "rho", "touched", "calls")}
    lender_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for first in range(0, len(run_ids), step):
        chunk = run_ids[first:first + step]
        local, nodes = scen.seeds_of(chunk)
        prop = propagate(model, local * size + nodes, len(chunk), ws)
        edges = edge_flows(model, prop)
        loss, cover = run_losses(model, prop, edges)
        parts["loss"].append(loss)
        parts["cover"].append(cover)
        parts["keys"].append(chunk[prop.keys // size] * size + prop.keys % size)
        parts["rho"].append(prop.rho)
        parts["touched"].append(chunk[prop.touched // size] * size + prop.touched % size)
        parts["calls"].append(prop.calls)
        if by_lender:
            lf = loan_flows(model, prop, edges)
            lender = model.l_lender[lf["loan"]]
            key, inv = np.unique(chunk[lf["run"]] * size + lender, return_inverse=True)
            lender_parts.append((key, np.bincount(inv, weights=lf["loss"])))
    out = {k: _cat(v, np.int64 if k in ("keys", "touched") else float)
           for k, v in parts.items()}
    if not by_lender:
        return out, None
    keys = _cat([k for k, _ in lender_parts], np.int64)
    return out, (keys // size, keys % size, _cat([v for _, v in lender_parts], float))


def _cat(parts: Sequence[np.ndarray], dtype: npt.DTypeLike) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def tail_stats(losses: npt.ArrayLike, total_runs: int | None = None) -> dict[str, float]:
    """Return ``var95``, ``var99``, ``es95``, ``es99`` of a loss sample.

    ``total_runs`` > ``len(losses)`` pads the sample with zero losses (used for
    sparse per-lender losses).  With ``k = ⌈(1 − q) · N⌉``: VaR is the k-th largest
    loss, ES the mean of the k largest.

    >>> tail_stats(np.arange(100.0))
    {'var95': 95.0, 'var99': 99.0, 'es95': 97.0, 'es99': 99.0}
    """
    x = np.sort(np.asarray(losses, dtype=np.float64))[::-1]
    n = len(x) if total_runs is None else total_runs
    out: dict[str, float] = {}
    for key in TAIL_KEYS:
        q = int(key[-2:]) / 100
        k = max(1, math.ceil((1 - q) * n - 1e-9))
        top = x[:k]
        if key.startswith("var"):
            out[key] = float(top[-1]) if len(top) == k else 0.0
        else:
            out[key] = float(top.sum() / k)
    return {k: out[k] for k in TAIL_KEYS}


def importance_candidates(model: CascadeModel, entities: npt.ArrayLike | None = None
                          ) -> np.ndarray:
    """Return the entities (sorted) whose lone default calls some guarantor beyond its capacity.

    Only they can bring anyone down alone (what their estate leaves unpaid, spread over
    their guarantees, exceeds a guarantor's capacity); every other entity's systemic
    importance is 0.
    """
    ent = np.arange(model.n) if entities is None else np.asarray(entities, np.int64)
    size = model.size
    e = model.p_edge
    pair = model.e_dst[e] * size + model.e_src[e]
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    if not len(pair):
        return np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    alone = np.add.reduceat(model.e_alone[e][order], first)
    pair = pair[first]
    strong = pair[alone > model.thr[pair % size]] // size
    return sorted_unique(ent[np.isin(ent, strong)])


def systemic_importance(model: CascadeModel, entities: npt.ArrayLike | None = None, *,
                        batch_cells: int = 8_000_000, jobs: int | None = 1
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Return each entity's systemic importance, and how many others default with it.

    The importance is the lenders' loss on the loans of *other* entities when the
    entity defaults alone.  Only an entity whose lone default calls some guarantor
    above its capacity (what its estate leaves unpaid, spread over its guarantees) can
    bring anyone down (:func:`importance_candidates`); the others score 0 without a
    cascade.  ``O(Σ cascade sizes)``, shared by ``jobs`` processes (None: the cores
    available; the same numbers for any ``jobs``).

    Returns
    -------
    (importance, others) : ndarray of float, ndarray of int — one per entity of
    ``entities`` (default: all).

    Examples
    --------
    E1 or E2 alone brings down the two others of E1, E2, E3 (see
    :func:`~graphrisk.contagion.cascade`); E3's default hurts only its own lenders:

    >>> from graphrisk.contagion import capacities, compile_model
    >>> importance, others = systemic_importance(compile_model(net, capacities(net)[0]))
    >>> importance[:4].round(2).tolist(), others[:4].tolist()
    ([496.13, 945.48, 0.0, 0.0], [2, 2, 0, 0])
    """
    ent = np.arange(model.n) if entities is None else np.asarray(entities, np.int64)
    size = model.size
    cand = importance_candidates(model, ent)
    step = max(1, min(batch_cells // size, len(cand)))
    importance = np.zeros(size)
    others = np.zeros(size, dtype=np.int64)
    tasks = _split(cand, step, resolve_jobs(jobs))
    for chunk, (v, o) in zip(tasks, parallel_map(_importance_task, (model, step), tasks, jobs),
                             strict=True):
        importance[chunk], others[chunk] = v, o
    return importance[ent], others[ent]


def _importance_task(shared: tuple[CascadeModel, int], cand: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Return the importance and the others brought down of each entity of ``cand``."""
    model, step = shared
    size = model.size
    importance = np.zeros(len(cand))
    others = np.zeros(len(cand), dtype=np.int64)
    ws = Workspace(min(step, len(cand)) * size)
    for first in range(0, len(cand), step):
        chunk = cand[first:first + step]
        b = len(chunk)
        prop = propagate(model, np.arange(b) * size + chunk, b, ws)
        edges = edge_flows(model, prop)
        to_cover = model.e_src[edges["edge"]] == model.n
        paid = np.bincount(edges["owner"][~to_cover], weights=edges["paid"][~to_cover],
                           minlength=len(prop.keys))
        run = prop.keys // size
        loss = np.maximum((1.0 - prop.rho) * model.short[prop.keys % size] - paid, 0.0)
        loss[:b] = 0.0  # the seeds come first in prop.keys, one per run: their own loans
        beyond = np.bincount(run, weights=loss, minlength=b)
        importance[first:first + b] = np.where(beyond > 1e-9, beyond, 0.0)
        others[first:first + b] = np.bincount(run, minlength=b) - 1
    return importance, others


@dataclass(frozen=True, eq=False)
class _Draw:
    """What a Monte Carlo task needs: the model, the PDs, the seed and the forced defaults."""

    model: CascadeModel
    pd: np.ndarray
    seed: int
    forced: np.ndarray
    step: int


def _mc_task(sh: _Draw, span: tuple[int, int]) -> dict[str, np.ndarray]:
    """Draw and run scenarios ``span[0] .. span[1] - 1``; return their reductions.

    Per run: ``loss``, ``cover``, ``defaults``, ``seeds``; per entity: ``hits`` (runs
    in which it defaulted); per (run, lender) with a loss: ``l_run``, ``l_lender``,
    ``l_loss``.  Nothing of size runs × defaults is kept.
    """
    model, size = sh.model, sh.model.size
    lo, hi = span
    ws = Workspace(min(sh.step, hi - lo) * size)
    hits = np.zeros(size, dtype=np.int64)
    keep: dict[str, list[np.ndarray]] = {k: [] for k in (
        "loss", "cover", "defaults", "seeds", "l_run", "l_lender", "l_loss")}
    for first in range(lo, hi, sh.step):
        b = min(sh.step, hi - first)
        scen = draw_scenarios(sh.pd, b, sh.seed, forced=sh.forced, first=first)
        count = np.diff(scen.indptr)
        prop = propagate(model, np.repeat(np.arange(b), count) * size + scen.nodes, b, ws)
        edges = edge_flows(model, prop)
        loss, cover = run_losses(model, prop, edges)
        run = prop.keys // size
        hits += np.bincount(prop.keys - run * size, minlength=size)
        lf = loan_flows(model, prop, edges)
        key, inv = np.unique(lf["run"] * size + model.l_lender[lf["loan"]], return_inverse=True)
        for name, part in (("loss", loss), ("cover", cover),
                           ("defaults", np.bincount(run, minlength=b)), ("seeds", count),
                           ("l_run", first + key // size), ("l_lender", key % size),
                           ("l_loss", np.bincount(inv, weights=lf["loss"]))):
            keep[name].append(part)
    out = {k: np.concatenate(v) for k, v in keep.items()}
    out["hits"] = hits[:len(sh.pd)].astype(np.int32)
    return out


@analysis(params=ContagionParams)
def monte_carlo(net: Network, *, params: ContagionParams | None = None,
                defaults: Iterable[str] = (), from_status: bool = False,
                capacity: Mapping[str, float] | None = None, top: int | None = None,
                run_losses: bool = False) -> dict[str, Any]:
    """Build the ``simulate --runs N`` report (SPEC §6).

    The runs are shared by ``params.jobs`` processes in batches of scenarios (each
    draws its own scenarios, :func:`draw_scenarios`), and so is the systemic
    importance; the parts are combined in scenario order, so the numbers are the same
    for any number of processes.

    Parameters
    ----------
    net : Network or Dataset
    params : ContagionParams
        ``runs``, ``seed``, ``model``, ``recovery``, ``jobs`` and the PD mapping.
    defaults : iterable of str
        Entities forced to default in every run (a conditional stress test).
    from_status : bool
        Force every enterprise whose ``status`` is ``defaulted`` as well.
    capacity : dict, optional
        Capacities replacing those of :func:`~graphrisk.contagion.capacities`.
    top : int, optional
        Keep only the first ``top`` entities (by systemic importance).
    run_losses : bool
        Add ``run_losses``: the lenders' loss of every run, in run order (for a loss
        histogram without running the scenarios again).

    Returns
    -------
    dict
        ``runs``, ``seed``, ``model``, ``recovery``, ``expected_loss``, ``tail``
        {var95, var99, es95, es99}, ``max_loss``, ``expected_defaults``,
        ``expected_contagion_defaults``, ``by_lender`` [{lender_id, name,
        expected_loss, var95, var99, es95, es99}], ``entities`` [{id, name, pd,
        pd_source, worst_classification, network_pd, systemic_importance,
        contagion_defaults}], ``forced_defaults``, ``warnings`` (and ``run_losses``).

    Examples
    --------
    >>> rep = monte_carlo(demo_net, params=ContagionParams(runs=200), run_losses=True)
    >>> rep["runs"], len(rep["entities"]), rep["tail"]["es99"] >= rep["tail"]["var99"]
    (200, 53, True)
    >>> len(rep["run_losses"]), max(rep["run_losses"]) == rep["max_loss"]
    (200, True)
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    cap, warnings = capacities(net, capacity=capacity)
    model = compile_model(net, cap, params.recovery, tolerance=params.tolerance)
    pd_, source, worst = pd_vector(net, params=params)
    forced = [str(d) for d in defaults]
    if from_status:
        e = ds.tables["enterprises"]
        forced += e.loc[e["status"] == "defaulted", "id"].tolist()
    forced_pos = np.asarray(net.positions(list(dict.fromkeys(forced))) if forced else [],
                            dtype=np.int64)
    jobs = resolve_jobs(params.jobs)
    step = max(1, min(params.batch_cells // model.size, params.runs))
    spans = [(int(t[0]), int(t[-1]) + 1) for t in _split(np.arange(params.runs), step, jobs)]
    parts = parallel_map(_mc_task, _Draw(model, pd_, params.seed, forced_pos, step), spans,
                         jobs)
    got = {k: np.concatenate([q[k] for q in parts]) for k in parts[0] if k != "hits"}
    hits = np.asarray(np.sum([q["hits"] for q in parts], axis=0), dtype=np.int64)
    loss = got["loss"]
    n_ent = len(pd_)
    k = np.arange(n_ent)
    if params.model == "debtrank":
        importance, others = _debtrank_parallel(model, k, params.debtrank_tolerance, jobs)
    else:
        importance, others = systemic_importance(model, k, batch_cells=params.batch_cells,
                                                 jobs=jobs)
    ent_ids = net.ids[:n_ent]
    ent_names = ds.tables["enterprises"]["name"].fillna("").astype(str).to_numpy(dtype=object)
    rank = np.lexsort((-(hits / params.runs - pd_), -importance))
    if top is not None:
        rank = rank[:top]
    name_col = ent_names[rank].tolist()
    cols = (ent_ids[rank].tolist(), name_col, pd_[rank].tolist(), source[rank].tolist(),
            worst[rank].tolist(), (hits[rank] / params.runs).tolist(),
            importance[rank].tolist(), others[rank].tolist())
    keys = ("id", "name", "pd", "pd_source", "worst_classification", "network_pd",
            "systemic_importance", "contagion_defaults")
    rows = [dict(zip(keys, r, strict=True)) for r in zip(*cols, strict=True)]
    if params.model == "debtrank":
        for r in rows:
            r["debtrank"] = r["systemic_importance"]
    l_lender, l_loss = got["l_lender"], got["l_loss"]
    by_lender = []
    order = np.argsort(l_lender, kind="stable")  # each lender's runs stay in run order
    lenders, first = np.unique(l_lender[order], return_index=True)
    groups = np.split(l_loss[order], first[1:]) if len(lenders) else []
    lender_ids = net.ids[lenders].tolist()
    names = ds.names()
    names = names[~names.index.duplicated()]
    lender_names = names.reindex(lender_ids).fillna("").astype(str).tolist()
    for lender, name, losses in zip(lender_ids, lender_names, groups, strict=True):
        by_lender.append({"lender_id": lender, "name": name,
                          "expected_loss": float(losses.sum() / params.runs),
                          **tail_stats(losses, params.runs)})
    by_lender.sort(key=lambda r: -r["expected_loss"])
    n_def, n_seeds = got["defaults"], got["seeds"]
    out = {
        "mode": "monte_carlo", "runs": params.runs, "seed": params.seed,
        "model": params.model, "recovery": params.recovery,
        "expected_loss": float(loss.mean()), "tail": tail_stats(loss),
        "max_loss": float(loss.max()),
        "expected_defaults": float(n_def.mean()),
        "expected_contagion_defaults": float((n_def - n_seeds).mean()),
        "by_lender": by_lender, "entities": rows,
        "forced_defaults": [net.ids[i] for i in forced_pos.tolist()],
        "warnings": warnings,
    }
    if run_losses:
        out["run_losses"] = loss.tolist()
    return out


def _debtrank_parallel(model: CascadeModel, entities: np.ndarray, tolerance: float, jobs: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`~graphrisk.contagion.debtrank.debtrank_importance`, shocks shared by ``jobs``."""
    if jobs <= 1:
        return debtrank_importance(model, entities, tolerance=tolerance)
    tasks = np.array_split(entities, jobs)
    parts = parallel_map(_debtrank_task, (model, tolerance), tasks, jobs)
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _debtrank_task(shared: tuple[CascadeModel, float], entities: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    model, tolerance = shared
    return debtrank_importance(model, entities, tolerance=tolerance)
