"""Random helpers and the structure of the synthetic network.

The structure is made of clusters, corporate groups, guarantee trees and the persons
(SPEC appendix; the model is described in :mod:`graphrisk.synth.generate`).

The stages share one :class:`State`; each takes its own random stream (see
:func:`streams`) and sets arrays on the state, so that a change in one stage leaves
the draws of the others alone.

Examples
--------
>>> from graphrisk.synth.params import GeneratorParams
>>> rs = streams(7, 4)
>>> s = State(1000, GeneratorParams())
>>> draw_clusters(s, rs[0]); draw_groups(s, rs[1]); draw_tree(s, rs[2])
>>> int(s.sizes.sum()), int((s.tpar >= 0).sum()) == 1000 - s.sizes.size
(1000, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from graphrisk.synth.params import AS_OF, GeneratorParams
from graphrisk.synth.vocab import INDUSTRIES, REGIONS, industry_shares

__all__ = ["State", "contains", "core_size", "dates", "draw_clusters", "draw_groups",
           "draw_persons", "draw_tree", "first_unique", "labels", "pick", "rounded", "streams",
           "take", "unique_sorted", "zipf_weights"]


# ------------------------------------------------------------------ random helpers
def streams(seed: int, k: int) -> list[np.random.Generator]:
    """Independent generators, one per stage (a change in one leaves the rest).

    Parameters
    ----------
    seed : int
        The seed; only its lowest 32 bits count.
    k : int
        Number of streams.

    Returns
    -------
    list of numpy.random.Generator
        *k* generators spawned from one seed sequence.

    Examples
    --------
    >>> a, b = streams(1, 2)
    >>> a.random() != b.random(), streams(1, 2)[0].random() == streams(1, 2)[0].random()
    (True, True)
    """
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, 0x6772_6973])  # "gris"
    return [np.random.default_rng(s) for s in ss.spawn(k)]


def zipf_weights(k: int, a: float) -> np.ndarray:
    """Zipf probabilities ``∝ 1 / rank**a`` of ranks 1..k.

    Examples
    --------
    >>> zipf_weights(3, 1.0).round(3).tolist()
    [0.545, 0.273, 0.182]
    """
    w = 1.0 / np.arange(1, k + 1, dtype=float) ** a
    return w / w.sum()


def labels(prefix: str, count: int, width: int) -> np.ndarray:
    """``prefix`` + zero-padded 1..count, as an object array of str.

    Examples
    --------
    >>> labels("B", 3, 3).tolist()
    ['B001', 'B002', 'B003']
    """
    if count == 0:
        return np.empty(0, dtype=object)
    width = max(width, len(str(count)))
    nums = np.char.zfill(np.arange(1, count + 1).astype(f"U{width}"), width)
    return np.char.add(prefix, nums).astype(object)


def pick(start: np.ndarray, count: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniform index from each range ``[start, start + count)`` (count >= 1).

    Examples
    --------
    >>> i = pick(np.array([0, 10]), np.array([1, 5]), np.random.default_rng(0))
    >>> int(i[0]), bool(10 <= i[1] < 15)
    (0, True)
    """
    return start + np.minimum((rng.random(start.shape[0]) * count).astype(np.int64), count - 1)


def take(words: Sequence[object], idx: np.ndarray) -> np.ndarray:
    """``words[idx]`` as an object array.

    Examples
    --------
    >>> take(["a", "b"], np.array([1, 1, 0])).tolist()
    ['b', 'b', 'a']
    """
    return np.asarray(words, dtype=object)[idx]


def dates(days_before: np.ndarray) -> np.ndarray:
    """Return ISO dates ``days_before`` days before :data:`AS_OF` (negative: after it).

    An object array; each distinct day is formatted once, through a lookup table.

    Examples
    --------
    >>> dates(np.array([0, 30, -1])).tolist()
    ['2025-06-30', '2025-05-31', '2025-07-01']
    """
    if days_before.size == 0:
        return np.empty(0, dtype=object)
    lo, hi = int(days_before.min()), int(days_before.max())
    table = (AS_OF - np.arange(lo, hi + 1).astype("timedelta64[D]")).astype("U10").astype(object)
    return table[days_before - lo]


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: faster than numpy's hash unique on int64).

    Examples
    --------
    >>> unique_sorted(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    x = np.sort(x)
    keep = np.ones(x.size, bool)
    keep[1:] = x[1:] != x[:-1]
    return x[keep]


def first_unique(x: np.ndarray) -> np.ndarray:
    """Return the indices of the first occurrence of each distinct value, in value order.

    Examples
    --------
    >>> first_unique(np.array([5, 2, 5, 2, 1])).tolist()
    [4, 1, 0]
    """
    order = np.argsort(x, kind="stable")
    sx = x[order]
    keep = np.ones(x.size, bool)
    keep[1:] = sx[1:] != sx[:-1]
    return order[keep]


def contains(sorted_keys: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Whether each value of *x* is one of *sorted_keys* (sorted ascending).

    Examples
    --------
    >>> contains(np.array([2, 4]), np.array([1, 2, 4, 5])).tolist()
    [False, True, True, False]
    """
    if sorted_keys.size == 0:
        return np.zeros(x.size, bool)
    i = np.minimum(np.searchsorted(sorted_keys, x), sorted_keys.size - 1)
    return sorted_keys[i] == x


def rounded(x: np.ndarray, digits: int = 2) -> np.ndarray:
    """*x* rounded to *digits* decimals (amounts: 2, probabilities: 4).

    Examples
    --------
    >>> rounded(np.array([1.005, 2.4449])).tolist()
    [1.0, 2.44]
    """
    return np.round(x, digits)


# ------------------------------------------------------------------ the structure
class State:
    """Arrays shared by the stages.

    Entities live in one index space: enterprises ``0..n-1`` (by position), persons
    ``n..n+P-1``, institutions after them.

    Each stage sets its arrays as attributes (``sizes``, ``cl``, ``rank``, ``tpar``,
    ``ctrl``, ``g_src``, ``l_borrower``, ...); later stages read them.  The
    annotations below list them by the stage that sets them.

    Parameters
    ----------
    n : int
        Number of enterprises.
    p : GeneratorParams
        Model parameters.
    """

    n: int
    p: GeneratorParams
    # draw_clusters: per cluster, and per position
    sizes: np.ndarray
    start: np.ndarray
    cl: np.ndarray
    rank: np.ndarray
    csize: np.ndarray
    c_region: np.ndarray
    c_industry: np.ndarray
    c_dense: np.ndarray
    c_shock: np.ndarray
    # draw_groups
    member: np.ndarray
    level: np.ndarray
    opar: np.ndarray
    root: np.ndarray
    c_group: np.ndarray
    # draw_tree
    tpar: np.ndarray
    depth: np.ndarray
    # draw_persons
    ctrl: np.ndarray
    ctrl_firm: np.ndarray
    gm: np.ndarray
    gm_person: np.ndarray
    cfo: np.ndarray
    cfo_person: np.ndarray
    local: np.ndarray
    n_persons: int
    n_banks: int
    n_micro: int
    n_gc: int
    inst0: int
    n_entities: int
    # draw_guarantee_links
    g_src: np.ndarray
    g_dst: np.ndarray
    g_kind: np.ndarray
    pl_firm: np.ndarray
    # draw_loans
    e_class: np.ndarray
    size_f: np.ndarray
    l_borrower: np.ndarray
    l_balance: np.ndarray
    l_class: np.ndarray
    l_lender: np.ndarray
    l_start: np.ndarray
    l_term: np.ndarray
    l_overdue: np.ndarray
    l_ocount: np.ndarray
    l_ext: np.ndarray
    loan_order: np.ndarray
    loan_ids: np.ndarray
    # draw_guarantee_records
    g_amount: np.ndarray
    g_order: np.ndarray
    g_cols: dict[str, np.ndarray]
    # draw_enterprises
    codes: np.ndarray
    e_status: np.ndarray
    e_cls: np.ndarray
    e_order: np.ndarray
    person_ids: np.ndarray
    inst_ids: np.ndarray
    ids: np.ndarray
    region: np.ndarray
    trade: np.ndarray
    enterprise_table: pd.DataFrame
    loan_table: pd.DataFrame
    guarantee_table: pd.DataFrame

    def __init__(self, n: int, p: GeneratorParams) -> None:
        self.n, self.p = n, p


def core_size(n: int, core_cluster_size: int) -> int:
    """Return the size of the core cluster of *n* enterprises.

    ``core_cluster_size``, but at most a twentieth of the enterprises (so a small
    network is not one cluster); 0 when that leaves fewer than two members.

    Examples
    --------
    >>> core_size(100_000, 480), core_size(2000, 480), core_size(30, 480), core_size(10**6, 0)
    (480, 100, 0, 0)
    """
    core = min(int(core_cluster_size), n // 20)
    return core if core >= 2 else 0


def draw_clusters(s: State, rng: np.random.Generator) -> None:
    """Cut the line of positions into clusters (power-law sizes; the core cluster first).

    Each cluster gets a region, an industry, a dense flag and a credit shock.

    Parameters
    ----------
    s : State
        Sets ``sizes``, ``start``, ``cl``, ``rank``, ``csize`` and the per-cluster
        ``c_region``, ``c_industry``, ``c_dense``, ``c_shock``.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    core = core_size(n, p.core_cluster_size)
    rest = n - core  # positions left for the power-law clusters (all of them without a core)
    sizes_all = np.arange(1, p.max_cluster_size + 1)
    prob = sizes_all.astype(float) ** -p.cluster_exponent
    prob /= prob.sum()
    mean = float(sizes_all @ prob)
    draws = rng.choice(sizes_all, size=int(rest / mean * 1.2) + 16, p=prob)
    while draws.sum() < rest:
        draws = np.concatenate([draws, rng.choice(sizes_all, size=int(rest / mean) + 16, p=prob)])
    cs = np.cumsum(draws)
    m = int(np.searchsorted(cs, rest))
    sizes = draws[: m + 1].astype(np.int64)
    sizes[-1] -= cs[m] - rest
    if core:
        sizes = np.concatenate([[core], sizes]).astype(np.int64)
    s.sizes = sizes
    s.start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    s.cl = np.repeat(np.arange(sizes.size), sizes)
    s.rank = np.arange(n) - s.start[s.cl]
    s.csize = sizes[s.cl]
    nc = sizes.size
    # each cluster: a region (Zipf over cities) and a dominant industry
    s.c_region = rng.choice(len(REGIONS), size=nc, p=zipf_weights(len(REGIONS), 0.9))
    s.c_industry = rng.choice(len(INDUSTRIES), size=nc, p=industry_shares())
    s.c_dense = (sizes >= 20) & (rng.random(nc) < p.circle_heavy)
    s.c_shock = rng.standard_normal(nc)


def draw_groups(s: State, rng: np.random.Generator) -> None:
    """Corporate groups: ownership levels 0..D in a prefix of some clusters.

    Parameters
    ----------
    s : State
        Sets ``member``, ``level``, ``opar`` (owning parent), ``root`` and ``c_group``.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    nc = s.sizes.size
    is_group = (s.sizes >= 4) & (rng.random(nc) < p.group_share)
    gsize = np.clip(np.rint(s.sizes * rng.uniform(0.3, 1.0, nc)), 4, s.sizes).astype(np.int64)
    depth = rng.integers(p.ownership_depth[0], p.ownership_depth[1] + 1, nc)
    depth = np.minimum(depth, gsize - 1)
    member = is_group[s.cl] & (s.rank < gsize[s.cl])
    s.member = member
    s.level = np.full(n, -1, dtype=np.int64)
    s.opar = np.full(n, -1, dtype=np.int64)
    s.root = np.where(member, s.start[s.cl], -1)
    mem = np.flatnonzero(member)
    s.c_group = is_group
    if mem.size == 0:
        return
    gid = s.cl[mem]
    r = s.rank[mem]
    dm = depth[gid]
    # ranks 0..D form a chain so that every level is present; the rest lean shallow
    extra = 1 + np.floor(dm * rng.random(mem.size) ** 1.5).astype(np.int64)
    lvl = np.where(r <= dm, r, np.minimum(extra, dm))
    lvl = lvl[np.lexsort((lvl, gid))]  # level non-decreasing with rank inside a group
    s.level[mem] = lvl
    key = gid.astype(np.int64) * 64 + lvl
    sub = lvl > 0
    want = key[sub] - 1
    lo = np.searchsorted(key, want, "left")
    hi = np.searchsorted(key, want, "right")
    s.opar[mem[sub]] = mem[pick(lo, hi - lo, rng)]


def draw_tree(s: State, rng: np.random.Generator) -> None:
    """Guarantee tree inside each cluster (hub / chain / uniform attachment) and depths.

    Parameters
    ----------
    s : State
        Sets ``tpar`` (tree guarantor, -1 for hubs) and ``depth``.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    u = rng.random(n)
    uniform = np.floor(rng.random(n) * s.rank).astype(np.int64)
    hub = np.minimum(p.hub_attachment, 60.0 / s.csize)  # a hub backs ~60 members at most
    prank = np.where(u < hub, 0, np.where(u < hub + p.chain_attachment, s.rank - 1, uniform))
    tpar = np.where(s.rank > 0, s.start[s.cl] + prank, -1)
    follow = (s.opar >= 0) & (rng.random(n) < p.follow_ownership)
    tpar[follow] = s.opar[follow]
    s.tpar = tpar
    depth = np.zeros(n, dtype=np.int64)
    idx = np.flatnonzero(tpar >= 0)
    anc = tpar[idx]
    while idx.size:
        depth[idx] += 1
        anc = tpar[anc]
        keep = anc >= 0
        idx, anc = idx[keep], anc[keep]
    s.depth = depth


def draw_persons(s: State, rng: np.random.Generator) -> None:
    """Draw the controllers, the local supervisor pool and fresh managers (person indices).

    Parameters
    ----------
    s : State
        Sets ``ctrl``, ``ctrl_firm``, ``gm``, ``gm_person``, ``cfo``, ``cfo_person``,
        ``local``, ``n_persons`` and the institution counts and offsets.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    owner = np.arange(n)
    grp = s.member & (s.level > 0) & (rng.random(n) < 0.7)
    owner[grp] = s.root[grp]
    hubshare = ~s.member & (s.rank > 0) & (rng.random(n) < 0.12)
    owner[hubshare] = s.start[s.cl[hubshare]]
    new = owner == np.arange(n)
    pid = np.cumsum(new) - 1
    s.ctrl = pid[owner]  # person index of each enterprise's controller
    s.ctrl_firm = np.flatnonzero(new)  # person index -> a firm it controls
    n_ctrl = int(new.sum())
    # general managers / CFOs who are not the controller: fresh persons
    s.gm = rng.random(n) < 0.45
    gm_fresh = s.gm & (rng.random(n) < 0.4)
    s.cfo = rng.random(n) < 0.15
    n_fresh = int(gm_fresh.sum() + s.cfo.sum())
    s.gm_person = np.where(gm_fresh, n_ctrl + np.cumsum(gm_fresh) - 1, s.ctrl)
    s.cfo_person = n_ctrl + int(gm_fresh.sum()) + np.cumsum(s.cfo) - 1
    # local pool (supervisors, directors, small minority holders): each pool person
    # serves a run of neighbouring positions, i.e. firms of one or two clusters
    target = int(round(p.persons_per_enterprise * n))
    pool = max(target - n_ctrl - n_fresh, math.ceil(0.01 * n))
    s.local = n_ctrl + n_fresh + (np.arange(n) * pool) // n
    s.n_persons = n_ctrl + n_fresh + pool
    # institutions
    s.n_banks = p.banks
    s.n_micro = p.microloan_companies
    s.n_gc = (p.guarantee_companies if p.guarantee_companies is not None
              else int(np.clip(round(n / 5000), 1, 200)))
    s.inst0 = n + s.n_persons  # entity index of the first institution
    s.n_entities = s.inst0 + s.n_banks + s.n_micro + s.n_gc

