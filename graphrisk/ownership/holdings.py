"""Ownership penetration (股权穿透): direct and indirect holdings (SPEC §3).

``h(A, C)`` is A's total holding in company C, in one of three modes:

``passthrough`` (default; 42号公告, threshold T = 25 %)
    once A holds at least T of an intermediary M, A is deemed to hold what M holds:
    ``h(A,C) = d(A,C) + Σ_{M ∈ Q(A), M ≠ C} d(M,C)`` with ``Q(A) = {M ≠ A : h(A,M) ≥ T}``,
    the least fixed point.  A 30 %→M, M 40 %→T gives h(A,T) = 40 %.
``multiply`` (受益所有人 / AML)
    the sum over simple paths of the product of the shares.
    A 40 %→B, A 30 %→C, B 50 %→D, C 20 %→D gives h(A,D) = 26 %.
``weakest_link`` (control rights)
    the sum over simple paths of the smallest share on each path.
    Family 30 %→C, 30 %→B, B 20 %→C gives 50 % (multiply: 36 %).

Cross-holdings never hang the computation: multiply and weakest_link follow simple
paths only (no entity twice) and passthrough is a monotone fixed point.  A holder's
holding in itself is never reported.  Shares are reported in percent and clipped at
100 % (sums of path minima can double count a shared hop in weakest_link mode, and
the input allows 0.5 of rounding slack).

Every holding comes with the paths that make it up (:class:`OwnershipPath`, the share
of every hop).  In passthrough mode a path is one shortest *control chain* from A to
an intermediary M ∈ Q(A) followed by M's own holding in C; its contribution is that
last share (``via`` names M and ``via_pct`` gives h(A, M)).

The heavy lifting (all holders at once, sparse products and vectorised path
expansion) is in :mod:`graphrisk.ownership._paths`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graphrisk.errors import ParameterError
from graphrisk.network.graph import Network, analysis
from graphrisk.ownership._paths import (
    EPS,
    aggregate,
    holding_csr,
    passthrough_closure,
    passthrough_layers,
    path_layers,
)
from graphrisk.params import OwnershipParams

__all__ = ["OwnershipPath", "Holding", "holding_matrix", "holding_closure", "holdings_of",
           "holding_paths", "hop_shares"]

_CACHE: weakref.WeakKeyDictionary[Network, sp.csr_matrix] = weakref.WeakKeyDictionary()


def holding_matrix(net: Network) -> sp.csr_matrix:
    """Return the direct holding matrix of *net* (fractions, no diagonal), cached per network."""
    D = _CACHE.get(net)
    if D is None:
        D = holding_csr(net.h_src, net.h_dst, net.h_pct, net.n)
        _CACHE[net] = D
    return D


@dataclass(frozen=True)
class OwnershipPath:
    """One path that makes up a holding.

    ``nodes`` runs from the holder to the company; ``hops`` are the direct shares of
    the successive edges (percent); ``share_pct`` is the path's contribution (the
    product, the minimum, or for passthrough the last hop).  ``via``/``via_pct``
    (passthrough only): the intermediary whose holding is passed through and the
    holder's own holding in it.
    """

    nodes: tuple[str, ...]
    hops: tuple[float, ...]
    share_pct: float
    via: str | None = None
    via_pct: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the path as a JSON-ready dict (shares rounded to 6 decimals)."""
        d: dict[str, Any] = {"nodes": list(self.nodes),
                             "hops": [round(h, 6) for h in self.hops],
                             "share_pct": round(self.share_pct, 6)}
        if self.via is not None:
            assert self.via_pct is not None  # via and via_pct come together
            d["via"] = self.via
            d["via_pct"] = round(self.via_pct, 6)
        return d


@dataclass(frozen=True)
class Holding:
    """A's total holding in one company, with the paths that make it up."""

    holder_id: str
    company_id: str
    share_pct: float
    direct_pct: float
    paths: tuple[OwnershipPath, ...] = ()
    path_count: int = 0

    def as_dict(self, names: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Return the holding as a JSON-ready dict; ``names`` adds the company's name."""
        d: dict[str, Any] = {"company_id": self.company_id, "share_pct": round(self.share_pct, 6)}
        if names is not None:
            d["name"] = names.get(self.company_id, "")
        d["direct_pct"] = round(self.direct_pct, 6)
        d["path_count"] = self.path_count
        d["paths"] = [p.as_dict() for p in self.paths]
        return d


def _check_params(params: OwnershipParams | None) -> OwnershipParams:
    """Return *params*, or the defaults when None; reject any other type."""
    if params is None:
        return OwnershipParams()
    if not isinstance(params, OwnershipParams):
        raise ParameterError("params must be an OwnershipParams")
    return params


@analysis(params=OwnershipParams)
def holding_closure(net: Network, *, params: OwnershipParams | None = None,
                    holders: npt.ArrayLike | None = None, min_pct: float = 0.0,
                    D: sp.csr_matrix | None = None) -> sp.csr_matrix:
    """Compute the total holdings ``h(A, C)`` of every holder at once, in percent.

    Parameters
    ----------
    net : Network
    params : OwnershipParams
        Mode, passthrough threshold, path floor and depth.
    holders : array of int, optional
        Entity indices whose rows to compute (default: all entities); row ``i`` of
        the result is ``holders[i]``.
    min_pct : float
        Drop holdings below this percent from the result.
    D : csr_matrix, optional
        Use this holding matrix instead of the network's (e.g. a subgraph).

    Returns
    -------
    csr_matrix, shape (len(holders), net.n)
        Percentages in (0, 100]; no diagonal (a holder in itself).

    Examples
    --------
    >>> import numpy as np
    >>> from graphrisk.network.graph import Network
    >>> e = np.array([], dtype=np.int32)
    >>> net = Network(np.array(["A", "M", "T"], dtype=object), np.zeros(3, np.int8),
    ...               e, e, e.astype(float), e, e.astype(object),
    ...               np.array([0, 1]), np.array([1, 2]), np.array([30.0, 40.0]),
    ...               e, e, e.astype(float), e.astype(bool), e.astype(object))
    >>> float(holding_closure(net)[0, 2])                       # 42号公告: 40 %
    40.0
    >>> round(float(holding_closure(net, params=OwnershipParams("multiply"))[0, 2]), 6)
    12.0

    Notes
    -----
    passthrough: O(Σ_A Σ_{M∈Q(A)} outdeg(M)) sparse work plus O(nnz(H)) per round.
    multiply / weakest_link: O(P · d) for the P simple paths of value ≥ ``floor``
    and length ≤ d = ``max_depth`` (vectorised frontier expansion, memory bounded by
    chunking; see :mod:`graphrisk.ownership._paths`).
    """
    params = _check_params(params)
    D = holding_matrix(net) if D is None else D
    n = D.shape[0]
    holders = np.arange(n) if holders is None else np.asarray(holders, dtype=np.int64)
    if params.mode == "passthrough":
        H, _ = passthrough_closure(D, params.threshold / 100.0, holders)
    else:
        row_of = np.full(n, -1, dtype=np.int64)
        row_of[holders] = np.arange(len(holders))
        combine = "product" if params.mode == "multiply" else "min"
        roots = holders[np.diff(D.indptr)[holders] > 0]
        blocks = ((nodes[:, 0], nodes[:, -1], vals) for nodes, vals in
                  path_layers(D, roots, combine=combine, floor=params.floor / 100.0,
                              max_depth=params.max_depth))
        H = aggregate(blocks, len(holders), n, rows=row_of)
    H = sp.csr_matrix(H * 100.0)
    np.minimum(H.data, 100.0, out=H.data)
    if min_pct > 0:
        H.data[H.data < min_pct - EPS] = 0.0
        H.eliminate_zeros()
    return H


def hop_shares(D: sp.csr_matrix, nodes: np.ndarray) -> np.ndarray:
    """Return the direct share (fraction) of every hop of each path row of ``nodes``."""
    if nodes.shape[1] < 2:
        return np.zeros((len(nodes), 0))
    src, dst = nodes[:, :-1].ravel(), nodes[:, 1:].ravel()
    n = D.shape[1]
    coo_rows = np.repeat(np.arange(D.shape[0], dtype=np.int64), np.diff(D.indptr))
    keys = coo_rows * n + D.indices  # sorted: CSR with sorted indices
    pos = np.searchsorted(keys, src.astype(np.int64) * n + dst)
    pos = np.minimum(pos, len(keys) - 1)
    out = np.where(keys[pos] == src.astype(np.int64) * n + dst, D.data[pos], 0.0)
    return out.reshape(len(nodes), -1)


@analysis(params=OwnershipParams)
def holding_paths(net: Network, holders: npt.ArrayLike, *,
                  params: OwnershipParams | None = None, targets: npt.ArrayLike | None = None,
                  D: sp.csr_matrix | None = None
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
    """Yield the paths that make up the holdings of ``holders`` (entity indices).

    Yields ``(nodes, values, rows, via_pct)`` blocks: path rows (holder first), their
    contributions (fractions), the position of each path's holder in ``holders``,
    and (passthrough only, else None) the holder's holding h(A, M) in the
    intermediary M whose share the path passes through (NaN for a direct edge).
    With ``targets`` (entity indices) only the paths ending there are yielded.

    Examples
    --------
    P1 holds 60 % of E1, which holds 30 % of E2: with T = 25 % P1 is deemed to hold
    E1's 30 % (``via`` E1, of which P1 holds 60 %).

    >>> p1, e2 = net.positions(["P1", "E2"])
    >>> [(net.ids[nodes].tolist(), vals.tolist(), via.tolist())
    ...  for nodes, vals, _, via in holding_paths(net, [p1], targets=[e2])]
    [([['P1', 'E1', 'E2']], [0.3], [0.6])]
    """
    params = _check_params(params)
    D = holding_matrix(net) if D is None else D
    n = D.shape[0]
    holders = np.asarray(holders, dtype=np.int64)
    tmask = None
    if targets is not None:
        tmask = np.zeros(n, dtype=bool)
        tmask[np.asarray(targets, dtype=np.int64)] = True
    if params.mode == "passthrough":
        H, Q = passthrough_closure(D, params.threshold / 100.0, holders)
        for nodes, vals, rows in passthrough_layers(D, Q, holders):
            if tmask is not None:
                keep = tmask[nodes[:, -1]]
                nodes, vals, rows = nodes[keep], vals[keep], rows[keep]
            if not len(nodes):
                continue
            if nodes.shape[1] > 2:
                via = np.asarray(H[rows, nodes[:, -2]]).ravel()
            else:
                via = np.full(len(nodes), np.nan)
            yield nodes, vals, rows, via
        return
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[holders] = np.arange(len(holders))
    combine = "product" if params.mode == "multiply" else "min"
    for nodes, vals in path_layers(D, holders, combine=combine, floor=params.floor / 100.0,
                                   max_depth=params.max_depth):
        if tmask is not None:
            keep = tmask[nodes[:, -1]]
            nodes, vals = nodes[keep], vals[keep]
        if len(nodes):
            yield nodes, vals, row_of[nodes[:, 0]], None


@analysis(params=OwnershipParams)
def holdings_of(net: Network, holder: str, *, params: OwnershipParams | None = None,
                min_pct: float = 0.0, max_paths: int | None = None) -> list[Holding]:
    """List all holdings of one holder, largest first, each with its paths.

    Parameters
    ----------
    net : Network or Dataset
    holder : str
        Entity id (enterprise, person or institution).
    params : OwnershipParams
    min_pct : float
        Leave out holdings below this percent.
    max_paths : int, optional
        Keep at most this many paths per holding (the largest contributions);
        ``path_count`` still counts them all.

    Returns
    -------
    list of Holding
        Sorted by share (descending), then company id.

    Raises
    ------
    UnknownEntityError
        When *holder* is not in the dataset.

    Examples
    --------
    In passthrough mode (T = 25 %) P1, with 60 % of E1, is deemed to hold E1's 30 % of
    E2, and through E2 (30 % ≥ T) E2's 40 % of E3:

    >>> [(h.company_id, h.share_pct) for h in holdings_of(net, "P1")]
    [('E1', 60.0), ('E3', 40.0), ('E2', 30.0)]
    >>> holdings_of(net, "P1")[1].paths[0].as_dict()
    {'nodes': ['P1', 'E1', 'E2', 'E3'], 'hops': [60.0, 30.0, 40.0], 'share_pct': 40.0,
     'via': 'E2', 'via_pct': 30.0}

    Notes
    -----
    Only the holder's own reachable part of the network is explored; the cost is
    that of :func:`holding_closure` restricted to one row, plus the paths.
    """
    params = _check_params(params)
    a = int(net.positions(holder)[0])
    D = holding_matrix(net)
    found: dict[int, list] = {}
    total: dict[int, float] = {}
    for nodes, vals, _, via in holding_paths(net, [a], params=params, D=D):
        hops = hop_shares(D, nodes)
        for i in range(len(nodes)):
            c = int(nodes[i, -1])
            if c == a:
                continue
            total[c] = total.get(c, 0.0) + float(vals[i])
            found.setdefault(c, []).append(
                (float(vals[i]), nodes[i], hops[i], None if via is None else float(via[i])))
    direct = dict(zip(D.indices[D.indptr[a]:D.indptr[a + 1]].tolist(),
                      D.data[D.indptr[a]:D.indptr[a + 1]].tolist(), strict=True))
    ids = net.ids
    out = []
    for c, share in total.items():
        pct = min(share * 100.0, 100.0)
        if pct < min_pct - EPS or pct <= 0:
            continue
        paths = sorted(found[c], key=lambda p: (-p[0], len(p[1]), p[1].tolist()))
        kept = paths if max_paths is None else paths[:max_paths]
        objs = []
        for v, nodes, hops, via in kept:
            passed = via is not None and not np.isnan(via)
            objs.append(OwnershipPath(tuple(ids[nodes].tolist()), tuple((hops * 100).tolist()),
                                      v * 100.0, ids[nodes[-2]] if passed else None,
                                      via * 100.0 if passed else None))
        out.append(Holding(ids[a], ids[c], pct, direct.get(c, 0.0) * 100.0, tuple(objs),
                           len(paths)))
    out.sort(key=lambda h: (-round(h.share_pct, 9), h.company_id))
    return out
