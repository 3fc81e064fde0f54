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

*Scenarios (common random numbers).*  One ``runs × enterprises`` matrix of uniforms
is drawn from ``seed`` (in row blocks, so it is never held whole); run k seeds the
enterprises with ``U[k, i] < pd_i``.  The seed sets are kept and reused for every
model and every strategy, so that differences between strategies are not noise.
Same seed, same numbers.

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

Complexity: ``O(runs · (seeds + cascade size))`` for the runs, in batches of
``batch_cells // n`` runs (23 bytes per cell); systemic importance runs one
cascade per entity that can bring a guarantor down alone (the others score 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

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

__all__ = ["pd_vector", "Scenarios", "draw_scenarios", "Outcome", "run_scenarios",
           "tail_stats", "systemic_importance", "monte_carlo"]


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
    """Seed defaults of each run: ``nodes[indptr[k]:indptr[k + 1]]`` for run k."""

    runs: int
    seed: int
    indptr: np.ndarray
    nodes: np.ndarray

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


def draw_scenarios(pd_: np.ndarray, runs: int, seed: int, *, forced: Iterable[int] = (),
                   block_cells: int = 4_000_000) -> Scenarios:
    """Draw the seed defaults of ``runs`` scenarios (common random numbers).

    Parameters
    ----------
    pd_ : ndarray
        PD of entities ``0..len(pd_)-1`` (the enterprises come first in a Network).
    runs, seed : int
    forced : iterable of int
        Entities that default in every run (a conditional stress scenario).
    block_cells : int
        Uniforms drawn per block; the stream, hence the result, does not depend on it.

    Examples
    --------
    >>> s = draw_scenarios(np.array([0.5, 0.0, 1.0]), 4, seed=1)
    >>> [s.nodes[s.indptr[k]:s.indptr[k + 1]].tolist() for k in range(4)]
    [[2], [2], [2], [0, 2]]
    """
    rng = np.random.default_rng(seed)
    k = len(pd_)
    always = np.unique(np.asarray(list(forced), dtype=np.int64))
    step = max(1, block_cells // max(k, 1))
    row_parts, col_parts = [], []
    for first in range(0, runs, step):
        b = min(step, runs - first)
        r, c = np.nonzero(rng.random((b, k)) < pd_)
        row_parts.append(r + first)
        col_parts.append(c)
    rows, cols = np.concatenate(row_parts), np.concatenate(col_parts).astype(np.int64)
    if always.size:
        width = max(k, int(always.max()) + 1)
        key = sorted_unique(np.concatenate([rows.astype(np.int64) * width + cols,
                                            np.repeat(np.arange(runs), always.size) * width
                                            + np.tile(always, runs)]))
        rows, cols = key // width, key % width
    indptr = np.searchsorted(rows, np.arange(runs + 1)).astype(np.int64)
    return Scenarios(runs, seed, indptr, cols)


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
                  batch_cells: int = ..., by_lender: Literal[False] = ...) -> Outcome: ...


@overload
def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = ..., *,
                  batch_cells: int = ..., by_lender: Literal[True]
                  ) -> tuple[Outcome, LenderLosses]: ...


@overload
def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = ..., *,
                  batch_cells: int = ..., by_lender: bool = ...
                  ) -> Outcome | tuple[Outcome, LenderLosses]: ...


def run_scenarios(model: CascadeModel, scen: Scenarios, runs: npt.ArrayLike | None = None, *,
                  batch_cells: int = 8_000_000, by_lender: bool = False
                  ) -> Outcome | tuple[Outcome, LenderLosses]:
    """Run the cascades of the given runs (default: all) in batches.

    Returns an :class:`Outcome`; with ``by_lender`` also ``(run, lender, loss)``
    triples (one per run and lender with a defaulted loan).

    Examples
    --------
    >>> from graphrisk.contagion import capacities, compile_model
    >>> model = compile_model(net, capacities(net)[0])
    >>> scen = draw_scenarios(np.array([0.0, 0.0, 1.0, 0.0]), 3, seed=0)
    >>> run_scenarios(model, scen).loss.round(2).tolist()  # E3 alone: M1's loan, less E3's estate
    [47.14, 47.14, 47.14]
    """
    run_ids = np.arange(scen.runs) if runs is None else np.asarray(runs, dtype=np.int64)
    size = model.size
    step = max(1, min(batch_cells // size, len(run_ids)))
    ws = Workspace(step * size)
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
    out = Outcome(run_ids, size, _cat(parts["loss"], float), _cat(parts["cover"], float),
                  _cat(parts["keys"], np.int64), _cat(parts["rho"], float),
                  _cat(parts["touched"], np.int64), _cat(parts["calls"], float))
    if not by_lender:
        return out
    keys = _cat([k for k, _ in lender_parts], np.int64)
    vals = _cat([v for _, v in lender_parts], float)
    return out, (keys // size, keys % size, vals)


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


def systemic_importance(model: CascadeModel, entities: npt.ArrayLike | None = None, *,
                        batch_cells: int = 8_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Return each entity's systemic importance, and how many others default with it.

    The importance is the lenders' loss on the loans of *other* entities when the
    entity defaults alone.  Only an entity whose lone default calls some guarantor
    above its capacity (what its estate leaves unpaid, spread over its guarantees) can
    bring anyone down; the others score 0 without a cascade.  ``O(Σ cascade sizes)``.

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
    e = model.p_edge
    pair, inv = np.unique(model.e_dst[e] * size + model.e_src[e], return_inverse=True)
    alone = np.bincount(inv, weights=model.e_alone[e])
    strong = pair[alone > model.thr[pair % size]] // size
    cand = sorted_unique(ent[np.isin(ent, strong)])
    importance = np.zeros(size)
    others = np.zeros(size, dtype=np.int64)
    step = max(1, min(batch_cells // size, len(cand)))
    ws = Workspace(step * size)
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
        importance[chunk] = np.where(beyond > 1e-9, beyond, 0.0)
        others[chunk] = np.bincount(run, minlength=b) - 1
    return importance[ent], others[ent]


@analysis(params=ContagionParams)
def monte_carlo(net: Network, *, params: ContagionParams | None = None,
                defaults: Iterable[str] = (), from_status: bool = False,
                capacity: Mapping[str, float] | None = None, top: int | None = None
                ) -> dict[str, Any]:
    """Build the ``simulate --runs N`` report (SPEC §6).

    Parameters
    ----------
    net : Network or Dataset
    params : ContagionParams
        ``runs``, ``seed``, ``model``, ``recovery`` and the PD mapping.
    defaults : iterable of str
        Entities forced to default in every run (a conditional stress test).
    from_status : bool
        Force every enterprise whose ``status`` is ``defaulted`` as well.
    capacity : dict, optional
        Capacities replacing those of :func:`~graphrisk.contagion.capacities`.
    top : int, optional
        Keep only the first ``top`` entities (by systemic importance).

    Returns
    -------
    dict
        ``runs``, ``seed``, ``model``, ``recovery``, ``expected_loss``, ``tail``
        {var95, var99, es95, es99}, ``expected_defaults``,
        ``expected_contagion_defaults``, ``by_lender`` [{lender_id, name,
        expected_loss, var95, var99, es95, es99}], ``entities`` [{id, name, pd,
        pd_source, worst_classification, network_pd, systemic_importance,
        contagion_defaults}], ``forced_defaults``, ``warnings``.

    Examples
    --------
    >>> rep = monte_carlo(demo_net, params=ContagionParams(runs=200))
    >>> rep["runs"], len(rep["entities"]), rep["tail"]["es99"] >= rep["tail"]["var99"]
    (200, 53, True)
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
    forced_pos: np.ndarray | list[int] = (net.positions(list(dict.fromkeys(forced))) if forced
                                          else [])
    scen = draw_scenarios(pd_, params.runs, params.seed, forced=forced_pos)
    out, (l_run, l_lender, l_loss) = run_scenarios(model, scen, batch_cells=params.batch_cells,
                                                   by_lender=True)
    n_ent = len(pd_)
    nodes = out.keys % out.size
    hits = np.bincount(nodes, minlength=model.size)[:n_ent]
    k = np.arange(n_ent)
    if params.model == "debtrank":
        importance, others = debtrank_importance(model, k, tolerance=params.debtrank_tolerance)
    else:
        importance, others = systemic_importance(model, k, batch_cells=params.batch_cells)
    names = ds.names()
    ent_ids = net.ids[:n_ent]
    rows = [{"id": i, "name": names.get(i, ""), "pd": float(p), "pd_source": s,
             "worst_classification": w, "network_pd": float(h) / params.runs,
             "systemic_importance": float(v), "contagion_defaults": int(o)}
            for i, p, s, w, h, v, o in zip(ent_ids, pd_, source, worst, hits, importance,
                                           others, strict=True)]
    rank = np.lexsort((-(hits / params.runs - pd_), -importance))
    rows = [rows[j] for j in rank.tolist()]
    if top is not None:
        rows = rows[:top]
    if params.model == "debtrank":
        for r in rows:
            r["debtrank"] = r["systemic_importance"]
    by_lender = []
    order = np.argsort(l_lender, kind="stable")
    lenders, first = np.unique(l_lender[order], return_index=True)
    groups = np.split(l_loss[order], first[1:]) if len(lenders) else []
    for lender, losses in zip(lenders.tolist(), groups, strict=True):
        by_lender.append({"lender_id": net.ids[lender], "name": names.get(net.ids[lender], ""),
                          "expected_loss": float(losses.sum() / params.runs),
                          **tail_stats(losses, params.runs)})
    by_lender.sort(key=lambda r: -r["expected_loss"])
    n_seeds = np.diff(scen.indptr)
    n_def = np.bincount(out.keys // out.size, minlength=params.runs)
    return {
        "mode": "monte_carlo", "runs": params.runs, "seed": params.seed,
        "model": params.model, "recovery": params.recovery,
        "expected_loss": float(out.loss.mean()), "tail": tail_stats(out.loss),
        "max_loss": float(out.loss.max()),
        "expected_defaults": float(n_def.mean()),
        "expected_contagion_defaults": float((n_def - n_seeds).mean()),
        "by_lender": by_lender, "entities": rows,
        "forced_defaults": [net.ids[i] for i in np.asarray(forced_pos, dtype=np.int64)],
        "warnings": warnings,
    }
