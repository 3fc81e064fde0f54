"""Dataset summary (SPEC §2, the ``summary`` command).

Counts per node and relationship kind, loan balances and guarantee totals per lender
and overall.
"""

from __future__ import annotations

from typing import Any

from graphrisk.domain.glossary import (
    BORROWED,
    ENTERPRISE,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    INSTITUTION,
    LENT_BY,
    LOAN,
    NON_PERFORMING,
    PERSON,
)
from graphrisk.io.asof import exclusion_counts
from graphrisk.io.dataset import Dataset

__all__ = ["summarize", "EXCLUDED_LISTED"]

#: rows of ``excluded_rows`` listed (all are counted; ``graphrisk validate`` lists every one)
EXCLUDED_LISTED = 1000


def summarize(ds: Dataset) -> dict[str, Any]:
    """Return the counts and totals of a dataset.

    Returns
    -------
    dict
        ``nodes`` and ``relationships`` (count per kind), ``loans`` (count, balance,
        non-performing balance and ratio), ``guarantees`` (count, amount, amount tied to
        a loan), ``by_lender`` (one row per lender: loans, balance, non-performing
        balance, amount guaranteed on its loans), sorted by balance; ``as_of`` (the
        date applied), ``excluded`` (rows not live at it, per table and reason) and
        ``excluded_rows`` (the first :data:`EXCLUDED_LISTED` of them, with file and line;
        ``excluded_rows_count`` all of them).

    Examples
    --------
    >>> s = summarize(demo)
    >>> s["nodes"]
    {'Enterprise': 53, 'Person': 30, 'Institution': 6, 'Loan': 82}
    >>> s["by_lender"][0]["lender_id"], s["by_lender"][0]["balance"]
    ('I01', 26000.0)
    >>> s["as_of"], s["excluded"]
    ('2026-03-31', {'guarantees': {'ended': 6}})
    """
    t = ds.tables
    lo, g = t["loans"], t["guarantees"]
    npl = lo["classification"].isin(NON_PERFORMING)
    balance = float(lo["balance"].sum())
    npl_balance = float(lo.loc[npl, "balance"].sum())
    per_loan = g[g["loan_id"] != ""].groupby("loan_id")["amount"].sum()
    lo2 = lo.assign(npl_balance=lo["balance"].where(npl, 0.0),
                    guaranteed=lo["id"].map(per_loan).fillna(0.0))
    by = (lo2.groupby("lender_id", sort=False)
          .agg(loans=("id", "size"), balance=("balance", "sum"),
               npl_balance=("npl_balance", "sum"), guaranteed_amount=("guaranteed", "sum"),
               borrowers=("borrower_id", "nunique"))
          .sort_values("balance", ascending=False))
    names = ds.names()
    types = t["institutions"].set_index("id")["type"]
    by_lender: list[dict[str, Any]] = []
    for lender, r in by.iterrows():
        by_lender.append({
            "lender_id": lender, "name": names.get(lender, ""),
            "type": types.get(lender, "enterprise"),
            "loans": int(r["loans"]), "borrowers": int(r["borrowers"]),
            "balance": float(r["balance"]), "npl_balance": float(r["npl_balance"]),
            "npl_ratio": float(r["npl_balance"] / r["balance"]) if r["balance"] else 0.0,
            "guaranteed_amount": float(r["guaranteed_amount"]),
        })
    return {
        "source": ds.source,
        "counts": ds.counts(),
        "nodes": {ENTERPRISE: len(t["enterprises"]), PERSON: len(t["persons"]),
                  INSTITUTION: len(t["institutions"]), LOAN: len(lo)},
        "relationships": {HOLDS_SHARES: len(t["shareholdings"]),
                          HOLDS_POSITION: len(t["positions"]),
                          BORROWED: len(lo), LENT_BY: len(lo), GUARANTEES: len(g)},
        "loans": {"count": len(lo), "balance": balance, "npl_balance": npl_balance,
                  "npl_ratio": npl_balance / balance if balance else 0.0},
        "guarantees": {"count": len(g), "amount": float(g["amount"].sum()),
                       "amount_with_loan": float(g.loc[g["loan_id"] != "", "amount"].sum()),
                       "guarantors": int(g["guarantor_id"].nunique()),
                       "borrowers": int(g["borrower_id"].nunique())},
        "by_lender": by_lender,
        "encodings": {k: v for k, v in ds.encodings.items()},
        "warnings": len(ds.warnings),
        "as_of": ds.as_of or None, "region": ds.region or None,
        "excluded": exclusion_counts(ds),
        "excluded_rows": _excluded_rows(ds, EXCLUDED_LISTED),
        "excluded_rows_count": 0 if ds.excluded is None else len(ds.excluded),
    }


def _excluded_rows(ds: Dataset, limit: int) -> list[dict[str, Any]]:
    """Return the first *limit* rows the as-of date left out: table, id, line, date, reason."""
    ex = ds.excluded
    if ex is None or not len(ex):
        return []
    ex = ex.head(limit)
    return [{"table": r.table, "id": r.id, "file": ds.files.get(r.table, ""),
             "line": int(r.line), "column": r.column, "date": r.date, "reason": r.reason,
             "kept": bool(r.kept)} for r in ex.itertuples(index=False)]


