"""DebtRank on the guarantee network: an alternative systemic-importance ranking.

DebtRank (Battiston et al., *Scientific Reports* 2, 541, 2012) spreads *distress*
``h ∈ [0, 1]`` (the share of its capacity an entity has lost) along exposures.  Here
the exposure is a guarantee: when borrower b is fully distressed, guarantor j can be
called for ``c(b, j)`` — the calls of :mod:`graphrisk.contagion` when b defaults
alone: what b's own estate leaves unpaid of its loans (先穷尽主债务人, SPEC §6),
spread over its guarantees, never above their amounts — against j's capacity
``C_j``.  Collateral and pledges (抵押/质押) carry no distress: their provider pays
from the pledged asset.  The impact matrix is::

    W[b, j] = min(1, c(b, j) / C_j)      (C_j = 0 and c > 0 → 1;  C_j = ∞ → 0)

The original dynamics let each node pass on its distress only once, which
undercounts on cycles (担保圈) and depends on the order of events.  We use the
increment form of Bardoscia, Battiston, Caccioli and Caldarelli, "DebtRank: A
microscopic foundation for shock propagation", *PLoS ONE* 10(6), 2015, where every
*increase* of distress is passed on, so cycles are handled without double counting::

    Δh(0) = h(0)
    h_j(t+1) = min(1, h_j(t) + Σ_b W[b, j] · Δh_b(t)),     Δh(t+1) = h(t+1) − h(t)

until every increment is below a tolerance (increments shrink geometrically around a
cycle whose impacts multiply to less than 1, and stop at saturation otherwise).  The
DebtRank of a shock is the value it destroys beyond the shock itself,
``R = Σ_j v_j (h_j(∞) − h_j(0))``, with ``v_j`` the debt at risk of j's own loans
(balance × (1 − r), 万元: a fully distressed guarantor has lost its whole estate) —
so for one entity i defaulting alone, ``R_i = Σ_{j ≠ i} v_j h_j(∞)``: the debt of
others put in distress, weighted by how much.

Since increments are never negative, an entity's final distress is the sum of the
increments it received, so the limit is the least fixed point of
``h = min(1, h(0) + Wᵀ h)``.  On a cycle of impact-1 links (a guarantor whose capacity is
below its calls, both ways) increments circulate undiminished and the distress creeps to
1 over ``1 / increment`` iterations; such *resonant* entities are saturated as soon as
they are touched (:func:`resonant`) — the same limit, in a few steps.

Complexity: each iteration costs the impacts of the entities whose distress grew;
:func:`debtrank_importance` runs every single-entity shock at once, event-driven, in
``O(Σ_i |reach of i| · iterations)``; on a cycle of impact gain g < 1 the increments
shrink by g per turn (``log(tolerance) / log(g)`` turns).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphrisk.contagion.cascade import CascadeModel, ranges, sorted_unique
from graphrisk.errors import ParameterError

__all__ = ["impact_matrix", "resonant", "debtrank", "debtrank_importance"]

MAX_ITERATIONS = 10_000


def impact_matrix(model: CascadeModel) -> sp.csr_matrix:
    """Return ``W[b, j]``: the impact of borrower b's full distress on guarantor j.

    The matrix is ``size × size``.

    ``c(b, j)`` sums b's guarantees by j (collateral and pledges left out) at the calls of
    b's lone default, before the cap at 1.  ``O(m log m)``.
    """
    size = model.size
    e = model.p_edge
    calls = sp.csr_matrix((model.e_alone[e], (model.e_dst[e], model.e_src[e])),
                          shape=(size, size))
    calls.sum_duplicates()
    cap = model.cap[calls.indices]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(cap > 0, calls.data / cap, np.where(calls.data > 0, 1.0, 0.0))
    calls.data = np.minimum(w, 1.0)
    calls.setdiag(0)  # a self-guarantee carries no contagion
    calls.eliminate_zeros()
    return calls


def resonant(impact: sp.csr_matrix) -> np.ndarray:
    """Flag the entities on a cycle of impact-1 links.

    Such an entity, once distressed at all, ends fully distressed: an increment goes
    round the cycle undiminished until something saturates, and a saturated entity
    passes a full 1 along an impact-1 link.  The dynamics reach this only after about
    ``1 / increment`` iterations, so :func:`debtrank` saturates them at once — the
    same limit, in a few steps.  ``O(n + m)``.
    """
    ones = impact.copy()
    ones.data = (ones.data >= 1.0).astype(np.int8)
    ones.eliminate_zeros()
    _, label = connected_components(ones, directed=True, connection="strong")
    return np.bincount(label)[label] >= 2


def debtrank(model: CascadeModel, h0: npt.ArrayLike | dict[int, float], *,
             tolerance: float = 1e-9, impact: sp.csr_matrix | None = None
             ) -> tuple[np.ndarray, float]:
    """Return the final distress of every entity and the DebtRank of an initial shock.

    Parameters
    ----------
    model : CascadeModel
    h0 : array_like or dict
        Initial distress in [0, 1]: a vector over the entities, or {index: distress}.
    tolerance : float
        Increments below this are not passed on.
    impact : csr_matrix, optional
        :func:`impact_matrix` of ``model``, when already computed.

    Returns
    -------
    h : ndarray
        Final distress (length ``model.size``).
    R : float
        ``Σ_j v_j (h_j − h0_j)`` in 万元, v = own loans' shortfall.

    Examples
    --------
    Two firms guaranteeing each other with impacts 0.5 both ways and a shock of 0.4 on
    the first: the distress bounces back and forth until ``h_a = 0.4 / (1 − 0.25)``
    and ``h_b = 0.5 · h_a`` (``tests/test_debtrank.py`` works this through).

    On the small network, E1's full distress saturates its guarantor E2 (capacity 50,
    called for 800: E1's estate of 100 leaves 900 of its loan unpaid) and, through E2,
    E3: R is their loans' debt at risk, 500 + 350 万元.

    >>> from graphrisk.contagion import capacities, compile_model
    >>> model = compile_model(net, capacities(net)[0])
    >>> h, R = debtrank(model, {int(net.positions("E1")[0]): 1.0})
    >>> dict(zip(net.ids[:4], h[:4].tolist())), R
    ({'E1': 1.0, 'E2': 1.0, 'E3': 1.0, 'E4': 0.0}, 850.0)

    Notes
    -----
    Each iteration costs the impacts of the entities whose distress grew; on a cycle
    of impact gain g < 1 increments shrink by g per turn, so ``log(tolerance) / log(g)``
    turns.
    """
    size = model.size
    if isinstance(h0, dict):
        vec = np.zeros(size)
        for k, v in h0.items():
            vec[k] = v
        h0 = vec
    h0 = np.asarray(h0, dtype=np.float64)
    if len(h0) == model.n:
        h0 = np.append(h0, 0.0)
    if len(h0) != size or np.any((h0 < 0) | (h0 > 1)):
        raise ParameterError("initial distress must be a vector of values in [0, 1]")
    w = impact_matrix(model) if impact is None else impact
    res = resonant(w)
    wt = w.T.tocsr()
    h, dh = h0.copy(), h0.copy()
    for _ in range(MAX_ITERATIONS):
        active = np.flatnonzero(dh >= tolerance)
        if not active.size:
            break
        new = np.minimum(1.0, h + wt[:, active] @ dh[active])
        new[res & (new > 0)] = 1.0
        dh = new - h
        h = new
    return h, float(model.short @ (h - h0))


def debtrank_importance(model: CascadeModel, entities: npt.ArrayLike | None = None, *,
                        tolerance: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Return the DebtRank of each entity defaulting alone, and how many others it saturates.

    All single-entity shocks run at once, event-driven: the (shock, entity) pairs a
    shock can reach are found first (a batched breadth-first search on the impact
    graph), then each iteration touches only the pairs whose distress grew.  Entities
    without guarantors score 0 without a run.  ``O(Σ_i |reach of i| · iterations)``.

    Returns
    -------
    (R, saturated) : ndarray of float (万元), ndarray of int (others with h = 1).
    """
    ent = np.arange(model.n) if entities is None else np.asarray(entities, np.int64)
    w = impact_matrix(model)
    res = resonant(w)
    size = model.size
    cand = sorted_unique(ent[(np.diff(w.indptr) > 0)[ent]])
    value, saturated = np.zeros(size), np.zeros(size, dtype=np.int64)
    if not cand.size:
        return value[ent], saturated[ent]
    seed_keys = np.arange(len(cand)) * size + cand
    keys = _reach(w, seed_keys, size)
    h = np.zeros(len(keys))
    inc = np.zeros(len(keys))
    at = np.searchsorted(keys, seed_keys)
    h[at] = 1.0
    active, delta = at, np.ones(len(at))
    for _ in range(MAX_ITERATIONS):
        if not active.size:
            break
        node = keys[active] % size
        cnt = w.indptr[node + 1] - w.indptr[node]
        e = ranges(w.indptr[node], cnt)
        target = np.searchsorted(keys, np.repeat(keys[active] - node, cnt) + w.indices[e])
        np.add.at(inc, target, np.repeat(delta, cnt) * w.data[e])
        t = sorted_unique(target)
        new = np.minimum(1.0, h[t] + inc[t])
        new[res[keys[t] % size] & (new > 0)] = 1.0
        inc[t] = 0.0
        d = new - h[t]
        h[t] = new
        keep = d >= tolerance
        active, delta = t[keep], d[keep]
    run = keys // size
    node = keys % size
    value[cand] = np.bincount(run, weights=h * model.short[node], minlength=len(cand)) \
        - model.short[cand]
    saturated[cand] = np.bincount(run, weights=(h >= 1.0 - 1e-12), minlength=len(cand)) - 1
    return value[ent], saturated[ent]


def _reach(w: sp.csr_matrix, seed_keys: np.ndarray, size: int) -> np.ndarray:
    """Return the sorted keys ``shock · size + entity`` of every entity each shock can reach."""
    seen = np.sort(seed_keys)
    frontier = seen
    while frontier.size:
        node = frontier % size
        cnt = w.indptr[node + 1] - w.indptr[node]
        nxt = sorted_unique(np.repeat(frontier - node, cnt)
                            + w.indices[ranges(w.indptr[node], cnt)])
        pos = np.minimum(np.searchsorted(seen, nxt), len(seen) - 1)
        frontier = nxt[seen[pos] != nxt]
        seen = np.sort(np.concatenate([seen, frontier]))  # frontier is new: no duplicates
    return seen
