"""The maturity ledger (每月到期贷款台账; 到期前30天 notices): loans falling due soon.

:func:`maturity_ledger` lists, from the window start D (the dataset's as-of date, or
``start``), every loan with a balance whose ``maturity_date`` falls in (D, D + within]
— status ``due`` 即将到期 — and, flagged in the same list, the loans already past
maturity (``maturity_date`` <= D) that still carry a balance — status ``past_due``
已到期未还: they were not repaid (or extended) on time and are the first to chase.
Sorted by maturity date, so the past-due loans, oldest first, lead.  ``days_left`` is
the days from D to the maturity date (0 or negative when past due).  A loan without a
maturity date cannot be scheduled and is counted in the summary (``undated``); a loan
with a zero balance owes nothing and is left out.

Each row names the borrower and the lender (ids and names), the balance, the
five-tier class and overdue days, and who secures the loan, from the guarantees live
at the dataset's date:

* ``guarantee_ids`` / ``guarantor_ids`` / ``guarantors`` — the guarantees naming this
  loan (``loan_id``), largest amount first, and ``guaranteed`` their total;
* ``borrower_guarantee_ids`` / ``borrower_guarantor_ids`` / ``borrower_guarantors`` —
  the borrower's guarantees that name no loan: they back all its debts (SPEC §6: the
  loan-specific guarantors are called first, then these), so a maturity may call them
  too.  Their amounts are not added to ``guaranteed`` (one such guarantee may cover
  several loans).

and the borrower's guarantee circle (``circle``, ``C001`` … as in ``graphrisk
circles``; an entity is in one circle at most) and warning level (``level``, the
watchlist's; ``none`` for a person or an enterprise without a level).

The fields are declared once in :data:`MATURITY_FIELDS` (key, 中文, English, kind, as
the schemas of :mod:`graphrisk.report.fields`); every view takes its headers from there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.errors import ParameterError
from graphrisk.io.asof import parse_date
from graphrisk.network.chains import entity_names
from graphrisk.network.graph import Network, analysis
from graphrisk.watch._facts import circle_facts
from graphrisk.watch.watchlist import Watchlist, watchlist

__all__ = ["MATURITY_TABLE", "MATURITY_FIELDS", "MATURITY_STATUS", "maturity_window",
           "maturity_ledger", "ledger_summary", "maturities"]

#: the table: key, 中文 title, English title
MATURITY_TABLE = ("maturities", "每月到期贷款台账", "Loans falling due")
#: every field of a ledger row: (key, 中文, English[, kind]) — kinds of report.tables.Column
MATURITY_FIELDS: tuple[tuple[str, ...], ...] = (
    ("maturity_date", "到期日", "maturity date"),
    ("days_left", "剩余天数", "days left", "int"),
    ("status", "到期状态", "status"),
    ("loan_id", "借据号", "loan"),
    ("borrower_id", "借款人编号", "borrower id"),
    ("borrower", "借款人", "borrower"),
    ("lender_id", "贷款人编号", "lender id"),
    ("lender", "贷款人", "lender"),
    ("balance", "贷款余额", "balance", "amount"),
    ("classification", "五级分类", "classification"),
    ("overdue_days", "逾期天数", "overdue days", "int"),
    ("guarantee_ids", "担保合同号", "guarantees", "list"),
    ("guarantor_ids", "担保人编号", "guarantor ids", "list"),
    ("guarantors", "担保人", "guarantors", "list"),
    ("guaranteed", "担保金额", "guaranteed", "amount"),
    ("borrower_guarantee_ids", "未指定借据的担保", "borrower's other guarantees", "list"),
    ("borrower_guarantor_ids", "未指定借据的担保人编号", "their guarantor ids", "list"),
    ("borrower_guarantors", "未指定借据的担保人", "their guarantors", "list"),
    ("circle", "所在担保圈", "circle"),
    ("level", "预警等级", "level", "level"),
)
#: status code → (中文, English)
MATURITY_STATUS = {"due": ("即将到期", "falling due"),
                   "past_due": ("已到期未还", "past maturity, not repaid")}


def maturity_window(net: Network, *, within: int = 30, start: str | None = None
                    ) -> tuple[str, str]:
    """Return the window (D, D + within] as two ISO dates.

    D is *start*, else the dataset's as-of date.

    Raises
    ------
    ParameterError
        *within* < 0, a *start* that is not a date, or no date at all.

    Examples
    --------
    >>> maturity_window(demo_net)
    ('2026-03-31', '2026-04-30')
    >>> maturity_window(net)
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: no start date for the maturity window: the dataset declares no as-of date (dataset.json) and none was given; use --as-of DATE or --from DATE
    """
    if isinstance(within, bool) or not isinstance(within, (int, np.integer)) or within < 0:
        raise ParameterError(f"within must be a whole number of days >= 0, not {within!r}")
    d = parse_date(start, "--from") if start else net.dataset.as_of
    if not d:
        raise ParameterError("no start date for the maturity window: the dataset declares no "
                             "as-of date (dataset.json) and none was given; use --as-of DATE "
                             "or --from DATE")
    end = dt.date.fromisoformat(d) + dt.timedelta(days=int(within))
    return d, end.isoformat()


def _grouped(key: np.ndarray, *columns: np.ndarray) -> dict[int, tuple[list[Any], ...]]:
    """Map each distinct *key* to the lists of its *columns* (rows in the given order)."""
    if not len(key):
        return {}
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], len(k)]
    cols = [np.asarray(c, dtype=object)[order].tolist() for c in columns]
    return {int(k[a]): tuple(c[a:b] for c in cols)
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}


def _levels(net: Network, levels: Watchlist | pd.DataFrame | bool | None) -> np.ndarray | None:
    """Return the warning level of every entity (``none`` outside the watchlist), or None."""
    if levels is False:
        return None
    if levels is None or levels is True:
        levels = watchlist(net)
    frame = levels.levels if isinstance(levels, Watchlist) else levels
    lv = frame["level"].reindex(pd.Index(net.ids)).to_numpy(object)
    return np.where(pd.isna(lv), "none", lv)


@analysis()
def maturity_ledger(net: Network, *, within: int = 30, start: str | None = None,
                    past_due: bool = True,
                    levels: Watchlist | pd.DataFrame | bool | None = None
                    ) -> list[dict[str, Any]]:
    """List the loans falling due in (D, D + within], and those past maturity unpaid.

    Parameters
    ----------
    net : Network or Dataset
        At its as-of date (the guarantees live then secure the loans).
    within : int
        Days after D (30: the 到期前30天 notice).
    start : str, optional
        D, an ISO date (default: the dataset's ``as_of``).
    past_due : bool
        Also list the loans past maturity with a balance (status ``past_due``).
    levels : Watchlist, DataFrame, bool, optional
        The warning levels: a :class:`~graphrisk.watch.watchlist.Watchlist` or its
        ``levels`` frame already computed; None (or True) computes the watchlist;
        False leaves ``level`` None (faster on a large network).

    Returns
    -------
    list of dict
        One row per loan, keys :data:`MATURITY_FIELDS`, sorted by maturity date,
        then loan id (see the module notes).

    Raises
    ------
    ParameterError
        See :func:`maturity_window`.

    Examples
    --------
    >>> rows = maturity_ledger(demo_net, within=30)
    >>> [(r["maturity_date"], r["loan_id"], r["status"], r["days_left"]) for r in rows][-2:]
    [('2026-04-15', 'L056', 'due', 15), ('2026-04-24', 'L024', 'due', 24)]
    >>> rows[-1]["guarantors"], rows[-1]["level"]
    (['青山融资担保有限公司'], 'yellow')

    Notes
    -----
    O(L + G) over loans and guarantees (ISO dates compared as text), plus a Python
    step per listed loan and the watchlist when *levels* is None.
    """
    d, end = maturity_window(net, within=within, start=start)
    lo = net.dataset.tables["loans"]
    md = lo["maturity_date"].fillna("").astype(str).to_numpy(object)
    dated = (md != "") & (net.l_balance > 0)
    due = dated & (md > d) & (md <= end)
    late = dated & (md <= d) if past_due else np.zeros(len(md), dtype=bool)
    sel = np.flatnonzero(due | late)
    sel = sel[np.lexsort((net.l_id[sel].astype(str), md[sel].astype(str)))]
    if not len(sel):
        return []
    names = entity_names(net)
    b, le = net.l_borrower[sel], net.l_lender[sel]
    days = (pd.to_datetime(pd.Series(md[sel])) - pd.Timestamp(d)).dt.days.to_numpy()
    labels, circle_ids = circle_facts(net)
    lv = _levels(net, levels)

    want = np.zeros(len(md), dtype=bool)
    want[sel] = True
    gl = net.g_loan
    named = (gl >= 0) & want[np.maximum(gl, 0)] if len(gl) else np.zeros(0, dtype=bool)
    order = np.lexsort((net.g_id.astype(str), -net.g_amount))  # largest amount first
    g = order[named[order]]
    by_loan = _grouped(gl[g], net.g_id[g], net.ids[net.g_src[g]], names[net.g_src[g]],
                       net.g_amount[g])
    borrowers = np.zeros(net.n, dtype=bool)
    borrowers[b] = True
    if len(gl):
        general = (gl < 0) & borrowers[net.g_dst]
        g = order[general[order]]
    else:
        g = np.zeros(0, dtype=np.int64)
    by_borrower = _grouped(net.g_dst[g], net.g_id[g], net.ids[net.g_src[g]],
                           names[net.g_src[g]])

    cls = lo["classification"].fillna("normal").to_numpy(object)[sel]
    od = lo["overdue_days"].to_numpy(float)[sel]
    lab = labels[b]
    circles = np.array([None, *circle_ids], dtype=object)[np.where(lab >= 0, lab + 1, 0)]
    level = np.full(len(sel), None, dtype=object) if lv is None else lv[b]
    empty: tuple[list[Any], ...] = ([], [], [], [])
    rows = []
    for i, li, bi, bid, bname, lid, lname, bal, c, o, m, left, ci, lvl in zip(
            sel.tolist(), net.l_id[sel].tolist(), b.tolist(), net.ids[b].tolist(),
            names[b].tolist(), net.ids[le].tolist(), names[le].tolist(),
            net.l_balance[sel].tolist(), cls.tolist(), od.tolist(), md[sel].tolist(),
            days.tolist(), circles.tolist(), level.tolist(), strict=True):
        gid, gor, gname, gamt = by_loan.get(i, empty)
        oid, oor, oname = by_borrower.get(bi, empty)[:3]
        rows.append({
            "maturity_date": m, "days_left": left,
            "status": "due" if m > d else "past_due", "loan_id": li,
            "borrower_id": bid, "borrower": bname, "lender_id": lid, "lender": lname,
            "balance": bal, "classification": c, "overdue_days": None if o != o else int(o),
            "guarantee_ids": gid, "guarantor_ids": gor, "guarantors": gname,
            "guaranteed": float(sum(gamt)), "borrower_guarantee_ids": oid,
            "borrower_guarantor_ids": oor, "borrower_guarantors": oname,
            "circle": ci, "level": lvl,
        })
    return rows


def ledger_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Summarise ledger rows: per status, per lender and per warning level.

    Returns
    -------
    dict
        ``due`` and ``past_due`` {``loans``, ``balance``, ``borrowers``, ``guaranteed``},
        ``by_lender`` [{``lender_id``, ``lender``, ``loans``, ``balance``,
        ``past_due_loans``, ``past_due_balance``}] (largest balance first) and
        ``by_level`` {level: {``loans``, ``balance``}} (red first; levels with loans).

    Examples
    --------
    >>> ledger_summary(maturity_ledger(demo_net, within=30))["due"]
    {'loans': 2, 'balance': 900.0, 'borrowers': 2, 'guaranteed': 900.0}
    """
    keys = ("status", "borrower_id", "lender_id", "lender", "loan_id", "balance", "guaranteed",
            "level")
    f = pd.DataFrame({k: [r[k] for r in rows] for k in keys})
    f["balance"] = f["balance"].astype(float)
    f["guaranteed"] = f["guaranteed"].astype(float)
    out: dict[str, Any] = {}
    for status in MATURITY_STATUS:
        s = f[f["status"] == status]
        out[status] = {"loans": len(s), "balance": float(s["balance"].sum()),
                       "borrowers": int(s["borrower_id"].nunique()),
                       "guaranteed": float(s["guaranteed"].sum())}
    late = f["status"] == "past_due"
    f = f.assign(late_n=late.astype(int), late_bal=f["balance"].where(late, 0.0))
    agg = f.groupby(["lender_id", "lender"], sort=False).agg(
        loans=("loan_id", "size"), balance=("balance", "sum"),
        past_due_loans=("late_n", "sum"), past_due_balance=("late_bal", "sum")).reset_index()
    agg = agg.sort_values(["balance", "lender_id"], ascending=[False, True], kind="stable")
    out["by_lender"] = [{"lender_id": i, "lender": n, "loans": int(k), "balance": float(v),
                         "past_due_loans": int(pk), "past_due_balance": float(pv)}
                        for i, n, k, v, pk, pv in agg.itertuples(index=False)]
    levels = f["level"].fillna("none")
    by = f.assign(level=levels).groupby("level")["balance"].agg(["size", "sum"])
    out["by_level"] = {lvl: {"loans": int(by.loc[lvl, "size"]),
                             "balance": float(by.loc[lvl, "sum"])}
                       for lvl in ("red", "orange", "yellow", "blue", "none") if lvl in by.index}
    return out


@analysis()
def maturities(net: Network, *, within: int = 30, start: str | None = None,
               past_due: bool = True,
               levels: Watchlist | pd.DataFrame | bool | None = None) -> dict[str, Any]:
    """Return the document of ``graphrisk maturities``: the ledger and its summary.

    ``{"as_of", "within", "start", "end", "loans": [rows of maturity_ledger],
    "summary": {ledger_summary, "undated"}}``; ``as_of`` is the dataset's date,
    ``start``/``end`` the window (D, D + within]; ``summary.undated`` counts the loans
    with a balance and no maturity date (not scheduled).

    Examples
    --------
    >>> doc = maturities(demo_net, within=30)
    >>> doc["as_of"], doc["end"], doc["summary"]["past_due"]["loans"]
    ('2026-03-31', '2026-04-30', 11)
    """
    d, end = maturity_window(net, within=within, start=start)
    rows = maturity_ledger(net, within=within, start=d, past_due=past_due, levels=levels)
    summary = ledger_summary(rows)
    md = net.dataset.tables["loans"]["maturity_date"].fillna("").astype(str).to_numpy(object)
    summary["undated"] = int(((md == "") & (net.l_balance > 0)).sum())
    return {"as_of": net.dataset.as_of, "within": int(within), "start": d, "end": end,
            "loans": rows, "summary": summary}
