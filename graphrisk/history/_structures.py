"""Guarantee circles (担保圈) and groups (担保群) across two periods.

The circles and groups of each period are those of :mod:`graphrisk.network.circles`
(strongly / weakly connected components with at least two members, ids ``C001`` /
``GRP001`` by rank in their own period); they are matched by member overlap with
:func:`graphrisk.history._match.match_sets`.  Each change lists the members before
and after (ids sorted, with names), who joined and who left, and the loan total
before and after: the loan balance owed by the members, as ``graphrisk circles``
reports it (``loan_total``).

Vectorised up to the records: ``O(n log n)`` for the labels and the matching; the
records take one Python step per change and per member listed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrisk.history._match import CHANGES, match_sets
from graphrisk.network.chains import entity_names
from graphrisk.network.circles import circle_labels, guarantee_groups
from graphrisk.network.committees import id_rank, label_ids
from graphrisk.network.graph import Network

__all__ = ["structure_changes"]

_KIND_ORDER = {k: i for i, k in enumerate(CHANGES)}


class _Period:
    """The sets of one period: members sorted by id within each label, totals, ids."""

    def __init__(self, net: Network, kind: str) -> None:
        lab = circle_labels(net) if kind == "circles" else guarantee_groups(net)
        self.k = int(lab.max()) + 1 if len(lab) and lab.max() >= 0 else 0
        inside = np.flatnonzero(lab >= 0)
        order = inside[np.lexsort((id_rank(net)[inside], lab[inside]))]
        self.members = order
        self.labels = lab[order]
        self.bounds = np.r_[0, np.cumsum(np.bincount(lab[inside], minlength=self.k))].tolist()
        self.ids = net.ids[order]
        self.id_list = self.ids.tolist()
        self.names = entity_names(net)[order].tolist()
        self.loan_total = np.bincount(lab[inside], weights=net.borrowings()[inside],
                                      minlength=self.k).tolist()
        self.label_ids = label_ids("C" if kind == "circles" else "GRP", self.k)

    def union(self, labels: list[int]) -> tuple[list[str], list[str]]:
        """Return the member ids and names of *labels* together, sorted by id."""
        if len(labels) == 1:
            a, b = self.bounds[labels[0]], self.bounds[labels[0] + 1]
            return self.id_list[a:b], self.names[a:b]
        pairs = sorted(pair for g in labels for pair in zip(
            self.id_list[self.bounds[g]:self.bounds[g + 1]],
            self.names[self.bounds[g]:self.bounds[g + 1]], strict=True))
        return [p[0] for p in pairs], [p[1] for p in pairs]


def structure_changes(prev: Network, cur: Network, kind: str, *,
                      threshold: float = 0.5) -> list[dict[str, Any]]:
    """Return the changes of the circles (``kind="circles"``) or groups (``"groups"``).

    Returns
    -------
    list of dict
        ``change`` (a key of :data:`~graphrisk.history._match.CHANGES`),
        ``change_zh``, ``previous_ids`` and ``current_ids`` (the ids in each period),
        ``members_before``/``names_before``, ``members_after``/``names_after``,
        ``joined`` and ``left`` (member ids), ``size_before``, ``size_after``,
        ``loan_total_before``, ``loan_total_after`` (万元) and ``overlap`` (Jaccard).
        Ordered by the kind of change (formed, merged, regrouped, grown, split,
        changed, shrunk, dissolved, unchanged), then by the larger loan total.
    """
    p, c = _Period(prev, kind), _Period(cur, kind)
    m = match_sets(p.ids, p.labels, c.ids, c.labels, threshold=threshold)
    out: list[dict[str, Any]] = []
    for change, ps, cs, overlap in zip(m.kind, m.previous, m.current, m.overlap, strict=True):
        before, names_before = p.union(ps) if ps else ([], [])
        after, names_after = c.union(cs) if cs else ([], [])
        was, now = set(before), set(after)
        out.append({
            "change": change, "change_zh": CHANGES[change],
            "previous_ids": [p.label_ids[g] for g in ps],
            "current_ids": [c.label_ids[g] for g in cs],
            "members_before": before, "names_before": names_before,
            "members_after": after, "names_after": names_after,
            "joined": [i for i in after if i not in was],
            "left": [i for i in before if i not in now],
            "size_before": len(before), "size_after": len(after),
            "loan_total_before": float(sum(p.loan_total[g] for g in ps)),
            "loan_total_after": float(sum(c.loan_total[g] for g in cs)),
            "overlap": overlap,
        })
    out.sort(key=lambda r: (_KIND_ORDER[r["change"]],
                            -max(r["loan_total_before"], r["loan_total_after"]),
                            (r["current_ids"] or r["previous_ids"])[0]))
    return out
