"""Commands of the ``graphrisk neo4j`` group: load, query, queries, annotate, export.

The server and credentials come from ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``
and ``NEO4J_DATABASE``, or from ``--uri``, ``--user`` and ``--database``; the password is
read from the environment or asked for (``--password-prompt``), never given as an
option value (it would stay in the shell history).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from graphrisk.cli.base import (
    CONTEXT,
    DatasetSource,
    Output,
    command_load_options,
    dataset_argument,
    dated,
    echo_err,
    emit,
    load_options,
    main,
    open_dataset,
    output_options,
)


@main.group("neo4j", context_settings=CONTEXT)
def neo4j_group():
    """Neo4j store (图数据库): load a dataset, query it, annotate it, export it back.

    The graph of SPEC §2 (Enterprise, Person, Institution, Loan; HOLDS_SHARES,
    HOLDS_POSITION, BORROWED, LENT_BY, GUARANTEES) in a Neo4j 5 database, for Neo4j
    Browser/Bloom and the documented Cypher library of cypher/.  Server and login from
    NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE (or --uri, --user, --database,
    --password-prompt).  Every analysis command also reads the graph directly:
    graphrisk circles bolt://127.0.0.1:7687.

    Example:  graphrisk neo4j load datasets/demo --wipe
    """


def connection_options(func: Callable) -> Callable:
    """``--uri``, ``--user``, ``--database`` and ``--password-prompt`` → ``params``."""

    @click.option("--uri", metavar="URI", default=None,
                  help="Neo4j server, e.g. bolt://127.0.0.1:7687 (default: $NEO4J_URI).")
    @click.option("--user", metavar="USER", default=None,
                  help="User name (default: $NEO4J_USER; neo4j when a password is set).")
    @click.option("--database", metavar="DB", default=None,
                  help="Database (default: $NEO4J_DATABASE, else neo4j).")
    @click.option("--password-prompt", is_flag=True,
                  help="Ask for the password (default: $NEO4J_PASSWORD; never an option value).")
    @functools.wraps(func)
    def wrapper(*args, uri, user, database, password_prompt, **kwargs):
        from graphrisk.neo4j.connection import Neo4jParams

        password = None
        if password_prompt:
            password = click.prompt("Neo4j password", hide_input=True, err=True)
        params = Neo4jParams.from_env(uri, user=user, password=password, database=database)
        return func(*args, params=params, **kwargs)

    return wrapper


def _where(params) -> str:
    return f"{params.uri} (database {params.database})"


class _Interrupted(click.ClickException):
    """Ctrl-C during a load: its one-line message, exit status 130 (128 + SIGINT)."""

    exit_code = 130


@neo4j_group.command("load")
@dataset_argument
@load_options(dated=False)
@connection_options
@click.option("--wipe", is_flag=True,
              help="Delete every graphrisk node (the four labels) and its relationships first.")
@click.option("--batch-size", type=click.IntRange(1), default=5000, show_default=True,
              metavar="N", help="Rows per transaction.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: when it is a terminal).")
@output_options
def load_cmd(dataset, encoding, strict, params, wipe, batch_size, progress, fmt, output):
    """Load a dataset into Neo4j: schema, nodes, relationships, in batches.

    The dataset is validated first: nothing is sent when it has an error.  Loading is
    idempotent (MERGE on ids: loading twice leaves the same graph) and all-or-nothing:
    a failed load is rolled back (the elements it created carry its load id and are
    deleted; properties it changed are restored).  Without --wipe, a database that holds
    a conflicting version of the data (an id under another label, a loan or guarantee
    between other parties) is refused before anything is written.

    Every row is loaded, live or expired at the dataset's date: the store keeps the
    history, with dates as Neo4j dates, and the period the dataset declares
    (dataset.json: as_of, region) on a (:Dataset) node; the queries take $as_of and
    the analysis commands on bolt://… apply the stored as_of.

    Ctrl-C rolls the load back too and exits with status 130.

    Example:  graphrisk neo4j load datasets/demo --wipe
    """
    from graphrisk.neo4j.load import LoadInterrupted, store_dataset

    if progress is None:
        progress = sys.stderr.isatty()
    try:
        ds = open_dataset(dataset, encoding, strict, dated=False)  # the history: every row
        report = store_dataset(ds, params, wipe=wipe, batch_size=batch_size, progress=progress)
    except LoadInterrupted as e:
        raise _Interrupted(str(e)) from None
    except KeyboardInterrupt:  # while reading the dataset or connecting
        raise _Interrupted("interrupted before anything was written; the database is as it "
                           "was before the load") from None
    data = report.as_dict()
    text = (f"loaded {dataset} into {_where(params)}: {report.total_rows:,} rows in "
            f"{report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s), "
            f"{report.nodes_created:,} nodes and {report.relationships_created:,} "
            f"relationships created; load id {report.load_id}")
    if report.as_of or report.region:
        text += (f"\nperiod: as of {report.as_of or 'unknown'}"
                 + (f", {report.region}" if report.region else ""))
    if report.wiped is not None:
        text += "\nwiped first: " + ", ".join(f"{k} {v:,}" for k, v in report.wiped.items())
    rows = [[k, v] for k, v in report.counts.items()]
    emit(Output(data, [("in the database (图中数量)", ["label / type", "count"], rows)], text),
         fmt, output)


def _param_pairs(ctx, param, values):
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: use KEY=VALUE", ctx=ctx, param=param)
        k, _, val = v.partition("=")
        out[k.strip()] = val
    return out


@neo4j_group.command("query")
@click.argument("name")
@click.option("--param", "-p", "param_values", multiple=True, metavar="KEY=VALUE",
              callback=_param_pairs, help="A query parameter (repeat the option).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0,
              show_default=True, metavar="SECONDS",
              help="The server stops the query after this many seconds.")
@connection_options
@output_options
def query_cmd(name, param_values, timeout, params, fmt, output):
    """Run a query of the Cypher library (graphrisk neo4j queries lists them).

    Parameter values are parsed as the query declares them (whole numbers, numbers,
    true/false, text, dates YYYY-MM-DD, entity ids) and checked against their ranges;
    they are always sent as query parameters, never pasted into the query text.  The
    chain, circle and mutual-guarantee queries take --param as_of=YYYY-MM-DD: only
    guarantees live at that date are followed (default: all stored).

    Example:  graphrisk neo4j query chain_downstream --param id=91331122MA28B9P05X
    """
    from graphrisk.neo4j.queries import run_query

    res = run_query(params, name, param_values, timeout=timeout)
    data = {"query": res.query, "params": res.params, "columns": res.columns,
            "rows": res.records(), "count": len(res.rows)}
    shown = ", ".join(f"{k}={v}" for k, v in res.params.items() if v is not None)
    text = f"{res.query} ({shown}) on {_where(params)}: {len(res.rows)} row(s)"
    emit(Output(data, [("", res.columns, res.rows)], text), fmt, output)


@neo4j_group.command("queries")
@output_options
def queries_cmd(fmt, output):
    """List the Cypher library: each query with its parameters and an example.

    Example:  graphrisk neo4j queries --format json
    """
    from graphrisk.neo4j.queries import list_queries

    qs = list_queries()
    data = {"queries": [{"name": q.name, "title": q.title, "description": q.description,
                         "params": [{"name": p.name, "type": p.type, "default": p.default,
                                     "required": p.required, "bound": p.bound, "doc": p.doc}
                                    for p in q.params],
                         "returns": list(q.returns), "examples": list(q.examples),
                         "file": str(q.path) if q.path else None} for q in qs]}
    rows = [[q.name, q.title, ", ".join(
        f"{p.name} (required)" if p.required else
        f"{p.name}={'null' if p.default is None else p.default}" for p in q.params)]
        for q in qs]
    text = "\n".join([f"{len(qs)} queries in the library (查询库); run one with "
                      "graphrisk neo4j query NAME --param KEY=VALUE"])
    emit(Output(data, [("", ["name", "what", "parameters"], rows)], text), fmt, output)


@neo4j_group.command("annotate")
@click.argument("dataset", required=False, type=DatasetSource())
@load_options
@connection_options
@click.option("--batch-size", type=click.IntRange(1), default=5000, show_default=True,
              metavar="N", help="Rows per transaction.")
@output_options
def annotate_cmd(dataset, encoding, strict, params, batch_size, fmt, output):
    """Write analysis results onto the graph for Browser/Bloom users.

    Guarantee group and circle ids (group_id, circle_id), edge patterns on GUARANTEES,
    related-party groups (related_group_id), systemic importance, key enterprises and
    warning levels (key_enterprise, warning_level, warning_reasons) — each when its
    analysis module is available (the others are skipped with a note).  DATASET is
    the dataset to analyse; without it the graph in the store is read back and used.
    The analyses run at the as-of date (--as-of, else the dataset's declared as_of —
    for the store, the one its load recorded), which is written on the (:Dataset)
    node as annotated_as_of.

    Example:  graphrisk neo4j annotate datasets/demo
    """
    from graphrisk.neo4j.annotate import annotate
    from graphrisk.neo4j.read import read_dataset

    if dataset is None:
        ds = dated(read_dataset(params, command_load_options(strict=strict)))
    else:
        ds = open_dataset(dataset, encoding, strict)
    rep = annotate(ds, params, batch_size=batch_size)
    for note in rep["notes"]:
        echo_err(f"note: {note}")
    rows = [[k, v] for k, v in rep["annotated"].items()]
    rows.append(["GUARANTEES.patterns", rep["edges_annotated"]])
    when = f" as of {rep['as_of']}" if rep["as_of"] else " (no as-of date)"
    text = f"annotated {_where(params)}{when} in {rep['seconds']:.1f} s"
    emit(Output(rep, [("properties written (写入属性)", ["property", "nodes"], rows)], text),
         fmt, output)


@neo4j_group.command("export")
@connection_options
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for CSV files, or a file ending in .xlsx.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Headers and enum values in English or Chinese.")
@click.option("--out-encoding", default="utf-8", show_default=True,
              help="Encoding of the CSV files written (utf-8, utf-8-sig, gbk).")
@click.option("--strict", is_flag=True, help="Treat malformed credit codes as errors.")
def export_cmd(params, output, lang, out_encoding, strict):
    """Read the graph back and write it as dataset files (CSV folder or .xlsx).

    The graph is checked by the same rules as input files; what is written loads
    back to the same dataset (no value or row lost).

    Example:  graphrisk neo4j export -o /tmp/from_neo4j
    """
    from graphrisk.io.export import write_dataset
    from graphrisk.neo4j.read import read_dataset

    ds = read_dataset(params, command_load_options(strict=strict))
    for w in ds.warnings[:20]:
        echo_err(f"warning: {w}")
    write_dataset(ds, output, lang=lang, encoding=out_encoding)  # with its period
    counts = ", ".join(f"{k} {v}" for k, v in ds.counts().items() if v)
    echo_err(f"wrote {output} ({counts})")


@neo4j_group.command("info")
@connection_options
@output_options
def info_cmd(params, fmt, output):
    """Nodes per label and relationships per type in the database.

    Example:  graphrisk neo4j info --uri bolt://127.0.0.1:7688
    """
    from graphrisk.neo4j.connection import connect

    with connect(params) as store:
        counts = store.counts()
    data = {"uri": params.uri, "database": params.database, "counts": counts}
    emit(Output(data, [("", ["label / type", "count"], [[k, v] for k, v in counts.items()])],
                f"{_where(params)}"), fmt, output)


@neo4j_group.command("rollback")
@click.argument("load_id")
@connection_options
def rollback_cmd(load_id, params):
    """Delete what a failed load left behind (its nodes and relationships).

    Only needed when a load failed and could not roll itself back (the server was
    unreachable); the error message of that load names its LOAD_ID.

    Example:  graphrisk neo4j rollback 20260301T101500-1a2b3c4d
    """
    from graphrisk.neo4j.connection import connect
    from graphrisk.neo4j.load import rollback_load

    with connect(params) as store:
        done = rollback_load(store, load_id)
    echo_err(f"deleted {done['nodes']} nodes and {done['relationships']} relationships of "
             f"load {load_id} from {_where(params)}")
