"""Risk signals (风险信号) of SPEC §8, per enterprise, from the data and the network.

A *signal* is one adverse fact about an enterprise, with the figure behind it:

* **own signals** — its ``status`` (违约 / 困难), its loans by five-tier
  classification (关注 / 次级 / 可疑 / 损失), overdue days, overdue payments,
  extensions and 借新还旧, its balance sheet (资不抵债, a high 资产负债率), its
  lenders (多头授信), its risk events (``events.csv``) by category, with the
  highest severity, and the events of its key persons (a person id in
  ``events.csv``: 主要股东、高管失联、外逃、被采取强制措施);
* **network signals** — guarantee calls on it (担保代偿), its fall in the contagion
  cascade seeded by the defaulted firms (传染违约), defaulted or troubled guarantors,
  borrowers (whom it guarantees or lends to) and related parties (SPEC §4), and
  membership of a guarantee circle (担保圈), with or without a troubled member.

An entity's *condition* drives the network signals: ``defaulted`` when its status
is 违约; ``troubled`` when its status is 困难 or it owes a non-performing loan
(次级/可疑/损失); ``normal`` otherwise.  Persons and institutions have no status,
so only their non-performing loans can make them troubled.

The signals are rows of a :class:`pandas.DataFrame` (see :data:`SIGNAL_COLUMNS`):
``pos`` (entity index in the :class:`~graphrisk.network.graph.Network`), ``code`` (a key of
:data:`SIGNALS`), ``value`` (the figure the warning rules compare), ``count`` (loans,
events or counterparties behind it) and ``detail`` (a small JSON-able dict: loan ids,
counterparty ids, the worst event).  :mod:`graphrisk.watch.levels` turns them into levels.

Every function here is vectorised over the tables (numpy / pandas group-bys): the
cost is O(rows · log rows) for sorting plus a small Python step per signal *row*
(building ``detail``), so 1M enterprises take seconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from graphrisk.domain.glossary import EVENT_CATEGORY, INSTITUTION, PERSON
from graphrisk.io.dataset import Dataset
from graphrisk.network.committees import id_positions, table_positions
from graphrisk.network.graph import KIND_CODES, Network, analysis
from graphrisk.ownership.holdings import holding_closure
from graphrisk.params import WarningParams

__all__ = ["SIGNALS", "SIGNAL_COLUMNS", "NetworkFacts", "condition", "own_signals",
           "network_signals", "key_person_links", "KEY_PERSON_ROLES", "CONDITION_NORMAL",
           "CONDITION_TROUBLED", "CONDITION_DEFAULTED"]

#: code → (Chinese label, English label, "own" or "network", unit of ``value``)
SIGNALS: dict[str, tuple[str, str, str, str]] = {
    "status_defaulted": ("企业状态：违约", "status: defaulted", "own", ""),
    "status_distressed": ("企业状态：困难", "status: distressed", "own", ""),
    "loan_loss": ("损失类贷款", "loss-classified loans", "own", "万元"),
    "loan_doubtful": ("可疑类贷款", "doubtful loans", "own", "万元"),
    "loan_substandard": ("次级类贷款", "substandard loans", "own", "万元"),
    "loan_special_mention": ("关注类贷款", "special-mention loans", "own", "万元"),
    "overdue_days": ("贷款逾期", "overdue loan", "own", "天"),
    "overdue_count": ("多次逾期", "overdue payments", "own", "次"),
    "extensions": ("展期/借新还旧", "extensions / refinancing", "own", "次"),
    "negative_equity": ("资不抵债", "negative equity", "own", "万元"),
    "high_leverage": ("资产负债率过高", "high debt ratio", "own", "%"),
    "many_lenders": ("多头授信", "many lenders", "own", "家"),
    **{f"event_{c}": (f"{zh}事件", f"{c.replace('_', ' ')} risk event", "own", "级")
       for c, zh in EVENT_CATEGORY.items()},
    "related_person_event": ("关键人员风险事件", "risk event of a key person", "own", "级"),
    "guarantee_calls": ("担保代偿", "guarantee calls", "network", "万元"),
    "cascade_default": ("传染违约", "falls in the contagion cascade", "network", "轮"),
    "guarantor_defaulted": ("担保人违约", "guarantor defaulted", "network", "万元"),
    "guarantor_troubled": ("担保人困难或有不良", "guarantor troubled", "network", "万元"),
    "borrower_defaulted": ("被担保人/借款人违约", "guaranteed or borrowing firm defaulted",
                           "network", "万元"),
    "borrower_troubled": ("被担保人/借款人困难或有不良", "guaranteed or borrowing firm troubled",
                          "network", "万元"),
    "related_defaulted": ("关联方违约", "related party defaulted", "network", "家"),
    "related_troubled": ("关联方困难或有不良", "related party troubled", "network", "家"),
    "circle_member": ("担保圈成员", "guarantee-circle member", "network", "家"),
    "circle_npl": ("担保圈内有违约或不良成员", "circle has a defaulted or troubled member",
                   "network", "家"),
}
SIGNAL_COLUMNS = ("pos", "code", "value", "count", "detail")
CONDITION_NORMAL, CONDITION_TROUBLED, CONDITION_DEFAULTED = 0, 1, 2
#: ids listed in a signal's ``detail`` at most
DETAIL_LIMIT = 10
#: the posts that make a person a *key person* of an enterprise (SPEC §8 "events of its
#: key persons"; issue 14: actual controller, chairman, general manager, legal
#: representative, CFO); a holder of >= ``WarningParams.related.equity_threshold`` is one too
KEY_PERSON_ROLES = ("actual_controller", "chairman", "general_manager",
                    "legal_representative", "cfo")
_PERSON, _INSTITUTION = KIND_CODES[PERSON], KIND_CODES[INSTITUTION]


@dataclass
class NetworkFacts:
    """What the network analyses found, as arrays over the entities of a Network.

    Any part may be None when its analysis is not available; the signals that need
    it are then left out (and ``notes`` says why).

    Attributes
    ----------
    circle : ndarray of int or None
        Guarantee-circle label of each entity (-1: in no circle).
    circle_ids : list of str
        Display id of each circle label (``"C001"`` …).
    cascade_round : ndarray of int or None
        Round in which each entity fell in the cascade seeded by the defaulted firms
        (0: a seed, -1: did not fall).
    calls : ndarray of float or None
        Guarantee calls on each entity (万元), from the cascade or the fallback.
    calls_source : str
        ``"cascade"`` or ``"npl_guarantees"`` (the fallback: guarantees on
        non-performing loans and on defaulted borrowers, capped at the amounts).
    related : DataFrame or None
        Related pairs that involve a troubled or defaulted enterprise: ``a``, ``b``
        (entity indices) and ``rules`` (list of rule codes).
    notes : list of str
    """

    circle: np.ndarray | None = None
    circle_ids: list[str] = field(default_factory=list)
    cascade_round: np.ndarray | None = None
    calls: np.ndarray | None = None
    calls_source: str = ""
    related: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"pos": pd.Series([], dtype=np.int64), "code": pd.Series([], dtype=object),
                         "value": pd.Series([], dtype=float),
                         "count": pd.Series([], dtype=np.int64),
                         "detail": pd.Series([], dtype=object)})


def _frame(pos: ArrayLike, code: str, value: ArrayLike, count: ArrayLike,
           detail: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Return signal rows of one *code* (columns :data:`SIGNAL_COLUMNS`)."""
    pos = np.asarray(pos, dtype=np.int64)
    return pd.DataFrame({"pos": pos, "code": np.full(len(pos), code, dtype=object),
                         "value": np.asarray(value, dtype=float),
                         "count": np.asarray(count, dtype=np.int64),
                         "detail": pd.Series(list(detail), dtype=object, index=range(len(pos)))})


def _split_lists(pos_sorted: np.ndarray, values: np.ndarray, limit: int = DETAIL_LIMIT,
                 ) -> tuple[np.ndarray, list[list[Any]]]:
    """Split rows sorted by ``pos`` into lists, one per distinct position.

    Returns (distinct positions, first ``limit`` values of each as Python lists).
    O(m) with numpy; no pandas group objects (those cost ~0.1 ms a group).
    """
    if len(pos_sorted) == 0:
        return np.zeros(0, dtype=np.int64), []
    starts = np.concatenate([[0], np.flatnonzero(np.diff(pos_sorted)) + 1])
    rank = np.arange(len(pos_sorted)) - np.repeat(starts, np.diff(np.append(starts,
                                                                            len(pos_sorted))))
    keep = rank < limit
    kept_pos, kept = pos_sorted[keep], np.asarray(values, dtype=object)[keep].tolist()
    kstarts = np.concatenate([[0], np.flatnonzero(np.diff(kept_pos)) + 1]).tolist()
    kends = kstarts[1:] + [len(kept)]
    return pos_sorted[starts], [kept[a:b] for a, b in zip(kstarts, kends, strict=True)]


def _grouped_ids(pos: np.ndarray, ids: np.ndarray, weight: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[list[Any]]]:
    """Per distinct ``pos``: summed weight, distinct id count, top ids by weight.

    O(m log m) for m rows; returns (positions, totals, counts, list of id lists).
    """
    if len(pos) == 0:
        return np.array([], dtype=np.int64), np.array([]), np.array([], dtype=np.int64), []
    f = pd.DataFrame({"pos": np.asarray(pos, dtype=np.int64), "id": ids, "w": weight})
    per = f.groupby(["pos", "id"], sort=False)["w"].sum().reset_index()
    p, i, w = (per["pos"].to_numpy(np.int64), per["id"].to_numpy(object),
               per["w"].to_numpy(float))
    order = np.lexsort((i.astype(str), -w, p))
    p, i, w = p[order], i[order], w[order]
    upos, lists = _split_lists(p, i)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(p)) + 1])
    totals = np.add.reduceat(w, starts)
    counts = np.diff(np.append(starts, len(p)))
    return upos, totals, counts.astype(np.int64), lists


@analysis()
def condition(net: Network) -> np.ndarray:
    """Return the condition of every entity: 2 defaulted, 1 troubled, 0 normal.

    See the module notes.  O(enterprises + loans).

    Examples
    --------
    >>> condition(net)  # E2 distressed (and a substandard loan), E3 defaulted
    array([0, 1, 2, 0, 0, 0, 0, 0], dtype=int8)
    """
    ds = net.dataset
    cond = np.zeros(net.n, dtype=np.int8)
    e = ds.tables["enterprises"]
    if len(e):
        p = table_positions(net, "enterprises")
        cond[p[(e["status"] == "distressed").to_numpy()]] = CONDITION_TROUBLED
    cond[net.l_borrower[net.l_npl]] = np.maximum(cond[net.l_borrower[net.l_npl]],
                                                 CONDITION_TROUBLED)
    if len(e):
        cond[p[(e["status"] == "defaulted").to_numpy()]] = CONDITION_DEFAULTED
    return cond


@analysis(params=WarningParams)
def own_signals(net: Network, *, params: WarningParams | None = None) -> pd.DataFrame:
    """Find the signals of the enterprise's own status, loans, balance sheet and events.

    Parameters
    ----------
    net : Network or Dataset
        Gives the tables and the entity indices.
    params : WarningParams, optional
        ``leverage_yellow`` and ``lenders_yellow`` decide whether ``high_leverage`` and
        ``many_lenders`` are found, ``missing_severity`` fills a missing event
        severity, ``related`` (its ``equity_threshold`` and ownership mode) finds the
        holders behind a person event; the other thresholds are applied by
        :mod:`graphrisk.watch.levels`.

    Returns
    -------
    DataFrame
        One row per (enterprise, signal code) with columns :data:`SIGNAL_COLUMNS`:

        ``status_*``
            value 1.
        ``loan_<class>``
            value: balance in that class, count: loans.
        ``overdue_days``
            value: the largest overdue days of its loans.
        ``overdue_count``, ``extensions``
            summed over its loans.
        ``negative_equity`` (资不抵债)
            ``net_assets`` < 0, or ``total_liabilities`` > ``total_assets``; value: the
            deficit (万元, the larger of the two readings); detail: the three figures
            given.
        ``high_leverage`` (资产负债率)
            ``total_liabilities / total_assets`` above ``leverage_yellow``; value: the
            ratio in percent; detail: the two figures.
        ``many_lenders`` (多头授信)
            at least ``lenders_yellow`` distinct lending *institutions* on its loans
            (inter-company loans are not 授信); value and count: the lenders; detail
            ``ids``, largest balance first.
        ``event_<category>``
            value: the highest severity, count: events; detail: date and description
            of the worst, latest event.
        ``related_person_event``
            events of its key persons (see :func:`key_person_links`); value: the
            highest severity, count: events; detail: the worst, latest event (``person``,
            ``roles``, ``date``, ``category``, ``description``, ``severity``) and
            ``persons`` [{``id``, ``roles``, ``share_pct``}].

        Only enterprises get signals (loans of persons are skipped).

    Examples
    --------
    >>> own_signals(net)[["pos", "code", "value"]].head(3).values.tolist()
    [[2, 'status_defaulted', 1.0], [1, 'status_distressed', 1.0], [2, 'loan_loss', 300.0]]

    Notes
    -----
    O((loans + events) log(loans + events)) plus, for person events, the holdings
    of the persons concerned (:func:`graphrisk.ownership.holdings.holding_closure`).
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    parts = [_status_signals(ds, net), _loan_signals(ds, net),
             _balance_sheet_signals(ds, net, params), _lender_signals(net, params),
             _event_signals(ds, net, params), _person_event_signals(ds, net, params)]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _status_signals(ds: Dataset, net: Network) -> pd.DataFrame:
    e = ds.tables["enterprises"]
    out = []
    for status in ("defaulted", "distressed"):
        m = (e["status"] == status).to_numpy()
        if m.any():
            pos = table_positions(net, "enterprises")[m]
            out.append(_frame(pos, f"status_{status}", np.ones(len(pos)), np.ones(len(pos)),
                              ({"status": status} for _ in pos)))
    return pd.concat(out, ignore_index=True) if out else _empty()


def _loan_signals(ds: Dataset, net: Network) -> pd.DataFrame:
    lo = ds.tables["loans"]
    if not len(lo):
        return _empty()
    ent = net.kind[net.l_borrower] == 0
    f = pd.DataFrame({"pos": net.l_borrower[ent], "id": lo["id"].to_numpy(object)[ent],
                      "cls": lo["classification"].to_numpy(object)[ent],
                      "balance": net.l_balance[ent],
                      "days": lo["overdue_days"].fillna(0).to_numpy(np.int64)[ent],
                      "times": lo["overdue_count"].fillna(0).to_numpy(np.int64)[ent],
                      "ext": lo["extensions"].fillna(0).to_numpy(np.int64)[ent]})
    out = []
    for cls in ("loss", "doubtful", "substandard", "special_mention"):
        g = f[f["cls"] == cls]
        if len(g):
            pos, tot, cnt, ids = _grouped_ids(g["pos"].to_numpy(), g["id"].to_numpy(object),
                                              g["balance"].to_numpy())
            out.append(_frame(pos, f"loan_{cls}", tot, cnt, ({"loans": i} for i in ids)))
    g = f[f["days"] > 0].sort_values(["pos", "days", "id"], ascending=[True, False, True])
    if len(g):
        pos, tot, cnt, ids = _grouped_ids(g["pos"].to_numpy(), g["id"].to_numpy(object),
                                          g["days"].to_numpy(float))
        worst = g.groupby("pos")["days"].max().reindex(pos).to_numpy(float)
        out.append(_frame(pos, "overdue_days", worst, cnt, ({"loans": i} for i in ids)))
    for col, code in (("times", "overdue_count"), ("ext", "extensions")):
        g = f[f[col] > 0]
        if len(g):
            pos, tot, cnt, ids = _grouped_ids(g["pos"].to_numpy(), g["id"].to_numpy(object),
                                              g[col].to_numpy(float))
            out.append(_frame(pos, code, tot, cnt, ({"loans": i} for i in ids)))
    return pd.concat(out, ignore_index=True) if out else _empty()


def _balance_sheet_signals(ds: Dataset, net: Network, params: WarningParams) -> pd.DataFrame:
    """``negative_equity`` (资不抵债) and ``high_leverage`` (资产负债率), from the figures given."""
    e = ds.tables["enterprises"]
    if not len(e):
        return _empty()
    na, ta, tl = (e[c].to_numpy(float) for c in ("net_assets", "total_assets",
                                                   "total_liabilities"))
    with np.errstate(invalid="ignore"):
        deficit = np.fmax(-na, tl - ta)  # NaN only when neither reading can be made
        ratio = np.where(ta > 0, tl / np.where(ta > 0, ta, 1.0), np.nan)
    pos = table_positions(net, "enterprises")
    out = []
    neg = deficit > 0
    if neg.any():
        out.append(_frame(pos[neg], "negative_equity", deficit[neg], np.ones(int(neg.sum())),
                          (_figures(na[i], ta[i], tl[i]) for i in np.flatnonzero(neg))))
    high = ratio > params.leverage_yellow
    if high.any():
        out.append(_frame(pos[high], "high_leverage", 100.0 * ratio[high],
                          np.ones(int(high.sum())),
                          (_figures(np.nan, ta[i], tl[i]) for i in np.flatnonzero(high))))
    return pd.concat(out, ignore_index=True) if out else _empty()


def _figures(net_assets: float, total_assets: float, total_liabilities: float,
             ) -> dict[str, float]:
    """Return the balance-sheet figures that are given (no NaN in a JSON detail)."""
    got = {"net_assets": net_assets, "total_assets": total_assets,
           "total_liabilities": total_liabilities}
    return {k: float(v) for k, v in got.items() if not np.isnan(v)}


def _lender_signals(net: Network, params: WarningParams) -> pd.DataFrame:
    """``many_lenders`` (多头授信): distinct lending institutions of each enterprise."""
    m = (net.kind[net.l_borrower] == 0) & (net.kind[net.l_lender] == _INSTITUTION)
    pos, _tot, cnt, ids = _grouped_ids(net.l_borrower[m], net.ids[net.l_lender[m]],
                                       net.l_balance[m])
    many = cnt >= params.lenders_yellow
    return _frame(pos[many], "many_lenders", cnt[many], cnt[many],
                  ({"ids": i} for i, k in zip(ids, many, strict=True) if k))


def _event_signals(ds: Dataset, net: Network, params: WarningParams) -> pd.DataFrame:
    ev = ds.tables["events"]
    if not len(ev):
        return _empty()
    f = pd.DataFrame({"pos": net.positions(ev["enterprise_id"]),
                      "cat": ev["category"].to_numpy(object),
                      "sev": ev["severity"].fillna(params.missing_severity).to_numpy(np.int64),
                      "date": ev["date"].astype(str).to_numpy(object),
                      "desc": ev["description"].fillna("").astype(str).to_numpy(object)})
    f = f[net.kind[f["pos"].to_numpy(np.int64)] == 0]  # a person's events: key persons
    f = f.sort_values(["pos", "cat", "sev", "date"], ascending=[True, True, False, False],
                      kind="stable")
    first = f.drop_duplicates(["pos", "cat"])
    counts = f.groupby(["pos", "cat"], sort=False).size()
    counts = counts.reindex(pd.MultiIndex.from_frame(first[["pos", "cat"]])).to_numpy()
    out = []
    for cat in EVENT_CATEGORY:
        m = (first["cat"] == cat).to_numpy()
        if m.any():
            g = first[m]
            details = ({"date": d, "description": s, "severity": int(v)}
                       for d, s, v in zip(g["date"], g["desc"], g["sev"], strict=True))
            out.append(_frame(g["pos"], f"event_{cat}", g["sev"], counts[m], details))
    return pd.concat(out, ignore_index=True) if out else _empty()


@analysis(params=WarningParams)
def key_person_links(net: Network, persons: ArrayLike, *,
                     params: WarningParams | None = None) -> pd.DataFrame:
    """Find the enterprises where each person is a *key person*.

    A key person of an enterprise holds one of :data:`KEY_PERSON_ROLES` there
    (``positions.csv``: actual controller, chairman, general manager, legal
    representative, CFO) or holds at least ``params.related.equity_threshold`` percent
    of it (25; the holding h of SPEC §3 in the mode ``params.related.ownership``,
    passthrough by default, so indirect holdings count).

    Parameters
    ----------
    net : Network or Dataset
    persons : array of int
        Entity indices of the persons.
    params : WarningParams, optional

    Returns
    -------
    DataFrame
        One row per (person, enterprise): ``person``, ``pos`` (entity indices),
        ``roles`` (list: the role codes in the order of :data:`KEY_PERSON_ROLES`, then
        ``shareholder`` when the holding reaches the threshold) and ``share_pct`` (the
        holding, NaN below the threshold); sorted by person, then enterprise.

    Examples
    --------
    P1 holds 60 % of E1, E1 30 % of E2, E2 40 % of E3; passthrough deems P1 to hold
    what E1 and E2 hold:

    >>> f = key_person_links(net, net.positions(["P1"]))
    >>> [(net.ids[p], r, s) for p, r, s in zip(f["pos"], f["roles"], f["share_pct"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('E1', ['legal_representative', 'shareholder'], 60.0),
     ('E2', ['chairman', 'shareholder'], 30.0), ('E3', ['shareholder'], 40.0)]

    Notes
    -----
    O(positions) plus the holding closure of the given persons only.
    """
    assert params is not None  # filled in by @analysis
    who = np.unique(np.asarray(persons, dtype=np.int64))
    po = net.dataset.tables["positions"]
    rows = pd.DataFrame({"person": pd.Series([], dtype=np.int64),
                         "pos": pd.Series([], dtype=np.int64),
                         "role": pd.Series([], dtype=object)})
    if len(po) and len(who):
        keep = po["role"].isin(KEY_PERSON_ROLES).to_numpy()
        pp, cp = (id_positions(net, po["person_id"][keep]),
                  id_positions(net, po["company_id"][keep]))
        m = np.isin(pp, who) & (cp >= 0)
        rows = pd.DataFrame({"person": pp[m], "pos": cp[m],
                             "role": po["role"].to_numpy(object)[keep][m]})
    share = pd.DataFrame({"person": pd.Series([], dtype=np.int64),
                          "pos": pd.Series([], dtype=np.int64),
                          "share_pct": pd.Series([], dtype=float)})
    if len(who) and len(net.h_src):
        threshold = params.related.equity_threshold
        H = holding_closure(net, params=params.related.ownership, holders=who,
                            min_pct=threshold).tocoo()
        ent = (net.kind[H.col] == 0) & (H.data >= threshold - 1e-9)
        share = pd.DataFrame({"person": who[H.row[ent]], "pos": H.col[ent].astype(np.int64),
                              "share_pct": H.data[ent]})
    order = {r: i for i, r in enumerate(KEY_PERSON_ROLES)}
    rows = rows.assign(o=rows["role"].map(order)).sort_values(["person", "pos", "o"])
    roles = rows.drop_duplicates(["person", "pos", "role"]).groupby(
        ["person", "pos"], sort=True)["role"].agg(list)
    out = pd.concat([roles, share.set_index(["person", "pos"])["share_pct"]], axis=1)
    out = out.sort_index().reset_index()
    out["roles"] = [(r if isinstance(r, list) else []) + ([] if np.isnan(s) else ["shareholder"])
                    for r, s in zip(out["role"], out["share_pct"], strict=True)]
    return out[["person", "pos", "roles", "share_pct"]].astype({"person": np.int64,
                                                                "pos": np.int64})


def _person_event_signals(ds: Dataset, net: Network, params: WarningParams) -> pd.DataFrame:
    """``related_person_event``: a person's events on every enterprise where it is key."""
    ev = ds.tables["events"]
    if not len(ev):
        return _empty()
    who = net.positions(ev["enterprise_id"])
    m = net.kind[who] == _PERSON
    if not m.any():
        return _empty()
    links = key_person_links(net, who[m], params=params)
    if not len(links):
        return _empty()
    f = pd.DataFrame({"person": who[m], "cat": ev["category"].to_numpy(object)[m],
                      "sev": ev["severity"].fillna(params.missing_severity)
                      .to_numpy(np.int64)[m],
                      "date": ev["date"].astype(str).to_numpy(object)[m],
                      "desc": ev["description"].fillna("").astype(str).to_numpy(object)[m]})
    f = f.merge(links, on="person")
    if not len(f):
        return _empty()
    f = f.sort_values(["pos", "sev", "date", "person"], ascending=[True, False, False, True],
                      kind="stable")
    first = f.drop_duplicates("pos")
    counts = f.groupby("pos", sort=True).size().reindex(first["pos"]).to_numpy()
    people = f.drop_duplicates(["pos", "person"])
    upos, plists = _split_lists(people["pos"].to_numpy(np.int64), np.array(
        [{"id": net.ids[p], "roles": r, **({} if np.isnan(s) else {"share_pct": float(s)})}
         for p, r, s in zip(people["person"], people["roles"], people["share_pct"],
                            strict=True)], dtype=object))
    assert (upos == first["pos"].to_numpy(np.int64)).all()  # both sorted by pos
    details = ({"person": net.ids[p], "roles": r, "date": d, "category": c,
                "description": t, "severity": int(v), "persons": ps}
               for p, r, d, c, t, v, ps in zip(first["person"], first["roles"],
                                                first["date"], first["cat"], first["desc"],
                                                first["sev"], plists, strict=True))
    return _frame(first["pos"], "related_person_event", first["sev"], counts, details)


@analysis()
def network_signals(net: Network, facts: NetworkFacts, *,
                    cond: np.ndarray | None = None) -> pd.DataFrame:
    """Find the signals of the enterprise's network.

    They come from its guarantors, borrowers, related parties, circle and the
    contagion cascade.

    Parameters
    ----------
    net : Network or Dataset
    facts : NetworkFacts
        Circles, cascade and related pairs (parts left None give no signal).
    cond : ndarray, optional
        :func:`condition` (computed when not given).

    Returns
    -------
    DataFrame
        Rows as in :func:`own_signals`, for enterprises only:

        ``guarantor_defaulted`` / ``guarantor_troubled``
            value: amount guaranteed to it by such guarantors; detail ``ids``.
        ``borrower_defaulted`` / ``borrower_troubled``
            value: amount it guarantees to such borrowers plus what it lent them.
        ``related_defaulted`` / ``related_troubled``
            value and count: number of such related parties; detail ``ids`` and ``rules``.
        ``circle_member``
            value: the circle's size; detail ``circle``.
        ``circle_npl``
            value: defaulted or troubled *other* members; detail ``circle``, ``ids``.
        ``guarantee_calls``
            value: calls on it (万元); detail ``source`` (cascade / npl_guarantees).
        ``cascade_default``
            value: the round in which it fell (seeds, already defaulted, are not listed);
            detail ``calls`` (万元).

    Notes
    -----
    O(guarantees + loans + pairs) plus sorting; circles by label counting.
    """
    cond = condition(net) if cond is None else cond
    ids = net.ids
    is_ent = net.kind == 0
    out = []
    # guarantors and borrowers (guarantee edges guarantor -> borrower; loans lender <- borrower)
    src, dst, amt = net.g_src, net.g_dst, net.g_amount
    lend = net.kind[net.l_lender] == 0  # inter-company loans: the lender is exposed
    l_from, l_to, l_bal = net.l_lender[lend], net.l_borrower[lend], net.l_balance[lend]
    for level, name in ((CONDITION_DEFAULTED, "defaulted"), (CONDITION_TROUBLED, "troubled")):
        m = (cond[src] == level) & is_ent[dst]
        out.append(_counterparty(dst[m], ids[src[m]], amt[m], f"guarantor_{name}"))
        m = (cond[dst] == level) & is_ent[src]
        ml = (cond[l_to] == level)
        out.append(_counterparty(np.concatenate([src[m], l_from[ml]]),
                                 np.concatenate([ids[dst[m]], ids[l_to[ml]]]),
                                 np.concatenate([amt[m], l_bal[ml]]), f"borrower_{name}"))
    if facts.related is not None and len(facts.related):
        out.append(_related_signals(facts.related, cond, ids, is_ent))
    if facts.circle is not None:
        out.append(_circle_signals(facts, cond, ids, is_ent))
    if facts.calls is not None:
        pos = np.flatnonzero((facts.calls > 1e-9) & is_ent)
        out.append(_frame(pos, "guarantee_calls", facts.calls[pos], np.ones(len(pos)),
                          ({"source": facts.calls_source} for _ in pos)))
    if facts.cascade_round is not None:
        pos = np.flatnonzero((facts.cascade_round > 0) & is_ent)
        calls = facts.calls if facts.calls is not None else np.zeros(len(facts.cascade_round))
        out.append(_frame(pos, "cascade_default", facts.cascade_round[pos], np.ones(len(pos)),
                          ({"calls": float(calls[p])} for p in pos)))
    out = [o for o in out if len(o)]
    return pd.concat(out, ignore_index=True) if out else _empty()


def _counterparty(pos: np.ndarray, other: np.ndarray, amount: np.ndarray,
                  code: str) -> pd.DataFrame:
    pos, tot, cnt, lists = _grouped_ids(pos, other, amount)
    return _frame(pos, code, tot, cnt, ({"ids": i} for i in lists))


def _related_signals(pairs: pd.DataFrame, cond: np.ndarray, ids: np.ndarray,
                     is_ent: np.ndarray) -> pd.DataFrame:
    a, b = pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64)
    rules = pairs["rules"].to_numpy(object)
    # both directions: (the firm, its related party, rules)
    me = np.concatenate([a, b])
    other = np.concatenate([b, a])
    rr = np.concatenate([rules, rules])
    out = []
    for level, name in ((CONDITION_DEFAULTED, "defaulted"), (CONDITION_TROUBLED, "troubled")):
        m = (cond[other] == level) & is_ent[me]
        if not m.any():
            continue
        f = pd.DataFrame({"pos": me[m], "id": ids[other[m]],
                          "rules": [";".join(r) for r in rr[m]]})
        f = f.sort_values(["pos", "id"]).drop_duplicates(["pos", "id"])
        pos_sorted = f["pos"].to_numpy(np.int64)
        upos, id_lists = _split_lists(pos_sorted, f["id"].to_numpy(object))
        _, rule_lists = _split_lists(pos_sorted, f["rules"].to_numpy(object))
        counts = np.diff(np.append(np.searchsorted(pos_sorted, upos), len(pos_sorted)))
        details = ({"ids": i, "rules": [s.split(";") for s in r]}
                   for i, r in zip(id_lists, rule_lists, strict=True))
        out.append(_frame(upos, f"related_{name}", counts.astype(float), counts, details))
    return pd.concat(out, ignore_index=True) if out else _empty()


def _circle_signals(facts: NetworkFacts, cond: np.ndarray, ids: np.ndarray,
                    is_ent: np.ndarray) -> pd.DataFrame:
    lab = facts.circle
    assert lab is not None  # the caller checks
    pos = np.flatnonzero((lab >= 0) & is_ent)
    if not len(pos):
        return _empty()
    k = int(lab.max()) + 1
    size = np.bincount(lab[lab >= 0], minlength=k)
    badm = (lab >= 0) & (cond > 0)
    bad = np.bincount(lab[badm], minlength=k)
    names = facts.circle_ids or [f"C{i + 1:03d}" for i in range(k)]
    out = [_frame(pos, "circle_member", size[lab[pos]], size[lab[pos]],
                  ({"circle": names[lab[p]]} for p in pos))]
    others = bad[lab[pos]] - (cond[pos] > 0)
    hit = pos[others > 0]
    if len(hit):
        bad_pos = np.flatnonzero(badm)
        order = np.lexsort((ids[bad_pos].astype(str), lab[bad_pos]))
        labs, lists = _split_lists(lab[bad_pos][order], ids[bad_pos][order], DETAIL_LIMIT + 1)
        members = dict(zip(labs.tolist(), lists, strict=True))
        details = ({"circle": names[lab[p]],
                    "ids": [i for i in members[lab[p]] if i != ids[p]][:DETAIL_LIMIT]}
                   for p in hit)
        out.append(_frame(hit, "circle_npl", (bad[lab[hit]] - (cond[hit] > 0)),
                          (bad[lab[hit]] - (cond[hit] > 0)), details))
    return pd.concat(out, ignore_index=True)
