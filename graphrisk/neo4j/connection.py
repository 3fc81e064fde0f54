"""The Neo4j store: the property graph of SPEC §2 in a Neo4j 5 database.

A *store* is one Neo4j database holding the graph with the labels and relationship
types of :mod:`graphrisk.domain.glossary` — ``Enterprise``, ``Person``, ``Institution`` and
``Loan`` nodes; ``HOLDS_SHARES``, ``HOLDS_POSITION``, ``BORROWED``, ``LENT_BY`` and
``GUARANTEES`` relationships — so that analysts can explore it in Neo4j Browser or
Bloom and run the query library of ``cypher/``.  This module holds the connection
and the schema; the stages live in sibling modules and are re-exported here:

* :func:`~graphrisk.neo4j.load.store_dataset` (:mod:`graphrisk.neo4j.load`) — write a
  validated :class:`~graphrisk.io.dataset.Dataset`, idempotently and atomically;
* :func:`~graphrisk.neo4j.read.read_dataset` (:mod:`graphrisk.neo4j.read`) — read it
  back as the same validated ``Dataset``;
* :mod:`graphrisk.neo4j.queries` — the documented query library of ``cypher/``;
* :func:`~graphrisk.neo4j.annotate.annotate` — write analysis results onto nodes.

How the tables map to the graph
-------------------------------
Every entity and loan is a node keyed by ``id`` (a uniqueness constraint per label);
its columns are properties: amounts and percentages as floats (万元, %), counts as
integers, dates as Neo4j ``Date``, ``tags`` as a list of strings, ids as strings.  A
missing value is an absent property, never ``""``.  Shareholdings and posts are
relationships; a loan is a node between ``BORROWED`` and ``LENT_BY``; a guarantee is a
``GUARANTEES`` relationship with its ``id`` (unique).  Risk events (which have no
node kind in the glossary) are kept on their enterprise as ``events``, a list of JSON
objects, their dates also as ``event_dates`` (a list of Neo4j ``Date`` values, same order).
Bookkeeping properties start with ``_``: ``_load`` (the load that created the element),
``_line`` (its line in the source file, so that a read-back keeps the row order) and
``_seq`` (which repetition of an id-less row it is).  One bookkeeping node,
``(:Dataset {id: "dataset"})`` (:data:`DATASET`), holds the period the dataset declares:
``as_of`` (a ``Date``) and ``region``, with ``source`` (where it was loaded from) and,
after :func:`~graphrisk.neo4j.annotate.annotate`, ``annotated_as_of``.

Credentials come from the environment (``NEO4J_URI``, ``NEO4J_USER``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``) through :class:`~graphrisk.neo4j.connection.Neo4jParams`;
every driver failure becomes a :class:`~graphrisk.errors.StoreError` with a message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from graphrisk.domain.glossary import ENTITY_KINDS, LOAN, NODE_KINDS, RELATIONSHIPS
from graphrisk.errors import ParameterError, StoreError
from graphrisk.errors import check as _check

if TYPE_CHECKING:  # the driver is optional: its types only, for the type checker
    from neo4j import Driver, SummaryCounters

__all__ = ["NEO4J_SCHEMES", "Neo4jParams", "Store", "connect", "open_store", "chunks",
           "cypher_dir", "schema_statements", "translate_errors", "DELETE_BATCH", "DATASET",
           "DATASET_ID"]

#: label of the store's one bookkeeping node, which holds the dataset's declared period
#: (``as_of``, ``region``) and ``source``; not an entity kind of the glossary
DATASET = "Dataset"
#: the ``id`` of that node
DATASET_ID = "dataset"

#: URI schemes of the Neo4j drivers (``+s``: TLS with a CA-signed certificate,
#: ``+ssc``: TLS accepting a self-signed one)
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")

#: the message of the :class:`StoreError` raised when the optional driver is missing
_NO_DRIVER = "the Neo4j driver is not installed: pip install 'graphrisk[neo4j]'"

_T = TypeVar("_T")


def _require_driver() -> None:
    """Raise :class:`StoreError` when the optional ``neo4j`` driver cannot be imported.

    The driver is the extra ``graphrisk[neo4j]``; everything that needs no server (the
    query library, the parameters) works without it.
    """
    try:
        import neo4j  # noqa: F401, PLC0415  (the optional driver: imported on use only)
    except ImportError:
        raise StoreError(_NO_DRIVER) from None


@dataclass(frozen=True)
class Neo4jParams:
    """Where the Neo4j store is and how to log in (SPEC §2).

    Credentials never live in code or on the command line: :meth:`from_env` reads
    ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE``; explicit
    arguments override them.  The password is left out of ``repr``.

    Parameters
    ----------
    uri : str
        ``bolt://host:7687``, ``neo4j://…``, ``neo4j+s://…`` (Aura) …  A path part
        names the database: ``bolt://127.0.0.1:7688/risk`` is database ``risk``.
    user, password : str or None
        No password: connect without authentication.
    database : str
        Target database (Community edition has one user database, ``neo4j``).
    timeout : float
        Seconds to wait for a connection before giving up.

    Examples
    --------
    >>> p = Neo4jParams.from_env(env={"NEO4J_URI": "bolt://db:7687/risk", "NEO4J_PASSWORD": "x"})
    >>> p.uri, p.database, p.user
    ('bolt://db:7687', 'risk', 'neo4j')
    >>> "x" in repr(p)
    False
    """

    uri: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str = "neo4j"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        """Check the URI, the database name and the timeout."""
        _check(self.is_uri(self.uri),
               f"{self.uri!r} is not a Neo4j URI; use bolt://host:port or neo4j://host:port "
               "(neo4j+s:// for TLS)")
        _check(bool(self.database), "the database name is empty")
        _check(self.timeout > 0, "timeout must be > 0")

    @staticmethod
    def is_uri(text: object) -> bool:
        """Return True when *text* is a Neo4j URI rather than a path.

        >>> Neo4jParams.is_uri("neo4j+s://x.databases.neo4j.io"), Neo4jParams.is_uri("demo")
        (True, False)
        """
        text = str(text)
        return "://" in text and text.split("://", 1)[0].lower() in NEO4J_SCHEMES

    @classmethod
    def from_env(cls, uri: str | None = None, *, user: str | None = None,
                 password: str | None = None, database: str | None = None,
                 timeout: float | None = None,
                 env: Mapping[str, str] | None = None) -> Neo4jParams:
        """Build the parameters from arguments, falling back on the environment.

        Raises
        ------
        ParameterError
            When no URI is given and ``NEO4J_URI`` is not set, or the URI is malformed.
        """
        env = os.environ if env is None else env
        uri = str(uri or env.get("NEO4J_URI") or "")
        _check(bool(uri), "no Neo4j server given: set NEO4J_URI (e.g. bolt://127.0.0.1:7687) "
               "or pass --uri")
        _check(cls.is_uri(uri), f"{uri!r} is not a Neo4j URI; use bolt://host:port or "
               "neo4j://host:port (neo4j+s:// for TLS)")
        scheme, _, rest = uri.partition("://")
        host, _, db_in_uri = rest.partition("/")
        db_in_uri = db_in_uri.strip("/")
        _check(bool(host) and not any(c in db_in_uri for c in "?/#"),
               f"cannot read host and database from {uri!r}")
        password = password if password is not None else (env.get("NEO4J_PASSWORD") or None)
        user = user or env.get("NEO4J_USER") or ("neo4j" if password else None)
        database = database or db_in_uri or env.get("NEO4J_DATABASE") or "neo4j"
        extra: dict[str, float] = {} if timeout is None else {"timeout": float(timeout)}
        return cls(uri=f"{scheme}://{host}", user=user, password=password, database=database,
                   **extra)


#: batch of rows per transaction for deletions (``CALL {…} IN TRANSACTIONS``)
DELETE_BATCH = 10_000


def cypher_dir() -> Path:
    """Return the folder of ``.cypher`` files (the schema and the query library).

    ``$GRAPHRISK_CYPHER_DIR`` when set; else the top-level ``cypher/`` folder of a
    checkout; else the copy shipped inside the installed package
    (``graphrisk/cypher/``, built from the same folder).
    """
    env = os.environ.get("GRAPHRISK_CYPHER_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    checkout = here.parent.parent / "cypher"
    if (checkout / "schema.cypher").is_file():
        return checkout
    return here.parent / "cypher"


def schema_statements() -> list[str]:
    """Return the statements of ``cypher/schema.cypher`` (constraints and indexes), in order.

    Each is idempotent (``IF NOT EXISTS``).  Comments (``//``) are dropped and the text
    is split on ``;``.
    """
    path = cypher_dir() / "schema.cypher"
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise StoreError(f"cannot read the schema file {path}: {e.strerror}") from None
    text = re.sub(r"//[^\n]*", "", text)
    return [s.strip() for s in text.split(";") if s.strip()]


def _message(e: Exception) -> str:
    msg = getattr(e, "message", None) or str(e) or type(e).__name__
    return " ".join(str(msg).split())


def _network_reason(e: BaseException) -> str:
    """Return the operating system's reason behind a network error, else the message.

    ``Connection refused`` rather than the driver's three nested sentences.
    """
    seen: BaseException | None = e
    for _ in range(10):  # the chain is short; bounded against cycles
        if seen is None:
            break
        if isinstance(seen, OSError) and (seen.strerror or str(seen)):
            return " ".join(str(seen.strerror or seen).split())
        seen = seen.__cause__ or seen.__context__
    return _message(e) if isinstance(e, Exception) else type(e).__name__


@contextlib.contextmanager
def translate_errors(params: Neo4jParams, what: str = "") -> Iterator[None]:
    """Turn driver and network exceptions into :class:`StoreError` with a clear message.

    Raises
    ------
    StoreError
        Also when the optional ``neo4j`` driver is not installed.
    """
    _require_driver()
    from neo4j import exceptions as nx  # noqa: PLC0415  (the optional driver)

    where = f"Neo4j at {params.uri} (database {params.database!r})"
    doing = f" while {what}" if what else ""
    try:
        yield
    except StoreError:
        raise
    except nx.AuthError as e:
        who = f"user {params.user!r}" if params.user else "no credentials"
        raise StoreError(f"authentication failed at {params.uri} ({who}): "
                         f"{_message(e).rstrip('.')}; set NEO4J_USER and NEO4J_PASSWORD, or "
                         "use --password-prompt") from None
    except (nx.ServiceUnavailable, nx.SessionExpired, nx.IncompleteCommit, OSError) as e:
        raise StoreError(f"cannot reach {where}{doing}: {_network_reason(e)}") from None
    except nx.ConfigurationError as e:
        raise StoreError(f"bad Neo4j configuration for {params.uri}: {_message(e)}") from None
    except nx.Neo4jError as e:
        code = getattr(e, "code", "") or ""
        if code.endswith("DatabaseNotFound"):
            raise StoreError(f"{where}: the database does not exist (set NEO4J_DATABASE or "
                             "--database)") from None
        if "TransactionTimedOut" in code or code.endswith("Terminated"):
            raise StoreError(f"{where}: stopped by the server's time limit{doing}; lower the "
                             "search bounds (or raise --timeout)") from None
        if "Forbidden" in code or "Security" in code:
            raise StoreError(f"{where}: not allowed{doing}: {_message(e)}") from None
        raise StoreError(f"{where}{doing}: {code or 'error'}: {_message(e)}") from None
    except nx.DriverError as e:
        raise StoreError(f"{where}{doing}: {_message(e)}") from None


class Store:
    """An open connection to one Neo4j database (use :func:`connect`).

    ``run`` executes one managed, retried transaction (``driver.execute_query``) and
    returns the records as dicts; ``stream`` reads large results row by row;
    ``run_batched`` runs an auto-commit statement such as ``CALL {…} IN TRANSACTIONS``.
    Close it (or use it as a context manager) when done.
    """

    params: Neo4jParams
    driver: Driver

    def __init__(self, params: Neo4jParams, driver: Driver) -> None:
        self.params = params
        self.driver = driver

    def __enter__(self) -> Store:
        """Return the store itself (closed on leaving the block)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()

    def close(self) -> None:
        """Close the driver (errors while closing are ignored)."""
        with contextlib.suppress(Exception):
            self.driver.close()

    def reconnect(self) -> None:
        """Replace the driver by a new, verified one (the old one is closed first).

        For after an interrupt (Ctrl-C) inside the driver, which can leave a connection
        with an open transaction: closing its socket makes the server roll that back
        and release its locks.
        """
        self.close()
        self.driver = connect(self.params).driver

    def __repr__(self) -> str:
        """Return ``Store(uri, database=…)`` (never the credentials)."""
        return f"Store({self.params.uri!r}, database={self.params.database!r})"

    def run(self, query: str, parameters: dict[str, Any] | None = None, *, write: bool = True,
            what: str = "") -> list[dict[str, Any]]:
        """Run *query* with *parameters* in one managed transaction; records as dicts."""
        return self.run_summary(query, parameters, write=write, what=what)[0]

    def run_summary(self, query: str, parameters: dict[str, Any] | None = None, *,
                    write: bool = True, what: str = "",
                    ) -> tuple[list[dict[str, Any]], SummaryCounters]:
        """Run *query* like :meth:`run`, also returning the summary counters (created nodes …)."""
        from neo4j import RoutingControl  # noqa: PLC0415  (the optional driver)

        with translate_errors(self.params, what):
            res = self.driver.execute_query(
                query, parameters or {}, database_=self.params.database,
                routing_=RoutingControl.WRITE if write else RoutingControl.READ)
        return [r.data() for r in res.records], res.summary.counters

    def stream(self, query: str, parameters: dict[str, Any] | None = None, *, what: str = "",
               ) -> Iterator[list[Any]]:
        """Yield the value lists of a read query's records one by one (low memory)."""
        from neo4j import READ_ACCESS  # noqa: PLC0415  (the optional driver)

        with translate_errors(self.params, what), \
                self.driver.session(database=self.params.database,
                                    default_access_mode=READ_ACCESS, fetch_size=5000) as s:
            yield from (r.values() for r in s.run(query, parameters or {}))

    def run_batched(self, query: str, parameters: dict[str, Any] | None = None, *,
                    what: str = "") -> SummaryCounters:
        """Run an auto-commit statement (needed by ``CALL {…} IN TRANSACTIONS``)."""
        with translate_errors(self.params, what), \
                self.driver.session(database=self.params.database) as s:
            return s.run(query, parameters or {}).consume().counters

    # ----------------------------------------------------------------- schema, counts
    def ensure_schema(self, which: str = "all") -> list[str]:
        """Create the constraints and indexes of ``cypher/schema.cypher`` (idempotent).

        ``which`` is ``"constraints"``, ``"indexes"`` (the plain indexes) or ``"all"``:
        a load creates the constraints first (MERGE needs them) and the other indexes
        at the end, when they are populated in bulk rather than row by row.
        """
        statements = [st for st in schema_statements()
                      if which == "all" or (which == "constraints") == st.upper().startswith(
                          "CREATE CONSTRAINT")]
        for st in statements:
            self.run(st, what="creating the schema")
        # wait for the indexes (an index still populating would slow the first load)
        with contextlib.suppress(StoreError):
            self.run("CALL db.awaitIndexes(300)", what="waiting for the indexes")
        return statements

    def counts(self) -> dict[str, int]:
        """Nodes per graphrisk label and relationships per type."""
        out: dict[str, int] = {}
        for label in NODE_KINDS:
            out[label] = self.run(f"MATCH (n:{label}) RETURN count(n) AS c", write=False,
                                  what="counting nodes")[0]["c"]
        for rel in RELATIONSHIPS:
            out[rel] = self.run(f"MATCH ()-[r:{rel}]->() RETURN count(r) AS c", write=False,
                                what="counting relationships")[0]["c"]
        return out

    def is_empty(self) -> bool:
        """Return True when no node carries a graphrisk label (the :data:`DATASET` node too)."""
        return not any(self.run(f"MATCH (n:{label}) RETURN n LIMIT 1", write=False,
                                what="inspecting the database")
                       for label in (*NODE_KINDS, DATASET))

    def wipe(self) -> dict[str, int]:
        """Delete every graphrisk node (the four labels) with its relationships.

        Nodes with other labels are left alone; the :data:`DATASET` bookkeeping node
        goes too (not counted).  Runs in transactions of :data:`DELETE_BATCH` rows, so
        it works on graphs larger than the heap.  Returns the counts deleted per label.
        """
        deleted: dict[str, int] = {}
        for label in (LOAN, *ENTITY_KINDS):
            c = self.run_batched(
                f"MATCH (n:{label}) CALL {{ WITH n DETACH DELETE n }} "
                f"IN TRANSACTIONS OF {DELETE_BATCH} ROWS", what="wiping the database")
            deleted[label] = c.nodes_deleted
        self.run(f"MATCH (n:{DATASET}) DETACH DELETE n", what="wiping the database")
        return deleted

    def period(self) -> dict[str, str]:
        """Return the declared period of the stored dataset: ``{"as_of", "region"}``.

        Read from the :data:`DATASET` node (ISO date text; ``""`` when unknown or when
        there is no such node).
        """
        rows = self.run(f"MATCH (d:{DATASET} {{id: $id}}) RETURN d.as_of AS as_of, "
                        "d.region AS region LIMIT 1", {"id": DATASET_ID}, write=False,
                        what="reading the dataset's period")
        if not rows:
            return {"as_of": "", "region": ""}
        as_of, region = rows[0]["as_of"], rows[0]["region"]
        if hasattr(as_of, "iso_format"):
            as_of = as_of.iso_format()[:10]
        return {"as_of": str(as_of or ""), "region": str(region or "")}


def connect(params: Neo4jParams | None = None, *, verify: bool = True) -> Store:
    """Open a :class:`Store`; checks that the server answers and accepts the credentials.

    Parameters
    ----------
    params : Neo4jParams, optional
        Default: :meth:`Neo4jParams.from_env` (``NEO4J_URI`` …).
    verify : bool
        Contact the server now (fails fast with a clear :class:`StoreError`).

    Raises
    ------
    StoreError
        The server cannot be reached, the credentials are refused, or the database
        does not exist; or the optional ``neo4j`` driver is not installed
        (``pip install 'graphrisk[neo4j]'``).

    Examples
    --------
    With a server (``NEO4J_URI`` set) holding the demo county:

    .. code-block:: python

        with connect(Neo4jParams.from_env()) as store:
            store.counts()["Enterprise"]  # 53
    """
    _require_driver()
    import neo4j  # noqa: PLC0415  (the optional driver: imported on use only)

    params = params or Neo4jParams.from_env()
    # the driver logs every server notification (deprecations, unknown labels in an
    # empty database) as a warning, and a dropped connection as an error before raising
    # it; they are noise for a command-line user, who gets the error as one message.  The
    # NullHandler keeps Python's last-resort handler from printing them on stderr (an
    # application with its own logging handlers still receives the errors).
    driver_log = logging.getLogger("neo4j")
    driver_log.setLevel(logging.ERROR)
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())
    auth = (params.user or "neo4j", params.password) if params.password is not None else None
    with translate_errors(params, "connecting"):
        driver = neo4j.GraphDatabase.driver(
            params.uri, auth=auth, connection_timeout=params.timeout,
            max_transaction_retry_time=15.0, notifications_min_severity="OFF",
            user_agent="graphrisk")
    store = Store(params, driver)
    if verify:
        try:
            with translate_errors(params, "connecting"):
                driver.verify_connectivity()
            store.run("RETURN 1 AS ok", write=False, what="opening the database")
        except BaseException:
            store.close()
            raise
    return store


def open_store(target: Store | Neo4jParams | None) -> tuple[Store, bool]:
    """Return the store to use for *target* and whether the caller owns (and must close) it.

    *target* is an open :class:`Store` (used as it is), :class:`Neo4jParams`, or None
    (connect with :meth:`Neo4jParams.from_env`).
    """
    if isinstance(target, Store):
        return target, False
    if target is None or isinstance(target, Neo4jParams):
        return connect(target), True
    raise ParameterError(f"expected Neo4jParams or a Store, got {type(target).__name__}")


def chunks(seq: list[_T], size: int) -> Iterator[list[_T]]:
    """Yield consecutive slices of *seq* of at most *size* items.

    >>> list(chunks([1, 2, 3], 2))
    [[1, 2], [3]]
    """
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
