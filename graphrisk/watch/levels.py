"""Early-warning levels (预警等级) and their reasons (SPEC §8).

Levels, lowest first: ``blue`` 蓝 < ``yellow`` 黄 < ``orange`` 橙 < ``red`` 红
(:data:`~graphrisk.domain.glossary.WARNING_LEVELS`).  Each risk signal of
:mod:`graphrisk.watch.signals` gives one level by the rules below; an enterprise takes the
**highest** level of its signals, and every signal is one reason, naming the signal
and its figure, in Chinese and English.  A key enterprise (重点企业) without any
signal is ``blue`` (on the list, watched); an enterprise that is not key and has no
signal has no level (``none``).

Default rules (thresholds are fields of :class:`~graphrisk.params.WarningParams`):

=================== ============================================================
level               signals
=================== ============================================================
red 红              status defaulted; loss or doubtful loan; overdue > 90 days;
                    event of severity 4 (its own or a key person's); falls in
                    the contagion cascade seeded by the defaulted firms
orange 橙           status distressed; substandard loan; overdue 31–90 days;
                    negative equity (资不抵债); event of severity 3;
                    guarantee calls >= 1,000 万元; a guarantor, a
                    guaranteed/borrowing firm or a related party defaulted;
                    member of a circle with a defaulted or troubled member
yellow 黄           special-mention loan; overdue 11–30 days (interest more
                    than 10 days late, 支付利息超过10个自然日); more than 2
                    overdue payments (逾期次数超过2次); 2 or more extensions /
                    借新还旧 (2次及以上); debt ratio above 80 % (资产负债率);
                    3 or more lending institutions (多头授信); event of
                    severity 2; guarantee calls below 1,000 万元; a troubled
                    guarantor, guaranteed or borrowing firm or related party;
                    member of a circle
blue 蓝             event of severity 1; overdue 1–10 days; 1 or 2 overdue
                    payments; a single extension; a key enterprise without
                    other signals
=================== ============================================================

The reasoning follows the five-tier loan classification (关注 ≈ yellow, 次级 ≈
orange, 可疑/损失 ≈ red; overdue 90 days is the usual non-performing line, 30 days
the special-mention one), the wording of the warning rules for the first (yellow)
signals — interest "超过10个自然日" late (``interest_overdue_days``), "逾期次数超过2次"
(more than ``overdue_count``), "办理2次及以上展期、重新约期或借新还旧" (``extensions`` or
more) — and the event categories of SPEC §8, whose severity is taken as given; a key
person's event (``related_person_event``) counts at its severity like the firm's own.
A firm whose liabilities exceed its assets (资不抵债) cannot repay from its own estate:
orange.  ``WarningParams.levels`` overrides the level of any signal code.

With a previous period, the signals over time of :mod:`graphrisk.watch._history`
add: a downgrade (向下迁徙) into 关注 yellow, into 次级/可疑/损失 orange; a new
non-performing loan (新增不良) orange; new 关注类 balance >= 1,000 万元 (新增关注类贷款
1000万元以上) yellow; more overdue payments than in the previous period yellow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import EVENT_CATEGORY, RELATED_RULES, WARNING_LEVELS, label_zh
from graphrisk.params import WarningParams, defaults
from graphrisk.watch._history import (
    DOWNGRADE_ORANGE,
    HISTORY_FIXED,
    HISTORY_REASONS,
    HISTORY_SIGNALS,
    HistoryParams,
    history_rules,
)
from graphrisk.watch.signals import SIGNALS

__all__ = ["LEVELS", "level_rank", "signal_levels", "enterprise_levels", "describe",
           "level_rules"]

#: level names by rank: 0 none, 1 blue, 2 yellow, 3 orange, 4 red
LEVELS = ("none", *WARNING_LEVELS)
_RANK = {name: i for i, name in enumerate(LEVELS)}
NONE, BLUE, YELLOW, ORANGE, RED = range(5)

#: level of the signals that do not depend on their figure
FIXED = {
    "status_defaulted": RED, "status_distressed": ORANGE,
    "loan_loss": RED, "loan_doubtful": RED, "loan_substandard": ORANGE,
    "loan_special_mention": YELLOW, "cascade_default": RED,
    "negative_equity": ORANGE, "high_leverage": YELLOW, "many_lenders": YELLOW,
    "guarantor_defaulted": ORANGE, "guarantor_troubled": YELLOW,
    "borrower_defaulted": ORANGE, "borrower_troubled": YELLOW,
    "related_defaulted": ORANGE, "related_troubled": YELLOW,
    "circle_member": YELLOW, "circle_npl": ORANGE,
    **{code: _RANK[level] for code, level in HISTORY_FIXED.items()},
}


def level_rank(level: str) -> int:
    """Rank of a level name (0 for ``none`` … 4 for ``red``).

    >>> level_rank("orange")
    3
    """
    return _RANK[level]


@defaults(params=WarningParams)
def signal_levels(signals: pd.DataFrame, *, params: WarningParams | None = None) -> np.ndarray:
    """Return the level rank (0–4) that each signal row gives.

    Parameters
    ----------
    signals : DataFrame
        Rows of :func:`graphrisk.watch.signals.own_signals` / ``network_signals``.
    params : WarningParams, optional

    Returns
    -------
    ndarray of int8

    Examples
    --------
    >>> f = pd.DataFrame({"code": ["overdue_days", "overdue_days", "event_credit"],
    ...                   "value": [95.0, 40.0, 2.0]})
    >>> signal_levels(f).tolist()
    [4, 3, 2]

    Notes
    -----
    O(rows × signal codes), vectorised.
    """
    assert params is not None  # filled in by @defaults
    p = params
    code = signals["code"].to_numpy(object)
    v = signals["value"].to_numpy(float)
    lv = np.zeros(len(code), dtype=np.int8)
    for c, level in FIXED.items():
        lv[code == c] = level
    m = code == "overdue_days"
    lv[m] = np.select([v[m] > p.overdue_red_days, v[m] > p.overdue_orange_days,
                       v[m] > p.interest_overdue_days], [RED, ORANGE, YELLOW], BLUE)
    m = code == "overdue_count"
    lv[m] = np.where(v[m] > p.overdue_count, YELLOW, BLUE)
    m = code == "extensions"
    lv[m] = np.where(v[m] >= p.extensions, YELLOW, BLUE)
    m = code == "guarantee_calls"
    lv[m] = np.where(v[m] >= p.call_orange, ORANGE, YELLOW)
    m = code == "classification_downgrade"
    lv[m] = np.where(v[m] >= DOWNGRADE_ORANGE, ORANGE, YELLOW)
    sev = np.array([_RANK[x] for x in p.severity_levels], dtype=np.int8)
    m = np.array([_by_severity(c) for c in code], dtype=bool)
    lv[m] = sev[np.clip(v[m].astype(int), 1, 4) - 1]
    for c, name in p.levels.items():
        lv[code == c] = _RANK[name]
    return lv


def _by_severity(code: object) -> bool:
    """Whether a signal's level is its event severity (its own or a key person's events)."""
    return isinstance(code, str) and (code.startswith("event_")
                                      or code == "related_person_event")


def enterprise_levels(pos: np.ndarray, levels: np.ndarray, n: int,
                      key: np.ndarray | None = None) -> np.ndarray:
    """Return the highest signal level per entity (a key entity is at least blue).

    >>> enterprise_levels(np.array([0, 0, 2]), np.array([2, 4, 1]), 4,
    ...                   key=np.array([False, True, False, False])).tolist()
    [4, 1, 1, 0]
    """
    out = np.zeros(n, dtype=np.int8)
    if len(pos):
        np.maximum.at(out, np.asarray(pos, dtype=np.int64), np.asarray(levels, dtype=np.int8))
    if key is not None:
        out[np.asarray(key, dtype=bool) & (out == NONE)] = BLUE
    return out


def _amt(v: float) -> str:
    return f"{v:,.2f}"


def _names(ids: Iterable[str] | None, names: pd.Series | Mapping[str, str] | None) -> str:
    ids = list(ids or [])
    return "、".join(str(names.get(i, i)) if names is not None else str(i) for i in ids)


def _names_en(ids: Iterable[str] | None,
              names: pd.Series | Mapping[str, str] | None) -> str:
    return _names(ids, names).replace("、", ", ")


def describe(code: str, value: float, count: int, detail: dict[str, Any] | None,
             names: pd.Series | Mapping[str, str] | None = None) -> tuple[str, str]:
    """Return the reason a signal gives, in Chinese and English, with its figure.

    Parameters
    ----------
    code, value, count, detail
        One signal row.
    names : Series or dict, optional
        Entity id → name, to name the counterparties.

    Examples
    --------
    >>> describe("overdue_days", 95, 1, {"loans": ["L7"]})
    ('贷款逾期 95 天（L7）', 'loan overdue 95 days (L7)')
    >>> describe("guarantor_defaulted", 800, 1, {"ids": ["E3"]}, {"E3": "丙公司"})[0]
    '担保人违约：丙公司（担保金额 800.00 万元）'
    >>> describe("related_person_event", 4, 1, {"person": "P1", "roles": ["chairman"],
    ...          "category": "related", "severity": 4, "date": "2025-09-02",
    ...          "description": "失联"}, {"P1": "马超"})[0]
    '关键人员马超（董事长）的风险事件（关联风险，严重程度 4，2025-09-02）：失联'

    Notes
    -----
    One dispatch on the code (:data:`_REASONS`), then the reason's own formatting:
    cheap enough to run for every signal of a million enterprises.
    """
    return _REASONS[code](code, value, count, detail or {}, names)


def _loans(d: dict[str, Any], count: int) -> tuple[str, str]:
    return "、".join(d.get("loans", [])[:5]), "等" if count > 5 else ""


def _status_reason(code: str, value: float, count: int, d: dict[str, Any],
                   names: _Names) -> tuple[str, str]:
    status = d.get("status", code[7:])
    return f"企业状态为{label_zh('status', status)}", f"status is {status}"


def _loan_reason(code: str, value: float, count: int, d: dict[str, Any],
                 names: _Names) -> tuple[str, str]:
    zh, en = SIGNALS[code][0], SIGNALS[code][1]
    loans, more = _loans(d, count)
    return (f"{zh} {count} 笔，余额 {_amt(value)} 万元（{loans}{more}）",
            f"{count} {en[:-1] if count == 1 else en}, balance {_amt(value)} 万元 "
            f"({loans.replace('、', ', ')})")


def _overdue_days_reason(code: str, value: float, count: int, d: dict[str, Any],
                         names: _Names) -> tuple[str, str]:
    loans, more = _loans(d, count)
    return (f"贷款逾期 {value:.0f} 天（{loans}{more}）",
            f"loan overdue {value:.0f} days ({loans.replace('、', ', ')})")


def _overdue_count_reason(code: str, value: float, count: int, d: dict[str, Any],
                          names: _Names) -> tuple[str, str]:
    loans, more = _loans(d, count)
    return (f"逾期 {value:.0f} 次（{count} 笔贷款：{loans}{more}）",
            f"{value:.0f} overdue payment(s) on {count} loan(s) ({loans.replace('、', ', ')})")


def _extensions_reason(code: str, value: float, count: int, d: dict[str, Any],
                       names: _Names) -> tuple[str, str]:
    loans, more = _loans(d, count)
    return (f"展期/借新还旧 {value:.0f} 次（{loans}{more}）",
            f"{value:.0f} extension(s)/refinancing(s) ({loans.replace('、', ', ')})")


def _event_reason(code: str, value: float, count: int, d: dict[str, Any],
                  names: _Names) -> tuple[str, str]:
    zh, en = SIGNALS[code][0], SIGNALS[code][1]
    extra_zh = f"，共 {count} 起" if count > 1 else ""
    extra_en = f"; {count} events" if count > 1 else ""
    desc, date = d.get("description", ""), d.get("date", "")
    return (f"{zh}（严重程度 {value:.0f}，{date}）：{desc}{extra_zh}",
            f"{en} (severity {value:.0f}, {date}): {desc}{extra_en}")


_CALL_SOURCES = {"cascade": ("违约传染测算", "contagion cascade"),
                 "npl_guarantees": ("按不良贷款担保估算",
                                    "estimated from guarantees on non-performing loans")}


def _calls_reason(code: str, value: float, count: int, d: dict[str, Any],
                  names: _Names) -> tuple[str, str]:
    src = d.get("source", "")
    src_zh, src_en = _CALL_SOURCES.get(src, (src, src))
    return (f"承担担保代偿 {_amt(value)} 万元（{src_zh}）",
            f"guarantee calls of {_amt(value)} 万元 ({src_en})")


def _cascade_reason(code: str, value: float, count: int, d: dict[str, Any],
                    names: _Names) -> tuple[str, str]:
    calls = d.get("calls")
    cz = f"（被代偿追索 {_amt(calls)} 万元）" if calls else ""
    ce = f" (called for {_amt(calls)} 万元)" if calls else ""
    return (f"当前违约企业引发的违约传染中第 {value:.0f} 轮违约{cz}",
            f"defaults in round {value:.0f} of the contagion cascade seeded by the "
            f"defaulted firms{ce}")


def _counterparty_reason(code: str, value: float, count: int, d: dict[str, Any],
                         names: _Names) -> tuple[str, str]:
    zh, en = SIGNALS[code][0], SIGNALS[code][1]
    ids = d.get("ids", [])
    what_zh, what_en = (("担保金额", "guaranteed") if code.startswith("guarantor_") else
                        ("担保及借出", "guaranteed or lent"))
    named = _names(ids, names)
    return (f"{zh}：{named}（{what_zh} {_amt(value)} 万元）",
            f"{en}: {named.replace('、', ', ')} ({what_en} {_amt(value)} 万元)")


def _related_reason(code: str, value: float, count: int, d: dict[str, Any],
                    names: _Names) -> tuple[str, str]:
    zh, en = SIGNALS[code][0], SIGNALS[code][1]
    named = _names(d.get("ids", []), names)
    rules = sorted({r for rs in d.get("rules", []) for r in rs})
    rz = "、".join(RELATED_RULES.get(r, r) for r in rules)
    return (f"{zh}：{named}（{rz}）",
            f"{en}: {named.replace('、', ', ')} ({', '.join(rules)})")


def _circle_member_reason(code: str, value: float, count: int, d: dict[str, Any],
                          names: _Names) -> tuple[str, str]:
    circle = d.get("circle", "")
    return (f"担保圈 {circle} 成员（圈内 {value:.0f} 家）",
            f"member of guarantee circle {circle} ({value:.0f} members)")


def _circle_npl_reason(code: str, value: float, count: int, d: dict[str, Any],
                       names: _Names) -> tuple[str, str]:
    circle = d.get("circle", "")
    named = _names(d.get("ids", []), names)
    return (f"所在担保圈 {circle} 有 {value:.0f} 家违约或不良成员：{named}",
            f"guarantee circle {circle} has {value:.0f} defaulted or troubled member(s): "
            f"{named.replace('、', ', ')}")


_Names: TypeAlias = "pd.Series | Mapping[str, str] | None"


def _figures_text(d: dict[str, Any]) -> tuple[str, str]:
    """Return the balance-sheet figures of a detail, in Chinese and English."""
    labels = (("net_assets", "净资产", "net assets"), ("total_assets", "总资产", "total assets"),
              ("total_liabilities", "总负债", "total liabilities"))
    got = [(zh, en, d[k]) for k, zh, en in labels if k in d]
    return ("，".join(f"{zh} {_amt(v)} 万元" for zh, _en, v in got),
            ", ".join(f"{en} {_amt(v)} 万元" for _zh, en, v in got))


def _negative_equity(value: float, count: int, d: dict[str, Any],
                     names: _Names) -> tuple[str, str]:
    zh, en = _figures_text(d)
    return (f"资不抵债，缺口 {_amt(value)} 万元" + (f"（{zh}）" if zh else ""),
            f"negative equity, deficit {_amt(value)} 万元" + (f" ({en})" if en else ""))


def _high_leverage(value: float, count: int, d: dict[str, Any],
                   names: _Names) -> tuple[str, str]:
    zh, en = _figures_text(d)
    return (f"资产负债率 {value:.2f}%" + (f"（{zh}）" if zh else ""),
            f"debt ratio {value:.2f} %" + (f" ({en})" if en else ""))


def _many_lenders(value: float, count: int, d: dict[str, Any],
                  names: _Names) -> tuple[str, str]:
    ids = d.get("ids", [])
    more_zh, more_en = ("等", ", …") if count > len(ids) else ("", "")
    return (f"多头授信：{value:.0f} 家贷款机构（{_names(ids, names)}{more_zh}）",
            f"many lenders: {value:.0f} lending institutions ({_names_en(ids, names)}{more_en})")


def _roles(person: dict[str, Any], names: _Names) -> tuple[str, str]:
    """'张伟（实际控制人、持股 70.00%）' and 'Zhang (actual controller, holder of 70.00 %)'."""
    zh, en = [], []
    for r in person.get("roles", []):
        if r == "shareholder":
            share = person.get("share_pct")
            zh.append(f"持股 {share:.2f}%" if share is not None else "主要股东")
            en.append(f"holder of {share:.2f} %" if share is not None else "major shareholder")
        else:
            zh.append(label_zh("role", r))
            en.append("CFO" if r == "cfo" else r.replace("_", " "))
    who = _names([person.get("id", "")], names) if person.get("id") else "关键人员"
    return (f"{who}（{'、'.join(zh)}）" if zh else who,
            f"{who} ({', '.join(en)})" if en else who)


def _person_event(value: float, count: int, d: dict[str, Any],
                  names: _Names) -> tuple[str, str]:
    worst = {"id": d.get("person"), "roles": d.get("roles", []),
             "share_pct": next((p.get("share_pct") for p in d.get("persons", [])
                                if p.get("id") == d.get("person")), None)}
    who_zh, who_en = _roles(worst, names)
    others = [_roles(p, names) for p in d.get("persons", []) if p.get("id") != d.get("person")]
    cat = d.get("category", "")
    cat_zh = EVENT_CATEGORY.get(cat, cat)
    extra_zh = ("；另涉及" + "、".join(o[0] for o in others) if others else "") + \
        (f"；共 {count} 起" if count > 1 else "")
    extra_en = ("; also " + ", ".join(o[1] for o in others) if others else "") + \
        (f"; {count} events" if count > 1 else "")
    return (f"关键人员{who_zh}的风险事件（{cat_zh}，严重程度 {value:.0f}，{d.get('date', '')}）："
            f"{d.get('description', '')}{extra_zh}",
            f"risk event of key person {who_en} ({cat.replace('_', ' ')} risk, severity "
            f"{value:.0f}, {d.get('date', '')}): {d.get('description', '')}{extra_en}")


#: the reasons of the balance-sheet, lender and key-person signals
_MORE_REASONS: dict[str, Callable[[float, int, dict[str, Any], _Names], tuple[str, str]]] = {
    "negative_equity": _negative_equity, "high_leverage": _high_leverage,
    "many_lenders": _many_lenders, "related_person_event": _person_event,
}

_Reason: TypeAlias = Callable[[str, float, int, dict[str, Any], _Names], tuple[str, str]]


def _reason_of(code: str) -> _Reason:
    """Return the function that words the reason of a signal code."""
    if code in _MORE_REASONS:
        more = _MORE_REASONS[code]
        return lambda _code, value, count, d, names: more(value, count, d, names)
    fixed: dict[str, _Reason] = {
        "overdue_days": _overdue_days_reason, "overdue_count": _overdue_count_reason,
        "extensions": _extensions_reason, "guarantee_calls": _calls_reason,
        "cascade_default": _cascade_reason, "circle_member": _circle_member_reason,
        "circle_npl": _circle_npl_reason}
    if code in fixed:
        return fixed[code]
    for prefix, fn in (("status_", _status_reason), ("loan_", _loan_reason),
                       ("event_", _event_reason), ("guarantor_", _counterparty_reason),
                       ("borrower_", _counterparty_reason), ("related_", _related_reason)):
        if code.startswith(prefix):
            return fn
    raise KeyError(code)  # pragma: no cover - every code of SIGNALS is worded


#: signal code → the function that words its reason (see :func:`describe`)
_REASONS: dict[str, _Reason] = {**{code: _reason_of(code) for code in SIGNALS},
                                **HISTORY_REASONS}


@defaults(params=WarningParams)
def level_rules(*, params: WarningParams | None = None,
                history: HistoryParams | None = None) -> list[dict[str, str]]:
    """Return the rules in force, one row per signal code: labels and the level(s) it gives.

    Used for the documentation table and the ``parameters`` of the watchlist JSON.
    *history* adds the rows of the signals over time (a watchlist with a previous
    period).

    >>> [r["levels"] for r in level_rules() if r["code"] == "overdue_days"]
    ['red if > 90 days; orange if > 30 days; yellow if > 10 days; blue otherwise']
    >>> [r["levels"] for r in level_rules(history=HistoryParams()) if r["code"] == "new_npl"]
    ['orange']
    """
    assert params is not None  # filled in by @defaults
    p = params
    tiers = {
        "overdue_days": f"red if > {p.overdue_red_days} days; orange if > "
                        f"{p.overdue_orange_days} days; yellow if > "
                        f"{p.interest_overdue_days} days; blue otherwise",
        "overdue_count": f"yellow if > {p.overdue_count}; blue otherwise",
        "extensions": f"yellow if >= {p.extensions}; blue otherwise",
        "guarantee_calls": f"orange if >= {p.call_orange:,.0f} 万元; yellow otherwise",
        "high_leverage": f"yellow if the debt ratio is > {100 * p.leverage_yellow:g} %",
        "many_lenders": f"yellow if >= {p.lenders_yellow} lending institutions",
    }
    sev = "; ".join(f"severity {i + 1}: {lv}" for i, lv in enumerate(p.severity_levels))
    rows = []
    for code, (zh, en, kind, _unit) in SIGNALS.items():
        if code in p.levels:
            rule = f"{p.levels[code]} (override)"
        elif code in tiers:
            rule = tiers[code]
        elif code in FIXED:
            rule = LEVELS[FIXED[code]]
        else:
            assert _by_severity(code), code  # every other code is an event
            rule = sev
        rows.append({"code": code, "label_zh": zh, "label_en": en, "kind": kind, "levels": rule})
    if history is not None:
        tiers = history_rules(history)
        for code, (zh, en, kind, _unit) in HISTORY_SIGNALS.items():
            rule = f"{p.levels[code]} (override)" if code in p.levels else tiers[code]
            rows.append({"code": code, "label_zh": zh, "label_en": en, "kind": kind,
                         "levels": rule})
    return rows
