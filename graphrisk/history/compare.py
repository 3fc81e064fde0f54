"""Compare two periods of a region (本期变化): the document of ``graphrisk compare``.

:func:`compare_periods` takes the current period and the previous one, each a
:class:`~graphrisk.network.graph.Network` or a dated
:class:`~graphrisk.io.dataset.Dataset` (the as-of date is the caller's:
``graphrisk.cli.base.open_dataset`` / ``open_previous`` apply each period's own),
and reports what changed, in the parts of :mod:`graphrisk.history`:

``watchlist``
    the key-enterprise list (重点企业名单) and the warning levels (预警) of
    :func:`graphrisk.watch.watchlist.watchlist` in both periods
    (:mod:`graphrisk.history._watch`);
``loans``
    the classification migration (五级分类迁徙) of the loans matched by id, new and
    repaid loans, downgrades, upgrades, new non-performing loans and new special-mention
    balance (:mod:`graphrisk.history._loans`);
``circles`` / ``groups``
    guarantee circles and groups matched by member overlap
    (:mod:`graphrisk.history._match`, :mod:`graphrisk.history._structures`);
``banks``
    each lender's book through the network and the NPL ratio per lender and per
    region, before and after, ranked (:mod:`graphrisk.history._banks`);
``summary``
    counts of every kind of change and the overall NPL ratio before and after.

The JSON keys are fixed in ``docs/compare.md``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from graphrisk.errors import ParameterError
from graphrisk.history._banks import exposure_table, npl_table
from graphrisk.history._loans import entity_regions, loan_changes
from graphrisk.history._match import CHANGES
from graphrisk.history._structures import structure_changes
from graphrisk.history._watch import level_moves, watchlist_changes
from graphrisk.history.params import CompareParams
from graphrisk.io.dataset import Dataset
from graphrisk.network.chains import entity_names
from graphrisk.network.graph import Network, analysis, as_network
from graphrisk.params import KeyFirmParams, WarningParams
from graphrisk.watch import HistoryParams
from graphrisk.watch.watchlist import watchlist

__all__ = ["compare_periods", "period_info"]


def period_info(net: Network) -> dict[str, str]:
    """Return ``{"as_of", "region", "source"}`` of a period (empty text when unknown).

    >>> info = period_info(demo_net)
    >>> info["as_of"], info["region"], info["source"].endswith("demo")
    ('2026-03-31', '青山县', True)
    """
    ds = net.dataset
    return {"as_of": ds.as_of or "", "region": ds.region or "", "source": str(ds.source)}


def _npl_ratio(net: Network) -> tuple[float, float, float | None]:
    total = float(net.l_balance.sum())
    npl = float((net.l_balance * net.l_npl).sum())
    return total, npl, (npl / total if total > 0 else None)


@analysis(params=CompareParams, key_params=KeyFirmParams, warning_params=WarningParams,
          history_params=HistoryParams)
def compare_periods(net: Network, previous: Network | Dataset, *,
                    params: CompareParams | None = None,
                    key_params: KeyFirmParams | None = None,
                    warning_params: WarningParams | None = None,
                    history_params: HistoryParams | None = None) -> dict[str, Any]:
    """Compare the current period *net* with the *previous* one (see the module docstring).

    Parameters
    ----------
    net : Network or Dataset
        The current period (dated).
    previous : Network or Dataset
        The earlier period (dated), built into a network the same way.
    params : CompareParams, optional
        The overlap rule of circles and groups.
    key_params, warning_params : optional
        The watchlist's parameters, the same for both periods.
    history_params : HistoryParams, optional
        The thresholds of the signals over time in the current period's watchlist.

    Returns
    -------
    dict
        ``previous``, ``current`` ({``as_of``, ``region``, ``source``}),
        ``watchlist``, ``loans``, ``circles``, ``groups``, ``banks`` ({``exposure``,
        ``npl_by_lender``, ``npl_by_region``}), ``summary``, ``params`` and ``notes``;
        every key is listed in ``docs/compare.md``.

    Raises
    ------
    ParameterError
        The previous period is dated after the current one.

    Examples
    --------
    >>> doc = compare_periods(net, ds)  # a period against itself: nothing changed
    >>> doc["summary"]["watchlist"]["entered"], doc["summary"]["loans"]["downgrades"]
    (0, 0)
    >>> [c["change"] for c in doc["circles"]], doc["summary"]["npl_ratio_change"]
    (['unchanged'], 0.0)

    Notes
    -----
    Two watchlists (the dominant cost, see
    :func:`~graphrisk.watch.watchlist.watchlist`), then hash joins and bincounts:
    ``O((n + L + G) log(n + L + G))`` for ``n`` entities, ``L`` loans and ``G``
    guarantees of both periods, plus one Python step per change listed.
    """
    assert params is not None and key_params is not None and warning_params is not None
    assert history_params is not None  # filled in by @analysis
    prev = as_network(previous)
    before, after = period_info(prev), period_info(net)
    if before["as_of"] and after["as_of"] and before["as_of"] > after["as_of"]:
        raise ParameterError(f"the previous period ({before['as_of']}) is later than the "
                             f"current one ({after['as_of']}): give the earlier period first")
    notes = [f"{which} period {info['source']} declares no as-of date"
             for which, info in (("previous", before), ("current", after)) if not info["as_of"]]
    if before["region"] and after["region"] and before["region"] != after["region"]:
        notes.append(f"the periods are of different regions: {before['region']} and "
                     f"{after['region']}")

    # the current levels are those of ``watchlist CUR --previous PREV`` (with the signals
    # over time); the previous period's those of ``watchlist PREV``
    wl = watchlist_changes(watchlist(prev, key_params=key_params, warning_params=warning_params),
                           watchlist(net, key_params=key_params, warning_params=warning_params,
                                     previous=prev, history_params=history_params))
    loans = loan_changes(prev, net)
    circles = structure_changes(prev, net, "circles", threshold=params.same_overlap)
    groups = structure_changes(prev, net, "groups", threshold=params.same_overlap)
    names = {**_lender_names(prev), **_lender_names(net)}
    banks = {
        "exposure": exposure_table(prev, net),
        "npl_by_lender": npl_table(prev, net, prev.ids[prev.l_lender], net.ids[net.l_lender],
                                   "lender_id", names),
        "npl_by_region": npl_table(prev, net, entity_regions(prev)[prev.l_borrower],
                                   entity_regions(net)[net.l_borrower], "region"),
    }
    bal_b, npl_b, ratio_b = _npl_ratio(prev)
    bal_a, npl_a, ratio_a = _npl_ratio(net)
    up, down = level_moves(wl["level_changed"])
    summary = {
        "watchlist": {"entered": len(wl["entered"]), "exited": len(wl["exited"]),
                      "level_changed": len(wl["level_changed"]), "level_up": up,
                      "level_down": down, "key_entered": len(wl["key_entered"]),
                      "key_exited": len(wl["key_exited"]),
                      "listed_before": sum(wl["levels_before"].values()),
                      "listed_after": sum(wl["levels_after"].values())},
        "loans": {"loans_before": len(prev.l_id), "loans_after": len(net.l_id),
                  "new": loans["new"]["count"], "repaid": loans["repaid"]["count"],
                  "downgrades": len(loans["downgrades"]), "upgrades": len(loans["upgrades"]),
                  "new_npl": len(loans["new_npl"]),
                  "new_npl_balance": float(sum(r["balance"] for r in loans["new_npl"])),
                  "new_special_mention_balance": loans["new_special_mention"]["balance"]},
        "circles": _kinds(circles), "groups": _kinds(groups),
        "balance_before": bal_b, "balance_after": bal_a,
        "npl_balance_before": npl_b, "npl_balance_after": npl_a,
        "npl_ratio_before": ratio_b, "npl_ratio_after": ratio_a,
        "npl_ratio_change": (ratio_a - ratio_b if ratio_a is not None and ratio_b is not None
                             else None),
    }
    return {"previous": before, "current": after, "watchlist": wl, "loans": loans,
            "circles": circles, "groups": groups, "banks": banks, "summary": summary,
            "params": {"compare": asdict(params), "key": asdict(key_params),
                       "warning": asdict(warning_params), "history": asdict(history_params)},
            "notes": notes}


def _kinds(changes: list[dict[str, Any]]) -> dict[str, int]:
    counts = {k: 0 for k in CHANGES}
    for c in changes:
        counts[c["change"]] += 1
    return counts


def _lender_names(net: Network) -> dict[str, str]:
    who = np.unique(net.l_lender)
    return dict(zip(net.ids[who].tolist(), entity_names(net)[who].tolist(), strict=True))
