"""Evidence of related pairs (SPEC §4), built lazily for one block of pairs at a time.

Per rule, a pair's ``evidence`` entry holds:

``equity``
    ``a_in_b_pct`` / ``b_in_a_pct`` (h in both directions) and the ownership ``paths``
    of the qualifying direction(s) (nodes, the share of every hop, the contribution;
    at most ``max_paths``, largest first; ``path_count`` counts them all).
``common_owner``
    ``owners``: each common owner P with ``a_pct`` = h(P,a) and ``b_pct`` = h(P,b).
``lending``
    ``loans`` (id, borrower, lender, balance), their total ``balance``, each side's
    ``capital`` and the ratio of the balance to it (``ratio_a_pct``, ``ratio_b_pct``).
``guarantee``
    ``directions``: for each way (guarantor → borrower) with guarantees, the
    guarantee ids, the ``amount``, the borrower's total ``borrowings``, the
    ``ratio_pct`` and whether it ``qualifies`` (null when it cannot be tested).
``management``
    ``criteria`` (``key_post``; ``director_majority`` and ``manager_majority`` when the
    majority is read ``separately``, ``senior_majority`` when ``combined``), the
    ``majority`` reading, the shared ``people`` with their posts in a and in b, and
    the seats counted: ``directors_a`` / ``managers_a`` (a's directors and senior
    managers), ``directors_a_in_b`` / ``managers_a_in_b`` (how many of them hold a
    seat in b: director, senior manager or legal representative), the same for b,
    and ``senior_a``, ``senior_b``, ``shared_senior`` (the seats counted together,
    each person once, and the people seated in both).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple, Protocol

import numpy as np

from graphrisk.io.dataset import Dataset
from graphrisk.network.graph import Network
from graphrisk.ownership._rules import (
    BITS,
    MANAGEMENT_BITS,
    ExplicitRule,
    Ranks,
    SharedRule,
    lookup,
    seat_groups,
)
from graphrisk.ownership.holdings import holding_matrix, holding_paths, hop_shares
from graphrisk.params import RelatedParams

_EQ, _CO, _LE, _GU = BITS["equity"], BITS["common_owner"], BITS["lending"], BITS["guarantee"]
#: the criteria of ``management``, in the order they are listed
_CRITERIA = ("key_post", "director_majority", "manager_majority", "senior_majority")

__all__ = ["Evidence"]


class RuleContext(Protocol):
    """What :class:`Evidence` reads of the rule structures (``related._Context``)."""

    ds: Dataset
    net: Network
    params: RelatedParams
    rules: tuple[str, ...]
    ranks: Ranks
    explicit: list[tuple[int, ExplicitRule]]
    shared: list[tuple[int, SharedRule]]
    positions: dict[str, np.ndarray] | None


class _Seats(NamedTuple):
    """One enterprise's people: posts per person, directors, senior managers, board."""

    posts: dict[int, list[str]]
    directors: frozenset[int]
    managers: frozenset[int]
    board: frozenset[int]


def _owner_order(d: dict[str, Any]) -> tuple[float, str]:
    """Sort key of common owners: the smaller of the two holdings descending, then id."""
    return -min(d["a_pct"], d["b_pct"]), d["owner_id"]


def _r(x: float) -> float | None:
    """Round to 6 decimals; NaN (unknown) becomes None."""
    x = float(x)
    return None if np.isnan(x) else round(x, 6)


class Evidence:
    """Builds pair dictionaries for blocks of pairs (enterprise ranks)."""

    ctx: RuleContext
    gids: np.ndarray
    names: np.ndarray
    rules: dict[str, ExplicitRule | SharedRule]

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        net, ranks = ctx.net, ctx.ranks
        self.gids = net.ids[ranks.glob]
        names = ctx.ds.names()
        self.names = names.reindex(net.ids).fillna("").to_numpy(dtype=object) if len(names) \
            else np.full(net.n, "", dtype=object)
        self.rules = {r.code: r for _, r in ctx.explicit}
        self.rules.update({r.code: r for _, r in ctx.shared})
        self._owner_cache: dict[int, dict[int, float]] = {}
        self._people_cache: dict[int, _Seats] = {}

    def clear(self) -> None:
        """Forget the per-enterprise caches (called between blocks of pairs)."""
        if len(self._owner_cache) > 200_000:
            self._owner_cache.clear()
        if len(self._people_cache) > 200_000:
            self._people_cache.clear()

    def pairs(self, a: np.ndarray, b: np.ndarray, mask: np.ndarray, max_paths: int
              ) -> Iterator[dict[str, Any]]:
        """Yield the pair dictionaries of ranks ``a[i] < b[i]`` with rule bits ``mask[i]``."""
        ctx = self.ctx
        eq = self._equity(a, b, mask & _EQ != 0, max_paths) if "equity" in ctx.rules else {}
        gu = self._guarantees(a, b, mask & _GU != 0) if "guarantee" in ctx.rules else {}
        gid, names, glob = self.gids, self.names, ctx.ranks.glob
        for i, (x, y, m) in enumerate(zip(a.tolist(), b.tolist(), mask.tolist(), strict=True)):
            codes = []
            ev: dict[str, Any] = {}
            if m & _EQ:
                codes.append("equity")
                ev["equity"] = eq[i]
            if m & _CO:
                codes.append("common_owner")
                ev["common_owner"] = self._owners(x, y)
            if m & _LE:
                codes.append("lending")
                ev["lending"] = self._lending(x, y)
            if m & _GU:
                codes.append("guarantee")
                ev["guarantee"] = gu[i]
            if m & MANAGEMENT_BITS:
                codes.append("management")
                ev["management"] = self._management(x, y, m)
            yield {"a": gid[x], "b": gid[y], "a_name": names[glob[x]], "b_name": names[glob[y]],
                   "rules": codes, "evidence": ev}

    # ----------------------------------------------------------------- equity
    def _equity(self, a: np.ndarray, b: np.ndarray, sel: np.ndarray, max_paths: int
                ) -> dict[int, dict[str, Any]]:
        """Return the equity evidence of the pairs ``sel`` of a block, by position."""
        ctx = self.ctx
        net, glob = ctx.net, ctx.ranks.glob
        He = self.rules["equity"].data["He"]
        T = self.rules["equity"].data["threshold"]
        idx = np.flatnonzero(sel)
        hab, hba = lookup(He, a[idx], b[idx]), lookup(He, b[idx], a[idx])
        d1, d2 = hab >= T - 1e-9, hba >= T - 1e-9
        holders = np.concatenate([glob[a[idx][d1]], glob[b[idx][d2]]])
        targets = np.concatenate([glob[b[idx][d1]], glob[a[idx][d2]]])
        n = net.n
        want = np.unique(holders.astype(np.int64) * n + targets)
        found: dict[int, list] = {}
        if len(want):
            D = holding_matrix(net)
            hs = np.unique(holders)
            for nodes, vals, _, via in holding_paths(net, hs, params=ctx.params.ownership,
                                                     targets=np.unique(targets), D=D):
                k = nodes[:, 0].astype(np.int64) * n + nodes[:, -1]
                pos = np.minimum(np.searchsorted(want, k), len(want) - 1)
                keep = np.flatnonzero(want[pos] == k)
                if not len(keep):
                    continue
                hops = hop_shares(D, nodes[keep]) * 100.0
                for j, r in enumerate(keep):
                    p = {"nodes": net.ids[nodes[r]].tolist(),
                         "hops": [round(h, 6) for h in hops[j].tolist()],
                         "share_pct": round(float(vals[r]) * 100.0, 6)}
                    if via is not None and not np.isnan(via[r]):
                        p["via"] = net.ids[nodes[r, -2]]
                        p["via_pct"] = round(float(via[r]) * 100.0, 6)
                    found.setdefault(int(k[r]), []).append(p)
        out: dict[int, dict[str, Any]] = {}
        for j, i in enumerate(idx.tolist()):
            paths = []
            for hold, tgt, ok in ((a[i], b[i], d1[j]), (b[i], a[i], d2[j])):
                if ok:
                    paths += found.get(int(glob[hold]) * n + int(glob[tgt]), [])
            paths.sort(key=lambda p: (-p["share_pct"], len(p["nodes"])))
            out[i] = {"a_in_b_pct": _r(hab[j]), "b_in_a_pct": _r(hba[j]),
                      "path_count": len(paths), "paths": paths[:max_paths]}
        return out

    # ----------------------------------------------------------- common owner
    def _owned(self, x: int) -> dict[int, float]:
        """Return owner entity index → h(owner, x) for the owners counted by common_owner."""
        got = self._owner_cache.get(x)
        if got is None:
            r = self.rules["common_owner"]
            assert isinstance(r, SharedRule)
            inc_t, owners = r.inc_t, r.data["owners"]
            lo, hi = inc_t.indptr[x], inc_t.indptr[x + 1]
            got = dict(zip(owners[inc_t.indices[lo:hi]].tolist(),
                           np.round(inc_t.data[lo:hi], 6).tolist(), strict=True))
            self._owner_cache[x] = got
        return got

    def _owners(self, x: int, y: int) -> dict[str, Any]:
        """Return the common-owner evidence of ranks x and y."""
        ox, oy = self._owned(x), self._owned(y)
        ids, names = self.ctx.net.ids, self.names
        common = ox.keys() & oy.keys()
        rows = [{"owner_id": ids[o], "name": names[o], "a_pct": ox[o], "b_pct": oy[o]}
                for o in common]
        if len(rows) > 1:
            rows.sort(key=_owner_order)
        return {"owners": rows}

    # ---------------------------------------------------------------- lending
    def _lending(self, x: int, y: int) -> dict[str, Any]:
        """Return the lending evidence of ranks x and y."""
        d = self.rules["lending"].data
        net, n_e = self.ctx.net, self.ctx.ranks.n
        key = x * n_e + y
        lo, hi = np.searchsorted(d["key"], [key, key + 1])
        loans = d["loan"][lo:hi]
        u = int(np.searchsorted(d["ukey"], key))
        total = float(d["total"][u])
        cap_a, cap_b = d["capital"][x], d["capital"][y]
        return {"loans": [{"id": net.l_id[i], "borrower_id": net.ids[net.l_borrower[i]],
                           "lender_id": net.ids[net.l_lender[i]],
                           "balance": round(float(net.l_balance[i]), 6)} for i in loans],
                "balance": round(total, 6), "capital_a": _r(cap_a), "capital_b": _r(cap_b),
                "ratio_a_pct": _r(100.0 * total / cap_a), "ratio_b_pct": _r(100.0 * total / cap_b)}

    # -------------------------------------------------------------- guarantee
    def _guarantees(self, a: np.ndarray, b: np.ndarray, sel: np.ndarray
                    ) -> dict[int, dict[str, Any]]:
        """Return the guarantee evidence of the pairs ``sel`` of a block (vectorised look-ups)."""
        d = self.rules["guarantee"].data
        net, n_e = self.ctx.net, self.ctx.ranks.n
        idx = np.flatnonzero(sel)
        keys = a[idx] * n_e + b[idx]
        lo = np.searchsorted(d["key"], keys).tolist()
        hi = np.searchsorted(d["key"], keys, side="right").tolist()
        okey = d["okey"]
        out: dict[int, list[dict[str, Any]]] = {}
        for g, t in ((a[idx], b[idx]), (b[idx], a[idx])):
            k = g * n_e + t
            u = np.minimum(np.searchsorted(okey, k), max(len(okey) - 1, 0))
            ok = (okey[u] == k) if len(okey) else np.zeros(len(k), dtype=bool)
            amount, borrow = d["amount"][u].tolist(), d["borrowings"][u].tolist()
            qual = d["qualifies"][u].tolist()
            gsrc = self.ctx.ranks.glob[g].tolist()
            for j in np.flatnonzero(ok).tolist():
                rows = d["guarantee"][lo[j]:hi[j]]
                ids = net.g_id[rows[net.g_src[rows] == gsrc[j]]].tolist()
                bw = borrow[j]
                out.setdefault(int(idx[j]), []).append({
                    "guarantor_id": self.gids[g[j]], "borrower_id": self.gids[t[j]],
                    "guarantees": ids, "amount": round(amount[j], 6), "borrowings": round(bw, 6),
                    "ratio_pct": round(100.0 * amount[j] / bw, 6) if bw > 0 else None,
                    "qualifies": bool(qual[j]) if bw > 0 else None})
        return {i: {"directions": v} for i, v in out.items()}

    # ------------------------------------------------------------- management
    def _people(self, x: int) -> _Seats:
        """Return x's posts per person and its directors, senior managers and board."""
        got = self._people_cache.get(x)
        if got is None:
            p = self.ctx.positions
            assert p is not None  # built with the management rule
            lo, hi = np.searchsorted(p["comp"], [x, x + 1])
            posts: dict[int, set[str]] = {}
            for person, role in zip(p["person"][lo:hi].tolist(), p["role"][lo:hi].tolist(),
                                    strict=True):
                posts.setdefault(person, set()).add(role)
            seats = {k: seat_groups(v) for k, v in posts.items()}
            got = _Seats({k: sorted(v) for k, v in posts.items()},
                         *(frozenset(k for k, g in seats.items() if g[i]) for i in range(3)))
            self._people_cache[x] = got
        return got

    def _management(self, x: int, y: int, mask: int) -> dict[str, Any]:
        """Return the management evidence of ranks x and y (criteria in ``mask``)."""
        a, b = self._people(x), self._people(y)
        ids, names = self.ctx.net.ids, self.names
        common = a.posts.keys() & b.posts.keys()
        shared: Iterable[int] = sorted(common, key=lambda q: ids[q]) if len(common) > 1 else common
        people = [{"person_id": ids[q], "name": names[q], "posts_a": a.posts[q],
                   "posts_b": b.posts[q]} for q in shared]
        return {"criteria": [c for c in _CRITERIA if mask & BITS[c]],
                "majority": self.ctx.params.management_majority, "people": people,
                "directors_a": len(a.directors), "managers_a": len(a.managers),
                "directors_b": len(b.directors), "managers_b": len(b.managers),
                "directors_a_in_b": len(a.directors & b.board),
                "managers_a_in_b": len(a.managers & b.board),
                "directors_b_in_a": len(b.directors & a.board),
                "managers_b_in_a": len(b.managers & a.board),
                "senior_a": len(a.board), "senior_b": len(b.board),
                "shared_senior": len(a.board & b.board)}
