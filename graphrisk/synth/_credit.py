"""Guarantees and loans of the synthetic network.

Who guarantees whom, the loans and their classes, and the guarantee contracts
(amounts, types, dates).

These stages run after those of :mod:`graphrisk.synth._structure`, on the same
:class:`~graphrisk.synth._structure.State`.

Examples
--------
>>> from graphrisk.synth._structure import (State, draw_clusters, draw_groups,
...                                         draw_persons, draw_tree, streams)
>>> from graphrisk.synth.params import GeneratorParams
>>> rs = streams(7, 7)
>>> s = State(1000, GeneratorParams())
>>> for stage, rng in zip((draw_clusters, draw_groups, draw_tree, draw_persons,
...                        draw_guarantee_links, draw_loans, draw_guarantee_records), rs):
...     stage(s, rng)
>>> bool((s.g_src != s.g_dst).all()), s.g_amount.size == s.g_src.size
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from graphrisk.synth._structure import (
    State,
    contains,
    dates,
    labels,
    pick,
    rounded,
    unique_sorted,
    zipf_weights,
)

__all__ = ["draw_guarantee_links", "draw_guarantee_records", "draw_loans"]


def draw_guarantee_links(s: State, rng: np.random.Generator) -> None:
    """Draw who guarantees whom (entity indices), before loans and amounts.

    Tree edges, mutual pairs, triangles, circles, person, guarantee-company and joint
    guarantees.

    Parameters
    ----------
    s : State
        After the structure stages; sets ``g_src``, ``g_dst``, ``g_kind`` and
        ``pl_firm`` (the firms of the person borrowers).
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    child = np.flatnonzero(s.tpar >= 0)
    tree_g, tree_b = s.tpar[child], child
    n_target = p.guarantees_per_enterprise * n
    # mutual pairs: mirror random tree edges
    # (mostly between firms that already guarantee someone: peers, not leaves), and no
    # firm in two pairs, so that pairs do not chain up into large circles
    n_pairs = min(child.size, int(round(p.reciprocal_share * n_target / 2 * 0.97)))
    tree_out = np.bincount(tree_g, minlength=n)
    w = np.where(tree_out[tree_b] > 0, 1.0, 0.15)
    draw = min(child.size, int(n_pairs * 1.6) + 8)
    mi = (rng.choice(child.size, size=draw, replace=False, p=w / w.sum()) if n_pairs
          else np.empty(0, int))
    first = np.full(n, draw, dtype=np.int64)
    np.minimum.at(first, tree_g[mi], np.arange(mi.size))
    np.minimum.at(first, tree_b[mi], np.arange(mi.size))
    alone = (first[tree_g[mi]] == np.arange(mi.size)) & (first[tree_b[mi]] == np.arange(mi.size))
    mi = mi[alone][:n_pairs]
    mut_g, mut_b = tree_b[mi], tree_g[mi]
    # triangles: c -> grandparent(c)
    n_tri = math.ceil(p.triangles_per_10k * n / 1e4)
    cand = np.flatnonzero(s.depth >= 2)
    tri_c = rng.choice(cand, size=min(n_tri, cand.size), replace=False) if cand.size else cand
    tri_g, tri_b = tri_c, s.tpar[s.tpar[tri_c]]
    # larger circles: c -> its ancestor L-1 levels up (closes a tree path of L members)
    n_circ = math.ceil(p.circles_per_10k * n / 1e4)
    lo, hi = p.circle_size
    length = rng.integers(lo, hi + 1, n_circ)
    by_depth = np.argsort(-s.depth, kind="stable")
    n_ge = np.searchsorted(-s.depth[by_depth], -(length - 1), "right")  # depth >= L-1
    ok = n_ge > 0
    length, n_ge = length[ok], n_ge[ok]
    circ_c = by_depth[pick(np.zeros_like(n_ge), n_ge, rng)] if n_ge.size else n_ge
    anc = circ_c.copy()
    for step in range(hi - 1):
        go = step < length - 1
        anc[go] = s.tpar[anc[go]]
    circ_g, circ_b = circ_c, anc
    # person and guarantee-company guarantees
    pg = np.flatnonzero(rng.random(n) < p.person_guarantee_share)
    per_g, per_b = n + s.ctrl[pg], pg
    # (one borrower per small cluster, so that guarantee companies do not chain clusters)
    n_gcg = math.ceil(p.guarantee_company_share * n) if s.n_gc else 0
    small = np.flatnonzero(s.sizes <= 3)
    if small.size < n_gcg:
        small = np.arange(s.sizes.size)
    gc_c = rng.choice(small, size=min(n_gcg, small.size), replace=False)
    gc_b = s.start[gc_c] + np.floor(rng.random(gc_c.size) * s.sizes[gc_c]).astype(np.int64)
    gc_g = s.inst0 + s.n_banks + s.n_micro + rng.choice(s.n_gc, size=gc_b.size,
                                                         p=zipf_weights(s.n_gc, 0.3))
    # person borrowers (their loans come later): the controlled firm guarantees
    n_ploans = int(round(p.person_loan_share * p.loans_per_enterprise * n))
    s.pl_firm = rng.choice(s.ctrl_firm, size=n_ploans) if n_ploans else np.empty(0, int)
    pbg = s.pl_firm[rng.random(n_ploans) < p.person_borrower_guarantee_share]
    ee_g = np.concatenate([tree_g, mut_g, tri_g, circ_g])
    ee_b = np.concatenate([tree_b, mut_b, tri_b, circ_b])
    # joint (extra) guarantees top the total up to the target.  The extra guarantor is
    # the tree guarantor of a random earlier member: preferential attachment (chosen in
    # proportion to out-degree) that still points down the ranking.
    need = (n_target - pg.size - gc_b.size - pbg.size) / (1 + p.duplicate_share)
    cand = np.flatnonzero(s.rank >= 2)
    for _ in range(4):
        key = unique_sorted(ee_g * n + ee_b)
        n_extra = int(round(need)) - key.size
        if n_extra <= 0 or cand.size == 0:
            break
        ex_b = cand[rng.integers(0, cand.size, int(n_extra * 1.1) + 1)]
        m = s.start[s.cl[ex_b]] + 1 + np.floor(rng.random(ex_b.size) * (s.rank[ex_b] - 1)
                                               ).astype(np.int64)
        ex_g = s.tpar[m]
        fresh = ~contains(key, ex_g * n + ex_b)
        ex_g, ex_b = ex_g[fresh][:n_extra], ex_b[fresh][:n_extra]
        ee_g = np.concatenate([ee_g, ex_g])
        ee_b = np.concatenate([ee_b, ex_b])
    if s.c_dense.any():  # circle-heavy clusters: no hierarchy, extra random edges
        dense = s.c_dense[s.cl[ee_b]]
        flip = dense & (rng.random(ee_g.size) < 0.5)
        ee_g[flip], ee_b[flip] = ee_b[flip], ee_g[flip].copy()
        members = np.flatnonzero(s.c_dense[s.cl])
        k = int(round(p.dense_extra_degree * members.size))
        x = members[rng.integers(0, members.size, k)]
        off = 1 + np.floor(rng.random(k) * (s.csize[x] - 1)).astype(np.int64)
        y = s.start[s.cl[x]] + (s.rank[x] + off) % s.csize[x]
        ee_g = np.concatenate([ee_g, x])
        ee_b = np.concatenate([ee_b, y])
    keep = ee_g != ee_b
    key = unique_sorted(ee_g[keep] * n + ee_b[keep])
    ee_g, ee_b = key // n, key % n
    # a second contract on some enterprise links
    nd = int(round(p.duplicate_share * ee_g.size))
    di = rng.choice(ee_g.size, size=nd, replace=False) if nd else np.empty(0, int)
    s.g_src = np.concatenate([ee_g, ee_g[di], per_g, gc_g, pbg])
    s.g_dst = np.concatenate([ee_b, ee_b[di], per_b, gc_b, n + s.ctrl[pbg]])
    s.g_kind = np.concatenate([np.zeros(ee_g.size, np.int8), np.ones(nd, np.int8),
                               np.full(pg.size, 2, np.int8), np.full(gc_b.size, 3, np.int8),
                               np.full(pbg.size, 4, np.int8)])
    # kind: 0 enterprise link, 1 duplicate contract, 2 person, 3 guarantee company,
    # 4 enterprise for its controller's personal loan


def draw_loans(s: State, rng: np.random.Generator) -> None:
    """Draw the loans.

    Borrowers (every borrower of a guarantee has one), classes from the latent credit
    quality, balances, lenders, terms, overdue days and extensions.

    Parameters
    ----------
    s : State
        After :func:`draw_guarantee_links`; sets ``e_class``, ``size_f`` and the
        ``l_*`` loan arrays, ``loan_order`` and ``loan_ids``.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    indeg = np.bincount(s.g_dst[s.g_dst < n], minlength=n)
    has_in = indeg > 0
    lam = 0.12
    target = p.loans_per_enterprise * n - s.pl_firm.size
    f_in = has_in.mean()
    p0 = float(np.clip((target / n - lam - f_in) / max(1e-9, 1 - f_in), 0, 1))
    count = (has_in | (rng.random(n) < p0)).astype(np.int64) + rng.poisson(lam, n)
    e_borrower = np.repeat(np.arange(n), count)
    borrower = np.concatenate([e_borrower, n + s.ctrl[s.pl_firm]])
    order = np.argsort(borrower, kind="stable")
    borrower = borrower[order]
    m = borrower.size
    # credit quality: latent normal with a cluster factor, cut by the mix
    rho = p.cluster_correlation
    z = rho * s.c_shock[s.cl] + math.sqrt(1 - rho * rho) * rng.standard_normal(n)
    cuts = ndtri(np.clip(np.cumsum(p.classification_mix)[:-1], 1e-12, 1 - 1e-12))
    s.e_class = np.searchsorted(cuts, z, side="right").astype(np.int64)
    z_person = rng.standard_normal(s.n_persons)
    p_class = np.searchsorted(cuts, z_person, side="right")
    is_e = borrower < n
    cls = np.where(is_e, s.e_class[np.minimum(borrower, n - 1)],
                   p_class[np.clip(borrower - n, 0, None)])
    first = np.ones(m, bool)
    first[1:] = borrower[1:] != borrower[:-1]
    better = ~first & (rng.random(m) < 0.25)
    cls = np.where(better, np.maximum(cls - 1, 0), cls)
    # size factor per enterprise
    s.size_f = np.exp(rng.normal(0, 0.7, n)) * np.where(s.member & (s.level == 0), 3.0, 1.0)
    bal = np.where(is_e, np.exp(rng.normal(math.log(300), 1.0, m)) * s.size_f[
        np.minimum(borrower, n - 1)], np.exp(rng.normal(math.log(50), 0.7, m)))
    bal = np.maximum(rounded(bal, 2), 1.0)
    # lenders: Zipf banks, microloan companies, inter-company (same cluster)
    u = rng.random(m)
    lender = s.inst0 + rng.choice(s.n_banks, size=m, p=zipf_weights(s.n_banks, p.lender_zipf))
    if s.n_micro:
        micro = u < p.microloan_share
        lender[micro] = s.inst0 + s.n_banks + rng.choice(
            s.n_micro, size=int(micro.sum()), p=zipf_weights(s.n_micro, p.lender_zipf))
    inter = is_e & (u >= p.microloan_share) & (u < p.microloan_share + p.intercompany_loan_share)
    if n >= 2 and inter.any():
        b = borrower[inter]
        size = s.csize[b]
        off = np.where(size > 1, 1 + np.floor(rng.random(b.size) * (size - 1)), 1).astype(np.int64)
        other = np.where(size > 1, s.start[s.cl[b]] + (s.rank[b] + off) % np.maximum(size, 1),
                         (b + 1 + rng.integers(0, 50, b.size)) % n)
        other = np.where(other == b, (b + 1) % n, other)
        lender[inter] = other
    # terms, overdue, extensions
    start = rng.integers(30, 1460, m)  # days before AS_OF
    term = rng.choice(np.array([365, 730, 1095]), size=m, p=[0.6, 0.25, 0.15])
    lo = np.array([0, 1, 91, 181, 361])[cls]
    hi = np.array([0, 90, 180, 360, 1080])[cls]
    overdue = np.where(hi > 0, lo + np.floor(rng.random(m) * (hi - lo + 1)), 0).astype(np.int64)
    minor = (cls == 0) & (rng.random(m) < 0.02)
    overdue[minor] = rng.integers(1, 30, int(minor.sum()))
    ocount = np.where(overdue > 0, np.maximum(np.minimum(overdue // 30, 12), 1), 0)
    ocount = np.where(cls >= 2, np.maximum(ocount, 2), ocount).astype(np.int64)
    ext = np.where(cls >= 1, rng.poisson(0.8, m), (rng.random(m) < 0.02).astype(np.int64))
    s.l_borrower, s.l_balance, s.l_class, s.l_lender = borrower, bal, cls, lender
    s.l_start, s.l_term = start, term
    s.loan_order = rng.permutation(m)  # file order
    s.loan_ids = np.empty(m, dtype=object)
    s.loan_ids[s.loan_order] = labels("L", m, 8)
    s.l_overdue, s.l_ocount, s.l_ext = overdue, ocount, ext


def draw_guarantee_records(s: State, rng: np.random.Generator) -> None:
    """Loans, amounts, types and dates of the guarantee contracts.

    Parameters
    ----------
    s : State
        After :func:`draw_loans`; sets ``g_amount``, ``g_order`` and ``g_cols`` (the
        columns of the guarantee table that need no entity id).
    rng : numpy.random.Generator
        The stage's random stream.
    """
    p = s.p
    g, b, kind = s.g_src, s.g_dst, s.g_kind
    k = g.size
    lo = np.searchsorted(s.l_borrower, b, "left")
    hi = np.searchsorted(s.l_borrower, b, "right")
    has = hi > lo
    share = np.where(kind == 3, 1.0, p.loan_id_share)
    with_loan = has & (rng.random(k) < share)
    loan = np.full(k, -1, dtype=np.int64)
    loan[with_loan] = pick(lo[with_loan], (hi - lo)[with_loan], rng)
    # amount: the loan balance (often in full), or a share of what the borrower owes
    debt = np.bincount(s.l_borrower, weights=s.l_balance, minlength=s.n_entities)
    full = rng.random(k) < 0.6
    frac = np.where(full, 1.0, rng.uniform(0.3, 1.0, k))
    base = np.where(with_loan, s.l_balance[np.maximum(loan, 0)], debt[b] * rng.uniform(0.2, 1.0, k))
    base = np.where(base > 0, base, np.exp(rng.normal(math.log(200), 1.0, k)))
    amount = rounded(np.maximum(base * frac, 1.0), 2)
    amount[rng.random(k) < p.zero_amount_share] = 0.0
    types = np.array(["joint_several", "general", "collateral", "pledge"], dtype=object)
    t = rng.choice(4, size=k, p=[0.75, 0.08, 0.12, 0.05])
    t[(kind == 2) | (kind == 3)] = 0
    gtype = types[t]
    # dates: the loan's, else a random contract period
    days = rng.integers(30, 1460, k)
    start = np.where(with_loan, s.l_start[np.maximum(loan, 0)], days)
    term = np.where(with_loan, s.l_term[np.maximum(loan, 0)],
                    rng.choice(np.array([365, 730, 1095]), size=k))
    end = dates(start - term)
    start = dates(start)
    s.g_amount = amount
    order = rng.permutation(k)
    ids = labels("G", k, 8)
    s.g_order = order
    # (numpy's stubs reject None, a valid object scalar, as an argument of np.where)
    named = s.loan_ids[np.maximum(loan, 0)]
    loan_id = np.where(loan >= 0, named, None)  # type: ignore[call-overload]
    s.g_cols = dict(id=ids, amount=amount[order], loan_id=loan_id[order], type=gtype[order],
                     start_date=start[order], end_date=end[order])

