"""Key enterprises (重点企业): who goes on the watchlist, and why (SPEC §8).

An enterprise is *key* when it meets at least one criterion; each criterion has a
code, Chinese and English labels (:data:`CRITERIA`) and the figures behind it.
Thresholds are fields of :class:`~graphrisk.params.KeyFirmParams` (万元):

``key_sector``
    credit >= 3,000 in a key sector (tags ``overcapacity`` 产能过剩, ``real_estate``
    房地产, ``lgfv`` 地方政府融资平台);
``top_credit``
    one of the 10 largest credit users (ranked by credit, ties by id);
``large_credit``
    credit >= 5,000;
``key_project`` / ``agri_leader`` / ``cross_region``
    the tag with credit >= 2,000 / 1,000 / 2,000;
``tax_livelihood``
    the tag ``KeyFirmParams.livelihood_tag`` (``tax_livelihood``, 对当地税收、民生等具有
    重要影响力), whatever the credit;
``related``
    an *important* related party (重要关联) of a firm selected by the criteria above,
    by the four tests of the text (``KeyFirmParams.related_rules``): ``equity`` (a
    holding >= 25 % either way), ``common_owner`` (a third party with >= 25 % of
    both), ``lending`` (loans between them >= 50 % of either's capital) and
    ``guarantee`` (guarantees >= 10 % of the other's borrowings); ``management`` is
    an option.  The relation that brought it in is in the figures.  One step only: a
    related party of a related party is not added;
``mutual_guarantee``
    a member of a guarantee circle (担保圈, a strongly connected component of >= 2) —
    a mutual pair (互保) is the smallest — (涉及互联互保; ``KeyFirmParams.circle_members``);
``private_lending``
    heavy private borrowing or disputes about it: the tag ``private_lending`` 民间借贷,
    or a risk event whose description names private debt
    (``KeyFirmParams.dispute_keywords``: 民间借贷, 高利贷, 非法集资 …) — a lawsuit or a
    dispute (诉讼, 纠纷) about anything else does not count.

*Credit* is what the text calls 用信额度(含表内外), the credit *used* on and off
balance: the enterprise's loan balances plus the guarantees it gave (the exposure of
:func:`graphrisk.network.metrics.entity_exposure`), ``"credit_source": "used"``.
``KeyFirmParams(credit_basis="line")`` uses the ``credit_line`` (授信额度) instead;
an enterprise without one then falls back on its credit used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import RELATED_RULES
from graphrisk.io.dataset import Dataset
from graphrisk.network.circles import mutual_pairs
from graphrisk.network.committees import id_rank, table_positions
from graphrisk.network.cycles import network_cache
from graphrisk.network.graph import Network, analysis
from graphrisk.network.metrics import entity_exposure
from graphrisk.params import KeyFirmParams
from graphrisk.watch._facts import circle_facts
from graphrisk.watch._facts import related_pairs as find_pairs

__all__ = ["CRITERIA", "CREDIT_SOURCES", "KeyFirms", "credit_usage", "key_enterprises",
           "primary_firms"]

#: criterion code → (Chinese label, English label), in the order of SPEC §8
CRITERIA: dict[str, tuple[str, str]] = {
    "key_sector": ("重点行业大额用信", "key sector with large credit"),
    "top_credit": ("前十大用信客户", "one of the largest credit users"),
    "large_credit": ("大额用信", "large credit"),
    "key_project": ("重点招商引资项目", "key investment project"),
    "agri_leader": ("农业产业化龙头企业", "leading agricultural enterprise"),
    "cross_region": ("跨区域集团", "cross-region group"),
    "tax_livelihood": ("对当地税收、民生等具有重要影响力", "important to local taxes or livelihoods"),
    "related": ("重点企业的重要关联方", "important related party of a key enterprise"),
    "mutual_guarantee": ("涉及互联互保", "in a guarantee circle or mutual pair"),
    "private_lending": ("涉及民间借贷", "private borrowing or disputes about it"),
}
#: ``credit_source`` code → (Chinese label, English label): what the credit figure is
CREDIT_SOURCES: dict[str, tuple[str, str]] = {
    "used": ("用信(贷款+对外担保)", "credit used (loans + guarantees given)"),
    "credit_line": ("授信额度", "credit line"),
}

_Row = tuple[int, str, str, dict[str, Any]]


@dataclass
class KeyFirms:
    """Result of :func:`key_enterprises`.

    Attributes
    ----------
    criteria : DataFrame
        One row per (enterprise, criterion met): ``pos`` (entity index), ``id``,
        ``code`` and ``figures`` (a JSON-able dict).
    credit : DataFrame
        :func:`credit_usage` of every enterprise.
    notes : list of str
        E.g. that related parties could not be evaluated.
    """

    criteria: pd.DataFrame
    credit: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """Return the ids of the key enterprises, sorted."""
        return sorted(set(self.criteria["id"]))

    def mask(self, n: int) -> np.ndarray:
        """Return a boolean array over the ``n`` entities of the network: key or not."""
        m = np.zeros(n, dtype=bool)
        m[self.criteria["pos"].to_numpy(np.int64)] = True
        return m

    def by_position(self) -> dict[int, list[dict[str, Any]]]:
        """Return entity index → its criteria as ``{"code", "label_zh", "label_en", "figures"}``."""
        out: dict[int, list[dict[str, Any]]] = {}
        for p, c, f in zip(self.criteria["pos"].tolist(), self.criteria["code"].tolist(),
                           self.criteria["figures"].tolist(), strict=True):
            out.setdefault(p, []).append({"code": c, "label_zh": CRITERIA[c][0],
                                               "label_en": CRITERIA[c][1], "figures": f})
        return out


@analysis(params=KeyFirmParams)
def credit_usage(net: Network, *, params: KeyFirmParams | None = None) -> pd.DataFrame:
    """Return the credit of each enterprise: its credit used, or its ``credit_line``.

    The credit *used* (用信, on and off balance — SPEC §8) is the enterprise's loan
    balances plus the guarantees it gave.  With ``params.credit_basis == "line"`` the
    ``credit_line`` (授信额度) is the credit, and the credit used stands in where it is
    missing.

    Parameters
    ----------
    net : Network or Dataset
    params : KeyFirmParams, optional
        Only ``credit_basis`` is read.

    Returns
    -------
    DataFrame
        Index: enterprise id (table order).  Columns ``pos`` (entity index),
        ``credit_line`` (NaN when missing), ``loan_balance`` (sum of its loans),
        ``guarantees_given`` (sum of the guarantees it gave), ``used`` (the two
        together), ``credit`` (万元) and ``credit_source`` (``used`` or
        ``credit_line``, see :data:`CREDIT_SOURCES`).

    Examples
    --------
    >>> cu = credit_usage(net)  # E3: two loans 300 + 50, and it guarantees E2 for 100
    >>> [float(cu.loc["E3", c]) for c in ("loan_balance", "guarantees_given", "credit")]
    [350.0, 100.0, 450.0]
    >>> cu.loc["E3", "credit_source"]
    'used'
    >>> line = credit_usage(demo_net, params=KeyFirmParams(credit_basis="line"))
    >>> line["credit_source"].value_counts().to_dict()
    {'credit_line': 48, 'used': 5}

    Notes
    -----
    O(enterprises + loans + guarantees).
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    e = ds.tables["enterprises"]
    pos = table_positions(net, "enterprises")
    loans = net.borrowings()[pos]
    used = entity_exposure(net)[pos]
    line = e["credit_line"].to_numpy(float)
    by_line = np.zeros(len(e), dtype=bool)
    if params.credit_basis == "line":
        by_line = ~np.isnan(line)
    return pd.DataFrame({"pos": pos, "credit_line": line, "loan_balance": loans,
                         "guarantees_given": used - loans, "used": used,
                         "credit": np.where(by_line, line, used),
                         "credit_source": np.where(by_line, "credit_line", "used").astype(object)},
                        index=pd.Index(e["id"].to_numpy(object), name="id"))


def _has_tag(net: Network, tag: str) -> np.ndarray:
    """Tell which enterprises (table order) carry *tag* in their ``;``-separated tags.

    The tags column is factorised once per network and each distinct text tested once
    (a million firms share a few hundred).
    """
    if not len(net.dataset.tables["enterprises"]):
        return np.zeros(0, dtype=bool)
    codes, uniques = network_cache(net, "tag_codes", lambda: pd.factorize(
        net.dataset.tables["enterprises"]["tags"].fillna("").astype(str), sort=False))
    pattern = re.compile(rf"(?:^|;){re.escape(tag)}(?:;|$)")
    hit = np.array([bool(pattern.search(u)) for u in uniques] + [False], dtype=bool)
    return hit[codes]


@analysis(params=KeyFirmParams)
def primary_firms(net: Network, *, params: KeyFirmParams | None = None) -> np.ndarray:
    """Return the entity indices (ascending) of the firms selected by credit and tags.

    They are the firms whose important related parties the ``related`` criterion
    adds (``key_sector`` … ``tax_livelihood``).

    >>> len(primary_firms(demo_net)), len(primary_firms(net))
    (13, 4)
    """
    assert params is not None  # filled in by @analysis
    credit = credit_usage(net, params=params)
    pos = credit["pos"].to_numpy(np.int64)
    chosen = np.zeros(len(pos), dtype=bool)
    for mask, _code, _extra in _credit_masks(net, credit, params):
        chosen |= mask
    return np.sort(pos[chosen])


@analysis(params=KeyFirmParams)
def key_enterprises(net: Network, *, params: KeyFirmParams | None = None,
                    related_pairs: pd.DataFrame | None = None,
                    related_notes: Sequence[str] = ()) -> KeyFirms:
    """Select the key enterprises of SPEC §8 with the criteria each meets.

    Parameters
    ----------
    net : Network or Dataset
    params : KeyFirmParams, optional
    related_pairs : DataFrame, optional
        Important related pairs around the key firms: columns ``a``, ``b`` (entity
        indices) and ``rules`` (list of codes).  When None they are computed with
        :func:`graphrisk.watch._facts.related_pairs` (``graphrisk.ownership.related``); when that is
        not available, the ``related`` criterion is skipped with a note.
    related_notes : list of str
        The notes that came with ``related_pairs`` (kept in :attr:`KeyFirms.notes`).

    Returns
    -------
    KeyFirms

    Examples
    --------
    >>> key_enterprises(demo_net).criteria["code"].value_counts().sort_index().to_dict()
    {'agri_leader': 1, 'cross_region': 3, 'key_project': 1, 'key_sector': 4,
     'large_credit': 4, 'mutual_guarantee': 10, 'private_lending': 1, 'related': 27,
     'tax_livelihood': 1, 'top_credit': 10}
    >>> len(key_enterprises(demo_net).ids)  # at 2026-03-31: the circle of 饮料 has ended
    33

    Notes
    -----
    O(enterprises + loans + guarantees + events) for the credit, tag, circle and
    private-lending criteria (vectorised); the related criterion costs what
    :mod:`graphrisk.ownership.related` costs for the pairs that touch the key firms.
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    credit = credit_usage(net, params=params)
    rows = _credit_rows(net, credit, params)
    notes: list[str] = []
    primary = sorted({r[0] for r in rows})
    if params.related and params.related_rules and primary:
        if related_pairs is None:
            related_pairs, more = find_pairs(net, primary, params)
            notes += more
        else:
            notes += list(related_notes)
        if related_pairs is not None:
            rows += _related_rows(related_pairs, primary, net)
    if params.circle_members:
        rows += _circle_rows(net)
    rows += _private_lending_rows(ds, net, params)
    frame = pd.DataFrame(rows, columns=["pos", "id", "code", "figures"])
    code_rank = {code: i for i, code in enumerate(CRITERIA)}
    frame = frame.assign(_o=frame["code"].map(code_rank)).sort_values(["id", "_o"], kind="stable")
    frame = frame.drop(columns="_o").reset_index(drop=True)
    frame["pos"] = frame["pos"].astype(np.int64)
    return KeyFirms(frame, credit, notes)


def _credit_masks(net: Network, credit: pd.DataFrame, params: KeyFirmParams
                  ) -> list[tuple[np.ndarray, str, Callable[[int], dict[str, Any]] | None]]:
    """Return the credit and tag criteria (``key_sector`` … ``tax_livelihood``) as masks.

    One ``(mask over the enterprises, code, figures beyond the credit)`` per criterion,
    in the order of :data:`CRITERIA`.
    """
    e = net.dataset.tables["enterprises"]
    c = credit["credit"].to_numpy(float)
    ids = credit.index.to_numpy(object)
    out: list[tuple[np.ndarray, str, Callable[[int], dict[str, Any]] | None]] = []
    sector = {t: _has_tag(net, t) for t in params.sector_tags}
    in_sector = np.zeros(len(e), dtype=bool)
    for m in sector.values():
        in_sector |= m
    out.append((in_sector & (c >= params.sector_credit), "key_sector",
                lambda i: {"tags": [t for t, m in sector.items() if m[i]]}))
    if params.top_n > 0 and len(e):
        order = np.lexsort((ids.astype(str), -c))
        top = order[:params.top_n]
        top = top[c[top] > 0]
        rank = np.empty(len(e), dtype=np.int64)
        rank[order] = np.arange(1, len(e) + 1)
        mtop = np.zeros(len(e), dtype=bool)
        mtop[top] = True
        out.append((mtop, "top_credit", lambda i: {"rank": int(rank[i])}))
    out.append((c >= params.large_credit, "large_credit", None))
    for tag, limit in (("key_project", params.key_project_credit),
                       ("agri_leader", params.agri_leader_credit),
                       ("cross_region", params.cross_region_credit)):
        out.append((_has_tag(net, tag) & (c >= limit), tag, None))
    if params.livelihood_tag:
        out.append((_has_tag(net, params.livelihood_tag), "tax_livelihood", None))
    return out


def _credit_rows(net: Network, credit: pd.DataFrame, params: KeyFirmParams) -> list[_Row]:
    """Return the rows of the credit and tag criteria (``key_sector`` … ``tax_livelihood``)."""
    c = credit["credit"].to_numpy(float)
    src = credit["credit_source"].to_numpy(object)
    pos = credit["pos"].to_numpy(np.int64)
    ids = credit.index.to_numpy(object)
    rows: list[_Row] = []
    for mask, code, extra in _credit_masks(net, credit, params):
        for i in np.flatnonzero(mask).tolist():
            fig = {"credit": float(c[i]), "credit_source": src[i]}
            if extra is not None:
                fig.update(extra(i))
            rows.append((int(pos[i]), ids[i], code, fig))
    return rows


def _related_rows(pairs: pd.DataFrame, primary: list[int], net: Network) -> list[_Row]:
    """Return the ``related`` criterion rows: enterprises related to a key one.

    Vectorised over the pairs (both directions); the Python work is one record per
    enterprise brought in.
    """
    if not len(pairs):
        return []
    is_key = np.zeros(net.n, dtype=bool)
    is_key[primary] = True
    a, b = pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64)
    code_bit = {code: 1 << i for i, code in enumerate(RELATED_RULES)}
    cache: dict[tuple[str, ...], int] = {}
    bits = np.array([cache[t] if (t := tuple(r)) in cache else
                     cache.setdefault(t, sum(code_bit[c] for c in set(t)))
                     for r in pairs["rules"]], dtype=np.int64)
    x, y, m = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([bits, bits])
    # x is brought in by its key partner y
    keep = is_key[y] & (x != y) & (net.kind[x] == 0)
    x, y, m = x[keep], y[keep], m[keep]
    if not len(x):
        return []
    key = x * net.n + id_rank(net)[y]   # partners in id order
    order = np.argsort(key, kind="stable")
    key, y, m = key[order], y[order], m[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    m = np.bitwise_or.reduceat(m, first)
    x, y = key[first] // net.n, y[first]
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = np.r_[starts[1:], len(x)].tolist()
    masks, inverse = np.unique(m, return_inverse=True)
    names = sorted(RELATED_RULES)  # each partner's rules, sorted by code
    table = [[c for c in names if mask & code_bit[c]] for mask in masks.tolist()]
    partner_ids = net.ids[y].tolist()
    rules = [table[i][:] for i in inverse.tolist()]
    xs = x[starts]
    return [(xi, xid, "related", {"key_firms": partner_ids[s:e], "rules": rules[s:e]})
            for xi, xid, s, e in zip(xs.tolist(), net.ids[xs].tolist(), starts.tolist(), ends,
                                     strict=True)]


def _circle_rows(net: Network) -> list[_Row]:
    """Return the ``mutual_guarantee`` rows: enterprises in a guarantee circle (涉及互联互保).

    The figures: the circle id (``C001`` … as in ``graphrisk circles``), its number of
    members, and the partners the enterprise guarantees mutually (互保, a 2-cycle).
    """
    labels, circle_ids = circle_facts(net)
    inside = np.flatnonzero((labels >= 0) & (net.kind == 0))
    if not len(inside):
        return []
    size = np.bincount(labels[labels >= 0])
    pairs = mutual_pairs(net)
    partners: dict[int, set[str]] = {}
    for x, y in zip(np.r_[pairs[:, 0], pairs[:, 1]].tolist(),
                    np.r_[pairs[:, 1], pairs[:, 0]].tolist(), strict=True):
        partners.setdefault(x, set()).add(net.ids[y])
    return [(int(x), net.ids[x], "mutual_guarantee",
             {"circle": circle_ids[labels[x]], "members": int(size[labels[x]]),
              "mutual": sorted(partners.get(int(x), ()))})
            for x in inside.tolist()]


def _private_lending_rows(ds: Dataset, net: Network, params: KeyFirmParams) -> list[_Row]:
    """Return the ``private_lending`` rows: the tag, or an event about private debt.

    An event counts when its description names private borrowing
    (``params.dispute_keywords``, case-insensitive); a dispute or a lawsuit about
    anything else does not.
    """
    e, ev = ds.tables["enterprises"], ds.tables["events"]
    tagged = set(e["id"][_has_tag(net, "private_lending")]) if len(e) else set()
    events: dict[str, list[dict[str, str]]] = {}
    if len(ev) and params.dispute_keywords:
        pattern = "|".join(re.escape(k) for k in params.dispute_keywords)
        hit = ev["description"].fillna("").astype(str).str.contains(pattern, case=False,
                                                                    regex=True).to_numpy(bool)
        # a person's event (SPEC §1: events may name a person) makes no key enterprise
        hit = hit & ev["enterprise_id"].isin(e["id"]).to_numpy(bool)
        for eid, date, desc in ev.loc[hit, ["enterprise_id", "date",
                                            "description"]].itertuples(index=False):
            events.setdefault(eid, []).append({"date": str(date), "description": desc})
    found = sorted(tagged | set(events))
    pos = net.positions(found) if found else np.zeros(0, dtype=np.int64)
    return [(int(p), eid, "private_lending", {"tag": eid in tagged, "events": events.get(eid, [])})
            for p, eid in zip(pos, found, strict=True)]
