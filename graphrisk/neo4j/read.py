"""Reading the dataset back from Neo4j, as the same validated :class:`Dataset`.

Each table of SPEC §1 is rebuilt from the graph (entity and loan nodes, the
relationships, the ``events`` of each enterprise) as text cells, exactly as the file
reader produces them, and then goes through the same checks
(:func:`graphrisk.io.validate.validate_tables`): a graph edited by hand in Browser is
validated like a file, and a graph written by :func:`graphrisk.neo4j.load.store_dataset`
gives back a dataset equal, table by table, to the one loaded — same rows in the same
order (``_line``), same values (floats are stored as Neo4j floats and written back
with ``repr``, which reads back to the same float; dates, stored as Neo4j ``Date`` values,
come back as ISO text) and the same declared period (``as_of``, ``region``, from the
``Dataset`` node).  Every row is read, live or not at that date: like
:func:`~graphrisk.io.load.load_dataset` with ``dated=False``, the as-of date is applied
by the caller (:func:`graphrisk.io.asof.apply_as_of`, which the CLI runs).

Problems are reported against ``neo4j[<table>]`` and the stored line number.
Complexity: one streamed read per table, O(nodes + relationships).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import (
    BORROWED,
    ENTERPRISE,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    INSTITUTION,
    LENT_BY,
    LOAN,
    PERSON,
    TABLES,
)
from graphrisk.errors import DatasetError, ParameterError, Problem
from graphrisk.io.asof import parse_date
from graphrisk.io.dataset import Dataset, LoadOptions, RawTable
from graphrisk.io.validate import validate_tables
from graphrisk.neo4j.connection import DATASET, Neo4jParams, Store
from graphrisk.neo4j.connection import open_store as _open

__all__ = ["read_dataset", "table_queries", "cell_text"]

_NUMERIC = ("amount", "signed_amount", "pct", "prob")


def cell_text(value: Any, kind: str) -> str:
    """Return the text form of a stored value, as a CSV cell would hold it.

    >>> cell_text(0.1, "amount"), cell_text(None, "amount"), cell_text(["a", "b"], "tags")
    ('0.1', '', 'a;b')
    """
    if value is None:
        return ""
    if kind in _NUMERIC and isinstance(value, float):
        return repr(value)
    if kind == "tags" and isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if hasattr(value, "iso_format"):  # neo4j.time.Date / DateTime
        return value.iso_format()[:10] if kind == "date" else value.iso_format()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cols(var: str, table: str, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(c.name, f"{var}.`{c.name}`") for c in TABLES[table].columns if c.name not in skip]


def table_queries() -> dict[str, tuple[str, list[str]]]:
    """Return, per table, the Cypher query reading it and the canonical column of each value.

    The last two values of every record are the stored line (``_line``) and, for
    enterprises and persons, the ``events`` list.
    """
    def q(match: str, cols: list[tuple[str, str]], line: str,
          extra: str = "") -> tuple[str, list[str]]:
        ret = ", ".join(expr for _, expr in cols) + f", {line}" + (f", {extra}" if extra else "")
        return f"{match} RETURN {ret}", [name for name, _ in cols]

    out = {
        "enterprises": q(f"MATCH (n:{ENTERPRISE})", _cols("n", "enterprises"), "n._line",
                         "n.events"),
        "persons": q(f"MATCH (n:{PERSON})", _cols("n", "persons"), "n._line", "n.events"),
        "institutions": q(f"MATCH (n:{INSTITUTION})", _cols("n", "institutions"), "n._line"),
        "shareholdings": q(f"MATCH (h)-[r:{HOLDS_SHARES}]->(c)",
                           [("holder_id", "h.id"), ("company_id", "c.id")]
                           + _cols("r", "shareholdings", ("holder_id", "company_id")), "r._line"),
        "positions": q(f"MATCH (p)-[r:{HOLDS_POSITION}]->(c)",
                       [("person_id", "p.id"), ("company_id", "c.id"), ("role", "r.role")],
                       "r._line"),
        "loans": q(f"MATCH (l:{LOAN}) OPTIONAL MATCH (b)-[:{BORROWED}]->(l) "
                   f"OPTIONAL MATCH (l)-[:{LENT_BY}]->(m)",
                   [("id", "l.id"), ("borrower_id", "b.id"), ("lender_id", "m.id")]
                   + _cols("l", "loans", ("id", "borrower_id", "lender_id")), "l._line"),
        "guarantees": q(f"MATCH (g)-[r:{GUARANTEES}]->(b)",
                        [("id", "r.id"), ("guarantor_id", "g.id"), ("borrower_id", "b.id")]
                        + _cols("r", "guarantees", ("id", "guarantor_id", "borrower_id")),
                        "r._line"),
    }
    return out


def _frame(name: str, columns: list[str], records: list[list[Any]]) -> pd.DataFrame:
    """Text frame + ``line``; rows in stored line order (rows without one last)."""
    table = TABLES[name]
    kinds = {c.name: c.kind for c in table.columns}
    data = {c: [cell_text(r[i], kinds[c]) for r in records] for i, c in enumerate(columns)}
    for c in table.columns:  # columns the graph cannot hold stay empty
        data.setdefault(c.name, [""] * len(records))
    frame = pd.DataFrame(data, columns=[c.name for c in table.columns], dtype=object)
    stored = pd.array([r[len(columns)] if isinstance(r[len(columns)], int) else None
                       for r in records], dtype="Int64")
    # np.lexsort sorts by its last key first: rows with a stored line, by line, then id
    key = frame[table.columns[0].name].to_numpy(dtype=str)
    order = np.lexsort((key, stored.fillna(0).to_numpy(dtype=np.int64),
                        np.asarray(stored.isna()))) if len(frame) else np.array([], dtype=int)
    frame = frame.iloc[order].reset_index(drop=True)
    stored = stored[order]
    fallback = np.arange(2, len(frame) + 2, dtype=np.int64)
    line = stored.fillna(0).to_numpy(dtype=np.int64)
    frame["line"] = np.where(np.asarray(stored.isna()), fallback, line) if len(frame) else \
        np.array([], dtype=np.int64)
    return frame


def _events(batches: list[tuple[list[list[Any]], int]]) -> pd.DataFrame:
    """Return the events stored on enterprise and person nodes, in their file order."""
    rows = []
    for records, width in batches:
        rows += _event_rows(records, width)
    return _event_frame(rows)


def _event_rows(records: list[list[Any]], width: int) -> list[list[Any]]:
    rows = []
    for r in records:
        for text in r[width + 1] or []:
            try:
                ev = json.loads(text)
            except (TypeError, ValueError):
                ev = {"description": str(text)}
            sev = ev.get("severity")
            rows.append([str(r[0] or ""), str(ev.get("date") or ""), str(ev.get("category") or ""),
                         "" if sev is None else str(sev), str(ev.get("description") or ""),
                         ev.get("line") if isinstance(ev.get("line"), int) else None])
    return rows


def _event_frame(rows: list[list[Any]]) -> pd.DataFrame:
    cols = ["enterprise_id", "date", "category", "severity", "description"]
    if not rows:
        return pd.DataFrame({**{c: pd.Series([], dtype=object) for c in cols},
                             "line": pd.Series([], dtype=np.int64)})
    frame = pd.DataFrame([r[:5] for r in rows], columns=cols, dtype=object)
    stored = pd.array([r[5] for r in rows], dtype="Int64")
    order = np.lexsort((stored.fillna(0).to_numpy(dtype=np.int64), np.asarray(stored.isna())))
    frame = frame.iloc[order].reset_index(drop=True)
    stored = stored[order]
    frame["line"] = np.where(np.asarray(stored.isna()), np.arange(2, len(frame) + 2),
                             stored.fillna(0).to_numpy(dtype=np.int64)).astype(np.int64)
    return frame


def read_dataset(target: Neo4jParams | Store | None = None,
                 options: LoadOptions | None = None) -> Dataset:
    """Read the graph back as a validated :class:`~graphrisk.io.dataset.Dataset`.

    Parameters
    ----------
    target : Neo4jParams or Store, optional
        Default: ``Neo4jParams.from_env()``.
    options : LoadOptions, optional
        ``strict`` as for files (``encoding`` does not apply).

    Returns
    -------
    Dataset
        ``source`` is the URI; ``files`` name the tables ``neo4j[<table>]``; ``as_of``
        and ``region`` are the period stored on the ``Dataset`` node (``""`` when
        unknown); every row, no as-of date applied (``dated`` false).

    Raises
    ------
    StoreError
        The server cannot be reached, or the optional ``neo4j`` driver is not installed.
    DatasetError
        The graph breaks a rule of SPEC §1 (e.g. edited by hand), or holds no
        ``Enterprise`` node.

    Examples
    --------
    With a server holding the demo county:

    .. code-block:: python

        ds = read_dataset(Neo4jParams.from_env("bolt://127.0.0.1:7688"))
        ds.counts()["guarantees"]  # 33
    """
    if options is not None and not isinstance(options, LoadOptions):
        raise ParameterError("options must be LoadOptions")
    options = options or LoadOptions()
    store, owned = _open(target)
    try:
        source = f"{store.params.uri}/{store.params.database}"
        raws: dict[str, RawTable] = {}
        with_events: list[tuple[list[list[Any]], int]] = []
        for name, (query, columns) in table_queries().items():
            records = list(store.stream(query, what=f"reading {name}"))
            raws[name] = RawTable(TABLES[name], _frame(name, columns, records),
                                  f"neo4j[{name}]", None)
            if name in ("enterprises", "persons"):  # events of enterprises and key persons
                with_events.append((records, len(columns)))
        raws["events"] = RawTable(TABLES["events"], _events(with_events), "neo4j[events]", None)
        period = store.period()
    finally:
        if owned:
            store.close()
    order = ["enterprises", "persons", "institutions", "shareholdings", "positions", "loans",
             "guarantees", "events"]
    # like a missing optional file, a table without rows is left to the validator's
    # empty frame (so that a read-back equals the file loader's dataset exactly)
    raws = {n: raws[n] for n in order if n == "enterprises" or len(raws[n].frame)}
    problems = []
    if not len(raws["enterprises"].frame):  # validate_tables does not check this
        problems.append(Problem("neo4j[enterprises]", 0, "", f"the database holds no "
                                f"{ENTERPRISE} node (load a dataset first)"))
    ds, more = validate_tables(raws, options, source=source)
    problems += more
    as_of = period["as_of"]
    try:  # a Date written by a load, or text typed in Browser
        as_of = parse_date(as_of, "as_of") if as_of else ""
    except ParameterError as e:
        problems.append(Problem(f"neo4j[{DATASET}]", 0, "as_of", str(e)))
    if any(p.severity == "error" for p in problems):
        raise DatasetError(problems, f"the graph in {source} is not a valid dataset")
    ds.warnings = sorted(p for p in problems if p.severity != "error")
    ds.as_of, ds.region = as_of, period["region"]
    return ds
