"""The in-memory dataset: one typed pandas DataFrame per input table.

A :class:`Dataset` is what :func:`graphrisk.io.load_dataset` returns once every rule
of SPEC §1 holds.  Columns carry the canonical English names of
:mod:`graphrisk.domain.glossary`; amounts are float 万元 (NaN when missing), percentages are
0–100, enum values canonical English, dates ISO text (empty when missing), and each
row keeps ``line``, its line in the source file.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import ENTITY_KINDS, NON_PERFORMING, TABLE_ORDER, Table
from graphrisk.errors import Problem, UnknownEntityError
from graphrisk.errors import check as _check

__all__ = ["Dataset", "RawTable", "LoadOptions", "network_arrays"]


@dataclass
class Dataset:
    """A validated dataset.

    Attributes
    ----------
    tables : mapping of str to DataFrame
        Every table of SPEC §1 (an absent optional file gives an empty frame).  A
        dataset opened from a snapshot store reads each table on first use.
    source : str
        Where it was read from.
    files, encodings : dict
        Per table present: the name problems use (``loans.csv``, ``demo.xlsx[贷款]``) and
        the encoding detected or forced (None for Excel).
    entity_kind : Series
        Index: entity id; value: ``Enterprise``, ``Person`` or ``Institution``.
    warnings : list of Problem
    as_of, region : str
        The reporting date (ISO) and region the dataset declares (``dataset.json`` or
        ``graphrisk ingest --as-of``); empty when unknown.
    arrays : dict of str to ndarray
        Network arrays kept by a snapshot store (see :mod:`graphrisk.io.store`), used
        by :func:`~graphrisk.network.graph.build_network` instead of joining the tables
        again; empty otherwise.
    dated : bool
        Whether an as-of date was applied (:func:`graphrisk.io.asof.apply_as_of`): the
        tables then hold only what is live at ``as_of`` (or, with no date, everything).
    excluded : DataFrame or None
        The rows the as-of date left out (or, with ``include_expired``, kept marked):
        columns ``table, id, line, column, date, reason, kept``; None when undated.
    """

    tables: MutableMapping[str, pd.DataFrame]
    source: str = ""
    files: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str | None] = field(default_factory=dict)
    entity_kind: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    warnings: list[Problem] = field(default_factory=list)
    as_of: str = ""
    region: str = ""
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    dated: bool = False
    excluded: pd.DataFrame | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Return the table *name*: ``ds.enterprises``, ``ds.loans`` ….

        Only called when the normal attribute lookup fails.

        >>> len(ds.loans)
        5
        """
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def counts(self) -> dict[str, int]:
        """Rows per table, in loading order."""
        return {name: int(len(self.tables[name])) for name in TABLE_ORDER}

    def kind(self, entity_id: str) -> str:
        """Node kind of an entity id; raises :class:`UnknownEntityError` when unknown.

        >>> Dataset({}, entity_kind=pd.Series({"E1": "Enterprise"})).kind("E1")
        'Enterprise'
        """
        try:
            return self.entity_kind[entity_id]
        except KeyError:
            raise UnknownEntityError(f"{entity_id!r} is not an enterprise, person or "
                                     f"institution of {self.source or 'the dataset'}") from None

    def names(self) -> pd.Series:
        """Entity id → display name for enterprises, persons and institutions."""
        parts = [self.tables[t].set_index("id")["name"] for t in
                 ("enterprises", "persons", "institutions") if len(self.tables[t])]
        return pd.concat(parts) if parts else pd.Series(dtype=object)

    def capital(self) -> pd.Series:
        """Enterprise id → own capital: ``paid_in_capital``, else ``registered_capital``."""
        e = self.tables["enterprises"].set_index("id")
        return e["paid_in_capital"].fillna(e["registered_capital"])


@dataclass
class RawTable:
    """One table as read: text cells under canonical column names, plus ``line``."""

    table: Table
    frame: pd.DataFrame  # canonical columns (str) + "line" (int64)
    file: str  # how problems name it: "guarantees.csv" or "demo.xlsx[担保]"
    encoding: str | None  # None for xlsx


@dataclass(frozen=True)
class LoadOptions:
    """How to read a dataset.

    Parameters
    ----------
    encoding : str or None
        Force a CSV encoding (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030`` …);
        None detects UTF-8 (with or without BOM) or GB18030.
    strict : bool
        Turn warnings about malformed credit codes into errors.
    share_slack : float
        How far the shares held in one company may sum past 100 (rounding).
    max_amount : float
        The largest amount accepted in any cell, in 万元 (default 10^9 万元, i.e.
        10 trillion CNY; must be > 0).

    Notes
    -----
    Numbers must be finite: ``inf``, ``-inf``, ``nan``, ``Infinity`` (in any case,
    with or without a sign) in a numeric cell are errors, in every numeric column
    (amounts, ``share_pct``, ``pd``, counts, ``severity``).  Every amount column
    (万元: ``balance``, ``amount``, ``registered_capital``, ``paid_in_capital``,
    ``net_assets``, ``total_assets``, ``total_liabilities``, ``credit_line``) must
    not exceed ``max_amount``; ``net_assets`` may be negative, and then its absolute
    value must not exceed it.  A larger value is an error with file, line and
    column.  No county's balance sheet reaches 10^9 万元, so such a cell is almost
    always a unit or typing mistake (元 for 万元, a stray exponent); when it is
    right, raise the bound (``--max-amount`` on the command line).
    """

    encoding: str | None = None
    strict: bool = False
    share_slack: float = 0.5
    max_amount: float = 1e9

    def __post_init__(self) -> None:
        """Check the values."""
        _check(self.share_slack >= 0, "share_slack must be >= 0")
        _check(self.max_amount > 0, "max_amount must be > 0 (万元)")


def network_arrays(ds: Dataset) -> tuple[dict[str, np.ndarray], pd.Index | None]:
    """Return the integer-indexed arrays of :class:`~graphrisk.network.graph.Network`.

    Entities are numbered enterprises first, then persons, then institutions (table
    order); every reference becomes the position of its entity (``kind`` is the index
    of the entity's kind in ``ENTITY_KINDS``).  A dataset opened from a snapshot store
    brings the arrays it was ingested with (``ds.arrays``): then nothing is joined and
    no index is returned.

    Returns
    -------
    arrays : dict of str to ndarray
        The fields of ``Network`` but ``ds``.
    index : pandas.Index or None
        The entity ids as an index, built by the joins (None from a store).

    Examples
    --------
    >>> arrays, index = network_arrays(ds)
    >>> arrays["g_src"].tolist(), arrays["g_dst"].tolist(), list(index[:2])
    ([1, 0, 2, 4], [0, 1, 1, 2], ['E1', 'E2'])
    """
    if ds.arrays:
        return dict(ds.arrays), None
    t = ds.tables
    parts = ("enterprises", "persons", "institutions")
    ids = np.concatenate([t[name]["id"].to_numpy(dtype=object) for name in parts])
    kind = np.concatenate([np.full(len(t[name]), ENTITY_KINDS.index(k), dtype=np.int8)
                           for name, k in zip(parts, ENTITY_KINDS, strict=True)])
    index = pd.Index(ids)

    def pos(col: pd.Series) -> np.ndarray:
        return index.get_indexer(col.to_numpy(dtype=object)).astype(np.int32)

    g, h, lo = t["guarantees"], t["shareholdings"], t["loans"]
    loan_index = pd.Index(lo["id"].to_numpy(dtype=object))
    g_loan = np.where(g["loan_id"].to_numpy(dtype=object) == "", -1,
                      loan_index.get_indexer(g["loan_id"].to_numpy(dtype=object))).astype(np.int32)
    arrays = dict(
        ids=ids, kind=kind,
        g_src=pos(g["guarantor_id"]), g_dst=pos(g["borrower_id"]),
        g_amount=g["amount"].to_numpy(dtype=np.float64), g_loan=g_loan,
        g_id=g["id"].to_numpy(dtype=object),
        h_src=pos(h["holder_id"]), h_dst=pos(h["company_id"]),
        h_pct=h["share_pct"].to_numpy(dtype=np.float64),
        l_borrower=pos(lo["borrower_id"]), l_lender=pos(lo["lender_id"]),
        l_balance=lo["balance"].to_numpy(dtype=np.float64),
        l_npl=lo["classification"].isin(NON_PERFORMING).to_numpy(dtype=bool),
        l_id=lo["id"].to_numpy(dtype=object),
    )
    return arrays, index
