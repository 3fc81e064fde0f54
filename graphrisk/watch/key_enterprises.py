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
``related``
    an *important* related party (SPEC §4) of a firm selected by the criteria above:
    related under one of ``KeyFirmParams.related_rules`` (default: equity,
    common_owner, management), with the equity and common-owner
    threshold raised to ``related_equity`` (50 %: control, 控股) — the relation that
    brought it in is in the figures.  One step only: a related party of a related
    party is not added;
``private_lending``
    heavy private borrowing or disputes: the tag ``private_lending`` 民间借贷, or a
    risk event whose description names it (``KeyFirmParams.dispute_keywords``:
    民间借贷, 非法集资, 诉讼, 纠纷 …).

*Credit* is ``credit_line`` (授信额度, on- and off-balance); when it is missing the
enterprise's loan balances stand in, and the figures say ``"credit_source":
"loans"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.io.dataset import Dataset
from graphrisk.network.graph import Network, analysis
from graphrisk.params import KeyFirmParams
from graphrisk.watch._facts import related_pairs as find_pairs

__all__ = ["CRITERIA", "KeyFirms", "credit_usage", "key_enterprises"]

#: criterion code → (Chinese label, English label)
CRITERIA: dict[str, tuple[str, str]] = {
    "key_sector": ("重点行业大额授信", "key sector with large credit"),
    "top_credit": ("前十大授信客户", "one of the largest credit users"),
    "large_credit": ("大额授信", "large credit"),
    "key_project": ("重点招商引资项目", "key investment project"),
    "agri_leader": ("农业产业化龙头企业", "leading agricultural enterprise"),
    "cross_region": ("跨区域集团", "cross-region group"),
    "related": ("重点企业的重要关联方", "important related party of a key enterprise"),
    "private_lending": ("民间借贷或涉诉纠纷", "private borrowing or disputes"),
}


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
        for p, c, f in zip(self.criteria["pos"], self.criteria["code"], self.criteria["figures"],
                           strict=True):
            out.setdefault(int(p), []).append({"code": c, "label_zh": CRITERIA[c][0],
                                               "label_en": CRITERIA[c][1], "figures": f})
        return out


@analysis()
def credit_usage(net: Network) -> pd.DataFrame:
    """Return the credit of each enterprise: ``credit_line``, else its loan balances.

    Returns
    -------
    DataFrame
        Index: enterprise id (table order).  Columns ``pos`` (entity index),
        ``credit_line`` (NaN when missing), ``loan_balance`` (sum of its loans),
        ``credit`` (万元) and ``credit_source`` (``credit_line`` or ``loans``).

    Examples
    --------
    >>> cu = credit_usage(net)  # no credit_line here: E3's two loans stand in
    >>> float(cu.loc["E3", "credit"]), cu.loc["E3", "credit_source"]
    (350.0, 'loans')
    >>> credit_usage(demo_net)["credit_source"].value_counts().to_dict()
    {'credit_line': 48, 'loans': 5}

    Notes
    -----
    O(enterprises + loans).
    """
    ds = net.dataset
    e = ds.tables["enterprises"]
    pos = net.positions(e["id"]) if len(e) else np.array([], dtype=np.int64)
    loans = net.borrowings()[pos]
    line = e["credit_line"].to_numpy(float)
    missing = np.isnan(line)
    return pd.DataFrame({"pos": pos, "credit_line": line, "loan_balance": loans,
                         "credit": np.where(missing, loans, line),
                         "credit_source": np.where(missing, "loans", "credit_line").astype(object)},
                        index=pd.Index(e["id"].to_numpy(object), name="id"))


def _has_tag(tags: pd.Series, tag: str) -> np.ndarray:
    if not len(tags):
        return np.zeros(0, dtype=bool)
    pattern = rf"(?:^|;){re.escape(tag)}(?:;|$)"
    return tags.fillna("").astype(str).str.contains(pattern, regex=True).to_numpy(bool)


@analysis(params=KeyFirmParams)
def key_enterprises(net: Network, *, params: KeyFirmParams | None = None,
                    related_pairs: pd.DataFrame | None = None) -> KeyFirms:
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

    Returns
    -------
    KeyFirms

    Examples
    --------
    >>> key_enterprises(demo_net).criteria["code"].value_counts().to_dict()
    {'related': 21, 'top_credit': 10, 'key_sector': 5, 'large_credit': 4, 'cross_region': 3,
     'private_lending': 2, 'agri_leader': 1, 'key_project': 1}

    Notes
    -----
    O(enterprises + loans + events) for the credit and tag criteria (vectorised);
    the related criterion costs what :mod:`graphrisk.ownership.related` costs for the pairs
    that touch the key firms.
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    e = ds.tables["enterprises"]
    credit = credit_usage(net)
    c = credit["credit"].to_numpy(float)
    src = credit["credit_source"].to_numpy(object)
    pos = credit["pos"].to_numpy(np.int64)
    ids = credit.index.to_numpy(object)
    tags = e["tags"] if len(e) else pd.Series([], dtype=object)
    rows: list[tuple[int, str, str, dict]] = []

    def add(mask: np.ndarray, code: str,
            extra: Callable[[int], dict[str, Any]] | None = None) -> None:
        for i in np.flatnonzero(mask):
            fig = {"credit": float(c[i]), "credit_source": src[i]}
            if extra is not None:
                fig.update(extra(int(i)))
            rows.append((int(pos[i]), ids[i], code, fig))

    sector = {t: _has_tag(tags, t) for t in params.sector_tags}
    in_sector = np.zeros(len(e), dtype=bool)
    for m in sector.values():
        in_sector |= m
    add(in_sector & (c >= params.sector_credit), "key_sector",
        lambda i: {"tags": [t for t, m in sector.items() if m[i]]})
    if params.top_n > 0 and len(e):
        order = np.lexsort((ids.astype(str), -c))
        top = order[:params.top_n]
        top = top[c[top] > 0]
        rank = np.empty(len(e), dtype=np.int64)
        rank[order] = np.arange(1, len(e) + 1)
        mtop = np.zeros(len(e), dtype=bool)
        mtop[top] = True
        add(mtop, "top_credit", lambda i: {"rank": int(rank[i])})
    add(c >= params.large_credit, "large_credit")
    for tag, limit in (("key_project", params.key_project_credit),
                       ("agri_leader", params.agri_leader_credit),
                       ("cross_region", params.cross_region_credit)):
        add(_has_tag(tags, tag) & (c >= limit), tag)
    notes: list[str] = []
    primary = sorted({r[0] for r in rows})
    if params.related and params.related_rules and primary:
        if related_pairs is None:
            related_pairs, more = find_pairs(net, primary, params)
            notes += more
        if related_pairs is not None:
            rows += _related_rows(related_pairs, primary, net)
    rows += _private_lending_rows(ds, net, params)
    frame = pd.DataFrame(rows, columns=["pos", "id", "code", "figures"])
    code_rank = {code: i for i, code in enumerate(CRITERIA)}
    frame = frame.assign(_o=frame["code"].map(code_rank)).sort_values(["id", "_o"], kind="stable")
    frame = frame.drop(columns="_o").reset_index(drop=True)
    frame["pos"] = frame["pos"].astype(np.int64)
    return KeyFirms(frame, credit, notes)


def _related_rows(pairs: pd.DataFrame, primary: list[int],
                  net: Network) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Return the ``related`` criterion rows: non-key enterprises related to a key one."""
    if not len(pairs):
        return []
    is_key = np.zeros(net.n, dtype=bool)
    is_key[primary] = True
    a, b = pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64)
    rules = list(pairs["rules"])
    found: dict[int, dict[str, set[str]]] = {}
    for x, y, r in zip(np.concatenate([a, b]), np.concatenate([b, a]), rules + rules,
                       strict=True):
        # x is brought in by its key partner y
        if is_key[y] and x != y and net.kind[x] == 0:
            f = found.setdefault(int(x), {})
            f.setdefault(net.ids[y], set()).update(r)
    out = []
    for x, partners in found.items():
        keys = sorted(partners)
        out.append((x, net.ids[x], "related",
                    {"key_firms": keys, "rules": [sorted(partners[k]) for k in keys]}))
    return out


def _private_lending_rows(ds: Dataset, net: Network,
                          params: KeyFirmParams) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Return the ``private_lending`` criterion rows: the tag, or a dispute event."""
    e, ev = ds.tables["enterprises"], ds.tables["events"]
    tagged = set(e["id"][_has_tag(e["tags"], "private_lending")]) if len(e) else set()
    events: dict[str, list[dict[str, str]]] = {}
    if len(ev) and params.dispute_keywords:
        pattern = "|".join(re.escape(k) for k in params.dispute_keywords)
        hit = ev["description"].fillna("").astype(str).str.contains(pattern, case=False,
                                                                    regex=True)
        for eid, date, desc in ev.loc[hit.to_numpy(bool), ["enterprise_id", "date",
                                                          "description"]].itertuples(index=False):
            events.setdefault(eid, []).append({"date": str(date), "description": desc})
    found = sorted(tagged | set(events))
    pos: np.ndarray | Sequence[int] = net.positions(found) if found else []
    return [(int(p), eid, "private_lending", {"tag": eid in tagged, "events": events.get(eid, [])})
            for p, eid in zip(pos, found, strict=True)]
