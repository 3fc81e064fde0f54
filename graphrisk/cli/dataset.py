"""Commands that read, describe and convert a dataset: ``validate``, ``ingest``, ``summary``, ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graphrisk.cli.base import (
    Output,
    dataset_argument,
    echo_err,
    emit,
    load_options,
    main,
    open_dataset,
    output_options,
    read_source,
)
from graphrisk.errors import DatasetError
from graphrisk.report.fields import LENDERS


@main.command()
@dataset_argument
@load_options
@output_options
def validate(dataset, encoding, strict, fmt, output):
    """Check a dataset against every rule of the input format.

    Lists every problem as FILE:LINE: message (the header is line 1); exits 1 when
    there is an error, 0 when the data is valid (warnings do not fail).  Every row is
    checked; each row that the as-of date leaves out (a guarantee ended or not yet
    started, a loan not yet drawn, a superseded holding, a later event) is listed as a
    warning with its line, and counted in "excluded".

    Example:  graphrisk validate datasets/demo --format json
    """
    from graphrisk.cli.base import dated
    from graphrisk.io.asof import exclusion_counts, exclusion_problems

    as_of, excluded = None, {}
    try:
        ds = read_source(dataset, encoding, strict)
        errors, warnings, counts, encodings = [], list(ds.warnings), ds.counts(), ds.encodings
        live = dated(ds, quiet=True)
        as_of, excluded = live.as_of or None, exclusion_counts(live)
        warnings = live.warnings + exclusion_problems(live)
    except DatasetError as e:
        errors, warnings, counts, encodings = e.errors, e.warnings, {}, {}
    data = {"valid": not errors, "errors": [p.as_dict() for p in errors],
            "warnings": [p.as_dict() for p in warnings], "counts": counts,
            "encodings": encodings, "as_of": as_of, "excluded": excluded}
    text = [f"{dataset}: {'valid' if not errors else 'INVALID'} — "
            f"{len(errors)} error(s), {len(warnings)} warning(s)"]
    if as_of:
        n = sum(sum(v.values()) for v in excluded.values())
        text.append(f"as of {as_of}: {n} row(s) not live at that date (listed as warnings)")
    if encodings and isinstance(dataset, Path):  # a Neo4j store has no file encodings
        text.append("encodings: " + ", ".join(f"{k}={v or 'xlsx'}" for k, v in encodings.items()))
    tables: list[tuple[str, list[str], list]] = []
    if counts:
        tables.append(("rows per table (每表行数)", ["table", "rows"], list(counts.items())))
    problems = [("error", str(p)) for p in errors] + [("warning", str(p)) for p in warnings]
    if problems:
        tables.insert(0, ("problems (问题)", ["severity", "problem"], problems))
    emit(Output(data, tables, "\n".join(text)), fmt, output)
    if errors:
        sys.exit(1)


@main.command()
@dataset_argument
@load_options(dated=False)
@click.option("-o", "--output", "store", required=True, type=click.Path(path_type=Path),
              help="The snapshot store's folder (created, or the period added to it).")
@click.option("--as-of", "as_of", metavar="DATE", default=None,
              help="Reporting date YYYY-MM-DD: the period (default: the dataset's "
                   "dataset.json).")
@click.option("--region", default=None, metavar="R",
              help="Region the data covers (default: the dataset's dataset.json).")
@click.option("--replace", is_flag=True,
              help="Replace the whole store instead of adding the period to it.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Format of the summary on standard output.")
def ingest(dataset, encoding, strict, store, as_of, region, replace, fmt):
    """Read and validate a dataset once and keep it as a snapshot store (Parquet).

    Every rule of validate applies, with the same FILE:LINE errors; on an error nothing
    is written.  The store (a folder of Parquet files, the network arrays and a
    manifest with the source files' sizes and SHA-256) is then accepted by every
    command in place of the dataset, and opens in seconds at any size.  A store whose
    source files changed is refused as stale: ingest again.

    A store holds the periods of one region: ingesting another quarter's books into it
    adds that period (the same date replaces it); commands read the latest period, and
    STORE@YYYY-MM-DD names another.  Every row is kept; the as-of date is applied when
    a command reads the store.

    Example:  graphrisk ingest datasets/demo -o demo.store
    """
    import time

    from graphrisk.cli.base import command_load_options
    from graphrisk.io.store import ingest as ingest_dataset
    from graphrisk.io.store import is_snapshot
    from graphrisk.report.formats import to_json

    if isinstance(dataset, str):
        raise click.UsageError("ingest reads a dataset folder or an .xlsx workbook, not Neo4j "
                               "(export it first: graphrisk neo4j export -o FOLDER)")
    if is_snapshot(dataset):
        raise click.UsageError(f"{dataset} is a snapshot store already")
    started = time.perf_counter()
    ds = ingest_dataset(dataset, store, command_load_options(encoding=encoding, strict=strict),
                        as_of=as_of, region=region, replace=replace)
    seconds = time.perf_counter() - started
    counts = ds.counts()
    from graphrisk.io.store import store_periods

    periods = store_periods(store)
    doc = {"store": str(store), "source": str(dataset), "as_of": ds.as_of or None,
           "region": ds.region or None, "periods": periods, "counts": counts,
           "warnings": [p.as_dict() for p in ds.warnings], "seconds": round(seconds, 2)}
    for w in ds.warnings[:20]:
        echo_err(f"warning: {w}")
    if fmt == "json":
        click.echo(to_json(doc))
    else:
        click.echo(f"{store}: {sum(counts.values()):,} rows from {dataset} "
                   f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}); "
                   f"{len(ds.warnings)} warning(s); as of {ds.as_of or 'unknown'}; "
                   f"{seconds:.1f} s; periods: {', '.join(p or 'undated' for p in periods)}")


@main.command()
@dataset_argument
@load_options
@output_options
def summary(dataset, encoding, strict, fmt, output):
    """Count nodes and relationships; total loans and guarantees per lender (万元).

    Example:  graphrisk summary datasets/demo
    """
    from graphrisk.io.summary import summarize

    ds = open_dataset(dataset, encoding, strict)
    s = summarize(ds)
    lo, g = s["loans"], s["guarantees"]
    text = "\n".join([
        f"{dataset}",
        "nodes: " + ", ".join(f"{k} {v}" for k, v in s["nodes"].items()),
        "relationships: " + ", ".join(f"{k} {v}" for k, v in s["relationships"].items()),
        f"loans: {lo['count']}, balance {lo['balance']:,.2f} 万元, non-performing "
        f"{lo['npl_balance']:,.2f} 万元 ({lo['npl_ratio']:.1%})",
        f"guarantees: {g['count']}, amount {g['amount']:,.2f} 万元 "
        f"({g['amount_with_loan']:,.2f} tied to a loan)",
        _as_of_line(s),
    ])
    rows = [[r["lender_id"], r["name"], r["type"], r["loans"], r["balance"], r["npl_balance"],
             r["guaranteed_amount"]] for r in s["by_lender"]]
    headers = LENDERS.labels("lender_id", "name", "type", "loans", "balance", "npl_balance",
                             "guaranteed_amount")
    emit(Output(s, [("by lender (按贷款人, 万元)", headers, rows)], text), fmt, output)



def _as_of_line(s: dict) -> str:
    from graphrisk.io.asof import REASONS

    if not s.get("as_of"):
        return "as of: no date (start and end dates not applied)"
    parts = [f"{n} {t} {REASONS[r][0]}" for t, by in s["excluded"].items() for r, n in by.items()]
    return f"as of {s['as_of']}: " + ("; ".join(parts) if parts else "every row live")


@main.command()
@dataset_argument
@load_options(dated=False)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Folder for CSV files, or a file ending in .xlsx.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Headers and enum values in English or Chinese.")
@click.option("--out-encoding", default="utf-8", show_default=True,
              help="Encoding of the CSV files written (utf-8, utf-8-sig, gbk).")
def export(dataset, encoding, strict, output, lang, out_encoding):
    """Write a validated dataset as UTF-8/GBK CSVs or one Excel workbook.

    Converts between the accepted forms (GBK ↔ UTF-8, CSV ↔ xlsx, English ↔ Chinese
    headers); what is written loads back to the same dataset.  Being a data round trip,
    export keeps every value as it is: a name starting with = + - @ is not prefixed
    (unlike every other CSV graphrisk writes); in a workbook it is stored as text.
    Every row is written, whatever its dates.

    Example:  graphrisk export datasets/demo_gbk -o demo.xlsx --lang zh
    """
    from graphrisk.io.export import write_dataset

    ds = open_dataset(dataset, encoding, strict, dated=False)
    write_dataset(ds, output, lang=lang, encoding=out_encoding)
    echo_err(f"wrote {output}")
