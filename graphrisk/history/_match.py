"""Match the labelled sets of two periods (circles, groups) by member overlap.

The rule (documented in ``docs/compare.md``): draw a link between a previous set P
and a current set C when they share a member; every connected piece of that
bipartite graph is one *change*:

* one P, no C: ``dissolved``; no P, one C: ``formed``;
* one P and one C whose Jaccard overlap |P ∩ C| / |P ∪ C| reaches the threshold
  (0.5): the same set, ``unchanged`` (the same members), ``grown`` (more members),
  ``shrunk`` (fewer) or ``changed`` (as many, not the same); below the threshold the
  two are unrelated: P ``dissolved`` and C ``formed``;
* one P and several C: ``split``; several P and one C: ``merged``; several of both:
  ``regrouped``.

Everything is done on integer arrays: ``O(m log m)`` for the ``m`` memberships of
both periods, plus a connected-components pass over the sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["CHANGES", "Match", "match_sets"]

#: the kinds of change, most eventful first (the order of the listings)
CHANGES = {"formed": "新形成", "merged": "合并", "regrouped": "重组", "grown": "扩大",
           "split": "分裂", "changed": "成员变动", "shrunk": "缩小", "dissolved": "解散",
           "unchanged": "未变"}


@dataclass(frozen=True)
class Match:
    """The changes found by :func:`match_sets`, one per entry.

    ``kind[i]`` is a key of :data:`CHANGES`; ``previous[i]`` and ``current[i]`` are the
    labels of the previous and current sets it joins (sorted); ``overlap[i]`` is the
    Jaccard overlap of the union of its previous sets with the union of its current
    ones (0 for ``formed``/``dissolved``).
    """

    kind: list[str]
    previous: list[list[int]]
    current: list[list[int]]
    overlap: list[float]


def _codes(prev_ids: np.ndarray, cur_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return common integer codes of the member ids of both periods."""
    codes, _ = pd.factorize(np.concatenate([np.asarray(prev_ids, dtype=object),
                                            np.asarray(cur_ids, dtype=object)]))
    return codes[:len(prev_ids)].astype(np.int64), codes[len(prev_ids):].astype(np.int64)


def match_sets(prev_ids: np.ndarray, prev_labels: np.ndarray, cur_ids: np.ndarray,
               cur_labels: np.ndarray, *, threshold: float = 0.5) -> Match:
    """Match the sets of two periods by their members (see the module docstring).

    Parameters
    ----------
    prev_ids, prev_labels : ndarray
        One row per membership of the previous period: member id and set label
        ``0..kp-1`` (every label used).
    cur_ids, cur_labels : ndarray
        The same for the current period.
    threshold : float
        Smallest Jaccard overlap for a one-to-one pair to count as the same set.

    Returns
    -------
    Match

    Examples
    --------
    >>> m = match_sets(np.array(["A", "B", "C", "D"]), np.array([0, 0, 1, 1]),
    ...                np.array(["A", "B", "E", "F"]), np.array([0, 0, 0, 1]))
    >>> list(zip(m.kind, m.previous, m.current))
    [('grown', [0], [0]), ('dissolved', [1], []), ('formed', [], [1])]
    """
    pc, cc = _codes(prev_ids, cur_ids)
    pl, cl = np.asarray(prev_labels, dtype=np.int64), np.asarray(cur_labels, dtype=np.int64)
    kp = int(pl.max()) + 1 if len(pl) else 0
    kc = int(cl.max()) + 1 if len(cl) else 0
    psize, csize = np.bincount(pl, minlength=kp), np.bincount(cl, minlength=kc)
    # shared members: join the memberships on the member code
    width = int(max(pc.max(initial=-1), cc.max(initial=-1))) + 1
    at_prev = np.full(width, -1, dtype=np.int64)
    at_prev[pc] = pl  # a member belongs to one set per period
    shared = at_prev[cc] >= 0 if len(cc) else np.zeros(0, dtype=bool)
    pair = at_prev[cc[shared]] * max(kc, 1) + cl[shared]
    keys, inter = np.unique(pair, return_counts=True)
    a, b = keys // max(kc, 1), keys % max(kc, 1)
    graph = sp.coo_matrix((np.ones(len(keys)), (a, kp + b)), shape=(kp + kc, kp + kc))
    _, comp = connected_components(graph, directed=False)
    ncomp = int(comp.max()) + 1 if len(comp) else 0
    nprev = np.bincount(comp[:kp], minlength=ncomp)
    ncur = np.bincount(comp[kp:], minlength=ncomp)
    inter_comp = np.bincount(comp[a], weights=inter, minlength=ncomp)
    size_p = np.bincount(comp[:kp], weights=psize, minlength=ncomp)
    size_c = np.bincount(comp[kp:], weights=csize, minlength=ncomp)
    union = size_p + size_c - inter_comp
    jac = np.divide(inter_comp, union, out=np.zeros(ncomp), where=union > 0)

    order_p = np.argsort(comp[:kp], kind="stable")
    order_c = np.argsort(comp[kp:], kind="stable")
    bp = np.searchsorted(comp[:kp][order_p], np.arange(ncomp + 1)).tolist()
    bc = np.searchsorted(comp[kp:][order_c], np.arange(ncomp + 1)).tolist()
    op, oc = order_p.tolist(), order_c.tolist()
    kinds: list[str] = []
    prev: list[list[int]] = []
    cur: list[list[int]] = []
    overlap: list[float] = []
    for k, (np_, nc_, j, sp_, sc_) in enumerate(zip(nprev.tolist(), ncur.tolist(), jac.tolist(),
                                                   size_p.tolist(), size_c.tolist(),
                                                   strict=True)):
        ps, cs = op[bp[k]:bp[k + 1]], oc[bc[k]:bc[k + 1]]
        if np_ == 1 and nc_ == 1 and j < threshold:  # unrelated: one went, one came
            kinds += ["dissolved", "formed"]
            prev += [ps, []]
            cur += [[], cs]
            overlap += [0.0, 0.0]
            continue
        if nc_ == 0:
            kind = "dissolved"
        elif np_ == 0:
            kind = "formed"
        elif np_ == 1 and nc_ == 1:
            kind = ("unchanged" if j == 1.0 else "grown" if sc_ > sp_
                    else "shrunk" if sc_ < sp_ else "changed")
        elif np_ == 1:
            kind = "split"
        elif nc_ == 1:
            kind = "merged"
        else:
            kind = "regrouped"
        kinds.append(kind)
        prev.append(ps)
        cur.append(cs)
        overlap.append(j)
    return Match(kinds, prev, cur, overlap)
