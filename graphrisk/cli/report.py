"""The ``report`` command: the risk committee's report and the interactive network page."""

from __future__ import annotations

from pathlib import Path

import click

from graphrisk.cli.base import (
    dataset_argument,
    default_of,
    echo_err,
    load_options,
    main,
    open_dataset,
)
from graphrisk.params import ReportParams


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
              help="Leave a section out (repeatable): summary, circles, chains, exposure, "
                   "related, contagion, strategies, watchlist.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def report(dataset, encoding, strict, output, lang, top, runs, seed, budget, max_nodes, skip,
           quiet):
    """Write the risk committee's report and the interactive network page.

    Runs every analysis and writes OUT/index.html (the report), OUT/network.html (the
    interactive network, one offline file), OUT/circles/<id>.html (one page per
    guarantee circle), OUT/report.xlsx (every table, Chinese headers) and
    OUT/json/<analysis>.json.  The folder appears only when complete.

    Example:  graphrisk report datasets/demo -o out --lang zh
    """
    from graphrisk.params import ReportParams
    from graphrisk.report.build import build_report

    params = ReportParams(lang=lang, top=top, runs=runs, seed=seed, budget=budget,
                          full_max_nodes=max_nodes, skip=tuple(skip))
    ds = open_dataset(dataset, encoding, strict)
    res = build_report(ds, output, lang=lang, progress=not quiet, params=params)
    for key, note in res.notes.items():
        echo_err(f"note: {key}: {note}")
    done = sum(res.sections.values())
    echo_err(f"wrote {output}/index.html, network.html, report.xlsx, json/ and "
             f"{res.circle_pages} circle page(s); {done} of {len(res.sections)} sections")
