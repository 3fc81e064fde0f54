"""The key-enterprise list and the warning levels across two periods (名单制管理).

Both periods run :func:`graphrisk.watch.watchlist.watchlist` with the same
parameters, the current one with the previous period given (its signals over time:
``classification_downgrade``, ``new_npl``, ``new_special_mention``,
``overdue_count_rising``), as ``graphrisk watchlist CUR --previous PREV`` lists it;
nothing is recomputed here.  An enterprise is *listed* when the
watchlist lists it (key, or with a warning level).  By enterprise id:

* ``entered`` — listed now, not before (or absent before): its current level and
  reasons;
* ``exited`` — listed before, not now (or gone): its previous level and reasons;
* ``level_changed`` — listed in both with another level: ``from``, ``to`` and the
  reasons that appeared (``reasons_added``, as they read now) or went
  (``reasons_removed``, as they read before).  A reason is its signal at its level:
  the same signal at another level counts as one gone and one appeared; a figure
  that moved within the same level (overdue 95 → 120 days, both red) does not;
* ``key_entered`` / ``key_exited`` — became or stopped being a key enterprise
  (重点企业), with the criteria it meets now (entered) or met before (exited).

Each list is ordered most severe first: by level (red first; for ``exited`` the
previous level), then by exposure (loans + guarantees given), then by id;
``level_changed`` puts the highest new level first, then the largest move.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphrisk.watch.levels import LEVELS
from graphrisk.watch.watchlist import Watchlist

__all__ = ["watchlist_changes", "level_moves"]


def _reason_keys(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["signal"], r["level"]) for r in entry["reasons"]]


def _entry(e: dict[str, Any], level_key: str = "level") -> dict[str, Any]:
    return {"id": e["id"], "name": e["name"], level_key: e["level"], "key": e["key"],
            "exposure": e["exposure"], "reasons": e["reasons"]}


def watchlist_changes(prev: Watchlist, cur: Watchlist) -> dict[str, Any]:
    """Return the ``watchlist`` part of a comparison (see the module docstring).

    Returns
    -------
    dict
        ``entered`` and ``exited`` [{``id``, ``name``, ``level``, ``key``, ``exposure``,
        ``reasons``}], ``level_changed`` [{``id``, ``name``, ``from``, ``to``,
        ``key``, ``exposure``, ``reasons_added``, ``reasons_removed``}],
        ``key_entered`` and ``key_exited`` [{``id``, ``name``, ``level``,
        ``criteria``}], ``levels_before`` and ``levels_after`` (counts per level).
    """
    p = {e["id"]: e for e in prev.entries}
    c = {e["id"]: e for e in cur.entries}
    entered = [_entry(e) for e in cur.entries if e["id"] not in p]
    exited = [_entry(e) for e in prev.entries if e["id"] not in c]
    rank = {name: i for i, name in enumerate(LEVELS)}
    changed = []
    for pos, e in enumerate(cur.entries):
        before = p.get(e["id"])
        if before is None or before["level"] == e["level"]:
            continue
        was, now = set(_reason_keys(before)), set(_reason_keys(e))
        changed.append((-rank[e["level"]], -(rank[e["level"]] - rank[before["level"]]), pos, {
            "id": e["id"], "name": e["name"], "from": before["level"], "to": e["level"],
            "key": e["key"], "exposure": e["exposure"],
            "reasons_added": [r for r, k in zip(e["reasons"], _reason_keys(e), strict=True)
                              if k not in was],
            "reasons_removed": [r for r, k in zip(before["reasons"], _reason_keys(before),
                                                  strict=True) if k not in now]}))
    changed.sort(key=lambda t: t[:3])
    return {
        "entered": entered, "exited": exited, "level_changed": [t[3] for t in changed],
        "key_entered": _key_changes(cur, prev),
        "key_exited": _key_changes(prev, cur),
        "levels_before": _levels(prev), "levels_after": _levels(cur),
    }


def _key_changes(this: Watchlist, other: Watchlist) -> list[dict[str, Any]]:
    """Key enterprises of *this* period that are not key in *other*, in watchlist order."""
    lv = this.levels
    key_here = lv.index[lv["key"].to_numpy(bool)]
    ol = other.levels
    key_there = set(ol.index[ol["key"].to_numpy(bool)].tolist())
    new = set(key_here.tolist()) - key_there
    return [{"id": e["id"], "name": e["name"], "level": e["level"], "criteria": e["criteria"]}
            for e in this.entries if e["id"] in new]


def _levels(wl: Watchlist) -> dict[str, int]:
    return {name: int(wl.counts.get(name, 0)) for name in reversed(LEVELS[1:])}


def level_moves(changes: list[dict[str, Any]]) -> tuple[int, int]:
    """Return how many level changes went up (worse) and down (better)."""
    rank = {name: i for i, name in enumerate(LEVELS)}
    steps = np.array([rank[c["to"]] - rank[c["from"]] for c in changes], dtype=np.int64)
    return int((steps > 0).sum()), int((steps < 0).sum())

