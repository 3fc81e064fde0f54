"""Bounded enumeration of the simple cycles inside a guarantee circle (担保圈).

A *simple cycle* is a closed directed path that visits no entity twice:
``A → B → A`` (a mutual guarantee, 互保, length 2), ``A → B → C → A`` (length 3) …
Every simple cycle lies inside one strongly connected component, so the search is
restricted to the members of one circle at a time.

The number of simple cycles grows exponentially with their length, so the search
takes two bounds: ``max_length`` (the longest cycle listed) and ``max_cycles`` (how
many are kept).  When the cap is hit, the *shortest* cycles are kept, ties broken by
their canonical sequence, and the result says it was truncated.

Why not a library: ``networkx.simple_cycles(G, length_bound=k)`` is exact but slow on
circles of thousands of members; ``rustworkx`` has no length bound; python-igraph 1.0
``simple_cycles(max=k)`` silently misses cycles (igraph issue #2911), so it must not be
used.  The plain bounded depth-first search below is exact and is checked against
networkx and against traces of powers of the adjacency matrix in the tests.

The module also holds the small CSR kernels the guarantee analyses share
(:func:`simple_adjacency`, :func:`induced_subgraph`, :func:`csr_positions`,
:func:`csr_neighbours`, :func:`sorted_unique`), :func:`network_cache`, which keeps
structures derived from an immutable :class:`~graphrisk.network.graph.Network` with it,
and :func:`gc_paused`, for building large documents.
"""

from __future__ import annotations

import contextlib
import gc
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from graphrisk.errors import ParameterError

if TYPE_CHECKING:
    from graphrisk.network.graph import Network

T = TypeVar("T")

__all__ = ["simple_cycles_bounded", "circle_cycles", "simple_adjacency", "induced_subgraph",
           "csr_positions", "csr_neighbours", "sorted_unique", "network_cache", "gc_paused"]


def simple_adjacency(adj: sp.spmatrix | sp.sparray | Network) -> sp.csr_matrix:
    """Return the 0/1 CSR adjacency without self-loops or parallel edges, sorted indices.

    Parameters
    ----------
    adj : scipy sparse matrix or Network
        A square matrix (row → column) or a :class:`~graphrisk.network.graph.Network`, whose
        guarantee links (guarantor → borrower) are used; the result for a Network is
        cached with it (networks are immutable).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> simple_adjacency(sp.csr_matrix([[1, 2], [0, 0]])).toarray().tolist()
    [[0, 1], [0, 0]]
    """
    if hasattr(adj, "g_src"):
        return network_cache(adj, "simple_adjacency",
                             lambda: _from_pairs(adj.g_src, adj.g_dst, adj.n))
    a = sp.coo_matrix(adj)
    if a.shape[0] != a.shape[1]:
        raise ParameterError("the adjacency matrix must be square")
    nz = a.data != 0
    return _from_pairs(a.row[nz], a.col[nz], a.shape[0])


def _from_pairs(src: ArrayLike, dst: ArrayLike, n: int) -> sp.csr_matrix:
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    keep = src != dst
    key = sorted_unique(src[keep] * n + dst[keep])
    row, col = key // n, key % n
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
    index_dtype = np.int32 if n < 2**31 - 1 and len(key) < 2**31 - 1 else np.int64
    return sp.csr_matrix((np.ones(len(key), dtype=np.int8), col.astype(index_dtype),
                          indptr.astype(index_dtype)), shape=(n, n))


def sorted_unique(x: np.ndarray) -> np.ndarray:
    """Return ``np.unique(x)``, by sorting (numpy 2's hash-based unique is slower on millions).

    >>> sorted_unique(np.array([3, 1, 3]))
    array([1, 3])
    """
    s = np.sort(x)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def network_cache(net: Network, key: str, build: Callable[[], T]) -> T:
    """Memoise a derived structure of an (immutable) network: ``build()`` runs once.

    The entry lives as long as the network object does.

    >>> network_cache(net, "doctest_size", lambda: net.n)
    8
    >>> network_cache(net, "doctest_size", lambda: -1)  # cached: build is not called
    8
    """
    entry = _CACHE.setdefault(net, {})
    if key not in entry:
        entry[key] = build()
    return entry[key]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large result is built.

    Building millions of small dicts and lists (the records of a document) triggers
    collection after collection, each walking every live object; the records hold no
    reference cycles, so pausing the collector loses nothing.  On exit the objects alive
    are moved to the collector's permanent generation (:func:`gc.freeze`) — otherwise
    the first collection after the pause would walk the millions of records at once —
    and the previous state is restored.  Frozen objects are still freed by reference
    counting as usual; only a reference cycle among them would outlive its last use.

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


def induced_subgraph(adj: sp.csr_matrix, members: ArrayLike) -> sp.csr_matrix:
    """Return the 0/1 adjacency among ``members`` (local indices = positions in ``members``).

    Self-loops and parallel edges are dropped.  Costs ``O(m + nnz(rows) · log m)``
    for ``m`` members, independent of the size of the whole graph — no array of
    length ``n`` is allocated, so it can be called once per circle.

    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(([1, 1, 1], ([0, 1, 2], [1, 2, 0])), shape=(3, 3))
    >>> induced_subgraph(a, [2, 0]).toarray().tolist()
    [[0, 1], [0, 0]]
    """
    members = np.asarray(members, dtype=np.int64)
    m = len(members)
    order = np.argsort(members, kind="stable")
    sorted_members = members[order]
    rows = adj[members]
    cols = rows.indices.astype(np.int64)
    owner = np.repeat(np.arange(m), np.diff(rows.indptr))
    pos = np.minimum(np.searchsorted(sorted_members, cols), max(m - 1, 0))
    ok = sorted_members[pos] == cols
    local = order[pos[ok]]
    owner = owner[ok]
    keep = owner != local
    sub = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int8), (owner[keep], local[keep])),
                        shape=(m, m))
    sub.sum_duplicates()
    sub.data[:] = 1
    sub.sort_indices()
    return sub


def csr_positions(indptr: np.ndarray, frontier: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return the CSR slots of the out-links of a frontier: ``(position in frontier, slot)``.

    ``indices[slot]`` is the neighbour and ``data[slot]`` the weight.  Vectorised:
    ``O(len(frontier) + number of links)``.

    >>> import numpy as np
    >>> csr_positions(np.array([0, 2, 3, 3]), np.array([0, 2, 1]))
    (array([0, 0, 2]), array([0, 1, 2]))
    """
    frontier = np.asarray(frontier, dtype=np.int64)
    starts = indptr[frontier].astype(np.int64)
    counts = indptr[frontier + 1].astype(np.int64) - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    which = np.repeat(np.arange(len(frontier)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return which, starts[which] + offsets


def csr_neighbours(indptr: np.ndarray, indices: np.ndarray,
                   frontier: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return all CSR neighbours of a frontier at once: ``(position in frontier, neighbour)``.

    >>> import numpy as np
    >>> csr_neighbours(np.array([0, 2, 3, 3]), np.array([1, 2, 0]), np.array([0, 2, 1]))
    (array([0, 0, 2]), array([1, 2, 0]))
    """
    which, slot = csr_positions(indptr, frontier)
    return which, indices[slot]


def simple_cycles_bounded(adj: sp.spmatrix | sp.sparray | Network,
                          members: ArrayLike | None = None, *, max_length: int = 6,
                          max_cycles: int | None = 1000) -> tuple[list[np.ndarray], bool]:
    """List the simple cycles of length 2..``max_length`` among ``members``.

    Parameters
    ----------
    adj : scipy sparse matrix or Network
        Directed graph, row → column (for a Network: guarantor → borrower, built on
        each call: pass ``net.guarantee_matrix()`` when calling it repeatedly).
        Weights, parallel edges and self-loops are ignored.
    members : sequence of int, optional
        The nodes the search may use — normally one strongly connected component.
        Their order defines the canonical form: each cycle is reported starting at the
        member listed first in ``members``.  Default: every node, in index order.
    max_length : int
        Longest cycle listed (>= 2).
    max_cycles : int or None
        Keep at most this many cycles (None: no cap).

    Returns
    -------
    cycles : list of ndarray
        Each cycle as node indices ``[v0, v1, …, vk-1]`` meaning ``v0 → v1 → … → v0``,
        rotated to start at its first member (in ``members`` order).  Every cycle
        appears once, ordered by length, then by the positions of its nodes in
        ``members`` (lexicographically).
    truncated : bool
        True when more cycles of length <= ``max_length`` exist than were kept.  The
        kept ones are then the shortest, in the order above.

    Raises
    ------
    ParameterError
        ``max_length < 2``, ``max_cycles < 1``, or bad ``members``.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(([1, 1, 1, 1], ([0, 1, 2, 1], [1, 2, 0, 0])), shape=(3, 3))
    >>> cycles, truncated = simple_cycles_bounded(a, max_length=3)
    >>> [c.tolist() for c in cycles], truncated
    ([[0, 1], [0, 1, 2]], False)
    >>> cycles, truncated = simple_cycles_bounded(a, max_cycles=1)
    >>> [c.tolist() for c in cycles], truncated
    ([[0, 1]], True)
    >>> [c.tolist() for c in simple_cycles_bounded(a, [2, 1, 0])[0]]
    [[1, 0], [2, 0, 1]]

    Notes
    -----
    For each start ``s`` (in ``members`` order) a depth-first search extends simple
    paths from ``s`` through members that come after ``s``, so each cycle is found
    exactly once, from its first member.  A breadth-first search backwards from ``s``
    first gives each node's distance back to ``s``; a path is extended to ``w`` only
    if it can still close within the bound.  Once ``max_cycles`` are kept and one more
    was found (so the result is known to be truncated), a new cycle evicts the longest
    kept one only if it is shorter, and the bound drops below the longest kept length:
    the search ends with the shortest cycles and its work stays bounded.

    Cost: exponential in ``max_length`` — roughly ``O(m · d^(k-1))`` for ``m`` members
    of average out-degree ``d`` and bound ``k`` — and, once the cap is reached,
    about ``O(max_cycles · k · d)`` per start.  Sparse circles of thousands of members
    take well under a second for ``k = 6``; dense ones rely on the cap.
    """
    if max_length < 2:
        raise ParameterError("max_length must be >= 2")
    if max_cycles is not None and max_cycles < 1:
        raise ParameterError("max_cycles must be >= 1")
    if hasattr(adj, "g_src"):
        n = adj.n
    else:
        n = cast("sp.spmatrix", adj).shape[0]
    nodes = np.arange(n) if members is None else np.asarray(members, dtype=np.int64)
    return circle_cycles(adj, [nodes], max_length=max_length, max_cycles=max_cycles)[0]


def circle_cycles(adj: sp.spmatrix | sp.sparray | Network, circles: Sequence[ArrayLike], *,
                  max_length: int = 6,
                  max_cycles: int | None = 1000) -> list[tuple[list[np.ndarray], bool]]:
    """Run :func:`simple_cycles_bounded` on many disjoint node sets at once.

    Parameters
    ----------
    adj : scipy sparse matrix or Network
    circles : sequence of arrays of int
        Disjoint node sets (normally the circles), each in its canonical order.
    max_length, max_cycles
        As in :func:`simple_cycles_bounded`, the cap applying to each set.

    Returns
    -------
    list of (cycles, truncated), one per set.

    Notes
    -----
    Builds the adjacency among all the sets once (``O(total members + their
    links)``), keeping only links inside a set, then searches each set: tens of
    thousands of small circles take about a second.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(([1, 1, 1, 1], ([0, 1, 2, 3], [1, 0, 3, 2])), shape=(4, 4))
    >>> [[c.tolist() for c in cy] for cy, _ in circle_cycles(a, [[1, 0], [2, 3]])]
    [[[1, 0]], [[2, 3]]]
    """
    sets = [np.asarray(c, dtype=np.int64) for c in circles]
    sizes = np.array([len(c) for c in sets], dtype=np.int64)
    members = np.concatenate(sets) if sets else np.zeros(0, dtype=np.int64)
    return _circle_cycles_flat(adj, members, sizes, max_length=max_length,
                               max_cycles=max_cycles)


def _circle_cycles_flat(adj: sp.spmatrix | sp.sparray | Network, members: np.ndarray,
                        sizes: np.ndarray, *, max_length: int, max_cycles: int | None,
                        positions: bool = False) -> list[tuple[list[Any], bool]]:
    """Run :func:`circle_cycles` on the sets concatenated (``members``) with their sizes.

    With ``positions=True`` each cycle is a tuple of positions into ``members`` (cheap
    to map to ids with a Python list) instead of an array of node indices.
    """
    if max_length < 2:
        raise ParameterError("max_length must be >= 2")
    if max_cycles is not None and max_cycles < 1:
        raise ParameterError("max_cycles must be >= 1")
    a = simple_adjacency(adj)
    n = a.shape[0]
    members = np.asarray(members, dtype=np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    if len(sorted_unique(members)) != len(members):
        raise ParameterError("members must not repeat")
    if len(members) and (members.min() < 0 or members.max() >= n):
        raise ParameterError("members out of range")
    bounds = np.r_[0, np.cumsum(sizes)]
    out: list[tuple[list[Any], bool]] = [([], False)] * len(sizes)
    # sets of two: one vectorised test for the 2-cycle (most circles are mutual pairs)
    two = np.flatnonzero(sizes == 2)
    if len(two):
        first, second = members[bounds[two]], members[bounds[two] + 1]
        both = (np.asarray(a[first, second]).ravel() > 0) & (np.asarray(a[second, first])
                                                             .ravel() > 0)
        for c, ok in zip(two.tolist(), both.tolist(), strict=True):
            if ok:
                lo = int(bounds[c])
                out[c] = ([(lo, lo + 1)] if positions else [members[lo:lo + 2]], False)
    big = np.flatnonzero(sizes >= 3)
    if len(big) == 0:
        return out
    where = np.concatenate([np.arange(bounds[c], bounds[c + 1]) for c in big.tolist()])
    members = members[where]
    sizes = sizes[big]
    bounds = np.r_[0, np.cumsum(sizes)]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    sub = induced_subgraph(a, members).tocoo()
    same = owner[sub.row] == owner[sub.col]
    sub = sp.csr_matrix((sub.data[same], (sub.row[same], sub.col[same])),
                        shape=(len(members), len(members)))
    sub.sort_indices()
    succ = _lists(sub)
    subt = sub.T.tocsr()
    subt.sort_indices()
    pred = _lists(subt)
    cap = max_cycles if max_cycles is not None else -1
    bounds = bounds.tolist()
    where_list = where.tolist()
    for k, c in enumerate(big.tolist()):
        found, truncated = _search(succ, pred, bounds[k], bounds[k + 1], max_length, cap)
        if positions:
            out[c] = ([tuple(where_list[i] for i in cy) for cy in found], truncated)
        else:
            out[c] = ([members[np.asarray(cy, dtype=np.int64)] for cy in found], truncated)
    return out


def _lists(a: sp.csr_matrix) -> list[list[int]]:
    ind, ptr = a.indices.tolist(), a.indptr.tolist()
    return [ind[ptr[i]:ptr[i + 1]] for i in range(a.shape[0])]


def _search(succ: list[list[int]], pred: list[list[int]], lo: int, hi: int, max_length: int,
            cap: int) -> tuple[list[tuple[int, ...]], bool]:
    """Bounded DFS over starts ``lo..hi-1`` (local indices); see simple_cycles_bounded."""
    kept: dict[int, list[tuple[int, ...]]] = {}
    count, truncated = 0, False
    bound = max_length

    def longest() -> int:
        return max(k for k, v in kept.items() if v)

    def emit(path: list[int]) -> None:
        nonlocal count, truncated, bound
        length = len(path)
        if 0 < cap <= count:
            truncated = True
            top = longest()
            if length >= top:
                return
            kept[top].pop()
            count -= 1
        kept.setdefault(length, []).append(tuple(path))
        count += 1
        if truncated:
            bound = longest() - 1

    for s in range(lo, hi):
        if bound < 2:                     # the cap holds only 2-cycles and more exist
            break
        ps = pred[s]
        if not ps or ps[-1] < s:          # nothing after s closes on s
            continue
        dist = _dist_back(s, pred, bound - 1)   # holds s and members after s only
        on_path = {s}
        path = [s]
        stack = [iter(succ[s][bisect_right(succ[s], s):])]
        while stack:
            depth = len(path)             # edges of the path once w is appended
            room = bound - depth
            for w in stack[-1]:
                if w == s:
                    if depth >= 2:
                        emit(path)
                        room = bound - depth
                    continue
                dw = dist.get(w)
                if dw is None or dw > room or w in on_path:
                    continue
                path.append(w)
                on_path.add(w)
                stack.append(iter(succ[w]))
                break
            else:
                stack.pop()
                on_path.discard(path.pop())
    return [c for length in sorted(kept) for c in kept[length]], truncated


def _dist_back(s: int, pred: list[list[int]], limit: int) -> dict[int, int]:
    """Distance from each node after ``s`` back to ``s``, up to ``limit`` links."""
    dist = {s: 0}
    frontier = [s]
    for d in range(1, limit + 1):
        nxt = []
        for v in frontier:
            for p in pred[v]:
                if p > s and p not in dist:
                    dist[p] = d
                    nxt.append(p)
        if not nxt:
            break
        frontier = nxt
    return dist
