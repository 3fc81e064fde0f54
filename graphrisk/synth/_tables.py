"""The tables of the synthetic network.

Enterprises (names, unified social credit codes, balance sheets, status, tags) with
the loan and guarantee tables that need their ids, then persons, institutions,
shareholdings, positions and risk events.

Examples
--------
>>> from graphrisk.synth.generate import generate
>>> t = generate(300, seed=2)
>>> bool(t["shareholdings"].groupby("company_id")["share_pct"].sum().max() <= 100)
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graphrisk.domain.uscc import make_codes
from graphrisk.synth._structure import (
    State,
    dates,
    first_unique,
    labels,
    rounded,
    take,
    zipf_weights,
)
from graphrisk.synth.params import AS_OF, CLASSES
from graphrisk.synth.vocab import (
    BANKS,
    EVENT_TEXT,
    GIVEN,
    INDUSTRIES,
    REGIONS,
    SURNAMES,
    TRADE1,
    TRADE2,
    industry_shares,
)

__all__ = ["draw_enterprises", "event_table", "institution_table", "person_table",
           "position_table", "shareholding_table"]


def draw_enterprises(s: State, rng: np.random.Generator) -> None:
    """Names, regions, capital, financials, status, pd, credit lines, tags; ids.

    Parameters
    ----------
    s : State
        After the stages of :mod:`graphrisk.synth._credit`; sets the entity ids
        (``ids``, ``person_ids``, ``inst_ids``), ``e_status``, ``e_order`` and the
        ``enterprise_table``, ``loan_table`` and ``guarantee_table``.
    rng : numpy.random.Generator
        The stage's random stream.
    """
    n, p = s.n, s.p
    # region: the cluster's, sometimes another; ids carry the region's division code
    region = np.where(rng.random(n) < 0.9, s.c_region[s.cl],
                      rng.choice(len(REGIONS), size=n, p=zipf_weights(len(REGIONS), 0.9)))
    codes = np.empty(n, dtype=object)
    # one call per city (a few dozen), vectorised inside
    for r in np.flatnonzero(np.bincount(region)):
        at = np.flatnonzero(region == r)
        codes[at] = make_codes(at.size, rng, division=REGIONS[r][1]).astype(object)
    s.codes = codes
    industry = np.where(rng.random(n) < 0.5, s.c_industry[s.cl],
                        rng.choice(len(INDUSTRIES), size=n,
                                   p=industry_shares()))
    # name: region + trade name (shared within a group) + industry word + form
    t1 = rng.integers(0, len(TRADE1), n)
    t2 = rng.integers(0, len(TRADE2), n)
    grp = s.member
    t1[grp], t2[grp] = t1[s.root[grp]], t2[s.root[grp]]
    trade = take(list(TRADE1), t1) + take(list(TRADE2), t2)
    words = [w for _, _, ws in INDUSTRIES for w in ws]
    offsets = np.cumsum([0] + [len(ws) for _, _, ws in INDUSTRIES])
    nwords = np.diff(offsets)[industry]
    word = take(words, offsets[industry] + np.floor(rng.random(n) * nwords).astype(np.int64))
    form = np.where(rng.random(n) < 0.06, "股份有限公司", "有限公司").astype(object)
    is_root = grp & (s.level == 0)
    word = np.where(is_root & (rng.random(n) < 0.6), "集团", word)
    rname = take([c for c, _ in REGIONS], region)
    name = rname + trade + word + form
    # capital and balance sheet (万元)
    reg = np.maximum(np.round(np.exp(rng.normal(math.log(500), 1.0, n)) * np.sqrt(s.size_f), -1),
                     10.0) * np.where(is_root, 5, 1)
    paid = np.where(rng.random(n) < 0.85, rounded(reg * rng.uniform(0.2, 1.0, n), 2), np.nan)
    e_loans = s.l_borrower < n
    debt = np.bincount(s.l_borrower[e_loans], weights=s.l_balance[e_loans], minlength=n)
    liab = rounded(debt * rng.uniform(1.1, 2.0, n) + reg * rng.uniform(0.05, 0.5, n), 2)
    cls = s.e_class.copy()
    has_loans = np.bincount(s.l_borrower[e_loans], minlength=n) > 0
    # an enterprise's class is its worst loan's (or the latent one without loans)
    worst = np.zeros(n, dtype=np.int64)
    np.maximum.at(worst, s.l_borrower[e_loans], s.l_class[e_loans])
    cls = np.where(has_loans, worst, cls)
    quality = np.array([1.0, 0.7, 0.4, 0.2, 0.05])[cls]
    net = reg * np.exp(rng.normal(0.3, 0.6, n)) * quality
    neg = (cls == 4) & (rng.random(n) < 0.5)
    net[neg] = -liab[neg] * rng.uniform(0.0, 0.3, int(neg.sum()))
    ge = s.g_src < n
    given = np.bincount(s.g_src[ge], weights=s.g_amount[ge], minlength=n)
    weak = (given > 0) & (rng.random(n) < p.weak_guarantor_share)
    net[weak] = given[weak] * rng.uniform(0.1, 0.9, int(weak.sum()))
    net = rounded(net, 2)
    total = rounded(np.maximum(liab + net, 0.0), 2)
    status_names = np.array(["normal", "distressed", "defaulted"], dtype=object)
    st = np.where(cls == 4, 2, np.where((cls == 3) | ((cls == 2) & (rng.random(n) < 0.5)), 1, 0))
    ab = np.array([(1.2, 60.0), (2.0, 20.0), (3.0, 9.0), (4.0, 5.0), (6.0, 3.0)])
    pd_ = rounded(np.clip(rng.beta(ab[cls, 0], ab[cls, 1]), 1e-4, 0.9999), 4)
    pd_[rng.random(n) < 0.02] = np.nan
    line = np.where(debt > 0, rounded(debt * rng.uniform(1.0, 1.5, n), 2), np.nan)
    line[rng.random(n) < 0.05] = np.nan
    # tags
    ts = p.tag_share
    u = rng.random((7, n))
    ind_name = np.array([name_ for name_, _, _ in INDUSTRIES], dtype=object)[industry]
    tag_masks = (
        ("overcapacity", (ind_name == "制造业") & (u[0] < 0.06 * ts)),
        ("real_estate", (ind_name == "房地产业") & (u[1] < 0.8 * ts)),
        ("lgfv", (reg >= 2000) & (u[2] < 0.03 * ts)),
        ("key_project", u[3] < 0.01 * ts),
        ("agri_leader", (ind_name == "农、林、牧、渔业") & (u[4] < 0.1 * ts)),
        ("cross_region", is_root & (u[5] < 0.3 * ts)),
        ("private_lending", np.where(st > 0, u[6] < 0.3 * ts, u[6] < 0.003 * ts)),
    )
    tags = np.full(n, "", dtype=object)
    for tag, mask in tag_masks:
        tags = np.where(mask, np.where(tags == "", tag, tags + ";" + tag), tags)
    # (numpy's stubs reject None, a valid object scalar, as an argument of np.where)
    tags = np.where(tags == "", None, tags)  # type: ignore[call-overload]
    s.e_status = st
    s.e_cls = cls
    order = rng.permutation(n)
    s.e_order = order
    s.enterprise_table = pd.DataFrame({
        "id": codes[order], "name": name[order],
        "region": rname[order], "industry": ind_name[order],
        "registered_capital": reg[order], "paid_in_capital": paid[order],
        "net_assets": net[order], "total_assets": total[order],
        "total_liabilities": liab[order], "status": status_names[st][order],
        "pd": pd_[order], "credit_line": line[order], "tags": tags[order],
    })
    # entity ids in index space, now that enterprise codes exist
    s.person_ids = labels("P", s.n_persons, 7)
    s.inst_ids = np.concatenate([labels("B", s.n_banks, 3), labels("M", s.n_micro, 3),
                                 labels("GC", s.n_gc, 3)])
    s.ids = np.concatenate([codes, s.person_ids, s.inst_ids])
    s.region = region
    s.trade = trade
    # loans and guarantees tables (need entity ids)
    lo = s.loan_order
    s.loan_table = pd.DataFrame({
        "id": s.loan_ids[lo], "borrower_id": s.ids[s.l_borrower[lo]],
        "lender_id": s.ids[s.l_lender[lo]], "balance": s.l_balance[lo],
        "classification": np.array(CLASSES, dtype=object)[s.l_class[lo]],
        "start_date": dates(s.l_start[lo]),
        "maturity_date": dates(s.l_start[lo] - s.l_term[lo]),
        "overdue_days": s.l_overdue[lo], "overdue_count": s.l_ocount[lo],
        "extensions": s.l_ext[lo],
    })
    go = s.g_order
    c = s.g_cols
    s.guarantee_table = pd.DataFrame({
        "id": c["id"], "guarantor_id": s.ids[s.g_src[go]], "borrower_id": s.ids[s.g_dst[go]],
        "amount": c["amount"], "loan_id": c["loan_id"], "type": c["type"],
        "start_date": c["start_date"], "end_date": c["end_date"],
    })


def person_table(s: State, rng: np.random.Generator) -> pd.DataFrame:
    """Persons with drawn Chinese names.

    Parameters
    ----------
    s : State
        After :func:`draw_enterprises`.
    rng : numpy.random.Generator
        The stage's random stream.

    Returns
    -------
    DataFrame
        Columns ``id``, ``name``.
    """
    m = s.n_persons
    sur = take(list(SURNAMES), np.minimum(rng.zipf(1.3, m) - 1, len(SURNAMES) - 1))
    g1 = take(list(GIVEN), rng.integers(0, len(GIVEN), m))
    g2 = take(list(GIVEN), rng.integers(0, len(GIVEN), m))
    two = rng.random(m) < 0.7
    names = np.where(two, sur + g1 + g2, sur + g1)
    return pd.DataFrame({"id": s.person_ids, "name": names})


def institution_table(s: State, rng: np.random.Generator) -> pd.DataFrame:
    """Banks, microloan companies and guarantee companies (names need no draws).

    Parameters
    ----------
    s : State
        After :func:`draw_enterprises`.
    rng : numpy.random.Generator
        The stage's random stream.

    Returns
    -------
    DataFrame
        Columns ``id``, ``name``, ``type``.
    """
    cities = [c for c, _ in REGIONS]
    home = cities[0]
    banks = [f"{BANKS[i]}{home}分行" if i < len(BANKS) else f"{cities[i % len(cities)]}农村商业银行"
             if i < len(BANKS) + len(cities) else f"{cities[i % len(cities)]}村镇银行{i}"
             for i in range(s.n_banks)]
    micro = [f"{cities[i % len(cities)]}{TRADE1[i % len(TRADE1)]}{TRADE2[(i * 7) % len(TRADE2)]}"
             f"小额贷款有限公司" for i in range(s.n_micro)]
    gcs = [f"{cities[i % len(cities)]}{TRADE2[(i * 3) % len(TRADE2)]}"
           f"{TRADE1[(i * 5) % len(TRADE1)]}融资担保有限公司" for i in range(s.n_gc)]
    types = ["bank"] * s.n_banks + ["microloan"] * s.n_micro + ["guarantee_company"] * s.n_gc
    return pd.DataFrame({"id": s.inst_ids, "name": np.array(banks + micro + gcs, dtype=object),
                         "type": np.array(types, dtype=object)})


def shareholding_table(s: State, rng: np.random.Generator) -> pd.DataFrame:
    """Holders per company; the primary holder takes what the minorities leave.

    Parameters
    ----------
    s : State
        After :func:`draw_enterprises`.
    rng : numpy.random.Generator
        The stage's random stream.

    Returns
    -------
    DataFrame
        Columns ``holder_id``, ``company_id``, ``share_pct``, ``as_of``, in the
        order of the enterprise file.
    """
    n, p = s.n, s.p
    sub = s.member & (s.level > 0)
    # total recorded per company: 100, or less for ~8 % (unrecorded small holders)
    total = np.where(rng.random(n) < 0.92, 100.0, np.floor(rng.uniform(60, 100, n)))
    # primary: the parent company for subsidiaries, else the controller
    prim = np.where(sub, s.opar, n + s.ctrl)
    # minorities (holder, company, pct)
    u = rng.random(n)
    k = np.where(sub, (u < 0.25).astype(np.int64), (u < 0.15).astype(np.int64) + (u < 0.03))
    comp = np.repeat(np.arange(n), k)
    which = np.arange(comp.size) - np.repeat(np.cumsum(k) - k, k)
    local = n + s.local[comp]
    other = n + s.ctrl[comp]
    minority_holder = np.where(sub[comp] & (which == 0) & (s.ctrl[comp] != s.ctrl[s.root[comp]]),
                               other, local)
    # a second minority: the controller of another member of the same cluster
    sz = s.csize[comp]
    mate = s.start[s.cl[comp]] + (s.rank[comp] + 1 + np.floor(rng.random(comp.size) * np.maximum(
        sz - 1, 1)).astype(np.int64)) % sz
    minority_holder = np.where(which == 1, n + s.ctrl[mate], minority_holder)
    minority_pct = np.floor(rng.uniform(5, np.where(sub[comp], 30, 24)) * 100) / 100
    # cross-holdings: a subsidiary holds 3-15 % of its parent (or of the root)
    cross = np.flatnonzero(sub & (rng.random(n) < p.cross_holding_share))
    tgt = np.where(s.opar[cross] != s.root[cross], s.opar[cross], s.root[cross])
    tgt = np.where(rng.random(cross.size) < 0.5, s.root[cross], tgt)
    cross_pct = np.floor(rng.uniform(3, 15, cross.size) * 100) / 100
    hold = np.concatenate([minority_holder, cross])
    company = np.concatenate([comp, tgt])
    pct = np.concatenate([minority_pct, cross_pct])
    # drop duplicates and holders equal to the primary or the company itself
    bad = (hold == prim[company]) | (hold == company)
    hold, company, pct = hold[~bad], company[~bad], pct[~bad]
    first = first_unique(hold.astype(np.int64) * s.n_entities + company)
    hold, company, pct = hold[first], company[first], pct[first]
    # the minorities may take at most total - 30; scale down when they would take more
    mins = np.bincount(company, weights=pct, minlength=n)
    scale = np.where(mins > total - 30, (total - 30) / np.maximum(mins, 1e-9), 1.0)
    pct = np.maximum(np.floor(pct * scale[company] * 100) / 100, 0.01)
    mins = np.bincount(company, weights=pct, minlength=n)
    prim_pct = np.floor((total - mins) * 100 + 1e-6) / 100
    holder = np.concatenate([prim, hold])
    company = np.concatenate([np.arange(n), company])
    pct = np.concatenate([prim_pct, pct])
    order = np.lexsort((holder, company))  # rows grouped by company
    holder, company, pct = holder[order], company[order], rounded(pct[order], 2)
    # file order follows the enterprise file order
    rank = np.empty(n, dtype=np.int64)
    rank[s.e_order] = np.arange(n)
    o2 = np.argsort(rank[company], kind="stable")
    return pd.DataFrame({"holder_id": s.ids[holder[o2]], "company_id": s.ids[company[o2]],
                         "share_pct": pct[o2],
                         "as_of": np.full(o2.size, str(AS_OF), dtype=object)})


def position_table(s: State, rng: np.random.Generator) -> pd.DataFrame:
    """Draw the posts of persons in enterprises.

    Legal representatives, managers, CFOs, supervisors, chairmen, actual controllers
    and directors.

    Parameters
    ----------
    s : State
        After :func:`draw_enterprises`.
    rng : numpy.random.Generator
        The stage's random stream.

    Returns
    -------
    DataFrame
        Columns ``person_id``, ``company_id``, ``role``, in the order of the
        enterprise file.
    """
    n = s.n
    e = np.arange(n)
    grp = s.member
    root_ctrl = np.where(grp, s.ctrl[np.maximum(s.root, 0)], -1)
    parts = [
        (e, s.ctrl, "legal_representative"),
        (e[s.gm], s.gm_person[s.gm], "general_manager"),
        (e[s.cfo], s.cfo_person[s.cfo], "cfo"),
    ]
    sup = rng.random(n) < 0.6
    parts.append((e[sup], s.local[sup], "supervisor"))
    chair = grp | (rng.random(n) < 0.1)
    parts.append((e[chair], np.where(grp, root_ctrl, s.ctrl)[chair], "chairman"))
    ac = grp & (s.level > 0) & (s.ctrl != root_ctrl)
    parts.append((e[ac], root_ctrl[ac], "actual_controller"))
    director = grp & (s.level > 0) & (rng.random(n) < 0.5) & (s.ctrl == root_ctrl)
    parts.append((e[director], s.local[director], "director"))
    company = np.concatenate([c for c, _, _ in parts])
    person = np.concatenate([q for _, q, _ in parts])
    role = np.concatenate([np.full(c.size, r, dtype=object) for c, _, r in parts])
    rank = np.empty(n, dtype=np.int64)
    rank[s.e_order] = np.arange(n)
    o = np.argsort(rank[company], kind="stable")
    return pd.DataFrame({"person_id": s.person_ids[person[o]], "company_id": s.ids[company[o]],
                         "role": role[o]})


def event_table(s: State, rng: np.random.Generator) -> pd.DataFrame:
    """Draw the risk events.

    Credit events of defaulted and distressed firms, related-risk events of their
    guarantors, and a few minor events of performing firms.

    Parameters
    ----------
    s : State
        After :func:`draw_enterprises`.
    rng : numpy.random.Generator
        The stage's random stream.

    Returns
    -------
    DataFrame
        Columns ``enterprise_id``, ``date``, ``category``, ``severity``,
        ``description``, sorted by date.
    """
    n, p = s.n, s.p
    st = s.e_status
    u = rng.random(n)
    # defaulted: a credit event (and often a second); distressed: often one; others rarely
    first = (st == 2) | ((st == 1) & (u < 0.6)) | ((st == 0) & (u < p.event_share))
    second = (st == 2) & (rng.random(n) < 0.5)
    # guarantors of defaulted borrowers: a related-risk event now and then
    dflt = np.zeros(s.n_entities, bool)
    dflt[:n] = st == 2
    gg = s.g_src[(s.g_src < n) & dflt[s.g_dst]]
    rel = np.zeros(n, bool)
    rel[gg] = True
    rel &= rng.random(n) < 0.3
    ent = np.concatenate([np.flatnonzero(first), np.flatnonzero(second), np.flatnonzero(rel)])
    k1, k2, k3 = int(first.sum()), int(second.sum()), int(rel.sum())
    cats = np.array(list(EVENT_TEXT), dtype=object)  # credit, operating, related, public, other
    c1 = np.where(st[ent[:k1]] == 2, 0,
                  np.where(st[ent[:k1]] == 1, rng.choice(2, size=k1),
                           rng.choice(5, size=k1, p=[0.2, 0.3, 0.1, 0.3, 0.1])))
    c2 = rng.choice(np.array([1, 2]), size=k2)
    c3 = np.full(k3, 2)
    cat = np.concatenate([c1, c2, c3]).astype(np.int64)
    sev = np.concatenate([
        np.where(st[ent[:k1]] == 2, 4, np.where(st[ent[:k1]] == 1, rng.integers(2, 4, k1),
                                                 rng.integers(1, 3, k1))),
        np.full(k2, 3), np.full(k3, 3)]).astype(np.int64)
    texts = [EVENT_TEXT[c] for c in cats]
    lens = np.array([len(t) for t in texts])
    flat = [t for ts in texts for t in ts]
    offs = np.cumsum(np.concatenate([[0], lens[:-1]]))
    desc = take(flat, offs[cat] + np.floor(rng.random(cat.size) * lens[cat]).astype(np.int64))
    desc[k1 + k2:] = "被担保企业违约，承担代偿责任"
    date = dates(rng.integers(1, 365, cat.size))
    o = np.lexsort((ent, date.astype("U10")))
    return pd.DataFrame({"enterprise_id": s.ids[ent[o]], "date": date[o],
                         "category": cats[cat[o]], "severity": sev[o],
                         "description": desc[o]})

