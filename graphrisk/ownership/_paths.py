"""Vectorised engines behind :mod:`graphrisk.ownership` (SPEC §3).

Everything here works on the holding matrix ``D`` (CSR, holder row → company
column, share as a *fraction*, no diagonal) and integer entity indices; ids, names
and percentages are :mod:`graphrisk.ownership`'s business.

Two engines:

* :func:`path_layers` — frontier expansion of **simple** paths for ``multiply``
  (product of the shares) and ``weakest_link`` (minimum share).  The live paths are
  the rows of a small int matrix (one column per node on the path) with their
  running value; each step extends every row at once through the CSR arrays of
  ``D``, drops the extensions that revisit a node of their own row (simple paths:
  cross-holdings terminate) and those whose value falls below ``floor``.
* :func:`passthrough_closure` / :func:`passthrough_layers` — the least fixed point of
  the 42号公告 rule, ``H = (I + Q)·D`` with ``Q = {(A, M): A ≠ M, H[A, M] ≥ T}``, grown
  by sparse products of only the *new* entries of ``Q`` until ``Q`` stops changing;
  and the paths that make it up (one control chain from A to each M ∈ Q(A), through
  the strongest holder of M that joined Q(A) before M did).

Complexity
----------
``path_layers`` costs O(P · d) time for the P simple paths of value ≥ ``floor`` and
length ≤ d = ``max_depth`` that it enumerates; memory is bounded by expanding at
most ``limit`` candidate rows at a time (depth-first over chunks).  P can grow
exponentially with d in a dense cross-holding cluster — that is what ``floor``
(multiply: a path's product only shrinks, and the products of the paths of one
length entering a company sum to at most its 100 %, so at most ~d/floor paths end
at each company) and ``max_depth`` (weakest_link, whose minimum does not shrink)
bound.  ``passthrough_closure`` costs O(Σ_A Σ_{M∈Q(A)} outdeg(M)) for the products
plus O(nnz(H)) per round; the number of rounds is the length of the longest chain
of control (usually < 10), at most n.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["holding_csr", "path_layers", "aggregate", "passthrough_closure",
           "control_chains", "passthrough_layers", "EPS"]

#: tolerance for threshold comparisons on sums of float shares
EPS = 1e-9


def holding_csr(h_src: npt.ArrayLike, h_dst: npt.ArrayLike, h_pct: npt.ArrayLike, n: int
                ) -> sp.csr_matrix:
    """Build the holding matrix ``D``: fractions, duplicates summed, no diagonal, sorted.

    >>> D = holding_csr([0, 0, 1], [1, 1, 2], [10.0, 20.0, 50.0], 3)
    >>> round(float(D[0, 1]), 6), D.nnz
    (0.3, 2)
    """
    h_src = np.asarray(h_src, dtype=np.int64)
    h_dst = np.asarray(h_dst, dtype=np.int64)
    keep = h_src != h_dst
    D = sp.csr_matrix((np.asarray(h_pct, dtype=np.float64)[keep] / 100.0,
                       (h_src[keep], h_dst[keep])), shape=(n, n))
    D.sum_duplicates()
    D.sort_indices()
    return D


def _expand(D: sp.csr_matrix, nodes: np.ndarray, vals: np.ndarray, combine: str,
            floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Extend every row of ``nodes`` by one hop; keep simple paths with value ≥ floor."""
    indptr, indices, data = D.indptr, D.indices, D.data
    ends = nodes[:, -1]
    lo = indptr[ends].astype(np.int64)
    deg = indptr[ends + 1].astype(np.int64) - lo
    total = int(deg.sum())
    if total == 0:
        return nodes[:0], vals[:0]
    rep = np.repeat(np.arange(len(ends)), deg)
    offs = np.arange(total, dtype=np.int64) + np.repeat(lo - (np.cumsum(deg) - deg), deg)
    nxt = indices[offs]
    w = data[offs]
    v = vals[rep] * w if combine == "product" else np.minimum(vals[rep], w)
    keep = v >= floor - EPS
    rep, nxt, v = rep[keep], nxt[keep], v[keep]
    if len(rep):
        prev = nodes[rep]
        ok = ~(prev == nxt[:, None]).any(axis=1)
        return np.column_stack([prev[ok], nxt[ok]]), v[ok]
    return nodes[:0], vals[:0]


def path_layers(D: sp.csr_matrix, roots: npt.ArrayLike, *, combine: str = "product",
                floor: float = 0.0, max_depth: int = 10, limit: int = 2_000_000
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield every simple path from ``roots`` of length 1..``max_depth``, in blocks.

    Parameters
    ----------
    D : csr_matrix
        Holding matrix (fractions), see :func:`holding_csr`.
    roots : array of int
        Start entities.
    combine : {"product", "min"}
        ``product`` for the multiply mode, ``min`` for weakest_link.
    floor : float
        Paths whose value falls below this fraction are dropped (and not extended).
    max_depth : int
        Longest path, in hops.
    limit : int
        Most candidate extensions materialised at once (bounds memory).

    Yields
    ------
    nodes : ndarray of int, shape (m, k + 1)
        One path per row, root first (all rows of a block have the same length k).
    values : ndarray of float, shape (m,)
        The product (or minimum) of the shares along each path.

    Examples
    --------
    A 40 %→B, A 30 %→C, B 50 %→D, C 20 %→D: two paths reach D, 20 % + 6 % = 26 %.

    >>> D = holding_csr([0, 0, 1, 2], [1, 2, 3, 3], [40, 30, 50, 20], 4)
    >>> sorted((p.tolist(), round(float(v), 4)) for n, vs in path_layers(D, [0])
    ...        for p, v in zip(n, vs) if p[-1] == 3)
    [([0, 1, 3], 0.2), ([0, 2, 3], 0.06)]

    Notes
    -----
    O(P · d) for the P paths enumerated; see the module notes for what bounds P.
    """
    if combine not in ("product", "min"):
        raise ValueError(f"combine must be 'product' or 'min', not {combine!r}")
    roots = np.asarray(roots, dtype=np.int64)
    start = 1.0 if combine == "product" else np.inf
    stack = [(roots[:, None], np.full(len(roots), start))]
    indptr = D.indptr
    while stack:
        nodes, vals = stack.pop()
        if nodes.shape[1] > max_depth or not len(nodes):
            continue
        ends = nodes[:, -1]
        deg = indptr[ends + 1].astype(np.int64) - indptr[ends]
        cum = np.cumsum(deg)
        # split the block where the cumulative fan-out crosses a multiple of `limit`
        cuts = np.searchsorted(cum, np.arange(limit, int(cum[-1]) if len(cum) else 0, limit),
                               side="right")
        bounds = np.unique(np.concatenate([[0], cuts, [len(nodes)]]))
        for a, b in zip(bounds[:-1], bounds[1:], strict=False):
            new_nodes, new_vals = _expand(D, nodes[a:b], vals[a:b], combine, floor)
            if len(new_nodes):
                yield new_nodes, new_vals
                stack.append((new_nodes, new_vals))


def aggregate(blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int,
              n_cols: int, *, rows: np.ndarray | None = None, compact_every: int = 20_000_000
              ) -> sp.csr_matrix:
    """Sum ``(row, col, value)`` triplets from an iterable of blocks into a CSR matrix.

    ``rows`` maps an entity index to its row of the result (default: identity).
    Triplets are compacted whenever ``compact_every`` of them are pending.
    """
    acc = sp.csr_matrix((n_rows, n_cols))
    pend_r: list[np.ndarray] = []
    pend_c: list[np.ndarray] = []
    pend_v: list[np.ndarray] = []
    pending = 0
    for r, c, v in blocks:
        pend_r.append(r)
        pend_c.append(c)
        pend_v.append(v)
        pending += len(r)
        if pending >= compact_every:
            acc = acc + _coo(pend_r, pend_c, pend_v, n_rows, n_cols, rows)
            pend_r, pend_c, pend_v, pending = [], [], [], 0
    if pending:
        acc = acc + _coo(pend_r, pend_c, pend_v, n_rows, n_cols, rows)
    acc = sp.csr_matrix(acc)
    acc.sum_duplicates()
    acc.sort_indices()
    return acc


def _coo(rs: Sequence[np.ndarray], cs: Sequence[np.ndarray], vs: Sequence[np.ndarray],
         n_rows: int, n_cols: int, rows: np.ndarray | None) -> sp.csr_matrix:
    """Return the pending triplets as a CSR matrix (duplicates not yet summed)."""
    r = np.concatenate(rs)
    if rows is not None:
        r = rows[r]
    return sp.csr_matrix((np.concatenate(vs), (r, np.concatenate(cs))), shape=(n_rows, n_cols))


def _offdiag(M: sp.csr_matrix, holders: np.ndarray) -> sp.csr_matrix:
    """Drop the entries (i, holders[i]) — a holder's holding in itself."""
    M = M.tocoo()
    keep = M.col != holders[M.row]
    return sp.csr_matrix((M.data[keep], (M.row[keep], M.col[keep])), shape=M.shape)


def passthrough_closure(D: sp.csr_matrix, threshold: float,
                        holders: npt.ArrayLike | None = None
                        ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Compute the least fixed point of the passthrough rule for the given holders (default all).

    Parameters
    ----------
    D : csr_matrix
        Holding matrix (fractions).
    threshold : float
        T as a fraction (0.25).
    holders : array of int, optional
        Row ``i`` of the result is holder ``holders[i]``.

    Returns
    -------
    H : csr_matrix, shape (len(holders), n)
        ``H[i, C] = d(A, C) + Σ_{M ∈ Q(A), M ≠ C} d(M, C)`` for ``A = holders[i]``; the
        diagonal entry (a holder in itself) is dropped.
    Q : csr_matrix
        ``Q(A) = {M ≠ A : H[A, M] ≥ T}``; the value of an entry is the round (1, 2, …)
        in which M joined Q(A).

    Examples
    --------
    OFAC FAQ 401: X 50 %→A, A 50 %→B; with T = 50 % X holds 50 % of B.

    >>> D = holding_csr([0, 1], [1, 2], [50, 50], 3)
    >>> H, Q = passthrough_closure(D, 0.5)
    >>> float(H[0, 2]), float(Q[0, 1])
    (0.5, 1.0)

    Notes
    -----
    Only the rows of holders that hold something are computed.  Each round adds
    ``ΔQ · D`` for the entries ``ΔQ`` that joined ``Q`` in the last round and
    re-thresholds only the entries that product touched (``Q`` only grows, so ``H``
    only grows and the iteration reaches the least fixed point).  Every term of a row is
    the share of a *different* holder of C, so ``H ≤ 100 %`` (plus the rounding slack
    the input allows) even with cross-holdings.
    """
    n = D.shape[0]
    holders = np.arange(n) if holders is None else np.asarray(holders, dtype=np.int64)
    # only holders that hold something can hold anything: compute on those rows
    live = np.flatnonzero(np.diff(D.indptr)[holders] > 0)
    hs = holders[live]
    thr = threshold - EPS
    H = _offdiag(sp.csr_matrix(D[hs]), hs)
    Q = _binary(H, thr)  # round 1: direct holdings >= T
    frontier = Q
    rnd = 1
    while frontier.nnz:
        incr = _offdiag(sp.csr_matrix(frontier @ D), hs)
        if not incr.nnz:
            break
        H = sp.csr_matrix(H + incr)
        touched = incr.copy()
        touched.data[:] = 1.0
        cand = _binary(sp.csr_matrix(H.multiply(touched)), thr)  # touched and >= T
        old = sp.csr_matrix(cand.multiply(Q))
        old.data[:] = 1.0
        new = sp.csr_matrix(cand - old)
        new.eliminate_zeros()
        rnd += 1
        Q = sp.csr_matrix(Q + new * rnd)
        frontier = new
    H, Q = _expand_rows(H, live, len(holders)), _expand_rows(Q, live, len(holders))
    H.sort_indices()
    Q.sort_indices()
    return H, Q


def _binary(M: sp.csr_matrix, thr: float) -> sp.csr_matrix:
    """Return 1.0 where M >= thr, as a CSR matrix without explicit zeros."""
    M = sp.csr_matrix(M, copy=True)
    M.data = (M.data >= thr).astype(np.float64)
    M.eliminate_zeros()
    return M


def _expand_rows(M: sp.csr_matrix, rows: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """Place the rows of M at positions ``rows`` of an ``n_rows``-row matrix."""
    counts = np.zeros(n_rows, dtype=np.int64)
    counts[rows] = np.diff(M.indptr)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_matrix((M.data, M.indices, indptr), shape=(n_rows, M.shape[1]))


def _keys(rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """Return the int64 keys ``row · n + col``."""
    return rows.astype(np.int64) * n + cols.astype(np.int64)


def _fan(indptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (position in ``nodes``, offset into indices) of every neighbour of every node.

    ``indptr`` is that of a CSR or a CSC matrix.
    """
    lo = indptr[nodes].astype(np.int64)
    deg = indptr[nodes + 1].astype(np.int64) - lo
    total = int(deg.sum())
    rep = np.repeat(np.arange(len(nodes)), deg)
    offs = np.arange(total, dtype=np.int64) + np.repeat(lo - (np.cumsum(deg) - deg), deg)
    return rep, offs


def control_chains(D: sp.csr_matrix, Q: sp.csr_matrix, holders: npt.ArrayLike
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Find one control chain from each holder A to each M ∈ Q(A).

    The parent of M on A's chain is the holder of M with the largest direct share
    among A itself and the members of Q(A) that joined in an earlier round (one
    exists: that is how M joined).  Following parents back from M reaches A.

    Returns
    -------
    row, member, parent, depth : ndarray
        Per entry of ``Q`` (row-major order): its row, M, the index of the parent's
        entry (-1 when the parent is A) and the chain length in hops.
    """
    n = D.shape[0]
    holders = np.asarray(holders, dtype=np.int64)
    Qc = Q.tocoo()
    row, mem, rnd = Qc.row.astype(np.int64), Qc.col.astype(np.int64), Qc.data
    keys = _keys(row, mem, n)  # sorted: Q has sorted indices
    Dc = sp.csc_matrix(D)
    Dc.sort_indices()
    e, offs = _fan(Dc.indptr, mem)
    P, w = Dc.indices[offs].astype(np.int64), Dc.data[offs]
    A = holders[row[e]]
    pk = _keys(row[e], P, n)
    if not len(keys):
        return row, mem, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, pk), len(keys) - 1)
    prnd = np.where(P == A, 0.0, np.where(keys[pos] == pk, rnd[pos], -1.0))
    ok = (prnd >= 0) & (prnd < rnd[e])
    e, P, w, prnd, pos = e[ok], P[ok], w[ok], prnd[ok], pos[ok]
    order = np.lexsort((P, prnd, -w, e))
    first = order[np.r_[True, e[order][1:] != e[order][:-1]]] if len(order) else order
    parent = np.full(len(mem), -1, dtype=np.int64)
    parent[e[first]] = np.where(P[first] == A[ok][first], -1, pos[first])
    depth = np.ones(len(mem), dtype=np.int64)
    cur = parent.copy()
    while (cur >= 0).any():
        live = cur >= 0
        depth[live] += 1
        cur[live] = parent[cur[live]]
    return row, mem, parent, depth


def passthrough_layers(D: sp.csr_matrix, Q: sp.csr_matrix, holders: npt.ArrayLike
                       ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield the contribution paths of passthrough holdings, in blocks of equal length.

    The contributions to ``H[A, C]`` are the direct edge A→C (value ``d(A, C)``) and,
    for each M ∈ Q(A) with ``d(M, C) > 0``, the control chain from A to M (see
    :func:`control_chains`) followed by M→C (value ``d(M, C)``: what A is deemed to
    hold through M).

    Yields
    ------
    nodes : ndarray of int, shape (m, k + 1)
        The contribution path, holder first, company last.
    values : ndarray of float
        The contribution (the share of the last hop).
    row : ndarray of int
        The row of ``Q`` (holder position) of each path.

    Notes
    -----
    The contributions of a holder sum exactly to its row of
    :func:`passthrough_closure`.  O(nnz(Q) · depth + Σ_{M∈Q(A)} (indeg(M) + outdeg(M)))
    over all holders.
    """
    holders = np.asarray(holders, dtype=np.int64)
    r, offs = _fan(D.indptr, holders)
    if len(r):
        yield (np.column_stack([holders[r], D.indices[offs]]).astype(np.int64), D.data[offs],
               r.astype(np.int64))
    row, mem, parent, depth = control_chains(D, Q, holders)
    for L in np.unique(depth):
        sel = np.flatnonzero(depth == L)
        nodes = np.empty((len(sel), L + 1), dtype=np.int64)
        nodes[:, 0] = holders[row[sel]]
        cur = sel
        for j in range(L, 0, -1):
            nodes[:, j] = mem[cur]
            cur = parent[cur]
        k, offs = _fan(D.indptr, nodes[:, -1])
        nxt = D.indices[offs].astype(np.int64)
        keep = nxt != nodes[k, 0]
        k, nxt, offs = k[keep], nxt[keep], offs[keep]
        if len(k):
            yield np.column_stack([nodes[k], nxt]), D.data[offs], row[sel][k]
