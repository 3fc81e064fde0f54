"""Exact re-scoring of a change to the guarantee network on fixed scenarios.

Scoring a cutting action (:mod:`graphrisk.mitigation.actions`) by re-running whole cascades
costs a full cascade per scenario touched; at 100k enterprises, with thousands of
seed defaults per scenario, that is far too slow for hundreds of candidates per step.
But a change to the guarantees or loans of borrowers B, or to the capacity of
guarantors J, can only alter a small *region* of a few scenarios:

* the scenarios in which a member of B, or a borrower of a member of J, defaulted;
* inside them, the region R: B, J and every guarantor reachable from them against
  the guarantee direction (borrower → its guarantors, old and new guarantees),
  expanding only through members of B and J and through *fragile* guarantors (those
  whose possible calls exceed their capacity, before or after the change).  A
  non-fragile guarantor never defaults except as a seed, so contagion cannot cross it.

Entities outside R receive no call from R, so their defaults are unchanged; the calls
R receives from outside are read off the baseline (total calls minus the calls from
R's own baseline defaults).  The cascade is re-run on R alone, for all affected
scenarios at once, and the change of a scenario's loss is

    Σ_{b ∈ R defaulted} shortfall(b) − Σ_{j ∈ R} paid(j)      (after − before)

with ``paid(j)`` = capacity for a guarantor over it, its calls otherwise (for a
guarantor that is never fragile, calls from outside R cancel out and are left out).
This equals a full re-run exactly (checked on random networks in
``tests/test_strategies.py``) at a cost of ``O(affected scenarios · (|R| + guarantees
in R))``.  Losses decompose over entities, so the changes of two actions with
disjoint regions add up: a candidate's change is reused after another action is
applied unless their regions meet.

The outcome is stored node-major (``entity · runs + run``, sorted), so that the
defaults of an entity are one contiguous slice and applying a change splices a few
entries in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graphrisk.contagion.cascade import CascadeModel, guarantee_calls, ranges, sorted_unique
from graphrisk.contagion.montecarlo import Scenarios, run_scenarios
from graphrisk.mitigation.actions import PlanState
from graphrisk.network.graph import Network
from graphrisk.params import ContagionParams

__all__ = ["Evaluator", "Change"]

#: the region's new state per chunk of runs, ``(runs, (defaulted, calls))``, and the
#: region's fragile flags: what :meth:`Evaluator.commit` splices in
_Detail = tuple[list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]], np.ndarray]
#: the edges among region members: (start per local source, local target, call)
_Edges = tuple[np.ndarray, np.ndarray, np.ndarray]


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
    ``region``; ``detail`` holds the region's new defaults and calls (for
    :meth:`Evaluator.commit`).
    """

    runs: np.ndarray
    loss: np.ndarray
    cover: np.ndarray
    region: np.ndarray
    detail: _Detail | None = None

    def apply(self, loss: np.ndarray, cover: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the loss and cover per run after the change, from the baseline's."""
        loss, cover = loss.copy(), cover.copy()
        loss[self.runs] = np.maximum(loss[self.runs] + self.loss, 0.0)
        cover[self.runs] += self.cover
        return loss, cover


class Evaluator:
    """Scores changes of the network on fixed scenarios (see the module notes).

    Holds the current state's model and its outcome on every scenario: loss and
    replacement-cover payments per run, the defaults (``dkey``) and the fragile
    guarantors' total calls (``tkey``, ``tcal``), node-major.
    """

    def __init__(self, net: Network, scen: Scenarios, state: PlanState,
                 params: ContagionParams, *, cells: int = 4_000_000) -> None:
        self.net, self.scen, self.params, self.cells = net, scen, params, cells
        self.runs = scen.runs
        order = np.argsort(net.g_dst, kind="stable")
        self.g_order = order
        self.g_start = np.searchsorted(net.g_dst[order], np.arange(net.n + 2))
        self._set_state(state)
        out = run_scenarios(self.model, scen, batch_cells=params.batch_cells)
        self.loss, self.cover = out.loss, out.cover
        size = self.model.size
        self.dkey = np.sort((out.keys % size) * self.runs + out.keys // size)
        tkey = (out.touched % size) * self.runs + out.touched // size
        order = np.argsort(tkey)
        self.tkey, self.tcal = tkey[order], out.calls[order]
        self.in_r = np.zeros(size, dtype=bool)
        self.evaluations = 0

    def _set_state(self, state: PlanState, model: CascadeModel | None = None) -> None:
        self.state = state
        self.model = m = model or state.model(self.net, self.params.recovery,
                                              self.params.tolerance)
        self.e_dst = m.e_dst
        self.s_order = np.argsort(m.e_src, kind="stable")
        self.s_start = np.searchsorted(m.e_src[self.s_order], np.arange(m.size + 1))
        self.pot = np.bincount(m.e_src, weights=m.e_call, minlength=m.size)

    def default_keys(self) -> np.ndarray:
        """Return the defaults as sorted run-major keys ``run · size + entity``."""
        size = self.model.size
        return np.sort((self.dkey % self.runs) * size + self.dkey // self.runs)

    def touched_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the called fragile guarantors as sorted run-major keys, with their calls."""
        size = self.model.size
        key = (self.tkey % self.runs) * size + self.tkey // self.runs
        order = np.argsort(key)
        return key[order], self.tcal[order]

    def _affected_runs(self, b: npt.ArrayLike, j: npt.ArrayLike) -> np.ndarray:
        """Return the runs in which a member of ``b`` or a borrower of ``j`` defaulted."""
        j = np.asarray(j, dtype=np.int64)
        called = self.e_dst[self.s_order[ranges(self.s_start[j], self.s_start[j + 1]
                                                - self.s_start[j])]]
        nodes = np.unique(np.concatenate([np.asarray(b, np.int64), called]))
        return sorted_unique(self.dkey[_slices(self.dkey, nodes, self.runs)] % self.runs)

    # -------------------------------------------------------------- evaluation
    def _new_edges(self, state: PlanState, b: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the edges of borrowers ``b`` (sorted) under ``state``.

        (owner position in b, guarantor, call), and their own shortfall.
        """
        net, m = self.net, self.model
        gi = self.g_order[ranges(self.g_start[b], self.g_start[b + 1] - self.g_start[b])]
        li = np.sort(m.l_order[ranges(m.l_start[b], m.l_count[b])])
        l_short = state.balance[li] * (1.0 - m.recovery)
        l_owner = np.searchsorted(b, net.l_borrower[li])
        g_owner = np.searchsorted(b, net.g_dst[gi])
        gl = net.g_loan[gi]
        g_loan = np.where(gl >= 0, np.searchsorted(li, gl), -1)
        amount = np.where(state.active[gi], state.amount[gi], 0.0)
        calls, _, _ = guarantee_calls(g_owner, g_loan, amount, l_owner, l_short, len(b))
        keep = np.flatnonzero(state.active[gi] & (calls > 0))
        return (g_owner[keep], state.src[gi[keep]].astype(np.int64), calls[keep],
                np.bincount(l_owner, weights=l_short, minlength=len(b)))

    def evaluate(self, state: PlanState, borrowers: npt.ArrayLike, guarantors: npt.ArrayLike,
                 *, detail: bool = False) -> Change:
        """Return the change of loss and cover per run when moving to ``state``.

        ``state`` differs from the current state only in the guarantees and loans of
        ``borrowers`` and the capacity of ``guarantors``.
        """
        self.evaluations += 1
        m = self.model
        b = np.unique(np.asarray(borrowers, dtype=np.int64))
        j = np.unique(np.asarray(guarantors, dtype=np.int64))
        runs = self._affected_runs(b, j)
        nb_owner, nb_src, nb_call, nb_short = self._new_edges(state, b)
        ob = ranges(m.start[b], m.count[b])
        aff = np.unique(np.concatenate([m.e_src[ob], nb_src, j]))
        pot = self.pot[aff].copy()
        pot -= np.bincount(np.searchsorted(aff, m.e_src[ob]), weights=m.e_call[ob],
                           minlength=len(aff))
        pot += np.bincount(np.searchsorted(aff, nb_src), weights=nb_call, minlength=len(aff))
        cap_aff = m.cap[aff].copy()
        real_j = j[j < m.n]
        cap_aff[np.searchsorted(aff, real_j)] = state.cap[real_j]
        thr_aff = cap_aff + self.params.tolerance * np.maximum(1.0, cap_aff)
        fragile_new = pot > thr_aff
        region = self._region(b, j, nb_src, aff[fragile_new])
        k = len(region)
        cap_r, thr_r, short_r = m.cap[region].copy(), m.thr[region].copy(), m.short[region].copy()
        in_aff = _member(aff, region)
        pos_aff = np.searchsorted(aff, region[in_aff])
        cap_r[in_aff], thr_r[in_aff] = cap_aff[pos_aff], thr_aff[pos_aff]
        short_r[np.searchsorted(region, b)] = nb_short
        frag_r = m.fragile[region].copy()
        frag_r[in_aff] = fragile_new[pos_aff]
        old = self._region_edges(region, None)
        new = self._region_edges(region, (b, nb_owner, nb_src, nb_call))
        d_loss, d_cover, parts = np.zeros(len(runs)), np.zeros(len(runs)), []
        step = max(1, self.cells // max(k, 1))
        for first in range(0, len(runs), step):
            chunk = runs[first:first + step]
            dl, dc, cells = self._delta(chunk, region, frag_r, cap_r, thr_r, short_r, old, new)
            d_loss[first:first + step], d_cover[first:first + step] = dl, dc
            parts.append((chunk, cells))
        return Change(runs, d_loss, d_cover, region, (parts, frag_r) if detail else None)

    def _region(self, b: np.ndarray, j: np.ndarray, nb_src: np.ndarray,
                newly_fragile: np.ndarray) -> np.ndarray:
        """R: the closure described in the module notes (sorted entity indices)."""
        m, in_r = self.model, self.in_r
        frontier = np.unique(np.concatenate([b, j]))
        members = [frontier]
        in_r[frontier] = True
        extra = nb_src
        while frontier.size:
            g = np.concatenate([m.e_src[ranges(m.start[frontier], m.count[frontier])], extra])
            extra = np.zeros(0, dtype=np.int64)
            g = sorted_unique(g)
            fresh = g[~in_r[g]]
            in_r[fresh] = True
            members.append(fresh)
            frontier = fresh[m.fragile[fresh] | np.isin(fresh, newly_fragile)]
        region = np.sort(np.concatenate(members))
        in_r[region] = False
        return region

    def _region_edges(self, region: np.ndarray,
                      new: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
                      ) -> _Edges:
        """Return the edges between region members (local indices, sorted by source).

        As in the model, or with the edges of the changed borrowers replaced by ``new``.
        """
        m = self.model
        e = ranges(m.start[region], m.count[region])
        src_loc = np.repeat(np.arange(len(region)), m.count[region])
        tgt, call = m.e_src[e], m.e_call[e]
        if new is not None:
            b, nb_owner, nb_src, nb_call = new
            keep = ~np.isin(region, b)[src_loc]
            src_loc = np.concatenate([src_loc[keep], np.searchsorted(region, b[nb_owner])])
            tgt = np.concatenate([tgt[keep], nb_src])
            call = np.concatenate([call[keep], nb_call])
        inside = _member(region, tgt)
        src_loc, tgt, call = src_loc[inside], np.searchsorted(region, tgt[inside]), call[inside]
        order = np.argsort(src_loc, kind="stable")
        src_loc, tgt, call = src_loc[order], tgt[order], call[order]
        return np.searchsorted(src_loc, np.arange(len(region) + 1)), tgt, call

    def _delta(self, runs: np.ndarray, region: np.ndarray, frag: np.ndarray, cap: np.ndarray,
               thr: np.ndarray, short: np.ndarray, old: _Edges, new: _Edges
               ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Return the change of loss and cover per run of ``runs`` (the cascade re-run on R).

        And the new state of R's cells: (defaulted, calls).
        """
        m, k, a, nr = self.model, len(region), len(runs), self.runs
        # baseline defaults of region members in these runs
        pos = _slices(self.dkey, region, nr)
        key = self.dkey[pos]
        run_of, node_of = key % nr, key // nr
        keep = _member(runs, run_of)
        d_base = np.zeros(a * k, dtype=bool)
        d_base[np.searchsorted(runs, run_of[keep]) * k + np.searchsorted(region, node_of[keep])] \
            = True
        s_node, s_run = self.scen.runs_of(region)
        ins = _member(runs, s_run)
        seeds = np.searchsorted(runs, s_run[ins]) * k + s_node[ins]
        internal = self._push(np.flatnonzero(d_base), old, a, k)
        # total calls before on guarantors fragile before (tracked); for guarantors
        # fragile only after, summed from their defaulted borrowers; others: internal
        t_base = internal.copy()
        was = np.flatnonzero(m.fragile[region])
        if was.size:
            cells = (np.arange(a)[None, :] * k + was[:, None]).ravel()
            tk = (region[was][:, None] * nr + runs[None, :]).ravel()
            hit = _member(self.tkey, tk)
            t_base[cells] = 0.0
            t_base[cells[hit]] = self.tcal[np.searchsorted(self.tkey, tk[hit])]
        for i in np.flatnonzero(frag & ~m.fragile[region]).tolist():
            t_base[np.arange(a) * k + i] = self._calls_on(region[i], runs)
        ext = t_base - internal
        ext[np.abs(ext) <= 1e-9 * np.maximum(1.0, t_base)] = 0.0  # rounding residue
        # after: re-run the cascade on the region
        t_new = ext.copy()
        d_new = np.zeros(a * k, dtype=bool)
        thr_c = np.tile(thr, a)
        fresh = sorted_unique(np.concatenate([seeds, np.flatnonzero(t_new > thr_c)]))
        n_start, n_tgt, n_call = new
        while fresh.size:
            d_new[fresh] = True
            node = fresh % k
            cnt = n_start[node + 1] - n_start[node]
            e = ranges(n_start[node], cnt)
            tgt = np.repeat(fresh - node, cnt) + n_tgt[e]
            np.add.at(t_new, tgt, n_call[e])
            hit = sorted_unique(tgt)
            fresh = hit[(t_new[hit] > thr_c[hit]) & ~d_new[hit]]
        real = np.tile(region < m.n, a)

        def paid(t: np.ndarray, cap_: np.ndarray, thr_: np.ndarray) -> np.ndarray:
            return np.where(real, np.where(t > np.tile(thr_, a), np.tile(cap_, a), t), 0.0)

        before = (np.where(d_base, np.tile(m.short[region], a), 0.0)
                  - paid(t_base, m.cap[region], m.thr[region]))
        after = np.where(d_new, np.tile(short, a), 0.0) - paid(t_new, cap, thr)
        d_cover = np.zeros(a)
        cov = np.flatnonzero(region == m.n)
        if cov.size:
            c = np.arange(a) * k + cov[0]
            d_cover = t_new[c] - t_base[c]
        return (after - before).reshape(a, k).sum(axis=1), d_cover, (d_new, t_new)

    @staticmethod
    def _push(cells: np.ndarray, edges: _Edges, a: int, k: int) -> np.ndarray:
        """Return the calls on region members from the defaulted cells (edges sorted by source)."""
        start, tgt, call = edges
        node = cells % k
        cnt = start[node + 1] - start[node]
        e = ranges(start[node], cnt)
        out = np.zeros(a * k)
        np.add.at(out, np.repeat(cells - node, cnt) + tgt[e], call[e])
        return out

    def _calls_on(self, g: int, runs: np.ndarray) -> np.ndarray:
        """Return the total calls on guarantor g in each of ``runs``.

        The calls come from its defaulted borrowers.
        """
        e = self.s_order[self.s_start[g]:self.s_start[g + 1]]
        keys = (self.e_dst[e][:, None] * self.runs + runs[None, :])
        hit = _member(self.dkey, keys.ravel()).reshape(len(e), len(runs))
        return self.model.e_call[e] @ hit

    # ------------------------------------------------------------------ commit
    def commit(self, state: PlanState, borrowers: npt.ArrayLike,
               guarantors: npt.ArrayLike) -> Change:
        """Move to ``state`` (as :meth:`evaluate` describes it).

        The region's new defaults and calls are spliced into the stored outcome.
        Returns the change.
        """
        ch = self.evaluate(state, borrowers, guarantors, detail=True)
        assert ch.detail is not None  # detail=True
        old_model, nr = self.model, self.runs
        parts, frag_r = ch.detail
        region, k = ch.region, len(ch.region)
        self.loss, self.cover = ch.apply(self.loss, self.cover)
        # defaults: drop the region's entries in the affected runs, add the new ones
        new_d, new_t, new_c = [], [], []
        for chunk, (d_new, t_new) in parts:
            cells = np.flatnonzero(d_new)
            new_d.append(region[cells % k] * nr + chunk[cells // k])
            fr = np.flatnonzero(np.tile(frag_r, len(chunk)) & (t_new > 0))
            new_t.append(region[fr % k] * nr + chunk[fr // k])
            new_c.append(t_new[fr])
        drop = _slices(self.dkey, region, nr)
        drop = drop[_member(ch.runs, self.dkey[drop] % nr)]
        self.dkey = np.sort(np.concatenate([np.delete(self.dkey, drop)] + new_d))
        # the new model; fragile guarantors whose status changed are re-tracked in full
        self._set_state(state)
        changed = np.flatnonzero(old_model.fragile != self.model.fragile)
        drop = _slices(self.tkey, region, nr)
        drop = sorted_unique(np.concatenate([drop[_member(ch.runs, self.tkey[drop] % nr)],
                                             _slices(self.tkey, changed, nr)]))
        tkey, tcal = np.delete(self.tkey, drop), np.delete(self.tcal, drop)
        keep_new = ~np.isin(np.concatenate(new_t) // nr, changed) if new_t else None
        parts_k = [tkey] + ([np.concatenate(new_t)[keep_new]] if new_t else [])
        parts_c = [tcal] + ([np.concatenate(new_c)[keep_new]] if new_c else [])
        every = np.arange(nr)
        for g in changed[self.model.fragile[changed]].tolist():
            t = self._calls_on(g, every)
            hit = np.flatnonzero(t > 0)
            parts_k.append(g * nr + hit)
            parts_c.append(t[hit])
        tkey, tcal = np.concatenate(parts_k), np.concatenate(parts_c)
        order = np.argsort(tkey, kind="stable")
        self.tkey, self.tcal = tkey[order], tcal[order]
        self.in_r = np.zeros(self.model.size, dtype=bool)
        return ch
