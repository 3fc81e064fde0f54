"""Signals over time (跨期信号): what changed on an enterprise's loans since the previous period.

With the previous period of the same region (``graphrisk watchlist CUR --previous
PREV``), each loan of the current period is matched to the previous one by its loan id
(借据号) **and** its borrower: a loan whose id is unknown before, or was then another
borrower's, is *new*.  Four signals follow, per borrowing enterprise:

``classification_downgrade`` 五级分类下调 (向下迁徙)
    matched loans whose five-tier class is worse now (正常 → 关注 → 次级 → 可疑 → 损失);
    value: the worst class reached (1 关注 … 4 损失), count: loans.
``new_npl`` 新增不良贷款
    loans non-performing now (次级/可疑/损失) that were performing (正常/关注) before or
    are new; value: their balance (万元).  A loan that moves from performing into
    non-performing is also a downgrade: it gives both signals, as ``compare`` lists it
    both as a downgrade and as a new NPL.
``new_special_mention`` 新增关注类贷款
    the balance of the loans 关注 now that were 正常 before or are new (a loan upgraded
    from 不良 into 关注 is not new 关注), when it reaches
    :attr:`HistoryParams.new_special_mention` (1,000 万元: "新增关注类贷款1000万元以上",
    以上 including the figure); value: that balance.
``overdue_count_rising`` 逾期次数增加
    matched loans whose ``overdue_count`` (逾期次数) is higher than in the previous
    period (a missed payment during the period); value: the increase summed over the
    borrower's loans, given from :attr:`HistoryParams.overdue_count_rise` (1).

Each signal's ``detail`` lists the loans (``id``, ``from``, ``to``, ``balance``; ``from``
None for a new loan), largest balance first, at most
:data:`~graphrisk.watch.signals.DETAIL_LIMIT`; the reasons name them with their amounts.
The levels (:mod:`graphrisk.watch.levels`): a downgrade into 关注 yellow, into 不良
orange; a new NPL orange; new 关注 ≥ 1,000 万元 yellow; a rising overdue count yellow.

Vectorised: one hash join of the two loan tables on (id, borrower), O(L log L) for L
loans, and a Python step per changed loan (its ``detail`` record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.errors import ParameterError
from graphrisk.errors import check as _check
from graphrisk.io.dataset import Dataset
from graphrisk.network.graph import Network, analysis
from graphrisk.watch.signals import DETAIL_LIMIT, _empty, _frame, _split_lists

__all__ = ["HistoryParams", "HISTORY_SIGNALS", "HISTORY_FIXED", "DOWNGRADE_ORANGE",
           "HISTORY_REASONS", "loan_history", "history_signals", "previous_info",
           "history_rules"]

#: classification codes by rank: 0 normal … 4 loss (>= 2 non-performing)
CLASSES = tuple(CLASSIFICATION)
_SPECIAL, _NPL = 1, 2
#: a downgrade reaching this class code or worse (次级) gives orange, below it yellow
DOWNGRADE_ORANGE = _NPL

#: code → (Chinese label, English label, kind ``change``, unit of ``value``)
HISTORY_SIGNALS: dict[str, tuple[str, str, str, str]] = {
    "classification_downgrade": ("五级分类下调", "classification downgraded", "change", "级"),
    "new_npl": ("新增不良贷款", "new non-performing loans", "change", "万元"),
    "new_special_mention": ("新增关注类贷款", "new special-mention loans", "change", "万元"),
    "overdue_count_rising": ("逾期次数增加", "overdue payments rising", "change", "次"),
}
#: level of the change signals that do not depend on their figure
HISTORY_FIXED = {"new_npl": "orange", "new_special_mention": "yellow",
                 "overdue_count_rising": "yellow"}


@dataclass(frozen=True)
class HistoryParams:
    """Thresholds of the signals over time (SPEC §8, issue 16); amounts in 万元.

    Parameters
    ----------
    new_special_mention : float
        New 关注类 balance of a borrower from which ``new_special_mention`` is given:
        "新增关注类贷款1000万元以上" (1,000; 以上 includes the figure).
    overdue_count_rise : int
        Increase of the overdue payments (逾期次数, summed over the borrower's matched
        loans) from which ``overdue_count_rising`` is given (1: any missed payment
        during the period).

    Examples
    --------
    >>> HistoryParams().new_special_mention
    1000.0
    >>> HistoryParams(overdue_count_rise=0)
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: overdue_count_rise must be >= 1
    """

    new_special_mention: float = 1000.0
    overdue_count_rise: int = 1

    def __post_init__(self) -> None:
        """Check the values (:class:`~graphrisk.errors.ParameterError` when out of range)."""
        _check(self.new_special_mention >= 0, "new_special_mention must be >= 0 (万元)")
        _check(self.overdue_count_rise >= 1, "overdue_count_rise must be >= 1")


def _dataset(previous: Network | Dataset) -> Dataset:
    if isinstance(previous, Network):
        return previous.dataset
    if isinstance(previous, Dataset):
        return previous
    raise TypeError(f"previous: expected a Network or a Dataset, got {type(previous).__name__}")


def previous_info(net: Network, previous: Network | Dataset) -> dict[str, str]:
    """Return ``{"source", "as_of"}`` of the previous period, checking it is not later.

    Raises
    ------
    ParameterError
        When both periods declare a date and the previous one is later.

    Examples
    --------
    >>> previous_info(net, ds)["as_of"]
    ''
    """
    prev = _dataset(previous)
    cur = net.dataset
    if prev.as_of and cur.as_of and prev.as_of > cur.as_of:
        raise ParameterError(f"the previous period ({prev.as_of}) is later than the current one "
                             f"({cur.as_of}); give the earlier period as --previous")
    return {"source": str(prev.source), "as_of": prev.as_of}


def _codes(col: pd.Series) -> np.ndarray:
    codes = pd.Categorical(col, categories=list(CLASSES)).codes.astype(np.int64)
    codes[codes < 0] = 0  # validation fills a missing classification with normal
    return codes


def _counts(col: pd.Series) -> np.ndarray:
    return pd.to_numeric(col, errors="coerce").fillna(0).to_numpy(np.int64)


@analysis()
def loan_history(net: Network, previous: Network | Dataset) -> pd.DataFrame:
    """Match the loans of *net* to those of the previous period by loan id and borrower.

    Parameters
    ----------
    net : Network or Dataset
        The current period.
    previous : Network or Dataset
        The previous period (its live loans: apply its as-of date first).

    Returns
    -------
    DataFrame
        One row per current loan, in table order: ``pos`` (the borrower's entity
        index), ``id``, ``balance``, ``cls`` (0 normal … 4 loss), ``times``
        (``overdue_count``), ``cls_prev`` and ``times_prev`` (-1 for a new loan).

    Examples
    --------
    Against itself every loan is matched and nothing changed:

    >>> h = loan_history(net, ds)
    >>> bool((h["cls"] == h["cls_prev"]).all()), h["id"].tolist()[:2]
    (True, ['L1', 'L2'])

    Notes
    -----
    One left hash join on (id, borrower id): O(L) expected, L = loans of both periods.
    """
    lo, plo = net.dataset.tables["loans"], _dataset(previous).tables["loans"]
    cur = pd.DataFrame({"id": lo["id"].to_numpy(object),
                        "borrower": lo["borrower_id"].to_numpy(object)})
    prev = pd.DataFrame({"id": plo["id"].to_numpy(object),
                         "borrower": plo["borrower_id"].to_numpy(object),
                         "cls_prev": _codes(plo["classification"]),
                         "times_prev": _counts(plo["overdue_count"])})
    prev = prev.drop_duplicates(["id", "borrower"])
    m = cur.merge(prev, on=["id", "borrower"], how="left", sort=False)
    return pd.DataFrame({"pos": net.l_borrower.astype(np.int64), "id": cur["id"].to_numpy(),
                         "balance": net.l_balance.astype(float),
                         "cls": _codes(lo["classification"]),
                         "times": _counts(lo["overdue_count"]),
                         "cls_prev": m["cls_prev"].fillna(-1).to_numpy(np.int64),
                         "times_prev": m["times_prev"].fillna(-1).to_numpy(np.int64)})


@analysis(params=HistoryParams)
def history_signals(net: Network, previous: Network | Dataset, *,
                    params: HistoryParams | None = None) -> pd.DataFrame:
    """Find the signals over time of every borrowing enterprise (see the module notes).

    Parameters
    ----------
    net : Network or Dataset
        The current period.
    previous : Network or Dataset
        The previous period.
    params : HistoryParams, optional

    Returns
    -------
    DataFrame
        Signal rows (:data:`~graphrisk.watch.signals.SIGNAL_COLUMNS`), enterprises only.

    Examples
    --------
    The tiny dataset against a copy where L1 (E1) was 关注 and L2 (E2) 正常, with one
    overdue payment fewer on L2:

    >>> import dataclasses
    >>> lo = ds.loans.copy()
    >>> lo["classification"] = ["special_mention", "normal", "loss", "normal", "normal"]
    >>> lo["overdue_count"] = [0, 0, 0, 0, 0]
    >>> before = dataclasses.replace(ds, tables={**ds.tables, "loans": lo})
    >>> s = history_signals(net, before)
    >>> [(net.ids[p], c, v) for p, c, v in zip(s["pos"], s["code"], s["value"])]
    [('E2', 'classification_downgrade', 2.0), ('E2', 'new_npl', 500.0)]
    >>> s["detail"][1]
    {'loans': [{'id': 'L2', 'from': 'normal', 'to': 'substandard', 'balance': 500.0}]}

    Notes
    -----
    :func:`loan_history`, then group-bys over the changed loans: O(L log L).
    """
    assert params is not None  # filled in by @analysis
    h = loan_history(net, previous)
    h = h[net.kind[h["pos"].to_numpy(np.int64)] == 0]
    cls, prev = h["cls"].to_numpy(), h["cls_prev"].to_numpy()
    matched = prev >= 0
    out = [_per_borrower(h[matched & (cls > prev)], "classification_downgrade", "worst"),
           _per_borrower(h[(cls >= _NPL) & (prev < _NPL)], "new_npl", "balance")]
    sm = _per_borrower(h[(cls == _SPECIAL) & (prev <= 0)], "new_special_mention", "balance")
    if len(sm):
        sm = sm[sm["value"].to_numpy() >= params.new_special_mention - 1e-9].reset_index(drop=True)
        sm["detail"] = [{**d, "threshold": params.new_special_mention} for d in sm["detail"]]
    out.append(sm)
    times, tprev = h["times"].to_numpy(), h["times_prev"].to_numpy()
    up = h[matched & (times > tprev)]
    rise = _per_borrower(up, "overdue_count_rising", "rise")
    if len(rise):
        rise = rise[rise["value"].to_numpy() >= params.overdue_count_rise].reset_index(drop=True)
    out.append(rise)
    out = [o for o in out if len(o)]
    return pd.concat(out, ignore_index=True) if out else _empty()


def _per_borrower(rows: pd.DataFrame, code: str, value: str) -> pd.DataFrame:
    """Group changed loans by borrower: one signal row each, with the loans in ``detail``.

    *value* is ``worst`` (the worst class reached), ``balance`` (summed) or ``rise``
    (the overdue payments added).  Loans are listed largest balance first, then by id.
    """
    if not len(rows):
        return _empty()
    overdue = value == "rise"
    rows = rows.sort_values(["pos", "balance", "id"], ascending=[True, False, True],
                            kind="stable")
    pos = rows["pos"].to_numpy(np.int64)
    f, t = ((rows["times_prev"], rows["times"]) if overdue else (rows["cls_prev"], rows["cls"]))
    froms = [(int(x) if overdue else CLASSES[x]) if x >= 0 else None for x in f.tolist()]
    tos = [int(x) if overdue else CLASSES[x] for x in t.tolist()]
    records = np.empty(len(rows), dtype=object)
    records[:] = [{"id": i, "from": a, "to": b, "balance": bal} for i, a, b, bal in
                  zip(rows["id"].tolist(), froms, tos, rows["balance"].tolist(), strict=True)]
    upos, lists = _split_lists(pos, records, DETAIL_LIMIT)
    starts = np.searchsorted(pos, upos)
    counts = np.diff(np.append(starts, len(pos)))
    if value == "worst":
        figure = np.maximum.reduceat(rows["cls"].to_numpy(np.int64), starts).astype(float)
    elif overdue:
        figure = np.add.reduceat((t - f).to_numpy(np.int64), starts).astype(float)
    else:
        figure = np.add.reduceat(rows["balance"].to_numpy(float), starts)
    return _frame(upos, code, figure, counts, ({"loans": x} for x in lists))


# -- reasons ---------------------------------------------------------------------------

def _amt(v: float) -> str:
    return f"{v:,.2f}"


def _cls(code: str | None, lang: str) -> str:
    if code is None:
        return "上期无此借据" if lang == "zh" else "new loan"
    return CLASSIFICATION.get(code, code) if lang == "zh" else code.replace("_", " ")


def _listed(d: dict[str, Any], count: int, each: Any) -> tuple[str, str]:
    loans = d.get("loans", [])[:5]
    zh = "、".join(each(x, "zh") for x in loans) + (f" 等 {count} 笔" if count > len(loans) else "")
    en = ", ".join(each(x, "en") for x in loans) + (f" … ({count} loans)"
                                                    if count > len(loans) else "")
    return zh, en


def _downgrade(code: str, value: float, count: int, d: dict[str, Any],
               names: Mapping[str, str] | pd.Series | None) -> tuple[str, str]:
    zh, en = _listed(d, count, lambda x, lg: f"{x['id']} {_cls(x['from'], lg)}→"
                     f"{_cls(x['to'], lg)}（{_amt(x['balance'])} 万元）" if lg == "zh" else
                     f"{x['id']} {_cls(x['from'], lg)} → {_cls(x['to'], lg)} "
                     f"({_amt(x['balance'])} 万元)")
    return (f"五级分类下调 {count} 笔：{zh}",
            f"{count} loan{'s' if count > 1 else ''} downgraded: {en}")


def _new_npl(code: str, value: float, count: int, d: dict[str, Any],
             names: Mapping[str, str] | pd.Series | None) -> tuple[str, str]:
    def each(x: dict[str, Any], lg: str) -> str:
        if lg == "zh":
            was = "上期无此借据" if x["from"] is None else f"上期{_cls(x['from'], lg)}"
            return f"{x['id']} {_cls(x['to'], lg)} {_amt(x['balance'])} 万元（{was}）"
        was = "new loan" if x["from"] is None else f"was {_cls(x['from'], lg)}"
        return f"{x['id']} {_cls(x['to'], lg)} {_amt(x['balance'])} 万元 ({was})"

    zh, en = _listed(d, count, each)
    return (f"新增不良贷款 {count} 笔，余额 {_amt(value)} 万元：{zh}",
            f"{count} new non-performing loan{'s' if count > 1 else ''}, balance "
            f"{_amt(value)} 万元: {en}")


def _new_special(code: str, value: float, count: int, d: dict[str, Any],
                 names: Mapping[str, str] | pd.Series | None) -> tuple[str, str]:
    def each(x: dict[str, Any], lg: str) -> str:
        if lg == "zh":
            was = "上期无此借据" if x["from"] is None else f"上期{_cls(x['from'], lg)}"
            return f"{x['id']} {_amt(x['balance'])} 万元（{was}）"
        was = "new loan" if x["from"] is None else f"was {_cls(x['from'], lg)}"
        return f"{x['id']} {_amt(x['balance'])} 万元 ({was})"

    zh, en = _listed(d, count, each)
    limit = d.get("threshold")
    lz = f"（达 {limit:,.0f} 万元以上）" if limit is not None else ""
    le = f" (>= {limit:,.0f} 万元)" if limit is not None else ""
    return (f"新增关注类贷款 {_amt(value)} 万元{lz}，{count} 笔：{zh}",
            f"new special-mention loans of {_amt(value)} 万元{le}, {count} loan"
            f"{'s' if count > 1 else ''}: {en}")


def _overdue_rising(code: str, value: float, count: int, d: dict[str, Any],
                    names: Mapping[str, str] | pd.Series | None) -> tuple[str, str]:
    zh, en = _listed(d, count, lambda x, lg: f"{x['id']} {x['from']}→{x['to']} 次（余额 "
                     f"{_amt(x['balance'])} 万元）" if lg == "zh" else
                     f"{x['id']} {x['from']} → {x['to']} (balance {_amt(x['balance'])} 万元)")
    return (f"逾期次数较上期增加 {value:.0f} 次：{zh}",
            f"overdue payments up by {value:.0f} since the previous period: {en}")


#: signal code → the function that words its reason (see :func:`graphrisk.watch.levels.describe`)
HISTORY_REASONS = {"classification_downgrade": _downgrade, "new_npl": _new_npl,
                   "new_special_mention": _new_special, "overdue_count_rising": _overdue_rising}


def history_rules(params: HistoryParams) -> dict[str, str]:
    """Return the level rule of each change signal, as text (for ``parameters.rules``).

    >>> history_rules(HistoryParams())["new_special_mention"]
    'yellow if the new special-mention balance is >= 1,000 万元'
    """
    return {
        "classification_downgrade": "yellow if downgraded to special mention; orange if "
                                    "downgraded to substandard, doubtful or loss",
        "new_npl": "orange",
        "new_special_mention": f"yellow if the new special-mention balance is >= "
                               f"{params.new_special_mention:,.0f} 万元",
        "overdue_count_rising": f"yellow if the overdue payments rose by >= "
                                f"{params.overdue_count_rise}",
    }
