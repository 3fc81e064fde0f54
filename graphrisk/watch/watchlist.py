"""The watchlist (重点企业名单与预警): key enterprises, risk signals, levels, reasons.

:func:`watchlist` runs the three stages of SPEC §8 on one dataset and joins them per
enterprise:

1. :func:`graphrisk.watch.key_enterprises.key_enterprises` — who is key, by which criteria;
2. :func:`graphrisk.watch.signals.own_signals` and :func:`~graphrisk.watch.signals.network_signals`
   (with the circles, cascade and related parties of :mod:`graphrisk.watch._facts`) —
   what is wrong, with the figures;
3. :mod:`graphrisk.watch.levels` — the level each signal gives; the enterprise takes the
   highest, and every signal is a reason.

Each entry also says whether a creditors' committee (债权人委员会) is due for the
enterprise as a debtor (:func:`graphrisk.network.committees.debtor_committees`):
``creditor_committee`` and ``committee_reasons`` (``code``, ``zh``, ``en``; empty for
an enterprise that is not in default or distress with debt ≥ 5,000 万元).

With a *previous* period (a Network or dated Dataset of the same region), the signals
over time of :mod:`graphrisk.watch._history` join the others — ``classification_downgrade``,
``new_npl``, ``new_special_mention``, ``overdue_count_rising`` (kind ``change``) — and the
document says which period it was compared with (``previous``); without one nothing
changes.

An enterprise is *listed* when it is key or has a level (any signal); ``include_all``
lists every enterprise (level ``none`` for the others).  The list is sorted by level
(red first), then by *exposure* — its own loan balance plus the guarantees it gave
(万元, the exposure of :mod:`graphrisk.network.metrics`) — then by id.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import WARNING_LEVELS
from graphrisk.errors import ParameterError
from graphrisk.io.dataset import Dataset
from graphrisk.network.committees import debtor_committees, table_positions
from graphrisk.network.cycles import gc_paused
from graphrisk.network.graph import Network, analysis
from graphrisk.params import CommitteeParams, KeyFirmParams, WarningParams
from graphrisk.watch._facts import network_facts, watchlist_pairs
from graphrisk.watch._history import HISTORY_SIGNALS, HistoryParams, history_signals, previous_info
from graphrisk.watch.key_enterprises import KeyFirms, key_enterprises, primary_firms
from graphrisk.watch.levels import (
    LEVELS,
    describe,
    enterprise_levels,
    level_rank,
    level_rules,
    signal_levels,
)
from graphrisk.watch.signals import SIGNALS, condition, network_signals, own_signals

__all__ = ["Watchlist", "watchlist"]

#: every signal code: the own and network signals, then the signals over time
_ALL_SIGNALS = {**SIGNALS, **HISTORY_SIGNALS}
_SIGNAL_ORDER = {code: i for i, code in enumerate(_ALL_SIGNALS)}


@dataclass
class Watchlist:
    """Result of :func:`watchlist`.

    Attributes
    ----------
    entries : list of dict
        The listed enterprises, sorted (see :meth:`as_dict` for the keys).
    levels : DataFrame
        Every enterprise (listed or not): index ``id``; columns ``name``, ``key``
        (bool), ``level`` (``red`` … ``blue`` or ``none``), ``level_rank`` (4 … 0),
        ``exposure`` (万元), ``signals`` (count) — for annotating a graph store.
    counts : dict
        Enterprises per level over the whole dataset, plus ``key`` and ``listed``.
    parameters : dict
        The parameters in force and the level rules.
    notes : list of str
        What could not be evaluated, and why.
    previous : dict or None
        ``{"source", "as_of"}`` of the period compared with (None without one).
    """

    entries: list[dict[str, Any]]
    levels: pd.DataFrame
    counts: dict[str, int]
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    previous: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON document of ``graphrisk watchlist``.

        ``{"enterprises": [{"id", "name", "key", "criteria": [{"code", "label_zh",
        "label_en", "figures"}], "signals": [{"code", "label_zh", "label_en", "kind",
        "value", "unit", "count", "level", "detail"}], "level", "level_zh",
        "reasons": [{"level", "signal", "zh", "en"}], "exposure", "credit",
        "credit_source", "creditor_committee", "committee_reasons": [{"code", "zh",
        "en"}]}], "counts": {"red", "orange", "yellow", "blue", "none",
        "key", "listed"}, "parameters": {"key", "warning", "committee", "rules"}, "notes": [...]}``;
        with a previous period also ``"previous": {"source", "as_of"}`` and
        ``parameters["history"]``.
        """
        doc = {"enterprises": self.entries, "counts": self.counts,
               "parameters": self.parameters, "notes": self.notes}
        if self.previous is not None:
            doc["previous"] = self.previous
        return doc


@analysis(key_params=KeyFirmParams, warning_params=WarningParams,
          committee_params=CommitteeParams, history_params=HistoryParams)
def watchlist(net: Network, *, key_params: KeyFirmParams | None = None,
              warning_params: WarningParams | None = None,
              committee_params: CommitteeParams | None = None, include_all: bool = False,
              min_level: str | None = None, key_only: bool = False,
              previous: Network | Dataset | None = None,
              history_params: HistoryParams | None = None) -> Watchlist:
    """List the key enterprises with their criteria, signals, warning level and reasons.

    Parameters
    ----------
    net : Network or Dataset
    key_params : KeyFirmParams, optional
    warning_params : WarningParams, optional
    committee_params : CommitteeParams, optional
        The creditors'-committee rule behind ``creditor_committee``.
    include_all : bool
        List every enterprise, also those that are not key and have no signal.
    min_level : {"blue", "yellow", "orange", "red"}, optional
        List only enterprises at this level or above.
    key_only : bool
        List only key enterprises.
    previous : Network or Dataset, optional
        The previous period (at its own as-of date): adds the signals over time.
    history_params : HistoryParams, optional
        Thresholds of the signals over time (used with *previous*).

    Returns
    -------
    Watchlist

    Raises
    ------
    ParameterError
        Unknown ``min_level``; a *previous* period dated after the current one.

    Examples
    --------
    >>> wl = watchlist(net)
    >>> [(e["id"], e["level"]) for e in wl.entries], wl.entries[0]["reasons"][0]["zh"]
    ([('E3', 'red'), ('E1', 'orange'), ('E2', 'orange'), ('E4', 'blue')], '企业状态为违约')
    >>> watchlist(net, previous=ds).previous  # the same period: no change, nothing added
    {'source': ..., 'as_of': ''}

    Notes
    -----
    Vectorised over the tables (O((n + m) log(n + m)) for n entities and m rows),
    plus the contagion cascade and the related-party stream of
    :mod:`graphrisk.watch._facts`; the Python work is per listed enterprise and per
    signal.
    """
    assert key_params is not None and warning_params is not None  # filled in by @analysis
    assert committee_params is not None and history_params is not None
    with gc_paused():
        return _watchlist(net, key_params, warning_params, committee_params, include_all,
                          min_level, key_only, previous, history_params)


def _watchlist(net: Network, kp: KeyFirmParams, wp: WarningParams,
               committee_params: CommitteeParams, include_all: bool, min_level: str | None,
               key_only: bool, previous: Network | Dataset | None = None,
               hp: HistoryParams | None = None) -> Watchlist:
    ds = net.dataset
    if min_level is not None and min_level not in WARNING_LEVELS:
        raise ParameterError(f"unknown level {min_level!r}; use one of "
                             f"{', '.join(WARNING_LEVELS)}")
    before = previous_info(net, previous) if previous is not None else None
    cond = condition(net)
    # the related pairs around the key firms and around the troubled ones: one pass
    primary = (primary_firms(net, params=kp) if kp.related and kp.related_rules
               else np.zeros(0, dtype=np.int64))
    troubled = np.flatnonzero((cond > 0) & (net.kind == 0))
    (key_pairs, key_notes), related = watchlist_pairs(net, kp, wp.related, primary, troubled)
    keys = key_enterprises(net, params=kp, related_pairs=key_pairs, related_notes=key_notes)
    facts = network_facts(net, params=wp, cond=cond, related=related)
    parts = [own_signals(net, params=wp), network_signals(net, facts, cond=cond)]
    if previous is not None:
        parts.append(history_signals(net, previous, params=hp))
    sig = pd.concat(parts, ignore_index=True)
    sig["level"] = signal_levels(sig, params=wp)
    sig = sig[sig["level"] > 0]
    key = keys.mask(net.n)
    lv = enterprise_levels(sig["pos"].to_numpy(np.int64), sig["level"].to_numpy(), net.n, key)

    e = ds.tables["enterprises"]
    epos = table_positions(net, "enterprises")
    exposure = net.borrowings() + np.bincount(net.g_src, weights=net.g_amount, minlength=net.n)
    nsig = np.bincount(sig["pos"].to_numpy(np.int64), minlength=net.n)
    levels = pd.DataFrame({"name": _text(e["name"]), "key": key[epos],
                           "level": np.array(LEVELS, dtype=object)[lv[epos]],
                           "level_rank": lv[epos].astype(int), "exposure": exposure[epos],
                           "signals": nsig[epos]},
                          index=pd.Index(_text(e["id"]), name="id"))
    listed = key[epos] | (lv[epos] > 0) if not include_all else np.ones(len(epos), dtype=bool)
    if min_level is not None:
        listed &= lv[epos] >= level_rank(min_level)
    if key_only:
        listed &= key[epos]
    sel = epos[listed]
    sel = sel[np.lexsort((net.ids[sel].astype(str), -exposure[sel], -lv[sel]))]
    entries = _entries(ds, net, sel, lv, key, exposure, keys, sig)
    due = {d["debtor"]: d for d in debtor_committees(net, params=committee_params)}
    for entry in entries:
        d = due.get(entry["id"])
        entry["creditor_committee"] = bool(d and d["creditor_committee"])
        entry["committee_reasons"] = d["reasons"] if d else []
    counts = {name: int((lv[epos] == i).sum()) for i, name in reversed(list(enumerate(LEVELS)))}
    counts.update(key=int(key[epos].sum()), listed=len(entries))
    history = hp if previous is not None else None
    parameters = {"key": asdict(kp), "warning": asdict(wp),
                  "committee": asdict(committee_params),
                  "rules": level_rules(params=wp, history=history),
                  "calls_source": facts.calls_source}
    notes = keys.notes + facts.notes
    if history is not None:
        parameters["history"] = asdict(history)
        if before and before["as_of"] and before["as_of"] == ds.as_of:
            notes.append(f"the previous period has the same as-of date ({ds.as_of}) as the "
                         "current one")
    return Watchlist(entries, levels, counts, parameters, notes, before)


def _text(col: pd.Series) -> Any:
    """Return a text column as it is when pandas holds it as text, else as objects."""
    return col.array if isinstance(col.dtype, pd.StringDtype) else col.to_numpy(object)


def _entries(ds: Dataset, net: Network, sel: np.ndarray, lv: np.ndarray, key: np.ndarray,
             exposure: np.ndarray, keys: KeyFirms, sig: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the watchlist entry of each listed enterprise, in the order of *sel*.

    The signal and reason records are built for all signals at once, from columns,
    and each entry takes its slice: O(listed + signals), no per-row pandas.
    """
    names = ds.names()
    name_map = dict(zip(names.index.tolist(), names.tolist(), strict=True))
    criteria = keys.by_position()
    cr = keys.credit
    credit = dict(zip(cr["pos"].tolist(), zip(cr["credit"].tolist(),
                                               cr["credit_source"].tolist(), strict=True),
                      strict=True))
    want = np.zeros(net.n, dtype=bool)
    want[sel] = True
    s = sig[want[sig["pos"].to_numpy(np.int64)]]
    s = s.assign(_o=s["code"].map(_SIGNAL_ORDER))
    s = s.sort_values(["pos", "level", "_o"], ascending=[True, False, True], kind="stable")
    codes, values, counts = s["code"].tolist(), s["value"].tolist(), s["count"].tolist()
    details, levels = s["detail"].tolist(), [LEVELS[x] for x in s["level"].tolist()]
    labels = _ALL_SIGNALS
    signals = [{"code": c, "label_zh": labels[c][0], "label_en": labels[c][1],
                "kind": labels[c][2], "value": v, "unit": labels[c][3], "count": k,
                "level": lvl, "detail": d}
               for c, v, k, d, lvl in zip(codes, values, counts, details, levels, strict=True)]
    reasons = [{"level": lvl, "signal": c, "zh": zh, "en": en}
               for c, lvl, (zh, en) in zip(codes, levels, map(describe, codes, values, counts,
                                                               details,
                                                               [name_map] * len(codes)),
                                           strict=True)]
    spos = s["pos"].to_numpy(np.int64)
    first = np.flatnonzero(np.r_[True, spos[1:] != spos[:-1]]) if len(spos) else spos
    ends = np.r_[first[1:], len(spos)].astype(np.int64) if len(spos) else spos
    bounds = dict(zip(spos[first].tolist(), zip(first.tolist(), ends.tolist(), strict=True),
                      strict=True))
    level_names = [LEVELS[x] for x in lv[sel].tolist()]
    out = []
    for p, eid, lvl, k, x in zip(sel.tolist(), net.ids[sel].tolist(), level_names,
                                 key[sel].tolist(), exposure[sel].tolist(), strict=True):
        a, b = bounds.get(p, (0, 0))
        crit = criteria.get(p, [])
        why = reasons[a:b]
        if a == b and k:
            why.append({
                "level": "blue", "signal": "key_enterprise",
                "zh": "重点企业（" + "、".join(c["label_zh"] for c in crit) + "），未发现不利信号",
                "en": "key enterprise (" + ", ".join(c["label_en"] for c in crit)
                      + "), no adverse signal"})
        c, src = credit.get(p, (None, None))
        out.append({
            "id": eid, "name": name_map.get(eid, ""), "key": k, "criteria": crit,
            "signals": signals[a:b], "level": lvl,
            "level_zh": WARNING_LEVELS.get(lvl, "无"), "reasons": why,
            "exposure": x, "credit": c, "credit_source": src,
        })
    return out
