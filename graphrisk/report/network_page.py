"""The interactive network page: one self-contained, offline HTML file.

What is drawn
-------------
Nodes are the entities (enterprises, persons, institutions); edges are the
relationships between two entities, one edge per pair and kind: guarantees
(guarantor → borrower, amounts summed over contracts), shareholdings (holder →
company), posts (person → company, roles listed) and loans (borrower → lender,
balances summed; the ``BORROWED``/``LENT_BY`` pair of the property graph collapsed).

Positions are computed here (:mod:`graphrisk.report.layout`): each guarantee group
(担保群) with the entities attached to it is laid out alone and the groups are packed
on a grid, so the browser draws at once with physics off.  Above
``ReportParams.full_max_nodes`` entities the page opens on one node per guarantee
group (sized by members) and draws a group's members on click; above
``ReportParams.page_max_entities`` only the riskiest groups are embedded (the page
says how many entities were left out).

Safety: the data goes into a ``<script type="application/json">`` block read with
``JSON.parse``; the page script builds every text with ``textContent``; the library
and the page script are inlined; nothing is loaded from any URL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import (
    BORROWED,
    CLASSIFICATION,
    ENTERPRISE,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    INSTITUTION,
    PERSON,
    ROLE,
    WARNING_LEVELS,
)
from graphrisk.io.dataset import Dataset
from graphrisk.network.circles import circle_labels, guarantee_groups
from graphrisk.network.graph import Network, analysis
from graphrisk.params import ReportParams
from graphrisk.report.i18n import UI, enum_label, text
from graphrisk.report.layout import attach_units, pack_layout
from graphrisk.report.render import json_script, render, static_text, vis_network_js

__all__ = ["page_data", "network_page", "render_page", "RELS", "KINDS"]

#: relationship codes of the page, in the order of ``edges.rel``
RELS = (GUARANTEES, HOLDS_SHARES, HOLDS_POSITION, BORROWED)
#: node kind codes (as :data:`graphrisk.network.graph.KIND_CODES`)
KINDS = (ENTERPRISE, PERSON, INSTITUTION)
_CLS = tuple(CLASSIFICATION)
_ROLES = tuple(ROLE)
_LEVELS = tuple(WARNING_LEVELS)


@lru_cache(maxsize=512)
def _roles(mask: int, lang: str) -> str:
    """Labels of the roles in a bit mask (bit k: ``_ROLES[k]``)."""
    names = [r for k, r in enumerate(_ROLES) if mask >> k & 1]
    if lang == "zh":
        return "、".join(ROLE[r] for r in names)
    return ", ".join(r.replace("_", " ") for r in names)


def _pairs(src: np.ndarray, dst: np.ndarray, n: int, *weights: np.ndarray,
           how: str = "sum") -> tuple[list[np.ndarray], np.ndarray]:
    """Collapse parallel edges: unique (src, dst) pairs, their count and weights."""
    key = src.astype(np.int64) * n + dst.astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    out = [uniq // n, uniq % n, np.bincount(inv, minlength=len(uniq))]
    for w in weights:
        if how == "max":
            m = np.full(len(uniq), -np.inf)
            np.maximum.at(m, inv, w)
            out.append(m)
        else:
            out.append(np.bincount(inv, weights=w, minlength=len(uniq)))
    return out, inv


def _entity_columns(ds: Dataset, net: Network,
                    levels: dict[str, str] | None) -> dict[str, np.ndarray]:
    """Per-entity columns of the page: capital, status, loans, worst class, level."""
    n = net.n
    ent = ds.tables["enterprises"].set_index("id")
    capital = pd.Series(np.nan, index=net.index)
    capital.loc[ent.index] = ds.capital().to_numpy()
    status = pd.Series("", index=net.index, dtype=object)
    status.loc[ent.index] = ent["status"].to_numpy(dtype=object)
    worst = net.worst_classification()
    lvl = np.full(n, -1, dtype=np.int64)
    if levels:
        s = pd.Series(levels, dtype=object)
        pos = net.index.get_indexer(s.index)
        code = pd.Categorical(s.where(s.isin(_LEVELS)).to_numpy(), categories=_LEVELS).codes
        ok = pos >= 0
        lvl[pos[ok]] = code[ok]
    return {
        "capital": capital.to_numpy(dtype=float), "status": status.to_numpy(dtype=object),
        "loans": net.borrowings(), "cls": worst, "level": lvl,
        "gout": np.bincount(net.g_src, weights=net.g_amount, minlength=n),
        "gin": np.bincount(net.g_dst, weights=net.g_amount, minlength=n),
    }


def _edges(ds: Dataset, net: Network, lang: str) -> dict[str, np.ndarray]:
    """All page edges (one per pair and kind) with amount, count and detail text."""
    n = net.n
    parts = []
    (s, d, c, amt), inv = _pairs(net.g_src, net.g_dst, n, net.g_amount)
    first = np.zeros(len(s), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(inv))[::-1]          # first contract of each pair
    det = [gid if k == 1 else f"{gid} +{k - 1}"
           for gid, k in zip(net.g_id[first].tolist(), c.tolist(), strict=True)]
    parts.append((s, d, 0, amt, c, np.array(det, dtype=object)))
    (s, d, c, pct), _ = _pairs(net.h_src, net.h_dst, n, net.h_pct, how="max")
    parts.append((s, d, 1, pct, c, np.array([f"{p:g}%" for p in pct.tolist()], dtype=object)))
    pos = ds.tables["positions"]
    if len(pos):
        ps = net.index.get_indexer(pos["person_id"].to_numpy(dtype=object))
        pc = net.index.get_indexer(pos["company_id"].to_numpy(dtype=object))
        codes = pd.Categorical(pos["role"], categories=_ROLES).codes.astype(np.int64)
        (s, d, c), inv = _pairs(ps, pc, n)
        mask = np.zeros(len(s), dtype=np.int64)
        np.bitwise_or.at(mask, inv, np.left_shift(1, np.maximum(codes, 0)))
        parts.append((s, d, 2, np.zeros(len(s)), c,
                      np.array([_roles(m, lang) for m in mask.tolist()], dtype=object)))
    (s, d, c, bal), _ = _pairs(net.l_borrower, net.l_lender, n, net.l_balance)
    parts.append((s, d, 3, bal, c, np.array([""] * len(s), dtype=object)))
    return {
        "from": np.concatenate([p[0] for p in parts]).astype(np.int64),
        "to": np.concatenate([p[1] for p in parts]).astype(np.int64),
        "rel": np.concatenate([np.full(len(p[0]), p[2]) for p in parts]).astype(np.int64),
        "amount": np.concatenate([p[3] for p in parts]).astype(float),
        "count": np.concatenate([p[4] for p in parts]).astype(np.int64),
        "detail": np.concatenate([p[5] for p in parts]),
    }


def _budget(unit: np.ndarray, group: np.ndarray, kind: np.ndarray, limit: int,
            tier: np.ndarray | None = None) -> np.ndarray:
    """Entities kept under the page budget: whole units in rank order, institutions always.

    Units are taken by their best *tier* (0: a member is in one of the top circles, 1: a
    member has a red or orange warning, 2: the rest), then by the rank of their group
    (riskiest first), larger first; each unit that still fits in *limit* entities is
    taken.  O(units) after the sort.
    """
    n = len(unit)
    if n <= limit:
        return np.ones(n, dtype=bool)
    sizes = np.bincount(unit)
    # units holding a guarantee group come first, in group rank (riskiest first)
    rank = np.full(len(sizes), np.iinfo(np.int64).max, dtype=np.int64)
    g = group >= 0
    np.minimum.at(rank, unit[g], group[g])
    best = np.full(len(sizes), 2, dtype=np.int64)
    if tier is not None:
        np.minimum.at(best, unit, tier)
    order = np.lexsort((np.arange(len(sizes)), -sizes, rank, best))
    room = limit - int((kind == 2).sum())
    keep = np.zeros(len(sizes), dtype=bool)
    smallest = np.minimum.accumulate(sizes[order][::-1])[::-1]  # of the units still to come
    for k, (u, size) in enumerate(zip(order.tolist(), sizes[order].tolist(), strict=True)):
        if smallest[k] > room:
            break
        if size <= room:  # a unit too large for what is left is passed over, not the rest
            keep[u] = True
            room -= size
    return keep[unit] | (kind == 2)


@analysis(params=ReportParams)
def page_data(net: Network, *, levels: dict[str, str] | None = None,
              params: ReportParams | None = None, title: str = "",
              top_circles: int | None = None) -> dict[str, Any]:
    """Return the JSON document embedded in the network page.

    Parameters
    ----------
    net : Network or Dataset
    levels : dict of str to str, optional
        Warning level (``blue`` … ``red``) per entity id, from the early-warning analysis.
    params : ReportParams, optional
    title : str
    top_circles : int, optional
        Above ``params.page_max_entities`` the groups of the first ``top_circles``
        circles (risk order) are drawn first, then those holding a red or orange
        warning, then the riskiest groups.

    Returns
    -------
    dict
        ``nodes`` and ``edges`` as columns (lists of equal length; edges refer to
        nodes by position), ``groups`` (guarantee groups: id, size, position),
        ``circles`` (id, member positions), ``mode`` (``full`` or ``groups``),
        ``omitted`` counts, ``labels`` and ``enums`` (the interface words).

    Examples
    --------
    >>> d = page_data(demo_net)
    >>> d["mode"], len(d["nodes"]["id"]), d["omitted"]
    ('full', 89, {'entities': 0, 'groups': 0, 'circles': 0})

    Notes
    -----
    O(n + m) numpy work plus the layout (see :func:`~graphrisk.report.layout.pack_layout`).
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    p = params
    lang = p.lang
    n = net.n
    group, circle = guarantee_groups(net), circle_labels(net)
    cols = _entity_columns(ds, net, levels)
    e = _edges(ds, net, lang)
    other = e["rel"] != 0
    other &= ~((e["rel"] == 3) & (net.kind[e["to"]] == 2))  # bank loans do not bind a unit
    unit = attach_units(n, group, e["from"][other], e["to"][other])
    tier = np.full(n, 2, dtype=np.int64)
    tier[(cols["level"] >= _LEVELS.index("orange"))] = 1
    if top_circles:
        tier[(circle >= 0) & (circle < top_circles)] = 0
    keep = _budget(unit, group, net.kind, p.page_max_entities, tier)
    lending_only = np.zeros(n, dtype=bool)
    if n:
        touched = np.zeros(n, dtype=bool)
        np.logical_or.at(touched, e["from"][other | (e["rel"] == 0)], True)
        np.logical_or.at(touched, e["to"][other | (e["rel"] == 0)], True)
        lending_only = (net.kind == 2) & ~touched

    sel = np.flatnonzero(keep)
    new = np.full(n, -1, dtype=np.int64)
    new[sel] = np.arange(len(sel))
    ek = keep[e["from"]] & keep[e["to"]]
    src, dst = new[e["from"][ek]], new[e["to"][ek]]
    _, u_dense = np.unique(unit[sel], return_inverse=True)
    lay = other[ek] | (e["rel"][ek] == 0)  # loans to banks would pull every unit together
    x, y, centre = pack_layout(len(sel), u_dense, src[lay], dst[lay],
                               top_row=lending_only[sel], seed=p.seed)
    full = len(sel) <= p.full_max_nodes

    g_sel = group[sel]
    gl = np.flatnonzero(g_sel >= 0)
    present, first = np.unique(g_sel[gl], return_index=True)
    gsize = np.bincount(g_sel[gl]) if len(gl) else np.zeros(0, dtype=np.int64)
    usize = np.bincount(u_dense) if len(sel) else np.zeros(0, dtype=np.int64)
    k = len(gsize)
    g_loans = np.bincount(g_sel[gl], weights=cols["loans"][sel][gl], minlength=k)
    npl = np.bincount(net.l_borrower, weights=net.l_balance * net.l_npl, minlength=n)
    g_npl = np.bincount(g_sel[gl], weights=npl[sel][gl], minlength=k)
    c_sel0 = circle[sel]
    g_circ = np.zeros(k, dtype=np.int64)
    if (c_sel0 >= 0).any():
        pairs = np.unique(np.c_[g_sel[c_sel0 >= 0], c_sel0[c_sel0 >= 0]], axis=0)
        g_circ = np.bincount(pairs[:, 0], minlength=k)
    # display ids as graphrisk.network.metrics.label_ids: C001 …, wider past 999
    gw = max(3, len(str(int(group.max()) + 1 if n else 0)))
    cw = max(3, len(str(int(circle.max()) + 1 if n else 0)))
    groups = []
    for g, node in zip(present.tolist(), gl[first].tolist(), strict=True):
        u = int(u_dense[node])
        groups.append({"id": f"GRP{g + 1:0{gw}d}", "size": int(gsize[g]), "unit": u,
                       "unit_size": int(usize[u]), "x": round(float(centre[u, 0]), 1),
                       "y": round(float(centre[u, 1]), 1), "r": round(float(centre[u, 2]), 1),
                       "loans": round(float(g_loans[g]), 2), "npl": round(float(g_npl[g]), 2),
                       "circles": int(g_circ[g])})
    c_sel = circle[sel]
    circles = [{"id": f"C{c + 1:0{cw}d}", "members": np.flatnonzero(c_sel == c).tolist()}
               for c in np.unique(c_sel[c_sel >= 0]).tolist()]
    names = ds.names().reindex(net.ids[sel]).fillna("").to_numpy(dtype=object)

    def col(a: Any, digits: int = 2) -> list[Any]:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            return [None if v != v else v for v in np.round(a.astype(float), digits).tolist()]
        return a.tolist()

    dropped_groups = len(np.unique(group[(~keep) & (group >= 0)]))
    dropped_circles = len(np.unique(circle[(~keep) & (circle >= 0)]))
    return {
        "title": title, "lang": lang, "mode": "full" if full else "groups",
        "nodes": {"id": net.ids[sel].tolist(), "name": names.tolist(),
                  "kind": net.kind[sel].astype(int).tolist(),
                  "x": col(x, 1), "y": col(y, 1), "unit": u_dense.tolist(),
                  "group": g_sel.tolist(), "circle": c_sel.tolist(),
                  "capital": col(cols["capital"][sel]), "loans": col(cols["loans"][sel]),
                  "cls": cols["cls"][sel].tolist(), "status": cols["status"][sel].tolist(),
                  "level": cols["level"][sel].tolist(),
                  "gout": col(cols["gout"][sel]), "gin": col(cols["gin"][sel])},
        "edges": {"from": src.tolist(), "to": dst.tolist(), "rel": e["rel"][ek].tolist(),
                  "amount": col(e["amount"][ek]), "count": e["count"][ek].tolist(),
                  "detail": e["detail"][ek].tolist()},
        "groups": groups, "circles": circles, "has_levels": bool(levels),
        "id_width": {"group": gw, "circle": cw},
        "omitted": {"entities": int(n - len(sel)), "groups": int(dropped_groups),
                    "circles": int(dropped_circles)},
        "labels": {k: text(k, lang) for k in UI},
        "enums": {
            "kind": [enum_label("kind", k, lang) for k in KINDS],
            "rel": [enum_label("rel", r if r != BORROWED else "LOAN", lang) for r in RELS],
            "cls": [enum_label("classification", c, lang) for c in _CLS],
            "level": [enum_label("level", v, lang) for v in _LEVELS],
            "status": {k: enum_label("status", k, lang) for k in ("normal", "distressed",
                                                                  "defaulted")},
        },
    }


@analysis(params=ReportParams)
def network_page(net: Network, *, levels: dict[str, str] | None = None,
                 params: ReportParams | None = None, title: str = "",
                 top_circles: int | None = None) -> str:
    """Return the interactive network page as one self-contained HTML string.

    See :func:`page_data` for the parameters.  The page works from a copied file with
    no network at all: vis-network, the page script and the style are inlined and no
    URL is referenced.

    Examples
    --------
    >>> html = network_page(net)
    >>> html[:15], 'src="http' in html, 'href="http' in html  # no URL is loaded
    ('<!DOCTYPE html>', False, False)
    """
    assert params is not None  # filled in by @analysis
    return render_page(page_data(net, levels=levels, params=params, title=title,
                                 top_circles=top_circles), params)


def render_page(data: dict[str, Any], params: ReportParams) -> str:
    """Return the page for a :func:`page_data` document (see :func:`network_page`)."""
    p, title = params, data["title"]
    vis_js, vis_css = vis_network_js()
    return render("network.html.j2", lang=p.lang, title=title or text("page_title", p.lang),
                  data=json_script(data, "graph-data"), vis_js=vis_js, vis_css=vis_css,
                  page_js=static_text("network.js"), page_css=static_text("network.css"),
                  t=lambda k, **f: text(k, p.lang, **f))
