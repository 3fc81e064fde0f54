"""The Cypher query library: the documented ``.cypher`` files of ``cypher/``.

Each query file starts with a header of ``//`` comments::

    // guarantee_circles — 担保圈 guarantee circles: simple cycles, one row per cycle
    // … free text: what it computes, the rules, the cost …
    // @param max_length int = 6 (2..8, bound)  longest cycle, in guarantees
    // @param limit int = 1000 (1..)             rows returned at most
    // @param id entity                          an enterprise, person or institution
    // @param as_of date = null                  only guarantees live at this date
    // @returns members, length, hop_amounts, total_amount
    // @example graphrisk neo4j query guarantee_circles --param max_length=4

followed by plain Cypher (no APOC, no GDS).  A parameter without ``= default`` is
required; ``= null`` makes it optional with no value (``null`` in Cypher).  Types:
``int``, ``float``, ``str``, ``bool``, ``date`` (``YYYY-MM-DD``, checked, sent as that
text: the query converts it with ``date($name)``) and ``entity`` (the id of an
enterprise, person or institution: a string that must exist in the database).  A
range ``(lo..hi)`` or a choice ``(a|b|c)`` is checked before anything is sent.

Values always travel as query parameters (``$name``), never spliced into the text —
with one exception Cypher forces on us: the bounds of variable-length patterns
(``*1..6``, ``{1,6}``) cannot be parameters.  Such a parameter is declared ``bound``;
the file writes its default as ``/*name*/6`` (valid Cypher, runnable as it is in
Neo4j Browser), and the runner replaces the number after the marker with the value,
which is first parsed as an integer and checked against the declared range.
Nothing else of a user's input reaches the query text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphrisk.domain.glossary import ENTITY_KINDS
from graphrisk.errors import ParameterError, StoreError, UnknownEntityError
from graphrisk.neo4j._params import QueryParam, parse_param
from graphrisk.neo4j.connection import (
    Neo4jParams,
    Store,
    _require_driver,
    cypher_dir,
    translate_errors,
)
from graphrisk.neo4j.connection import open_store as _open

__all__ = ["QueryParam", "Query", "QueryResult", "list_queries", "get_query", "parse_query",
           "run_query", "coerce_params"]

@dataclass(frozen=True)
class Query:
    """A query of the library: its header, parameters and Cypher text."""

    name: str
    title: str
    description: str
    params: tuple[QueryParam, ...]
    returns: tuple[str, ...]
    examples: tuple[str, ...]
    text: str
    path: Path | None = None

    def param(self, name: str) -> QueryParam:
        """Return the parameter called *name*; :class:`ParameterError` when there is none."""
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(f"query {self.name!r} has no parameter {name!r}; it takes "
                             f"{', '.join(p.name for p in self.params) or 'none'}")

    def render(self, values: Mapping[str, Any]) -> str:
        """Return the Cypher text with the ``bound`` parameters substituted (values coerced)."""
        text = self.text
        for p in self.params:
            if p.bound:
                v = int(values[p.name])
                text = re.sub(rf"/\*{p.name}\*/\s*\d+", f"/*{p.name}*/{v}", text)
        return text


@dataclass
class QueryResult:
    """Rows of a query: ``columns`` and ``rows`` (lists), plus the values used."""

    query: str
    params: dict[str, Any]
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts keyed by column.

        >>> QueryResult("q", {}, ["a", "b"], [[1, 2]]).records()
        [{'a': 1, 'b': 2}]
        """
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


def parse_query(text: str, name: str, path: Path | None = None) -> Query:
    """Parse a query file's header and body (see the module notes)."""
    lines = text.splitlines()
    header: list[str] = []
    i = 0
    while i < len(lines) and (lines[i].startswith("//") or not lines[i].strip()):
        if lines[i].startswith("//"):
            header.append(lines[i][2:].strip())
        i += 1
    body = "\n".join(lines[i:]).strip()
    where = str(path or name)
    if not header or not body:
        raise ParameterError(f"{where}: a query file needs a // header and a body")
    first = header[0]
    title = first.split("—", 1)[1].strip() if "—" in first else first
    desc: list[str] = []
    params: list[QueryParam] = []
    returns: tuple[str, ...] = ()
    examples: list[str] = []
    for h in header[1:]:
        if h.startswith("@param"):
            params.append(parse_param(h, where))
        elif h.startswith("@returns"):
            returns = tuple(c.strip() for c in h[len("@returns"):].split(",") if c.strip())
        elif h.startswith("@example"):
            examples.append(h[len("@example"):].strip())
        else:
            desc.append(h)
    for p in params:
        if p.bound and not re.search(rf"/\*{p.name}\*/\s*\d+", body):
            raise ParameterError(f"{where}: bound parameter {p.name!r} has no /*{p.name}*/ marker")
    return Query(name, title, "\n".join(desc).strip(), tuple(params), returns, tuple(examples),
                 body, path)


def list_queries(folder: Path | None = None) -> list[Query]:
    """Return every query of the library (``cypher/*.cypher`` except ``schema.cypher``), by name.

    Needs no server and no driver.

    >>> [q.name for q in list_queries()][:3]
    ['bank_exposure_by_group', 'bank_exposure_by_group_live', 'beneficial_owners']
    """
    folder = Path(folder) if folder else cypher_dir()
    if not folder.is_dir():
        raise StoreError(f"the query library {folder} is missing")
    out = []
    for path in sorted(folder.glob("*.cypher")):
        if path.stem == "schema":
            continue
        out.append(parse_query(path.read_text("utf-8"), path.stem, path))
    return out


def get_query(name: str, folder: Path | None = None) -> Query:
    """Return the query called *name*; :class:`ParameterError` naming the others when unknown.

    >>> get_query("mutual_pairs").params[0].describe()
    'limit: int 1.., default 100000 — rows returned at most'
    """
    queries = {q.name: q for q in list_queries(folder)}
    if name not in queries:
        raise ParameterError(f"unknown query {name!r}; the library has: "
                             f"{', '.join(queries)} (graphrisk neo4j queries lists them)")
    return queries[name]


def coerce_params(query: Query, given: Mapping[str, object]) -> dict[str, Any]:
    """Apply the declared types, ranges and defaults to *given* (strings or values).

    >>> coerce_params(get_query("mutual_pairs"), {"limit": "20"})
    {'limit': 20, 'as_of': None}
    >>> coerce_params(get_query("mutual_pairs"), {"as_of": "2026-03-31"})
    {'as_of': '2026-03-31', 'limit': 100000}
    """
    values: dict[str, Any] = {}
    for name, raw in given.items():
        values[name] = query.param(name).coerce(raw)
    missing = [p.name for p in query.params if p.required and p.name not in values]
    if missing:
        raise ParameterError(f"query {query.name!r} needs --param " +
                             ", --param ".join(f"{m}=…" for m in missing))
    for p in query.params:
        values.setdefault(p.name, p.default)
    return values


def _plain(value: Any) -> Any:
    """Driver values as JSON-friendly Python (dates as ISO text)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _check_entities(store: Store, query: Query, values: Mapping[str, Any]) -> None:
    for p in query.params:
        if p.type != "entity":
            continue
        union = " UNION ".join(f"MATCH (n:{k} {{id: $id}}) RETURN n.id AS id"
                               for k in ENTITY_KINDS)
        if not store.run(f"CALL {{ {union} }} RETURN id LIMIT 1", {"id": values[p.name]},
                         write=False, what="looking up the entity"):
            raise UnknownEntityError(f"{p.name}: {values[p.name]!r} is not an enterprise, person "
                                     f"or institution in the database")


def run_query(target: Neo4jParams | Store | None, name: str | Query,
              params: Mapping[str, object] | None = None, *,
              timeout: float | None = 600.0) -> QueryResult:
    """Run a query of the library with its parameters (strings are parsed as declared).

    Parameters
    ----------
    target : Neo4jParams or Store
    name : str or Query
    params : dict, optional
        ``{"id": "E001", "max_depth": "4"}`` — unknown names, wrong types, out-of-range
        values and unknown entity ids raise :class:`ParameterError` /
        :class:`UnknownEntityError` before the query runs.
    timeout : float or None
        Seconds after which the server terminates the query (a transaction timeout,
        so that a search with too large a bound cannot run on forever); None: the
        server's default.

    Returns
    -------
    QueryResult

    Raises
    ------
    StoreError
        The server cannot be reached, or the optional ``neo4j`` driver is not
        installed (``pip install 'graphrisk[neo4j]'``).

    Examples
    --------
    Parameters are checked before anything is sent (no server needed):

    >>> run_query(Neo4jParams("bolt://127.0.0.1:7687"), "mutual_pairs", {"limit": "0"})
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: parameter 'limit' must be in 1.., got 0

    With a server (``NEO4J_URI`` set) holding the demo county:

    .. code-block:: python

        run_query(Neo4jParams.from_env(), "mutual_pairs").rows[:1]
        # [['91331122704518921G', '青山钢铁有限公司',
        #   '9133112273691025XM', '青山建材有限公司', 1500.0, 1800.0, 2]]
    """
    query = name if isinstance(name, Query) else get_query(name)
    values = coerce_params(query, dict(params or {}))
    text = query.render(values)
    _require_driver()
    store, owned = _open(target)
    try:
        _check_entities(store, query, values)
        from neo4j import Query as Query_  # noqa: PLC0415  (the optional driver)
        from neo4j import RoutingControl  # noqa: PLC0415

        if timeout is not None and not timeout > 0:
            raise ParameterError("timeout must be > 0 seconds")
        with translate_errors(store.params, f"running {query.name}"):
            res = store.driver.execute_query(Query_(text, timeout=timeout), values,
                                             database_=store.params.database,
                                             routing_=RoutingControl.READ)
        columns = list(res.keys)
        rows = [[_plain(v) for v in r.values()] for r in res.records]
    finally:
        if owned:
            store.close()
    return QueryResult(query.name, values, columns, rows)
