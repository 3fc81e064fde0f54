"""Batches of a load: the dataset's rows as columnar text, and the Cypher writing them.

The batches carry the dataset's rows as columnar text parameters, with the Cypher
that writes them (used by :mod:`graphrisk.neo4j.load`).

A batch travels *columnar*: one text parameter per column (``c0`` … ``cK``), the cells
joined by the unit separator U+001F (:data:`SEP`), split back by Cypher
(``UNWIND range(0, size(c0) - 1) AS i``) and typed there (``toFloat``, ``toInteger``,
``date``).  Floats are written with ``repr``, the shortest text that reads back to the
same float (also in Java), so nothing is lost.  The pure-Python Bolt packer costs about
6 µs per value; one string per column instead of one map per row makes the client's
share of a load small.

Every date (``start_date``/``end_date`` of a guarantee, ``start_date``/``maturity_date``
of a loan, ``as_of`` of a shareholding) is stored as a Neo4j ``Date``; the events of a
node keep their date in their JSON and, as ``Date`` values, in the parallel list
``event_dates``.  The last step writes the :data:`~graphrisk.neo4j.connection.DATASET`
node: the period the dataset declares (``as_of``, ``region``) and its ``source``.

Each :class:`Step` has three queries: ``write`` (``MERGE`` — the upsert, idempotent),
``fresh`` (``CREATE`` — for a database that held no graphrisk node at the start) and
``before`` (reads the current properties of the elements a ``write`` batch would
change, so that a failed load can restore them).  Labels and relationship types come
from :mod:`graphrisk.domain.glossary`; every value is a parameter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphrisk.domain.glossary import (
    BORROWED,
    ENTERPRISE,
    ENTITY_KINDS,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    LENT_BY,
    LOAN,
    PERSON,
    TABLES,
)
from graphrisk.errors import StoreError
from graphrisk.io.dataset import Dataset
from graphrisk.neo4j.connection import DATASET, DATASET_ID

__all__ = ["SEP", "EVENT_SEP", "META_TABLE", "Step", "plan", "column_text", "cypher_value",
           "unwind_columns"]

#: the ``table`` of the step writing the :data:`~graphrisk.neo4j.connection.DATASET` node
META_TABLE = "dataset"

_NUMERIC = ("amount", "signed_amount", "pct", "prob")
_ENTITY_TABLES = {"enterprises": ENTERPRISE, "persons": PERSON, "institutions": ENTITY_KINDS[2]}
_CHANGED = ("any(k IN keys(props) WHERE NOT coalesce(old[k] = props[k], "
            "old[k] IS NULL AND props[k] IS NULL))")

#: separators of the columnar batches: never in a valid cell (graphrisk.io splits
#: cells on the same unit separator) and escaped by JSON inside events
SEP, EVENT_SEP = "\x1f", "\x1e"


def column_text(series: pd.Series, kind: str) -> list[str]:
    """Cells as text for a columnar batch; ``""`` is a missing value.

    Floats are written with ``repr`` (the shortest text that reads back to the same
    float, also in Java), so nothing is lost on the way to Neo4j.

    >>> column_text(pd.Series([0.1, float("nan"), 35.0]), "pct")
    ['0.1', '', '35.0']
    >>> column_text(pd.Series([3, None], dtype="Int64"), "int")
    ['3', '']
    """
    if kind in _NUMERIC:
        out = []
        for v in series.to_numpy(dtype=np.float64).tolist():
            if v != v:
                out.append("")
            elif v in (np.inf, -np.inf):
                out.append("Infinity" if v > 0 else "-Infinity")
            else:
                out.append(repr(v))
        return out
    if kind in ("int", "severity"):
        return ["" if v is None else str(int(v))
                for v in series.astype(object).where(series.notna(), None).tolist()]
    return ["" if v is None else str(v) for v in series.tolist()]


def cypher_value(kind: str, ref: str) -> str:
    """Cypher expression turning the text cell *ref* into a typed value (or null).

    >>> cypher_value("amount", "c1[i]")
    'toFloat(c1[i])'
    """
    if kind in _NUMERIC:
        return f"toFloat({ref})"
    if kind in ("int", "severity"):
        return f"toInteger({ref})"
    if kind == "date":
        return f"CASE {ref} WHEN '' THEN null ELSE date({ref}) END"
    if kind == "tags":
        return f"CASE {ref} WHEN '' THEN null ELSE split({ref}, ';') END"
    if kind == "events":
        return f"CASE {ref} WHEN '' THEN null ELSE split({ref}, $esep) END"
    if kind == "dates":  # ISO dates joined by ";", as a list of Neo4j dates
        return f"CASE {ref} WHEN '' THEN null ELSE [d IN split({ref}, ';') | date(d)] END"
    return f"CASE {ref} WHEN '' THEN null ELSE {ref} END"


def _events_by_enterprise(ds: Dataset) -> tuple[dict[str, str], dict[str, str]]:
    """Map each entity id (an enterprise or a person) to its events and their dates.

    The events as JSON joined by :data:`EVENT_SEP`, the dates joined by ``;`` (same
    order; a date is required in ``events``).
    """
    ev = ds.tables["events"]
    if not len(ev):
        return {}, {}
    sev = ev["severity"].astype(object).where(ev["severity"].notna(), None).tolist()
    out: dict[str, list[str]] = {}
    dates: dict[str, list[str]] = {}
    for eid, d, cat, s, desc, line in zip(ev["enterprise_id"].tolist(), ev["date"].tolist(),
                                          ev["category"].tolist(), sev,
                                          ev["description"].tolist(),
                                          ev["line"].tolist(), strict=True):
        rec = {"date": d or None, "category": cat or None,
               "severity": None if s is None else int(s), "description": desc or None,
               "line": int(line)}
        out.setdefault(eid, []).append(
            json.dumps({k: v for k, v in rec.items() if v is not None}, ensure_ascii=False))
        dates.setdefault(eid, []).append(str(d or ""))
    # a list property cannot hold nulls: event_dates only when every event has a date
    return ({k: EVENT_SEP.join(v) for k, v in out.items()},
            {k: ";".join(v) for k, v in dates.items() if all(v)})


def _seq(frame: pd.DataFrame, keys: list[str]) -> list[str]:
    if not len(frame):
        return []
    return frame.groupby(keys, sort=False).cumcount().astype(str).tolist()


@dataclass
class Step:
    """One kind of batch: text columns, the write query and the optional "before" query.

    Column ``c0`` … ``cK`` of the queries are the values of :attr:`columns`, in order,
    sent per batch as one string each (joined by :data:`SEP`).
    """

    table: str
    what: str
    columns: list[list[str]]
    write: str
    before: str | None = None  # reads the old properties of elements about to change
    element: str = "node"  # or "rel"
    dataset_rows: int = 0  # rows of the dataset this step accounts for (progress/report)
    fresh: str | None = None  # CREATE form, for a database that was empty at the start

    @property
    def size(self) -> int:
        """Return the number of rows (elements) of the step."""
        return len(self.columns[0]) if self.columns else 0

    def batch(self, start: int, stop: int) -> dict[str, str]:
        """Return the parameters ``c0`` … of the rows *start* to *stop* (one text per column).

        Raises
        ------
        StoreError
            A value contains the separator U+001F.
        """
        params = {}
        for k, col in enumerate(self.columns):
            text = SEP.join(col[start:stop])
            if text.count(SEP) != stop - start - 1:
                raise StoreError(f"a value of {self.table} contains the control character "
                                 "U+001F, which cannot be stored")
            params[f"c{k}"] = text
        return params


def unwind_columns(n: int) -> str:
    """Cypher prefix splitting the text columns ``$c0`` … and iterating their rows as ``i``.

    >>> unwind_columns(2)
    'WITH split($c0, $sep) AS c0, split($c1, $sep) AS c1 UNWIND range(0, size(c0) - 1) AS i '
    """
    splits = ", ".join(f"split($c{k}, $sep) AS c{k}" for k in range(n))
    return f"WITH {splits} UNWIND range(0, size(c0) - 1) AS i "


def _props_map(names_kinds: list[tuple[str, str]], first: int) -> str:
    return "{" + ", ".join(f"`{name}`: {cypher_value(kind, f'c{first + k}[i]')}"
                           for k, (name, kind) in enumerate(names_kinds)) + "}"


def _table_props(table: str, skip: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(c.name, c.kind) for c in TABLES[table].columns if c.name not in skip] + \
        [("_line", "int")]


def _prop_columns(frame: pd.DataFrame, props: list[tuple[str, str]]) -> list[list[str]]:
    return [frame["line"].astype(str).tolist() if name == "_line" else
            column_text(frame[name], kind) for name, kind in props]


def _element_step(table: str, what: str, element: str, keys: list[tuple[str, list[str]]],
                  match: str, merge: str, create: str, props: list[tuple[str, str]],
                  prop_cols: list[list[str]], dataset_rows: int, extra: str = "",
                  extra_create: str = "") -> Step:
    """Build a step writing one element per row.

    *keys* are (variable, values) bound as ``WITH c0[i] AS var …``; *match* binds the
    end nodes; *merge* / *create* are the element's pattern for the MERGE (upsert) and
    the CREATE (fresh database) forms; *extra* / *extra_create* follow them (the
    relationships of a loan).
    """
    n_cols = len(keys) + len(prop_cols)
    bind = ", ".join(f"c{k}[i] AS {var}" for k, (var, _) in enumerate(keys))
    prefix = unwind_columns(n_cols) + f"WITH {bind}, {_props_map(props, len(keys))} AS props "
    x = "n" if element == "node" else "r"
    write = (f"{prefix}{match} MERGE {merge} ON CREATE SET {x}._load = $load "
             f"SET {x} += props {extra}RETURN count(*) AS rows")
    fresh = (f"{prefix}{match} CREATE {create} SET {x} += props {extra_create}"
             "RETURN count(*) AS rows")
    found = f"MATCH {merge}" if element == "node" else f"{match} MATCH {merge}"
    before = (f"{prefix}{found} WITH {x}, props, properties({x}) AS old WHERE {_CHANGED} "
              f"RETURN elementId({x}) AS eid, old")
    return Step(table, what, [v for _, v in keys] + prop_cols, write, before, element,
                 dataset_rows, fresh)


def _by_kind(ds: Dataset, frame: pd.DataFrame,
             *cols: str) -> list[tuple[tuple[str, ...], pd.Index]]:
    """Row groups of *frame* by the node kinds of the entity ids in *cols*."""
    if not len(frame):
        return []
    kinds = pd.DataFrame({c: frame[c].map(ds.entity_kind).to_numpy() for c in cols},
                         index=frame.index)
    return [((k,) if isinstance(k, str) else tuple(k), g.index)
            for k, g in kinds.groupby(list(cols), sort=True)]


def plan(ds: Dataset) -> list[Step]:
    """Return the steps writing *ds*, in order.

    The order: entity nodes, loans (node + ``BORROWED`` + ``LENT_BY``), shareholdings,
    posts, guarantees; relationship steps are split by the kinds of their end nodes, so
    that every lookup is by label and ``id``.  O(rows).

    >>> [s.what for s in plan(ds)][:4]
    ['Enterprise nodes', 'Person nodes', 'Institution nodes', 'Loan nodes Enterprise→Enterprise']
    """
    t = ds.tables
    steps: list[Step] = []
    for table, label in _ENTITY_TABLES.items():
        f = t[table]
        props = _table_props(table, ("id",))
        cols = _prop_columns(f, props)
        n = len(f)
        if table in ("enterprises", "persons"):  # events of an enterprise or a key person
            events, dates = _events_by_enterprise(ds)
            props += [("events", "events"), ("event_dates", "dates")]
            cols.append([events.get(i, "") for i in f["id"].tolist()])
            cols.append([dates.get(i, "") for i in f["id"].tolist()])
            n += int(t["events"]["enterprise_id"].isin(f["id"]).sum())
        steps.append(_element_step(table, f"{label} nodes", "node", [("id", f["id"].tolist())],
                                   "", f"(n:{label} {{id: id}})",
                                   f"(n:{label} {{id: id, _load: $load}})", props, cols, n))
    lo = t["loans"]
    props = _table_props("loans", ("id", "borrower_id", "lender_id"))
    for (bk, mk), idx in _by_kind(ds, lo, "borrower_id", "lender_id"):
        # a loan node with its two relationships:
        # (borrower)-[:BORROWED]->(loan)-[:LENT_BY]->(lender)
        f = lo.loc[idx]
        keys = [("id", f["id"].tolist()), ("bid", f["borrower_id"].tolist()),
                ("mid", f["lender_id"].tolist())]
        steps.append(_element_step(
            "loans", f"{LOAN} nodes {bk}→{mk}", "node", keys,
            f"MATCH (b:{bk} {{id: bid}}) MATCH (m:{mk} {{id: mid}}) ",
            f"(n:{LOAN} {{id: id}})", f"(n:{LOAN} {{id: id, _load: $load}})", props,
            _prop_columns(f, props), len(f),
            extra=(f"MERGE (b)-[r1:{BORROWED}]->(n) ON CREATE SET r1._load = $load "
                   f"MERGE (n)-[r2:{LENT_BY}]->(m) ON CREATE SET r2._load = $load "),
            extra_create=(f"CREATE (b)-[:{BORROWED} {{_load: $load}}]->(n) "
                          f"CREATE (n)-[:{LENT_BY} {{_load: $load}}]->(m) ")))

    sh = t["shareholdings"]
    sh = sh.assign(_seq=_seq(sh, ["holder_id", "company_id"]))
    props = _table_props("shareholdings", ("holder_id", "company_id"))
    for (hk,), idx in _by_kind(ds, sh, "holder_id"):
        f = sh.loc[idx]
        keys = [("h", f["holder_id"].tolist()), ("c", f["company_id"].tolist()),
                ("seq", f["_seq"].tolist())]
        rel = f"r:{HOLDS_SHARES} {{_seq: toInteger(seq)"
        steps.append(_element_step(
            "shareholdings", f"{HOLDS_SHARES} from {hk}", "rel", keys,
            f"MATCH (a:{hk} {{id: h}}) MATCH (b:{ENTERPRISE} {{id: c}})",
            f"(a)-[{rel}}}]->(b)", f"(a)-[{rel}, _load: $load}}]->(b)", props,
            _prop_columns(f, props), len(f)))
    po = t["positions"]
    po = po.assign(_seq=_seq(po, ["person_id", "company_id", "role"]))
    props = _table_props("positions", ("person_id", "company_id", "role"))
    if len(po):
        keys = [("p", po["person_id"].tolist()), ("c", po["company_id"].tolist()),
                ("role", po["role"].tolist()), ("seq", po["_seq"].tolist())]
        rel = f"r:{HOLDS_POSITION} {{role: role, _seq: toInteger(seq)"
        steps.append(_element_step(
            "positions", HOLDS_POSITION, "rel", keys,
            f"MATCH (a:{PERSON} {{id: p}}) MATCH (b:{ENTERPRISE} {{id: c}})",
            f"(a)-[{rel}}}]->(b)", f"(a)-[{rel}, _load: $load}}]->(b)", props,
            _prop_columns(po, props), len(po)))
    g = t["guarantees"]
    props = _table_props("guarantees", ("id", "guarantor_id", "borrower_id"))
    for (gk, bk), idx in _by_kind(ds, g, "guarantor_id", "borrower_id"):
        f = g.loc[idx]
        keys = [("gid", f["id"].tolist()), ("g", f["guarantor_id"].tolist()),
                ("b", f["borrower_id"].tolist())]
        steps.append(_element_step(
            "guarantees", f"{GUARANTEES} {gk}→{bk}", "rel", keys,
            f"MATCH (a:{gk} {{id: g}}) MATCH (z:{bk} {{id: b}})",
            f"(a)-[r:{GUARANTEES} {{id: gid}}]->(z)",
            f"(a)-[r:{GUARANTEES} {{id: gid, _load: $load}}]->(z)", props,
            _prop_columns(f, props), len(f)))
    steps.append(_dataset_step(ds))
    return steps


def _dataset_step(ds: Dataset) -> Step:
    """Return the step writing the :data:`~graphrisk.neo4j.connection.DATASET` node (a MERGE).

    Its properties: ``as_of`` (a ``Date``) and ``region`` — the period the dataset
    declares, absent when unknown — and ``source``.  No ``fresh`` form: the node may
    outlive the graphrisk nodes (it is not an entity), so it is always merged.
    """
    props = [("as_of", "date"), ("region", "text"), ("source", "text")]
    cols = [[ds.as_of or ""], [ds.region or ""], [str(ds.source or "")]]
    step = _element_step(META_TABLE, f"{DATASET} node", "node", [("id", [DATASET_ID])], "",
                         f"(n:{DATASET} {{id: id}})", f"(n:{DATASET} {{id: id}})", props, cols,
                         0)
    step.fresh = None
    return step
