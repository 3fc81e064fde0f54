"""Lenders and regions across two periods: network exposure and NPL ratios (不良率排名).

:func:`lender_books` gives, for every lender at once, the ``book`` figures of
:func:`graphrisk.network.exposure.lender_exposure` (``graphrisk exposure --lender``):
loans, borrowers, balance, non-performing balance, the guaranteed part (per loan, the
guarantees written on it up to its balance) and the balance owed by borrowers in a
guarantee group (担保群) or circle (担保圈) — the exposure through the network.  One
pass over the loans and guarantees (``O(L + G + n)``) instead of one
``lender_exposure`` per lender (each ``O(depth · links)`` for its contingent chains,
which the comparison does not need).

:func:`npl_table` compares the NPL ratio (不良率 = non-performing balance / balance) of
each lender, or of each region (the borrower's enterprise ``region``, seed 000's
街道 ranking), before and after, ranked worst first by the current ratio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphrisk.network.chains import entity_names
from graphrisk.network.circles import circle_labels, guarantee_groups
from graphrisk.network.committees import lender_types
from graphrisk.network.graph import Network

__all__ = ["BOOK_FIELDS", "lender_books", "exposure_table", "npl_table"]

#: the figures of a lender's book compared before and after
BOOK_FIELDS = ("loans", "borrowers", "balance", "npl_balance", "guaranteed", "in_groups",
               "in_circles")


def lender_books(net: Network) -> pd.DataFrame:
    """Return every lender's book through the network, indexed by lender id.

    Columns ``name``, ``type`` and :data:`BOOK_FIELDS`; the same figures as the
    ``book`` of :func:`~graphrisk.network.exposure.lender_exposure` for each lender.

    >>> lender_books(net).loc["B1", ["balance", "guaranteed", "in_circles"]].tolist()
    [1500.0, 1200.0, 1500.0]
    """
    n = net.n
    lender = net.l_lender.astype(np.int64)
    bal = net.l_balance
    g = net.g_loan >= 0
    covered = np.bincount(net.g_loan[g], weights=net.g_amount[g], minlength=len(net.l_id))
    in_groups = guarantee_groups(net)[net.l_borrower] >= 0
    in_circles = circle_labels(net)[net.l_borrower] >= 0
    pairs = np.unique(lender * max(n, 1) + net.l_borrower)
    sums = {
        "loans": np.bincount(lender, minlength=n),
        "borrowers": np.bincount(pairs // max(n, 1), minlength=n),
        "balance": np.bincount(lender, weights=bal, minlength=n),
        "npl_balance": np.bincount(lender, weights=bal * net.l_npl, minlength=n),
        "guaranteed": np.bincount(lender, weights=np.minimum(covered, bal), minlength=n),
        "in_groups": np.bincount(lender, weights=bal * in_groups, minlength=n),
        "in_circles": np.bincount(lender, weights=bal * in_circles, minlength=n),
    }
    who = np.flatnonzero(sums["loans"] > 0)
    frame = pd.DataFrame({"name": entity_names(net)[who], "type": lender_types(net)[who],
                          **{k: v[who] for k, v in sums.items()}},
                         index=pd.Index(net.ids[who], name="id"))
    return frame


def _joined(before: pd.DataFrame, after: pd.DataFrame, fields: tuple[str, ...],
            info: tuple[str, ...]) -> pd.DataFrame:
    """Outer join of two per-key frames: ``<field>_before``, ``<field>_after`` (0 when absent)."""
    j = after.merge(before, how="outer", left_index=True, right_index=True,
                    suffixes=("_after", "_before"))
    for f in fields:
        j[f"{f}_before"] = j[f"{f}_before"].fillna(0.0)
        j[f"{f}_after"] = j[f"{f}_after"].fillna(0.0)
    for f in info:  # the current name and type, else the previous ones
        j[f] = j[f"{f}_after"].where(j[f"{f}_after"].notna(), j[f"{f}_before"])
    return j


def exposure_table(prev: Network, cur: Network) -> list[dict[str, Any]]:
    """Return each lender's book before and after, largest network exposure first.

    One record per lender of either period: ``lender_id``, ``name``, ``type`` and,
    for each of :data:`BOOK_FIELDS`, ``<field>_before`` and ``<field>_after``; sorted
    by ``in_groups_after`` (the balance owed by borrowers in guarantee groups), then
    ``balance_after``, then id.
    """
    j = _joined(lender_books(prev), lender_books(cur), BOOK_FIELDS, ("name", "type"))
    j = j.reset_index().sort_values(["in_groups_after", "balance_after", "id"],
                                    ascending=[False, False, True], kind="stable")
    cols = [f"{f}_{w}" for f in BOOK_FIELDS for w in ("before", "after")]
    out = []
    for rec in j[["id", "name", "type", *cols]].to_dict("records"):
        rec["lender_id"] = rec.pop("id")
        for f in ("loans", "borrowers"):
            rec[f"{f}_before"], rec[f"{f}_after"] = (int(rec[f"{f}_before"]),
                                                     int(rec[f"{f}_after"]))
        out.append({"lender_id": rec.pop("lender_id"), **rec})
    return out


def _npl_frame(net: Network, key: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"k": key, "balance": net.l_balance,
                          "npl_balance": net.l_balance * net.l_npl})
    return frame.groupby("k", dropna=False, sort=False).sum()


def _rank(ratio: pd.Series, balance: pd.Series, known: pd.Series) -> pd.Series:
    """Rank 1 = highest ratio among known keys with a balance; None for the others."""
    r = ratio.where((balance > 0) & known).rank(method="min", ascending=False)
    return r.astype("Int64")


def npl_table(prev: Network, cur: Network, prev_key: np.ndarray, cur_key: np.ndarray,
              label: str, names: dict[Any, str] | None = None) -> list[dict[str, Any]]:
    """Return the NPL ratio of each key (lender or region) before and after, ranked.

    *prev_key* and *cur_key* give each loan's key in its period.  Records: *label*,
    ``name`` (when *names* is given), ``balance_before/after``,
    ``npl_balance_before/after``, ``npl_ratio_before/after``, ``npl_ratio_change``
    (after − before, None unless both periods have a balance), ``rank_before/after``
    (1 = worst ratio; None without a balance, and for the loans without a key: the
    borrowers without a region).  Sorted by the current rank, then the change
    (largest rise first), then the key; unranked keys last.
    """
    j = _joined(_npl_frame(prev, prev_key), _npl_frame(cur, cur_key),
                ("balance", "npl_balance"), ())
    known = pd.Series(j.index.notna(), index=j.index)
    for w in ("before", "after"):
        bal = j[f"balance_{w}"]
        j[f"npl_ratio_{w}"] = (j[f"npl_balance_{w}"] / bal.where(bal > 0))
        j[f"rank_{w}"] = _rank(j[f"npl_ratio_{w}"], bal, known)
    j["npl_ratio_change"] = j["npl_ratio_after"] - j["npl_ratio_before"]
    j = j.reset_index(names="key")
    j["_key"] = j["key"].astype(str)
    j["_rank"] = j["rank_after"].astype("Float64").fillna(np.inf)
    j["_change"] = -j["npl_ratio_change"].astype(float).fillna(0.0)
    j = j.sort_values(["_rank", "_change", "_key"], kind="stable")
    out = []
    for rec in j.to_dict("records"):
        key = rec["key"]
        row: dict[str, Any] = {label: None if key is None or key != key else key}
        if names is not None:
            row["name"] = names.get(key, "")
        for f in ("balance", "npl_balance", "npl_ratio"):
            for w in ("before", "after"):
                v = rec[f"{f}_{w}"]
                row[f"{f}_{w}"] = None if v is None or v != v else float(v)
        ch = rec["npl_ratio_change"]
        row["npl_ratio_change"] = None if ch is None or ch != ch else float(ch)
        for w in ("before", "after"):
            r = rec[f"rank_{w}"]
            row[f"rank_{w}"] = None if r is pd.NA or r is None else int(r)
        out.append(row)
    return out
