"""Writing a validated dataset into Neo4j: idempotent, batched, and all-or-nothing.

Order
-----
1. The dataset is a validated :class:`~graphrisk.io.dataset.Dataset` (or a path that is
   validated first): nothing is sent when it is invalid.
2. The schema (``cypher/schema.cypher``): the uniqueness constraints first; the other
   indexes are created at the end, when Neo4j fills them in bulk.
3. With ``wipe``: every graphrisk node and its relationships are deleted.  Otherwise,
   when the database is not empty, a *pre-flight* read looks for structural conflicts
   with what is there (an id under another label, a loan with another borrower or
   lender, a guarantee contract between other entities); any conflict stops the load
   before anything is written.
4. Nodes (enterprises, persons, institutions), loans (each a ``Loan`` node with its
   ``BORROWED`` and ``LENT_BY`` relationships), then relationships (shareholdings, posts,
   guarantees), last the ``Dataset`` node with the declared period, each in batches run by ``driver.execute_query`` (one managed, retried
   transaction per batch).  Labels and relationship types come from
   :mod:`graphrisk.domain.glossary` only; every value is a query parameter.

   Batches are columnar text (:mod:`graphrisk.neo4j._batches`).  When the database
   holds no graphrisk node at the start (a first load, or ``wipe``), the batches use
   ``CREATE`` instead of ``MERGE`` (nothing can match; the uniqueness constraints still
   reject a duplicate), which saves the lookups.

   Every row is written, live or not at the dataset's date: the store keeps the
   history (dates as Neo4j ``Date`` values on the relationships and loans) and the queries
   filter (``$as_of``).  A path given to :func:`store_dataset` is read undated; a
   :class:`~graphrisk.io.dataset.Dataset` is written as it is.

Idempotence
-----------
Nodes MERGE on ``id``; ``GUARANTEES`` on its ``id``; ``HOLDS_SHARES`` on its endpoints
and ``_seq`` (the how-many-th row of that holder/company pair, so that a repeated
pair — whose shares add up — is kept, not merged); ``HOLDS_POSITION`` on its endpoints,
``role`` and ``_seq``; ``BORROWED``/``LENT_BY`` on their endpoints.  Properties are set
with ``SET x += props`` where a missing value is ``null``, which removes the
property: loading the same dataset twice leaves identical nodes, relationships and
properties, and loading a newer version updates values in place.  Properties that are
not dataset columns (the annotations of :mod:`graphrisk.neo4j.annotate`) are kept.

Atomicity (the guarantee)
-------------------------
Every node and relationship created by a load carries ``_load = <load id>``.  Before
a batch touches elements that existed before the load, their current properties are
read (only when the database was not empty and the values differ).  When any batch
fails — an error from the server, a dropped connection, an interrupt (Ctrl-C, raised
as :class:`LoadInterrupted`, after which the rollback runs on a fresh connection) — the
load is rolled back: the saved properties are written back, then every relationship
and node carrying this load id is deleted (in transactions of 10,000).  The database is then
as it was before the load.  Limits: with ``wipe`` the old content is deleted first, so
a failed load leaves the graphrisk labels empty (never half a dataset); if the server
stays unreachable during the rollback too, the error says so and names the load id —
``graphrisk neo4j rollback LOAD_ID`` (or a reload with ``--wipe``) removes the partial
load later.  One writer at a time: two concurrent loads into one database are not
isolated from each other.

Complexity: O(rows) index lookups; about ``rows / batch_size`` transactions.  The
pre-flight and the saved properties cost O(rows) reads and memory only when the
database already holds data.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from graphrisk.domain.glossary import (
    BORROWED,
    ENTITY_KINDS,
    GUARANTEES,
    LENT_BY,
    LOAN,
    RELATIONSHIPS,
    TABLE_ORDER,
)
from graphrisk.errors import ParameterError, StoreError
from graphrisk.io.dataset import Dataset, LoadOptions
from graphrisk.io.load import load_dataset as _load
from graphrisk.neo4j._batches import EVENT_SEP, META_TABLE, SEP, Step, plan, unwind_columns
from graphrisk.neo4j.connection import (
    DATASET,
    DELETE_BATCH,
    Neo4jParams,
    Store,
    chunks,
    open_store,
    translate_errors,
)

if TYPE_CHECKING:  # the driver is optional: its types only, for the type checker
    from neo4j import SummaryCounters

__all__ = ["LoadReport", "LoadInterrupted", "store_dataset", "rollback_load"]


class LoadInterrupted(StoreError):
    """A load stopped by Ctrl-C (SIGINT); the message says what was undone.

    ``graphrisk neo4j load`` exits with status 130 (128 + SIGINT) on it.
    """


@dataclass
class LoadReport:
    """What a load did.

    Attributes
    ----------
    load_id : str
        The id carried by every element this load created (``_load``).
    rows : dict
        Dataset rows written per table.
    nodes_created, relationships_created, properties_set : int
        Server counters summed over the batches of the dataset's rows (0 nodes created
        on a reload; the ``Dataset`` bookkeeping node is not counted).
    seconds : float
        Wall time from the schema to the last batch.
    counts : dict
        Nodes per label and relationships per type in the database afterwards.
    wiped : dict or None
        Nodes deleted per label by ``wipe``.
    as_of, region : str
        The period the dataset declares, stored on the ``Dataset`` node (``""``: unknown).
    """

    load_id: str
    database: str
    rows: dict[str, int] = field(default_factory=dict)
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    wiped: dict[str, int] | None = None
    as_of: str = ""
    region: str = ""

    @property
    def total_rows(self) -> int:
        """Return the dataset rows written, all tables together."""
        return int(sum(self.rows.values()))

    @property
    def rows_per_second(self) -> float:
        """Return the load's throughput (``inf`` when it took no measurable time)."""
        return self.total_rows / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-friendly values (seconds and rate rounded).

        >>> r = LoadReport("L1", "neo4j", rows={"enterprises": 4}, seconds=0.5)
        >>> r.as_dict()["total_rows"], r.as_dict()["rows_per_second"]
        (4, 8.0)
        """
        return {"load_id": self.load_id, "database": self.database, "rows": self.rows,
                "total_rows": self.total_rows, "nodes_created": self.nodes_created,
                "relationships_created": self.relationships_created,
                "properties_set": self.properties_set, "seconds": round(self.seconds, 3),
                "rows_per_second": round(self.rows_per_second, 1), "counts": self.counts,
                "wiped": self.wiped, "as_of": self.as_of or None,
                "region": self.region or None}


# ------------------------------------------------------------------------- pre-flight
def _conflicts(store: Store, ds: Dataset, batch: int) -> list[str]:
    """Structural differences between the dataset and what the database holds.

    O(rows) index lookups; the ids travel as columnar text like the batches.
    """
    found: list[str] = []
    kinds = ds.entity_kind

    def each(query: str, *cols: list[str]) -> Iterator[dict[str, Any]]:
        for a in range(0, len(cols[0]), batch):
            b = min(a + batch, len(cols[0]))
            params = {f"c{k}": SEP.join(c[a:b]) for k, c in enumerate(cols)}
            yield from store.run(unwind_columns(len(cols)) + query, {**params, "sep": SEP},
                                 write=False, what="checking for conflicts with the database")

    for label in ENTITY_KINDS:
        others = kinds.index[kinds.to_numpy() != label].tolist()
        for r in each(f"MATCH (n:{label} {{id: c0[i]}}) RETURN n.id AS id", others):
            found.append(f"{r['id']!r} is stored as {label} but is a {kinds[r['id']]} in "
                         "the dataset")
    lo = ds.tables["loans"]
    q = (f"MATCH (l:{LOAN} {{id: c0[i]}}) "
         f"OPTIONAL MATCH (b)-[:{BORROWED}]->(l) OPTIONAL MATCH (l)-[:{LENT_BY}]->(m) "
         "WITH c0[i] AS id, c1[i] AS b0, c2[i] AS m0, collect(DISTINCT b.id) AS bs, "
         "collect(DISTINCT m.id) AS ms "
         "WHERE any(x IN bs WHERE x <> b0) OR any(x IN ms WHERE x <> m0) "
         "RETURN id, bs, ms, b0, m0")
    for r in each(q, lo["id"].tolist(), lo["borrower_id"].tolist(), lo["lender_id"].tolist()):
        found.append(f"loan {r['id']!r} is lent to {r['bs']} by {r['ms']} in the database "
                     f"but to {r['b0']!r} by {r['m0']!r} in the dataset")
    g = ds.tables["guarantees"]
    q = (f"MATCH (x)-[r:{GUARANTEES} {{id: c0[i]}}]->(y) WHERE x.id <> c1[i] OR y.id <> c2[i] "
         "RETURN c0[i] AS id, x.id AS x, y.id AS y, c1[i] AS g, c2[i] AS b")
    for r in each(q, g["id"].tolist(), g["guarantor_id"].tolist(), g["borrower_id"].tolist()):
        found.append(f"guarantee {r['id']!r} links {r['x']!r} → {r['y']!r} in the database "
                     f"but {r['g']!r} → {r['b']!r} in the dataset")
    return found


# -------------------------------------------------------------------------- batches
def _write_batch(store: Store, step: Step, params: dict[str, str], rows: int, load_id: str,
                 fresh: bool = False) -> SummaryCounters:
    """Run one write batch and return its summary counters (tests patch this to fail)."""
    query = step.fresh if fresh and step.fresh else step.write
    records, counters = store.run_summary(
        query, {**params, "sep": SEP, "esep": EVENT_SEP, "load": load_id},
        what=f"writing {step.what}")
    done = records[0]["rows"] if records else 0
    if done != rows:
        raise StoreError(f"{rows - done} of {rows} {step.what} rows found no end node in "
                         "the database")
    return counters


def _read_before(store: Store, step: Step, params: dict[str, str]) -> list[dict[str, Any]]:
    assert step.before is not None  # called only for the steps that have a "before" query
    return store.run(step.before, {**params, "sep": SEP, "esep": EVENT_SEP}, write=False,
                     what=f"reading the current {step.what}")


def _restore(store: Store, saved: dict[str, list[dict[str, Any]]], batch: int) -> int:
    n = 0
    for element, pattern in (("rel", "MATCH ()-[x]->()"), ("node", "MATCH (x)")):
        rows = saved[element]
        for chunk in chunks(rows, batch):
            store.run(f"UNWIND $rows AS row {pattern} WHERE elementId(x) = row.eid "
                      "SET x = row.old", {"rows": chunk}, what="restoring properties")
        n += len(rows)
    return n


def rollback_load(store: Store, load_id: str) -> dict[str, int]:
    """Delete every relationship and node carrying ``_load = load_id``.

    Use it to clean up after a load whose own rollback could not reach the server
    (properties changed on pre-existing elements are not restored by this function).
    Runs in transactions of 10,000 rows; O(graph) scans per label and type.

    Returns
    -------
    dict
        ``{"relationships": deleted, "nodes": deleted}``.
    """
    if not load_id or not isinstance(load_id, str):
        raise ParameterError("a load id is required")
    rels = nodes = 0
    for rel in RELATIONSHIPS:
        c = store.run_batched(f"MATCH ()-[r:{rel}]->() WHERE r._load = $load "
                              f"CALL {{ WITH r DELETE r }} IN TRANSACTIONS OF {DELETE_BATCH} ROWS",
                              {"load": load_id}, what="rolling back")
        rels += c.relationships_deleted
    for label in (LOAN, *ENTITY_KINDS, DATASET):
        c = store.run_batched(f"MATCH (n:{label}) WHERE n._load = $load "
                              f"CALL {{ WITH n DETACH DELETE n }} IN TRANSACTIONS OF "
                              f"{DELETE_BATCH} ROWS", {"load": load_id}, what="rolling back")
        nodes += c.nodes_deleted
        rels += c.relationships_deleted
    return {"relationships": rels, "nodes": nodes}


def store_dataset(ds: Dataset | str | Path, target: Neo4jParams | Store | None = None, *,
                  wipe: bool = False,
                  batch_size: int = 5000, progress: bool = False,
                  options: LoadOptions | None = None,
                  on_batch: Callable[[str, int], None] | None = None) -> LoadReport:
    """Write a dataset into Neo4j (see the module notes for the guarantees).

    Parameters
    ----------
    ds : Dataset or path
        A validated dataset, written as it is (load it with ``dated=False`` to keep
        every row), or a folder/workbook that is loaded — every row, no as-of date
        applied — and validated first (raising :class:`~graphrisk.errors.DatasetError`
        before any connection).  Its declared period (``as_of``, ``region``) goes on
        the ``Dataset`` node.
    target : Neo4jParams or Store, optional
        Default: ``Neo4jParams.from_env()``.
    wipe : bool
        Delete every graphrisk node first (other labels are left alone).
    batch_size : int
        Rows per transaction (default 5,000).
    progress : bool
        Show a progress bar on standard error.
    on_batch : callable, optional
        Called with (step description, rows) after each batch.

    Returns
    -------
    LoadReport

    Raises
    ------
    StoreError
        The server is unreachable, the data conflicts with what the database holds,
        or a batch failed (the load was then rolled back; the message says so); or
        the optional ``neo4j`` driver is not installed.

    Examples
    --------
    With a server (``NEO4J_URI`` set):

    .. code-block:: python

        report = store_dataset("datasets/demo", Neo4jParams.from_env())
        report.counts["GUARANTEES"]  # 33
    """
    if not isinstance(ds, Dataset):
        ds = _load(ds, options or LoadOptions(), dated=False)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError("batch_size must be a whole number >= 1")
    steps = plan(ds)  # before connecting: a bug in the data shows before anything is sent
    store, owned = open_store(target)
    try:
        return _run(store, ds, steps, wipe=wipe, batch=batch_size, progress=progress,
                    on_batch=on_batch)
    finally:
        if owned:
            store.close()


def _run(store: Store, ds: Dataset, steps: list[Step], *, wipe: bool, batch: int,
         progress: bool, on_batch: Callable[[str, int], None] | None) -> LoadReport:
    load_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    report = LoadReport(load_id, store.params.database,
                        rows={n: int(len(ds.tables[n])) for n in TABLE_ORDER},
                        as_of=ds.as_of, region=ds.region)
    t0 = time.perf_counter()
    empty = _prepare(store, ds, report, wipe=wipe, batch=batch)
    saved: dict[str, list[dict]] = {"node": [], "rel": []}
    doing = ["starting to write"]  # what the load is doing, for the messages
    try:
        with _deferred_interrupt() as interrupted:
            _write_steps(store, steps, report, saved, empty=empty, batch=batch,
                         progress=progress, on_batch=on_batch, doing=doing,
                         interrupted=interrupted)
        doing[0] = "creating the indexes"
        store.ensure_schema("indexes")
        report.seconds = time.perf_counter() - t0
        doing[0] = "counting the loaded graph"
        report.counts = store.counts()
    except BaseException as e:  # roll back on anything, including Ctrl-C
        raise _undo(store, load_id, saved, batch, e, doing[0], wipe=wipe) from None
    return report


def _prepare(store: Store, ds: Dataset, report: LoadReport, *, wipe: bool, batch: int) -> bool:
    """Create the constraints, wipe (when asked) and run the pre-flight read.

    Returns whether the database holds no graphrisk node.  Nothing of the dataset is
    written yet: an interrupt here raises :class:`LoadInterrupted` saying so.
    """
    wiping = False
    try:
        store.ensure_schema("constraints")
        if wipe:
            wiping = True
            report.wiped = store.wipe()
        empty = store.is_empty()
        if not empty:
            found = _conflicts(store, ds, max(batch, 10_000))
            if found:
                more = f"\n  … and {len(found) - 20} more" if len(found) > 20 else ""
                raise StoreError("the database holds a different version of this data "
                                 "(nothing was written; load into an empty database or use "
                                 "--wipe):\n  " + "\n  ".join(found[:20]) + more)
    except KeyboardInterrupt:
        state = ("the wipe had begun, so part or all of the old graphrisk nodes are deleted; "
                 "rerun the load with --wipe" if wiping else
                 "the database is as it was before the load")
        raise LoadInterrupted(f"interrupted before anything was written; {state}") from None
    return empty


@contextlib.contextmanager
def _deferred_interrupt() -> Iterator[list[bool]]:
    """Turn a first Ctrl-C into a flag checked between batches.

    An interrupt raised in the middle of the driver's socket code can surface as another
    error (a ``BufferError``) and lose the message; deferred, it stops the load at the
    end of the batch in progress, cleanly.  A second Ctrl-C interrupts at once.  Only in
    the main thread (where Python delivers signals); elsewhere nothing changes.
    """
    flag = [False]
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if flag[0]:
            raise KeyboardInterrupt
        flag[0] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_steps(store: Store, steps: list[Step], report: LoadReport,
                 saved: dict[str, list[dict]], *, empty: bool, batch: int, progress: bool,
                 on_batch: Callable[[str, int], None] | None, doing: list[str],
                 interrupted: list[bool] | None = None) -> None:
    """Write every batch of every step; ``doing[0]`` names the batch in progress.

    When ``interrupted[0]`` becomes true (a deferred Ctrl-C), stop after the batch.
    """
    bar = tqdm(total=sum(s.dataset_rows for s in steps), unit="rows", file=sys.stderr,
               disable=not progress, desc="neo4j load", dynamic_ncols=True)
    try:
        for step in steps:
            bar.set_description(step.what)
            n_batches = max(1, -(-step.size // batch))
            for i, start in enumerate(range(0, step.size, batch)):
                doing[0] = f"writing {step.what} (batch {i + 1} of {n_batches})"
                stop = min(start + batch, step.size)
                params = step.batch(start, stop)
                if not empty and step.before:
                    saved[step.element] += _read_before(store, step, params)
                with translate_errors(store.params, f"writing {step.what}"):
                    c = _write_batch(store, step, params, stop - start, report.load_id, empty)
                if step.table != META_TABLE:  # the bookkeeping node is not counted
                    report.nodes_created += c.nodes_created
                    report.relationships_created += c.relationships_created
                    report.properties_set += c.properties_set
                bar.update(step.dataset_rows // n_batches + (
                    step.dataset_rows % n_batches if i == n_batches - 1 else 0))
                if on_batch:
                    on_batch(step.what, stop - start)
                if interrupted and interrupted[0]:
                    raise KeyboardInterrupt
    finally:
        bar.close()


def _undo(store: Store, load_id: str, saved: dict[str, list[dict]], batch: int,
          e: BaseException, doing: str, *, wipe: bool) -> StoreError:
    """Roll the load back after *e*; return the error to raise (one line).

    After an interrupt (anything that is not an ``Exception``: Ctrl-C) the driver is
    replaced first — the interrupted connection may hold an open transaction, which the
    server rolls back when its socket closes.  A second Ctrl-C during the rollback
    leaves it unfinished; the message then names the load id for
    ``graphrisk neo4j rollback``.
    """
    interrupted = not isinstance(e, Exception)
    cause = str(e) if isinstance(e, StoreError) else f"{type(e).__name__}: {e}"
    first = f"interrupted while {doing}" if interrupted else f"the load failed ({cause})"
    try:
        if interrupted:
            store.reconnect()
        restored = _restore(store, saved, batch)
        undone = rollback_load(store, load_id)
    except BaseException as e2:  # a server still away, or a second Ctrl-C
        stopped = not isinstance(e2, Exception)
        why = ("interrupted again" if interrupted else "interrupted") if stopped else str(e2)
        when = "" if stopped else " when the server is back"
        err = LoadInterrupted if interrupted or stopped else StoreError
        return err(f"{first} and its rollback could not finish ({why}); the database may "
                   f"hold part of load {load_id!r}: run `graphrisk neo4j rollback {load_id}`"
                   f"{when}, or reload with --wipe")
    state = ("the graphrisk nodes stay wiped" if wipe else
             "the database is as it was before the load")
    done = (f"{undone['nodes']} nodes and {undone['relationships']} relationships deleted, "
            f"{restored} elements restored; {state}")
    if interrupted:
        return LoadInterrupted(f"{first}; the load was rolled back ({done})")
    return StoreError(f"the load failed and was rolled back ({done}): {cause}")
