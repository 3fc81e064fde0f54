"""Guarantee groups (担保群), circles (担保圈) and edge patterns (SPEC §5).

Definitions, on the guarantee graph (guarantor → borrower; several contracts between
the same two parties count as one link, self-guarantees are ignored):

* a *group* (担保群) is a weakly connected component with at least two members — the
  firms tied together by guarantees in either direction;
* a *circle* (担保圈) is a strongly connected component with at least two members:
  every member is, through some chain, a guarantor of every other;
* every guarantee carries one or more *patterns* (:data:`~graphrisk.domain.glossary.PATTERNS`):

  ``mutual`` 互保
      the borrower also guarantees the guarantor (a 2-cycle);
  ``circle`` 循环担保
      the guarantee lies on a directed simple cycle of length >= 3.  A link inside a
      circle always lies on *some* cycle, but when its only way back is the reverse
      link of a mutual pair it is ``mutual`` only;
  ``joint`` 联保/多保一
      the borrower has >= 3 distinct guarantors (``CircleParams.joint_degree``);
  ``star`` 一保多
      the guarantor backs >= 3 distinct borrowers (``CircleParams.star_degree``);
  ``chain`` 担保链
      the guarantee shares a party with another guarantee (it lies on a path of two or
      more guarantees, read in either direction: A→B→C, A→B←C or A←B→C) and carries
      none of the patterns above;
  ``single`` 单笔担保
      an isolated guarantee: its two parties have no other guarantee (a group of two
      that is not a mutual pair).

  Every guarantee gets at least one pattern; ``chain`` and ``single`` exclude the
  others and each other.

Groups and circles are labelled by rank: label 0 is the riskiest (largest total loan
balance of its members, then most members, then smallest entity index), so that
``label + 1`` is the number in the ids ``GRP001`` / ``C001`` of
:mod:`graphrisk.network.metrics`.

Everything runs on the CSR arrays of :class:`~graphrisk.network.graph.Network` with
``scipy.sparse.csgraph``: a few seconds for a million enterprises
(``bench/bench_circles.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components

from graphrisk.domain.glossary import PATTERNS
from graphrisk.network.cycles import network_cache, simple_adjacency
from graphrisk.network.graph import Network, analysis
from graphrisk.params import CircleParams

__all__ = ["guarantee_groups", "circle_labels", "guarantee_circles", "members_by_label",
           "mutual_pairs", "edge_patterns", "pattern_lists", "member"]


def _raw_components(net: Network, connection: str) -> np.ndarray:
    def build() -> np.ndarray:
        return connected_components(simple_adjacency(net), directed=True,
                                    connection=connection)[1]
    return network_cache(net, f"components_{connection}", build)


def _ranked_components(net: Network, connection: str, min_size: int) -> np.ndarray:
    raw = _raw_components(net, connection)
    sizes = np.bincount(raw)
    loans = np.bincount(raw, weights=net.borrowings(), minlength=len(sizes))
    first = np.full(len(sizes), len(raw), dtype=np.int64)
    np.minimum.at(first, raw, np.arange(len(raw)))  # smallest member index
    keep = np.flatnonzero(sizes >= min_size)
    order = keep[np.lexsort((first[keep], -sizes[keep], -loans[keep]))]
    rank = np.full(len(sizes), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[raw]


def _links(net: Network) -> dict[str, np.ndarray]:
    """Return the distinct links of the guarantee graph (cached).

    The links sorted by ``u * n + v``, whether each is reciprocated, and the link of
    each guarantee record (``-1`` for a self-guarantee).
    """
    def build() -> dict[str, np.ndarray]:
        n = net.n
        src, dst = net.g_src.astype(np.int64), net.g_dst.astype(np.int64)
        rec = np.flatnonzero(src != dst)
        rk = src[rec] * n + dst[rec]
        order = np.argsort(rk)
        sk = rk[order]
        first = np.r_[True, sk[1:] != sk[:-1]] if len(sk) else np.zeros(0, dtype=bool)
        key = sk[first]
        rec_link = np.full(len(src), -1, dtype=np.int64)
        rec_link[rec[order]] = np.cumsum(first) - 1
        u, v = key // n, key % n
        return {"key": key, "u": u, "v": v, "rec_link": rec_link,
                "reciprocated": member(key, v * n + u)}
    return network_cache(net, "links", build)


def member(sorted_keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Tell whether each query value is in ``sorted_keys`` (both int64).

    The queries are sorted first: binary searches in order are cache-friendly, about
    thirty times faster than random ones on millions of keys.

    >>> member(np.array([1, 5, 9]), np.array([9, 2, 1]))
    array([ True, False,  True])
    """
    if len(sorted_keys) == 0:
        return np.zeros(len(query), dtype=bool)
    order = np.argsort(query)
    q = query[order]
    pos = np.searchsorted(sorted_keys, q)
    pos[pos == len(sorted_keys)] = 0
    out = np.empty(len(query), dtype=bool)
    out[order] = sorted_keys[pos] == q
    return out


def guarantee_groups(net: Network, *, min_size: int = 2) -> np.ndarray:
    """Label each entity with its guarantee group (担保群): weakly connected components.

    Parameters
    ----------
    net : Network
    min_size : int
        Smallest group reported (SPEC: 2).

    Returns
    -------
    ndarray of int64, length ``net.n``
        Group label of each entity, ``-1`` for entities in no group.  Labels are
        ranks: 0 is the group whose members owe the most, then the larger, then the
        one holding the smaller entity index.

    Examples
    --------
    >>> labels = guarantee_groups(net)
    >>> labels
    array([ 0,  0,  0, -1,  0, -1, -1, -1])
    >>> net.ids[labels == 0]
    array(['E1', 'E2', 'E3', 'P1'], dtype=object)

    Notes
    -----
    ``O(n + m)`` with ``scipy.sparse.csgraph.connected_components`` (0.2 s for 1M
    entities and 1.5M guarantees).
    """
    return _ranked_components(net, "weak", min_size)


def circle_labels(net: Network) -> np.ndarray:
    """Label each entity with its guarantee circle (担保圈): strong components of size >= 2.

    Returns
    -------
    ndarray of int64, length ``net.n``
        Circle label (rank, as in :func:`guarantee_groups`), ``-1`` outside circles.

    Examples
    --------
    >>> circle_labels(net)  # E1 and E2 guarantee each other
    array([ 0,  0, -1, -1, -1, -1, -1, -1])

    Notes
    -----
    ``O(n + m)`` (Pearce's algorithm in ``scipy.sparse.csgraph``).
    """
    return _ranked_components(net, "strong", 2)


def members_by_label(labels: ArrayLike) -> list[np.ndarray]:
    """Return the member indices (ascending) of each label ``0..max``; ``-1`` is skipped.

    >>> [m.tolist() for m in members_by_label(np.array([1, -1, 0, 1]))]
    [[2], [0, 3]]
    """
    lab = np.asarray(labels)
    inside = np.flatnonzero(lab >= 0)
    if len(inside) == 0:
        return []
    order = inside[np.argsort(lab[inside], kind="stable")]
    counts = np.bincount(lab[inside])
    return np.split(order, np.cumsum(counts)[:-1])


def guarantee_circles(net: Network) -> list[np.ndarray]:
    """Return the member indices of each guarantee circle, riskiest first.

    See :func:`circle_labels`.

    Examples
    --------
    >>> [net.ids[c].tolist() for c in guarantee_circles(net)]
    [['E1', 'E2']]

    The demo at 2026-03-31: the big circle and two mutual pairs; its 3-member circle
    酒业 → 饮料 → 玻璃制品 broke when G006 (2025-08-17) and G005 (2025-12-20) ended:

    >>> [len(c) for c in guarantee_circles(demo_net)]
    [6, 2, 2]
    """
    return members_by_label(circle_labels(net))


def mutual_pairs(net: Network) -> np.ndarray:
    """Return the mutual guarantee pairs (互保): ``(k, 2)`` entity indices ``a < b``, sorted.

    Examples
    --------
    >>> mutual_pairs(net)
    array([[0, 1]])
    >>> net.ids[mutual_pairs(net)].tolist()
    [['E1', 'E2']]
    """
    lk = _links(net)
    keep = lk["reciprocated"] & (lk["u"] < lk["v"])
    return np.column_stack([lk["u"][keep], lk["v"][keep]])


@analysis(params=CircleParams)
def edge_patterns(net: Network, *, params: CircleParams | None = None) -> dict[str, np.ndarray]:
    """Return the patterns of SPEC §5 on every guarantee record.

    Parameters
    ----------
    net : Network or Dataset
    params : CircleParams, optional
        ``joint_degree`` and ``star_degree`` (default 3).

    Returns
    -------
    dict of str to ndarray of bool
        One boolean array per pattern name of :data:`~graphrisk.domain.glossary.PATTERNS`
        (``mutual``, ``circle``, ``joint``, ``star``, ``chain``, ``single``), each of
        length ``len(net.g_id)``, aligned with the guarantee records.

    Examples
    --------
    >>> flags = edge_patterns(net)
    >>> net.g_id[flags["mutual"]], net.g_id[flags["chain"]]
    (array(['G1', 'G2'], dtype=object), array(['G3', 'G4'], dtype=object))

    On the demo at 2026-03-31 (27 live guarantees of 33): G005, G006, G012 and G014 are
    no longer circle links and G027 no longer a point of 青山融资担保's star; G007
    (玻璃 → 酒业), all that is left of its circle, is a single guarantee, in place of
    the ended G031:

    >>> {name: int(f.sum()) for name, f in edge_patterns(demo_net).items()}
    {'mutual': 4, 'circle': 7, 'joint': 4, 'star': 3, 'chain': 6, 'single': 3}

    Notes
    -----
    Patterns are decided per link (distinct guarantor–borrower pair) and copied to
    its records.  Vectorised, ``O(n + m log m)``, except for one test: a
    reciprocated link u→v inside a circle of three or more members is ``circle`` when
    v reaches u without the pair's two links.  Links whose ends stay strongly
    connected once *all* reciprocated links are removed pass at once; links where v
    has no other link inside the circle, or u no other link coming in, fail at once;
    each remaining one costs a breadth-first search inside its circle, ``O(c · m_C)``
    for ``c`` such links in a circle of ``m_C`` links (early exit when u is reached).
    """
    assert params is not None  # filled in by @analysis
    p = params
    n = net.n
    lk = _links(net)
    u, v, recip = lk["u"], lk["v"], lk["reciprocated"]
    indeg = np.bincount(v, minlength=n)
    outdeg = np.bincount(u, minlength=n)
    joint = indeg[v] >= p.joint_degree
    star = outdeg[u] >= p.star_degree

    scc = _raw_components(net, "strong")
    same = scc[u] == scc[v]
    circle = same & ~recip
    pending = np.flatnonzero(same & recip & (np.bincount(scc)[scc[u]] >= 3))
    if len(pending):
        circle[pending] = _circle_through_pairs(net, lk, scc, same, pending)

    wcc = _raw_components(net, "weak")
    group_size = np.bincount(wcc)[wcc[u]]
    other = recip | circle | joint | star
    single = ~other & (group_size == 2)
    chain = ~other & (group_size >= 3)
    per_link = {"mutual": recip, "circle": circle, "joint": joint, "star": star,
                "chain": chain, "single": single}
    rec = lk["rec_link"]
    loop = rec < 0
    return {name: np.where(loop, False, per_link[name][rec]) for name in PATTERNS}


def _circle_through_pairs(net: Network, lk: Mapping[str, np.ndarray], scc: np.ndarray,
                          same: np.ndarray, pending: np.ndarray) -> np.ndarray:
    """Tell, for reciprocated links u→v inside a circle, whether v reaches u without u↔v."""
    n = net.n
    u, v, key = lk["u"], lk["v"], lk["key"]
    pu, pv = u[pending], v[pending]
    # 1. ends still strongly connected without any reciprocated link: a longer cycle
    one_way = key[~lk["reciprocated"]]
    indptr = np.r_[0, np.cumsum(np.bincount(one_way // n, minlength=n))]
    b = sp.csr_matrix((np.ones(len(one_way), dtype=np.int8), one_way % n, indptr),
                      shape=(n, n))
    _, scc2 = connected_components(b, directed=True, connection="strong")
    result = scc2[pu] == scc2[pv]
    # 2. v has no other link inside the circle, or u no other link into it: impossible
    out_in = np.bincount(u[same], minlength=n)
    in_in = np.bincount(v[same], minlength=n)
    rest = np.flatnonzero(~result & (out_in[pv] >= 2) & (in_in[pu] >= 2))
    if len(rest) == 0:
        return result
    # 3. a breadth-first search per remaining link, inside its circle
    labels = np.unique(scc[pu[rest]])
    nodes = np.flatnonzero(np.isin(scc, labels))
    inner = same & np.isin(scc[u], labels)
    local = np.searchsorted(nodes, u[inner]), np.searchsorted(nodes, v[inner])
    succ = [x.tolist() for x in np.split(local[1], np.searchsorted(local[0],
                                                                     np.arange(1, len(nodes))))]
    for k in rest:
        a, c = int(np.searchsorted(nodes, pu[k])), int(np.searchsorted(nodes, pv[k]))
        result[k] = _reaches(succ, c, a)
    return result


def _reaches(succ: list[list[int]], start: int, target: int) -> bool:
    """Tell whether ``start`` reaches ``target`` without the direct link start → target."""
    seen = {start}
    frontier = [w for w in succ[start] if w != target]
    seen.update(frontier)
    while frontier:
        nxt = []
        for x in frontier:
            for w in succ[x]:
                if w == target:
                    return True
                if w not in seen:
                    seen.add(w)
                    nxt.append(w)
        frontier = nxt
    return False


def pattern_lists(flags: dict[str, np.ndarray]) -> list[tuple[str, ...]]:
    """Return, per guarantee, the tuple of its pattern names (in :data:`PATTERNS` order).

    >>> pattern_lists({"mutual": np.array([True, False]), "chain": np.array([False, True])})
    [('mutual',), ('chain',)]
    """
    names = list(flags)
    if not names:
        return []
    bits = np.zeros(len(flags[names[0]]), dtype=np.int64)
    for i, name in enumerate(names):
        bits |= flags[name].astype(np.int64) << i
    combos = {int(b): tuple(nm for i, nm in enumerate(names) if b >> i & 1)
              for b in np.unique(bits)}
    return [combos[b] for b in bits.tolist()]
