"""Precomputed positions for the network page.

Each *unit* (a guarantee group with the entities attached to it) is laid out on its
own, then the units are packed on a grid, largest first, so that thousands of nodes
open at once with physics off.

* A unit of one entity is a point; units of up to :data:`SMALL` entities get a ring
  (a star's hub in the centre), computed for all such units at once with numpy.
* Larger units get igraph's Kamada-Kawai layout (up to :data:`KK_MAX` members) or
  Fruchterman-Reingold (grid variant above 1,000), both in C.
* Every unit is scaled so that its median edge is :data:`SPACING` pixels long, then
  the units are packed in shelves (rows) of about the same total width and height.
* Institutions that only lend (banks without any other link) go in a row above the
  grid, where their loan edges converge.

Everything is seeded: the same input gives the same positions.
"""

from __future__ import annotations

import random

import igraph as ig
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

__all__ = ["SPACING", "SMALL", "KK_MAX", "pack_layout", "attach_units"]

#: target length of an edge, in page pixels
SPACING = 90.0
#: units up to this size get a vectorised ring layout
SMALL = 8
#: units up to this size get Kamada-Kawai, larger ones Fruchterman-Reingold
KK_MAX = 200


def attach_units(n: int, group: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Extend a partial labelling to every node: the layout units.

    Parameters
    ----------
    n : int
        Number of nodes.
    group : ndarray of int, shape (n,)
        Guarantee group of each node, ``-1`` for none.
    src, dst : ndarray of int
        Other links (holdings, posts, inter-company loans), undirected.

    Returns
    -------
    ndarray of int
        A node outside every group takes the smallest group among its direct
        neighbours; the nodes left over are labelled by the connected components of
        the links among themselves (numbered after the groups).

    Examples
    --------
    >>> attach_units(4, np.array([0, 0, -1, -1]), np.array([1]), np.array([2])).tolist()
    [0, 0, 0, 1]

    Notes
    -----
    O(n + m) with ``np.minimum.at`` and ``scipy.sparse.csgraph``.
    """
    unit = np.asarray(group, dtype=np.int64).copy()
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    big = np.iinfo(np.int64).max
    cand = np.full(n, big, dtype=np.int64)
    for a, b in ((src, dst), (dst, src)):
        ok = (unit[a] < 0) & (unit[b] >= 0)
        np.minimum.at(cand, a[ok], unit[b[ok]])
    take = (unit < 0) & (cand != big)
    unit[take] = cand[take]
    rest = unit < 0
    if rest.any():
        ok = rest[src] & rest[dst]
        m = sp.coo_matrix((np.ones(ok.sum()), (src[ok], dst[ok])), shape=(n, n))
        _, lab = csgraph.connected_components(m, directed=False)
        first = int(unit.max()) + 1 if (~rest).any() else 0
        _, dense = np.unique(lab[rest], return_inverse=True)
        unit[rest] = first + dense
    return unit


def _ring(unit: np.ndarray, nodes: np.ndarray, deg: np.ndarray, size: int,
          x: np.ndarray, y: np.ndarray) -> None:
    """Ring layout of every unit of one small size at once (hub in the centre)."""
    order = np.lexsort((nodes, -deg[nodes], unit[nodes]))
    nodes = nodes[order].reshape(-1, size)
    if size == 1:
        x[nodes[:, 0]] = 0.0
        y[nodes[:, 0]] = 0.0
        return
    hub = (deg[nodes[:, 0]] >= size - 1) & (size >= 4)
    k = np.arange(size)
    for is_hub in (False, True):
        rows = nodes[hub == is_hub]
        if not len(rows):
            continue
        on_ring = size - 1 if is_hub else size
        r = SPACING if is_hub else SPACING / (2 * np.sin(np.pi / size)) if size > 2 else SPACING / 2
        j = (k - 1) if is_hub else k
        ang = 2 * np.pi * j / on_ring - np.pi / 2
        px, py = r * np.cos(ang), r * np.sin(ang)
        if is_hub:
            px[0] = py[0] = 0.0
        x[rows] = px[None, :]
        y[rows] = py[None, :]


def _big(members: np.ndarray, src: np.ndarray, dst: np.ndarray, seed: int) -> np.ndarray:
    """Igraph layout of one unit; returns (len(members), 2) scaled to SPACING."""
    s = len(members)
    g = ig.Graph(n=s, edges=list(zip(src.tolist(), dst.tolist(), strict=True)))
    g.simplify()
    start = np.random.default_rng(seed).uniform(-1, 1, size=(s, 2)) * np.sqrt(s)
    rng = random.Random(seed)
    ig.set_random_number_generator(rng)
    try:
        if s <= KK_MAX:
            pos = g.layout_kamada_kawai(seed=start.tolist(), maxiter=20 * s)
        else:
            pos = g.layout_fruchterman_reingold(seed=start.tolist(), niter=150,
                                               grid="auto")
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(pos.coords, dtype=float)
    if g.ecount():
        e = np.asarray(g.get_edgelist())
        lengths = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T)
        med = float(np.median(lengths[lengths > 0])) if (lengths > 0).any() else 1.0
        xy *= SPACING / med
    return xy - xy.mean(axis=0)


def pack_layout(n: int, unit: np.ndarray, src: np.ndarray, dst: np.ndarray, *,
                top_row: np.ndarray | None = None, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of ``n`` nodes: each unit laid out alone, units packed in shelves.

    Parameters
    ----------
    n : int
    unit : ndarray of int, shape (n,)
        Layout unit of each node (see :func:`attach_units`).
    src, dst : ndarray of int
        Edges used for the layout (undirected; edges between units are ignored).
    top_row : ndarray of bool, optional
        Single nodes to put in one row above the grid (lending-only institutions).
    seed : int

    Returns
    -------
    x, y : ndarray of float32
        Page coordinates (pixels; y grows downwards).
    centre : ndarray of float, shape (number of units, 3)
        x, y and radius of each unit (index: unit label).

    Examples
    --------
    >>> x, y, c = pack_layout(3, np.array([0, 0, 1]), np.array([0]), np.array([1]))
    >>> float(np.hypot(x[0] - x[1], y[0] - y[1]))
    90.0

    Notes
    -----
    Rings: O(n log n) vectorised.  igraph Kamada-Kawai is O(s²) per iteration for a
    unit of s members, Fruchterman-Reingold with a grid about O(s + e) per iteration
    (150 iterations); the packing loop is O(number of units) in Python.
    """
    unit = np.asarray(unit, dtype=np.int64)
    src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
    x = np.zeros(n, dtype=float)
    y = np.zeros(n, dtype=float)
    n_units = int(unit.max()) + 1 if n else 0
    sizes = np.bincount(unit, minlength=n_units)
    inner = unit[src] == unit[dst]
    src, dst = src[inner], dst[inner]
    keep = src != dst
    a = sp.coo_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.int8)
    deg = np.asarray(a.sum(axis=1)).ravel()
    radius = np.zeros(n_units)
    nsize = sizes[unit] if n else np.zeros(0, dtype=np.int64)
    for size in np.unique(sizes[sizes > 0]):
        size = int(size)
        if size > SMALL:
            break
        _ring(unit, np.flatnonzero(nsize == size), deg, size, x, y)
    # larger units, one igraph call each
    big_units = np.flatnonzero(sizes > SMALL)
    if len(big_units):
        order = np.argsort(unit, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)])
        edge_unit = unit[src]
        eorder = np.argsort(edge_unit, kind="stable")
        estarts = np.concatenate([[0], np.cumsum(np.bincount(edge_unit, minlength=n_units))])
        local = np.empty(n, dtype=np.int64)
        for u in big_units:
            members = order[starts[u]:starts[u + 1]]
            local[members] = np.arange(len(members))
            es = eorder[estarts[u]:estarts[u + 1]]
            xy = _big(members, local[src[es]], local[dst[es]], seed + int(u))
            x[members], y[members] = xy[:, 0], xy[:, 1]
    if n:
        r2 = np.zeros(n_units)
        np.maximum.at(r2, unit, x * x + y * y)
        radius = np.sqrt(r2) + SPACING / 2
    centre = _pack(sizes, radius, unit, x, y, top_row)
    return x.astype(np.float32), y.astype(np.float32), centre


def _pack(sizes: np.ndarray, radius: np.ndarray, unit: np.ndarray, x: np.ndarray,
          y: np.ndarray, top_row: np.ndarray | None) -> np.ndarray:
    """Shelf packing of unit discs; moves x, y in place; returns unit centres."""
    n_units = len(sizes)
    centre = np.zeros((n_units, 3))
    centre[:, 2] = radius
    if not n_units:
        return centre
    on_top = np.zeros(n_units, dtype=bool)
    if top_row is not None and top_row.any():
        top_units = np.unique(unit[top_row])
        on_top[top_units[sizes[top_units] == 1]] = True
    grid = np.flatnonzero(~on_top & (sizes > 0))
    grid = grid[np.lexsort((grid, -sizes[grid]))]
    diam = 2 * radius
    area = float((diam[grid] ** 2).sum())
    width = max(float(np.sqrt(area) * 1.3), float(diam[grid].max()) if len(grid) else 0.0)
    cx = np.zeros(n_units)
    cy = np.zeros(n_units)
    px = py = row_h = 0.0
    for u in grid.tolist():
        d = diam[u]
        if px > 0 and px + d > width:
            px, py, row_h = 0.0, py + row_h, 0.0
        cx[u], cy[u] = px + d / 2, py + d / 2
        px += d
        row_h = max(row_h, d)
    top = np.flatnonzero(on_top)
    if len(top):
        step = max(SPACING * 1.5, width / max(len(top), 1)) if len(top) > 1 else 0.0
        start = (width - step * (len(top) - 1)) / 2 if width else 0.0
        cx[top] = start + step * np.arange(len(top))
        cy[top] = -SPACING * 3
    centre[:, 0], centre[:, 1] = cx, cy
    x += cx[unit]
    y += cy[unit]
    return centre
