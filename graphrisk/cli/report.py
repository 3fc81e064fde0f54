"""The ``report`` command: the risk committee's report and the interactive network page."""

from __future__ import annotations

import time
from pathlib import Path

import click

from graphrisk.cli.base import (
    dataset_argument,
    default_of,
    echo_err,
    load_options,
    main,
    open_dataset,
    open_previous,
)
from graphrisk.errors import ParameterError
from graphrisk.params import ReportParams

#: default of --circle-pages (graphrisk.report.sections.CIRCLE_PAGES; not imported: fast --help)
CIRCLE_PAGES = 200


def _circle_pages(value: str) -> int | None:
    """Return the --circle-pages value: a count, or None for ``all``."""
    if value.strip().lower() == "all":
        return None
    try:
        n = int(value)
    except ValueError:
        raise ParameterError(f"--circle-pages takes a number or 'all', not {value!r}") from None
    if n < 0:
        raise ParameterError("--circle-pages must be >= 0 (or 'all')")
    return n


def _periods_before(dataset, ds, previous, encoding, strict):
    """Return the previous period and every earlier one (oldest first) for the report."""
    from graphrisk.io.store import is_snapshot, split_period, store_periods

    store, _ = split_period(dataset) if isinstance(dataset, Path) else (None, None)
    earlier: list[str] = []
    if store is not None and is_snapshot(store) and ds.as_of:
        earlier = [p for p in store_periods(store) if p and p < ds.as_of]
    if previous is None and not earlier:
        return None, []
    if previous is None:
        history = [open_previous(f"{store}@{p}", dataset, encoding, strict) for p in earlier]
        return history[-1], history
    prev = open_previous(previous, dataset, encoding, strict)
    if prev.as_of and prev.as_of in earlier:  # trends over the store's periods up to it
        history = [open_previous(f"{store}@{p}", dataset, encoding, strict)
                   for p in earlier if p < prev.as_of]
        return prev, [*history, prev]
    return prev, [prev]


@main.command()
@dataset_argument
@load_options
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (an earlier report there is replaced).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=default_of(ReportParams, "lang"),
              show_default=True,
              help="Language of the report and the page.")
@click.option("--top", type=int, default=default_of(ReportParams, "top"), show_default=True,
              help="Rows shown per ranked table in the HTML (all rows go to report.xlsx).")
@click.option("--runs", type=int, default=default_of(ReportParams, "runs"), show_default=True,
              help="Monte Carlo scenarios for expected and tail loss.")
@click.option("--seed", type=int, default=default_of(ReportParams, "seed"), show_default=True,
              help="Seed of the scenarios and of the layout.")
@click.option("--budget", type=int, default=default_of(ReportParams, "budget"), show_default=True,
              help="Actions in the recommended cutting plan.")
@click.option("--max-nodes", type=int, default=default_of(ReportParams, "full_max_nodes"),
              show_default=True,
              help="Above this many entities the network page opens on guarantee groups.")
@click.option("--skip", multiple=True, metavar="SECTION",
              help="Leave a section out (repeatable): summary, changes, circles, chains, "
                   "exposure, related, contagion, strategies, watchlist, maturities.")
@click.option("--previous", metavar="PREV", default=None,
              help="The previous period, for the 本期变化 section: a dataset, STORE@DATE, "
                   "or a date naming a period of DATASET's store (default for a store: the "
                   "period before; --no-previous for none).")
@click.option("--no-previous", is_flag=True, help="No 本期变化 section, even from a store.")
@click.option("--circle-pages", "circle_pages", default=str(CIRCLE_PAGES), show_default=True,
              metavar="N|all",
              help="Circles that get a page: the first N by loan total (risk order), 'all' "
                   "or 0 for none; circles.html lists every circle and group anyway.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--verbose", "-v", is_flag=True,
              help="Log the seconds and peak memory of every part on standard error.")
def report(dataset, encoding, strict, output, lang, top, runs, seed, budget, max_nodes, skip,
           previous, no_previous, circle_pages, quiet, verbose):
    """Write the risk committee's report and the interactive network page.

    Runs every analysis and writes OUT/index.html (the report), OUT/circles.html
    (every circle and group, searchable and sortable), OUT/network.html (the
    interactive network, one offline file), OUT/circles/<id>.html (a page for each
    of the top circles), OUT/report.xlsx (every table, Chinese headers),
    OUT/tables/*.csv.gz (the large tables, every row) and OUT/json/<analysis>.json
    (summaries and first rows).  The folder appears only when complete.

    With a previous period (--previous, or the period before in a snapshot store) the
    report opens with 本期变化: who entered and left the list, level changes, loans
    downgraded, new non-performing and special-mention loans, circles formed and
    dissolved, NPL ratios by region and lender; with three or more periods in a store,
    trend charts.  A dataset with an as-of date gets the 到期贷款台账 (loans due within 30
    days) too.

    Example:  graphrisk report datasets/demo -o out --lang zh

    Example:  graphrisk report datasets/demo -o out --previous datasets/demo-2025-12-31
    """
    from graphrisk.params import ReportParams
    from graphrisk.report.build import build_report, timing_line

    pages = _circle_pages(circle_pages)
    params = ReportParams(lang=lang, top=top, runs=runs, seed=seed, budget=budget,
                          full_max_nodes=max_nodes, skip=tuple(skip))
    log = (lambda key, sec: echo_err(timing_line(key, sec))) if verbose else None
    t0 = time.perf_counter()
    ds = open_dataset(dataset, encoding, strict)
    prev, history = (None, []) if no_previous else _periods_before(dataset, ds, previous,
                                                                   encoding, strict)
    if log is not None:
        log("load", time.perf_counter() - t0)
    res = build_report(ds, output, lang=lang, progress=not quiet and not verbose,
                       params=params, circle_pages=pages, log=log, previous=prev,
                       history=history)
    if verbose:
        own = sum(v for k, v in res.seconds.items() if k != "tables_background")  # overlapped
        echo_err(timing_line("total (report)", own))
    for key, note in res.notes.items():
        echo_err(f"note: {key}: {note}")
    done = sum(res.sections.values())
    echo_err(f"wrote {output}/index.html, circles.html, network.html, report.xlsx, tables/, "
             f"json/ and {res.circle_pages} circle page(s); {done} of {len(res.sections)} "
             "sections")
