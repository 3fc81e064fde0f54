"""Exact re-scoring of a change to the guarantee network on fixed scenarios.

A cutting action (:mod:`graphrisk.mitigation.actions`) changes the guarantees or loans
of some borrowers B, and the capacity of some guarantors J.  It can only alter:

* the scenarios in which a member of B or of J, or a borrower of a member of J,
  defaulted (in any other scenario no changed guarantee, loan or capacity is looked
  at, so the cascade is the same);
* inside them, the *region* R: B, J and every guarantor reachable from them against
  the guarantee direction (borrower → its guarantors, old and new guarantees,
  collateral and the replacement cover excepted), expanding through every guarantor
  whose capacity is finite.  A guarantor of unlimited capacity never defaults and pays
  in full, and a collateral provider pays in full, so contagion cannot cross them.

An entity outside R receives no call from R, so its default, the calls on it and its
estate share are unchanged; the calls that R receives from outside (from defaulted
borrowers outside R) are read off the stored outcome.  The cascade is re-run on R
alone — the engine of :mod:`graphrisk.contagion` on a network of R and its other
guarantors, with those outside calls put on at the start — before and after the
change, for all affected scenarios at once, and the change of a scenario's loss is::

    Σ_{b ∈ R defaulted} (shortfall(b) − paid on b's guarantees)
    − Σ_{j ∈ R} paid by j on the outside calls                       (after − before)

This equals a full re-run exactly (checked on random networks in
``tests/test_strategies.py``) at a cost of ``O(affected scenarios · (|R| + guarantees
and loans of R))`` plus ``O(m log m)`` to compile the changed network (its fragile
guarantors).  Losses decompose over borrowers and, for each, over its guarantors, so
two changes whose regions do not meet do not interact: a candidate's score is reused
after another action is applied unless their regions meet
(:func:`graphrisk.mitigation.plan.greedy_plan`).

The outcome is stored node-major (``entity · runs + run``, sorted), so that the
defaults of an entity are one contiguous slice and applying a change splices a few
entries in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graphrisk.contagion._engine import threshold
from graphrisk.contagion.cascade import (
    SECURED,
    CascadeModel,
    Propagation,
    Workspace,
    cell_calls,
    compile_model,
    edge_flows,
    guarantee_types,
    propagate,
    ranges,
    sorted_unique,
)
from graphrisk.contagion.montecarlo import Outcome, Scenarios, run_scenarios
from graphrisk.mitigation.actions import PlanState
from graphrisk.network.graph import Network
from graphrisk.params import ContagionParams

__all__ = ["Evaluator", "Change"]

#: a region re-run after a change: (runs, local model, region, its cascade)
_Local = tuple[np.ndarray, CascadeModel, np.ndarray, Propagation]


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Return whether each of ``keys`` is one of ``sorted_keys`` (sorted ascending)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _slices(sorted_keys: np.ndarray, nodes: npt.ArrayLike, runs: int) -> np.ndarray:
    """Return the positions of the entries of ``nodes`` in a node-major sorted key array."""
    nodes = np.asarray(nodes, dtype=np.int64)
    lo = np.searchsorted(sorted_keys, nodes * runs)
    hi = np.searchsorted(sorted_keys, (nodes + 1) * runs)
    return ranges(lo, hi - lo)


@dataclass(frozen=True, eq=False)
class Change:
    """The effect of a change on the runs it affects.

    ``runs``, ``loss`` and ``cover`` (added to the baseline on those runs) and the
    ``region``; ``detail`` holds the region's re-run after the change (for
    :meth:`Evaluator.commit`).
    """

    runs: np.ndarray
    loss: np.ndarray
    cover: np.ndarray
    region: np.ndarray
    detail: _Local | None = None

    def apply(self, loss: np.ndarray, cover: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the loss and cover per run after the change, from the baseline's.

        Rounded to 1e-6 万元, as :func:`~graphrisk.contagion.cascade.run_losses` rounds.
        """
        loss, cover = loss.copy(), cover.copy()
        loss[self.runs] = np.round(np.maximum(loss[self.runs] + self.loss, 0.0), 6)
        cover[self.runs] = np.round(cover[self.runs] + self.cover, 6)
        return loss, cover


class Evaluator:
    """Scores changes of the network on fixed scenarios (see the module notes).

    Holds the current state's model and its outcome on every scenario: loss and
    replacement-cover payments per run, the defaults (``dkey``) with the share of its
    obligations each pays (``drho``), and the tracked guarantors' total calls
    (``tkey``, ``tcal``), node-major.
    """

    def __init__(self, net: Network, scen: Scenarios, state: PlanState,
                 params: ContagionParams) -> None:
        self.net, self.scen, self.params = net, scen, params
        self.runs = scen.runs
        self.g_order = np.argsort(net.g_dst, kind="stable")
        self.g_start = np.searchsorted(net.g_dst[self.g_order], np.arange(net.n + 2))
        self.l_order = np.argsort(net.l_borrower, kind="stable")
        self.l_start = np.searchsorted(net.l_borrower[self.l_order], np.arange(net.n + 2))
        self._set_state(state)
        out = run_scenarios(self.model, scen, batch_cells=params.batch_cells, jobs=params.jobs)
        self.loss, self.cover = out.loss, out.cover
        self.dkey, self.drho, self.tkey, self.tcal = self._node_major(out)
        self.evaluations = 0
        scen.runs_of(np.zeros(0, dtype=np.int64))  # its index, built once before any fork

    def _set_state(self, state: PlanState, model: CascadeModel | None = None) -> None:
        self.state = state
        self.model = m = model or state.model(self.net, self.params.recovery,
                                              self.params.tolerance)
        self.e_dst = m.e_dst
        self.s_order = np.argsort(m.e_src, kind="stable")
        self.s_start = np.searchsorted(m.e_src[self.s_order], np.arange(m.size + 1))
        pe = m.p_edge
        self.ps_order = pe[np.argsort(m.e_src[pe], kind="stable")]
        self.ps_start = np.searchsorted(m.e_src[self.ps_order], np.arange(m.size + 1))

    def _node_major(self, out: Outcome
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return an outcome's defaults (with rho) and tracked calls as node-major sorted keys."""
        size, nr = out.size, self.runs
        dkey = (out.keys % size) * nr + out.keys // size
        order = np.argsort(dkey, kind="stable")
        tkey = (out.touched % size) * nr + out.touched // size
        t_order = np.argsort(tkey, kind="stable")
        return dkey[order], out.rho[order], tkey[t_order], out.calls[t_order]

    def default_keys(self) -> np.ndarray:
        """Return the defaults as sorted run-major keys ``run · size + entity``."""
        size = self.model.size
        return np.sort((self.dkey % self.runs) * size + self.dkey // self.runs)

    def touched_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the tracked called guarantors as sorted run-major keys, with their calls."""
        size = self.model.size
        key = (self.tkey % self.runs) * size + self.tkey // self.runs
        order = np.argsort(key)
        return key[order], self.tcal[order]

    @staticmethod
    def _borrowers_of(model: CascadeModel, j: np.ndarray) -> np.ndarray:
        """Return the borrowers of the guarantees of ``j`` in ``model``."""
        order = np.argsort(model.e_src, kind="stable")
        start = np.searchsorted(model.e_src[order], np.arange(model.size + 1))
        return model.e_dst[order[ranges(start[j], start[j + 1] - start[j])]]

    def _runs_of(self, nodes: npt.ArrayLike) -> np.ndarray:
        """Return the runs in which one of ``nodes`` defaulted."""
        nodes = np.unique(np.asarray(nodes, dtype=np.int64))
        return sorted_unique(self.dkey[_slices(self.dkey, nodes, self.runs)] % self.runs)

    def _affected_runs(self, b: np.ndarray, j: np.ndarray, new: CascadeModel) -> np.ndarray:
        """Return the runs in which a member of ``b`` or ``j``, or a borrower of ``j``, defaulted."""
        called = self.e_dst[self.s_order[ranges(self.s_start[j], self.s_start[j + 1]
                                                - self.s_start[j])]]
        return self._runs_of(np.concatenate([b, j, called, self._borrowers_of(new, j)]))

    def region(self, b: npt.ArrayLike, j: npt.ArrayLike, new: CascadeModel) -> np.ndarray:
        """Return the region of a change (see the module notes), sorted entity indices.

        ``O(guarantees reached)``.
        """
        size = self.model.size
        seen = np.zeros(size, dtype=bool)
        frontier = np.unique(np.concatenate([np.asarray(b, np.int64), np.asarray(j, np.int64)]))
        seen[frontier] = True
        parts = [frontier]
        while frontier.size:
            ups = []
            for m in (self.model, new):
                e = m.p_edge[ranges(m.p_start[frontier], m.p_count[frontier])]
                ups.append(m.e_src[e])
            g = sorted_unique(np.concatenate(ups))
            fresh = g[~seen[g]]
            seen[fresh] = True
            parts.append(fresh)
            frontier = fresh[np.isfinite(self.model.cap[fresh]) | np.isfinite(new.cap[fresh])]
        return np.sort(np.concatenate(parts))

    def _region(self, b: np.ndarray, j: np.ndarray, new_up: np.ndarray, cap: np.ndarray
                ) -> np.ndarray:
        """Return :meth:`region` without compiling the changed network.

        ``new_up``: the guarantors of ``b``'s guarantees in the changed network that can
        default through them; ``cap``: the changed capacities (with the cover's).  Only
        ``b``'s guarantees and ``j``'s capacities changed, and both start the region,
        so the search is the current network's plus ``new_up`` at the first step.
        """
        m = self.model
        seen = np.zeros(m.size, dtype=bool)
        frontier = np.unique(np.concatenate([b, j]))
        seen[frontier] = True
        parts = [frontier]
        extra = new_up
        while frontier.size:
            e = m.p_edge[ranges(m.p_start[frontier], m.p_count[frontier])]
            g = sorted_unique(np.concatenate([m.e_src[e], extra]))
            extra = np.zeros(0, dtype=np.int64)
            fresh = g[~seen[g]]
            seen[fresh] = True
            parts.append(fresh)
            frontier = fresh[np.isfinite(m.cap[fresh]) | np.isfinite(cap[fresh])]
        return np.sort(np.concatenate(parts))

    # -------------------------------------------------------------- the region
    def _local_model(self, state: PlanState, region: np.ndarray, fragile: np.ndarray
                     ) -> CascadeModel:
        """Compile the network of ``region`` in ``state``: its loans and its guarantees.

        Entities: the region (local ``0..k-1``), then its other guarantors (unlimited
        capacity: they never default and pay in full), then the cover.  ``fragile``:
        the region's fragility in the whole network (the calls from outside count).
        ``O(|R| log |R|)``.
        """
        net, n, k = self.net, self.net.n, len(region)
        gi = self.g_order[ranges(self.g_start[region], self.g_start[region + 1]
                                 - self.g_start[region])]
        li = np.sort(self.l_order[ranges(self.l_start[region], self.l_start[region + 1]
                                         - self.l_start[region])])
        src = state.src[gi].astype(np.int64)
        outside = sorted_unique(src[~_member(region, src) & (src != n)])
        ents = np.concatenate([region, outside])
        local = np.full(len(src), len(ents), dtype=np.int64)  # the cover
        inr, ins = _member(region, src), _member(outside, src)
        local[inr] = np.searchsorted(region, src[inr])
        local[ins] = k + np.searchsorted(outside, src[ins])
        gl = net.g_loan[gi]
        types = state.types if state.types is not None else guarantee_types(net)
        sub = Network(
            ids=net.ids[ents], kind=net.kind[ents], g_src=local.astype(np.int32),
            g_dst=np.searchsorted(region, net.g_dst[gi]).astype(np.int32),
            g_amount=state.amount[gi],
            g_loan=np.where(gl >= 0, np.searchsorted(li, gl), -1).astype(np.int32),
            g_id=net.g_id[gi], h_src=np.zeros(0, np.int32), h_dst=np.zeros(0, np.int32),
            h_pct=np.zeros(0),
            l_borrower=np.searchsorted(region, net.l_borrower[li]).astype(np.int32),
            l_lender=net.l_lender[li], l_balance=state.balance[li], l_npl=net.l_npl[li],
            l_id=net.l_id[li])
        cap = np.concatenate([state.cap[region], np.full(len(outside), np.inf)])
        loc = compile_model(sub, cap, self.params.recovery, tolerance=self.params.tolerance,
                            active=state.active[gi], types=types[gi])
        loc.fragile[:] = False
        loc.fragile[:k] = fragile
        return loc

    def _outside_calls(self, region: np.ndarray, runs: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the calls on region members from defaulted borrowers outside it.

        As (position in ``runs``, position in ``region``, call), from the stored
        outcome (the borrowers outside the region are not changed).
        """
        m, nr = self.model, self.runs
        e = self.ps_order[ranges(self.ps_start[region], self.ps_start[region + 1]
                                 - self.ps_start[region])]
        y = sorted_unique(m.e_dst[e])
        y = y[~_member(region, y)]
        pos = _slices(self.dkey, y, nr)
        pos = pos[_member(runs, self.dkey[pos] % nr)]
        key = self.dkey[pos]
        owner, e, call = cell_calls(m, key // nr, 1.0 - self.drho[pos], prop=True)
        src = m.e_src[e]
        keep = _member(region, src) & (call > 0)
        return (np.searchsorted(runs, key[owner[keep]] % nr),
                np.searchsorted(region, src[keep]), call[keep])

    def _rerun(self, loc: CascadeModel, region: np.ndarray, runs: np.ndarray,
               ext: tuple[np.ndarray, np.ndarray, np.ndarray]
               ) -> tuple[Propagation, np.ndarray, np.ndarray]:
        """Re-run the cascade of the region on ``runs``: the cascade, loss and cover per run.

        The loss counts the region's borrowers and the region's payments on the outside
        calls (see the module notes).
        """
        size, a = loc.size, len(runs)
        s_node, s_run = self.scen.runs_of(region)
        ins = _member(runs, s_run)
        seeds = np.searchsorted(runs, s_run[ins]) * size + s_node[ins]
        e_run, e_node, e_call = ext
        ext_key = e_run * size + e_node
        prop = propagate(loc, seeds, a, Workspace(a * size), init_keys=ext_key,
                         init_calls=e_call)
        edges = edge_flows(loc, prop)
        to_cover = loc.e_src[edges["edge"]] == loc.n
        node = prop.keys % size
        loss = np.bincount(prop.keys // size, weights=(1.0 - prop.rho) * loc.short[node],
                           minlength=a)
        loss -= np.bincount(edges["run"][~to_cover], weights=edges["paid"][~to_cover],
                            minlength=a)
        order = np.argsort(prop.keys)
        sk = prop.keys[order]
        share = np.ones(len(ext_key))
        if len(sk):
            pos = np.minimum(np.searchsorted(sk, ext_key), len(sk) - 1)
            hit = sk[pos] == ext_key
            share[hit] = prop.rho[order[pos[hit]]]
        loss -= np.bincount(e_run, weights=e_call * share, minlength=a)
        cover = np.bincount(edges["run"][to_cover], weights=edges["paid"][to_cover],
                            minlength=a).astype(np.float64)
        return prop, loss, cover

    def evaluate(self, state: PlanState, borrowers: npt.ArrayLike, guarantors: npt.ArrayLike,
                 *, detail: bool = False) -> Change:
        """Return the change of loss and cover per run when moving to ``state``.

        ``state`` differs from the current state only in the guarantees and loans of
        ``borrowers`` and the capacity of ``guarantors``.  The changed network is not
        compiled whole: its region, its affected runs and the fragility of the region's
        guarantors follow from the current model and the changed borrowers alone
        (``O(region + guarantees of the borrowers)``; :meth:`commit` compiles it whole).
        """
        self.evaluations += 1
        b = np.unique(np.asarray(borrowers, dtype=np.int64))
        j = np.unique(np.asarray(guarantors, dtype=np.int64))
        m, n = self.model, self.net.n
        gi = self.g_order[ranges(self.g_start[b], self.g_start[b + 1] - self.g_start[b])]
        src = state.src[gi]
        types = state.types if state.types is not None else guarantee_types(self.net)
        live = (state.active[gi] & (state.amount[gi] > 0) & (src != self.net.g_dst[gi])
                & (src < n) & (types[gi] != SECURED))
        cap = np.append(state.cap, np.inf)
        region = self._region(b, j, src[live].astype(np.int64), cap)
        called = self.e_dst[self.s_order[ranges(self.s_start[j], self.s_start[j + 1]
                                                - self.s_start[j])]]
        # a borrower of j in the changed network is one in the current one, or one of b
        runs = self._runs_of(np.concatenate([b, j, called]))
        k = len(region)
        after = self._local_model(state, region, np.zeros(k, dtype=bool))
        possible = m.possible[region].copy()
        _, e, call = cell_calls(m, b, np.ones(len(b)), prop=True)
        g = m.e_src[e]
        inr = _member(region, g)
        possible -= np.bincount(np.searchsorted(region, g[inr]), weights=call[inr], minlength=k)
        _, e, call = cell_calls(after, np.searchsorted(region, b), np.ones(len(b)), prop=True)
        g = after.e_src[e]
        possible += np.bincount(g[g < k], weights=call[g < k], minlength=k)
        thr = threshold(cap[region], self.params.tolerance)
        # fragility only decides which calls are tracked: on the safe side of rounding
        with np.errstate(invalid="ignore"):
            after.fragile[:k] = possible > thr - 1e-9 * np.maximum(1.0, thr)
        return self._change(state, after, region, runs, detail)

    def _change(self, state: PlanState, after: CascadeModel, region: np.ndarray,
                runs: np.ndarray, detail: bool) -> Change:
        """Re-run the region before and after the change on ``runs``.

        ``after`` is the region's local model in ``state`` (:meth:`_local_model`).
        """
        ext = self._outside_calls(region, runs)
        _, loss0, cover0 = self._rerun(
            self._local_model(self.state, region, self.model.fragile[region]), region, runs, ext)
        prop, loss1, cover1 = self._rerun(after, region, runs, ext)
        return Change(runs, loss1 - loss0, cover1 - cover0, region,
                      (runs, after, region, prop) if detail else None)

    # ------------------------------------------------------------------ commit
    def commit(self, state: PlanState, borrowers: npt.ArrayLike,
               guarantors: npt.ArrayLike) -> Change:
        """Move to ``state`` (as :meth:`evaluate` describes it).

        The region's new defaults and calls are spliced into the stored outcome: in
        the affected runs and, so that the tracked calls are those of a full re-run, in
        the runs where a guarantor that became or ceased to be fragile was called.
        Returns the change.
        """
        b = np.unique(np.asarray(borrowers, dtype=np.int64))
        j = np.unique(np.asarray(guarantors, dtype=np.int64))
        new = state.model(self.net, self.params.recovery, self.params.tolerance)
        region = self.region(b, j, new)
        runs = self._affected_runs(b, j, new)
        changed = np.flatnonzero(self.model.fragile != new.fragile)
        if changed.size:
            called = np.concatenate([self._borrowers_of(self.model, changed),
                                     self._borrowers_of(new, changed), changed])
            runs = np.union1d(runs, self._runs_of(called))
        ch = self._change(state, self._local_model(state, region, new.fragile[region]), region,
                          runs, True)
        assert ch.detail is not None  # detail=True
        self.loss, self.cover = ch.apply(self.loss, self.cover)
        self._splice(runs, region, new, ch.detail[3])
        self._set_state(state, new)
        return ch

    def _splice(self, runs: np.ndarray, region: np.ndarray, new: CascadeModel,
                prop: Propagation) -> None:
        """Replace the stored defaults and calls of ``region`` in ``runs`` by ``prop``'s."""
        nr, k, size = self.runs, len(region), prop.size
        node, run = prop.keys % size, runs[prop.keys // size]
        inr = node < k
        dkey = region[node[inr]] * nr + run[inr]
        drho = prop.rho[inr]
        t_node, t_run = prop.touched % size, runs[prop.touched // size]
        tracked = (t_node < k) & (prop.calls > 0)
        tracked[tracked] = (new.fragile[region[t_node[tracked]]]
                            | _member(np.sort(prop.keys), prop.touched[tracked]))
        tkey = region[t_node[tracked]] * nr + t_run[tracked]
        drop_d = _slices(self.dkey, region, nr)
        drop_d = drop_d[_member(runs, self.dkey[drop_d] % nr)]
        drop_t = _slices(self.tkey, region, nr)
        drop_t = drop_t[_member(runs, self.tkey[drop_t] % nr)]
        d_all = np.concatenate([np.delete(self.dkey, drop_d), dkey])
        t_all = np.concatenate([np.delete(self.tkey, drop_t), tkey])
        d_order, t_order = np.argsort(d_all, kind="stable"), np.argsort(t_all, kind="stable")
        self.dkey = d_all[d_order]
        self.drho = np.concatenate([np.delete(self.drho, drop_d), drho])[d_order]
        self.tkey = t_all[t_order]
        self.tcal = np.concatenate([np.delete(self.tcal, drop_t),
                                    prop.calls[tracked]])[t_order]
