"""Loans across two periods: classification migration (五级分类迁徙), new NPL, new 关注类.

Loans are matched by loan id (借据号) and borrower, as the watchlist's signals over time
match them (:mod:`graphrisk.watch._history`).  A loan of the current period with no
previous record of that id and borrower is *new*; a previous loan with no current
record is *repaid* (paid off, written off or transferred: gone from the books).  For a matched loan the
classification moves from ``from`` to ``to`` (codes 0 正常 … 4 损失):

* a *downgrade* (向下迁徙) when ``to > from``, an *upgrade* (向上迁徙) when ``to < from``;
* a *new non-performing loan* (新增不良) when it is 次级/可疑/损失 now and was 正常/关注
  before or is new;
* *new special-mention balance* (新增关注类) is the balance of the loans 关注 now that
  were 正常 before or are new (an upgrade from 不良 into 关注 is not new 关注), per
  borrower, per lender and per ``region`` (the borrower's enterprise region; persons
  and enterprises without one fall under ``None``).

Balances are the current ones (``balance``), with the previous balance alongside
(``previous_balance``); a repaid loan is counted at its previous balance.
Vectorised: one hash join of the two loan tables, ``O(L log L)`` for ``L`` loans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.network.chains import entity_names
from graphrisk.network.committees import table_positions
from graphrisk.network.graph import Network

__all__ = ["CLASSES", "loan_frame", "entity_regions", "loan_changes"]

#: classification codes in order (0 normal … 4 loss); >= 2 is non-performing
CLASSES = list(CLASSIFICATION)
_NPL = 2
_SPECIAL = 1


def entity_regions(net: Network) -> np.ndarray:
    """Return each entity's ``region`` (enterprises; None for the others or when empty)."""
    out = np.full(net.n, None, dtype=object)
    e = net.dataset.tables["enterprises"]
    if len(e) and "region" in e:
        reg = e["region"].to_numpy(dtype=object)
        reg = np.where(pd.isna(reg) | (reg == ""), None, reg)
        out[table_positions(net, "enterprises")] = reg
    return out


def loan_frame(net: Network) -> pd.DataFrame:
    """Return the loans of *net*: ``id``, ``borrower``, ``lender`` (entity ids), ``balance``, ``cls``.

    ``cls`` is the classification code (0 normal … 4 loss; a missing one is normal).
    """
    classes = net.dataset.tables["loans"]["classification"]
    cls = pd.Categorical(classes, categories=CLASSES).codes.astype(np.int64)
    cls[cls < 0] = 0
    return pd.DataFrame({"id": net.l_id, "borrower": net.l_borrower.astype(np.int64),
                         "lender": net.l_lender.astype(np.int64),
                         "balance": net.l_balance.astype(np.float64), "cls": cls})


def _records(rows: pd.DataFrame, net: Network) -> list[dict[str, Any]]:
    """Return the loan records of a listing: borrower, lender (with names), from, to, balances."""
    names = entity_names(net)
    b, le = rows["borrower"].to_numpy(np.int64), rows["lender"].to_numpy(np.int64)
    cls_from = [CLASSES[int(c)] if c >= 0 else None for c in rows["cls_prev"].tolist()]
    return [{"id": i, "borrower_id": bi, "name": bn, "lender_id": li, "lender": ln,
             "from": f, "to": CLASSES[t], "balance": bal,
             "previous_balance": pb if pb == pb else None}
            for i, bi, bn, li, ln, f, t, bal, pb in zip(
                rows["id"].tolist(), net.ids[b].tolist(), names[b].tolist(),
                net.ids[le].tolist(), names[le].tolist(), cls_from, rows["cls"].tolist(),
                rows["balance"].tolist(), rows["balance_prev"].tolist(), strict=True)]


def _sorted(rows: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    return rows.sort_values(by + ["id"], ascending=ascending + [True], kind="stable")


def _by(rows: pd.DataFrame, key: np.ndarray, label: str,
        extra: dict[str, dict[Any, Any]]) -> list[dict[str, Any]]:
    """Balance and loan count per value of *key*, largest first (then by the key)."""
    if len(rows) == 0:
        return []
    frame = pd.DataFrame({"k": key, "balance": rows["balance"].to_numpy()})
    agg = frame.groupby("k", dropna=False, sort=False)["balance"].agg(["sum", "size"])
    agg = agg.reset_index()
    agg["_order"] = agg["k"].astype(str)
    agg = agg.sort_values(["sum", "_order"], ascending=[False, True], kind="stable")
    out = []
    for k, bal, cnt in zip(agg["k"].tolist(), agg["sum"].tolist(), agg["size"].tolist(),
                           strict=True):
        rec: dict[str, Any] = {label: None if k is None or k != k else k}
        for name, lookup in extra.items():
            rec[name] = lookup.get(k)
        rec.update(balance=bal, loans=int(cnt))
        out.append(rec)
    return out


def _match_keys(prev: Network, p: pd.DataFrame, cur: Network,
                c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return one int64 key per loan of each period: (loan id, borrower id), coded jointly.

    Loan ids are unique within a period, so the keys are too.  Two hash passes over the
    ids, ``O(L)``.
    """
    ids, _ = pd.factorize(np.concatenate([p["id"].to_numpy(object), c["id"].to_numpy(object)]))
    who, _ = pd.factorize(np.concatenate([prev.ids[p["borrower"].to_numpy()],
                                          cur.ids[c["borrower"].to_numpy()]]))
    key = ids.astype(np.int64) * (int(who.max(initial=0)) + 1) + who
    return key[:len(p)], key[len(p):]


def loan_changes(prev: Network, cur: Network) -> dict[str, Any]:
    """Return the ``loans`` part of a comparison (see the module docstring).

    Returns
    -------
    dict
        ``migration`` [{``from``, ``to``, ``count``, ``balance``, ``previous_balance``}]
        (matched loans, non-empty cells, in classification order), ``new`` and
        ``repaid`` {``count``, ``balance``}, ``downgrades``, ``upgrades`` and
        ``new_npl`` [{``id``, ``borrower_id``, ``name``, ``lender_id``, ``lender``,
        ``from``, ``to``, ``balance``, ``previous_balance``}] (``from`` None for a new
        loan), ``new_special_mention`` {``balance``, ``loans``, ``by_borrower``
        [{``borrower_id``, ``name``, ``region``, ``balance``, ``loans``}],
        ``by_lender`` [{``lender_id``, ``name``, ``balance``, ``loans``}],
        ``by_region`` [{``region``, ``balance``, ``loans``}]}.
    """
    p, c = loan_frame(prev), loan_frame(cur)
    p["key"], c["key"] = _match_keys(prev, p, cur, c)
    m = c.merge(p[["key", "balance", "cls"]], on="key", how="left", suffixes=("", "_prev"))
    m["cls_prev"] = m["cls_prev"].fillna(-1).astype(np.int64)
    matched = m[m["cls_prev"] >= 0]
    new = m[m["cls_prev"] < 0]
    repaid = p[~p["key"].isin(c["key"])]

    cells = matched.groupby(["cls_prev", "cls"], sort=True).agg(
        count=("id", "size"), balance=("balance", "sum"), previous_balance=("balance_prev", "sum"))
    migration = [{"from": CLASSES[f], "to": CLASSES[t], "count": int(n), "balance": b,
                  "previous_balance": pb}
                 for (f, t), n, b, pb in zip(cells.index.tolist(), cells["count"].tolist(),
                                             cells["balance"].tolist(),
                                             cells["previous_balance"].tolist(), strict=True)]
    down = _sorted(matched[matched["cls"] > matched["cls_prev"]], ["cls", "cls_prev", "balance"],
                   [False, True, False])
    up = _sorted(matched[matched["cls"] < matched["cls_prev"]], ["cls_prev", "cls", "balance"],
                 [False, True, False])
    npl = _sorted(m[(m["cls"] >= _NPL) & (m["cls_prev"] < _NPL)], ["cls", "balance"],
                  [False, False])
    sm = m[(m["cls"] == _SPECIAL) & (m["cls_prev"] <= 0)]

    names = entity_names(cur)
    regions = entity_regions(cur)
    b = sm["borrower"].to_numpy(np.int64)
    le = sm["lender"].to_numpy(np.int64)
    b_ids, l_ids = cur.ids[b], cur.ids[le]
    b_info = {"name": dict(zip(b_ids.tolist(), names[b].tolist(), strict=True)),
              "region": dict(zip(b_ids.tolist(), regions[b].tolist(), strict=True))}
    return {
        "migration": migration,
        "new": {"count": len(new), "balance": float(new["balance"].sum())},
        "repaid": {"count": len(repaid), "balance": float(repaid["balance"].sum())},
        "downgrades": _records(down, cur),
        "upgrades": _records(up, cur),
        "new_npl": _records(npl, cur),
        "new_special_mention": {
            "balance": float(sm["balance"].sum()), "loans": len(sm),
            "by_borrower": _by(sm, b_ids, "borrower_id", b_info),
            "by_lender": _by(sm, l_ids, "lender_id",
                             {"name": dict(zip(l_ids.tolist(), names[le].tolist(),
                                               strict=True))}),
            "by_region": _by(sm, regions[b], "region", {}),
        },
    }
