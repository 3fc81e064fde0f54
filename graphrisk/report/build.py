"""The risk committee's report (``graphrisk report``): every analysis in one folder.

:func:`build_report` runs the analyses and writes::

    OUT/index.html          the report: overview, circles, chains, bank exposure,
                            related parties, contagion, cutting plan, key
                            enterprises and warnings
    OUT/circles.html        searchable, sortable index of every circle and group
    OUT/network.html        the interactive network (self-contained, offline)
    OUT/circles/<id>.html   one page per top circle (``circle_pages``, risk order)
    OUT/report.xlsx         every table, Chinese headers
    OUT/tables/<name>.csv.gz  the large tables, every row (UTF-8 with BOM, gzip)
    OUT/json/<name>.json    the summary and first rows of each analysis, plus
                            report.json (index)

Each section consumes one analysis' result (:mod:`.sections`, :mod:`.sections_risk`);
``--skip`` leaves a section out (an error in an analysis fails the report).  The folder is
written under a temporary name beside OUT and renamed at the end, so a failure
leaves nothing half-written (an existing report folder is replaced only then).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from graphrisk import __version__
from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.errors import ParameterError
from graphrisk.io.dataset import Dataset
from graphrisk.io.output import atomic_dir
from graphrisk.network.graph import Network, analysis
from graphrisk.params import ReportParams
from graphrisk.report.circle_index import circle_index, index_data
from graphrisk.report.circle_pages import circle_page
from graphrisk.report.formats import write_json
from graphrisk.report.i18n import text
from graphrisk.report.network_page import page_data, render_page
from graphrisk.report.render import render, static_text
from graphrisk.report.sections import (
    CIRCLE_PAGES,
    STRUCTURE_SECTIONS,
    TITLES,
    Context,
    Section,
)
from graphrisk.report.sections_risk import RISK_SECTIONS
from graphrisk.report.sections_time import TIME_TITLES, changes_section, maturities_section
from graphrisk.report.xlsx import write_workbook

__all__ = ["build_report", "ReportResult", "SECTIONS", "FILE_STEPS", "run_sections",
           "CIRCLE_PAGES", "XLSX_ROWS", "timing_line"]

#: every section, in report order: (key, function(Context) -> Section, or None when it
#: does not apply: no previous period, no as-of date)
SECTIONS = (STRUCTURE_SECTIONS[:1] + [("changes", changes_section)] + STRUCTURE_SECTIONS[1:]
            + RISK_SECTIONS + [("maturities", maturities_section)])
#: sections whose analysis forks worker processes (graphrisk.contagion._pool)
FORKING = frozenset({"contagion", "strategies"})
#: rows of a table kept in the workbook (its riskiest first); every row is in ``tables/``
XLSX_ROWS = 100_000
#: the parts written after the sections, in order (keys of ``ReportResult.seconds``)
FILE_STEPS = ("network_page", "circle_pages", "circle_index", "index_html", "workbook", "json")


@dataclass
class ReportResult:
    """What :func:`build_report` wrote."""

    path: Path
    sections: dict[str, bool] = field(default_factory=dict)  # key → available
    notes: dict[str, str] = field(default_factory=dict)
    circle_pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[dict[str, object]] = field(default_factory=list)


def _progress(enabled: bool, total: int) -> tqdm:
    """Return a progress bar on standard error (disabled unless *enabled*)."""
    return tqdm(total=total, file=sys.stderr, disable=not enabled, unit="step",
                bar_format="{desc:<28}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")


def run_sections(ctx: Context, bar: tqdm | None = None,
                 seconds: dict[str, float] | None = None,
                 log: Callable[[str, float], None] | None = None) -> list[Section]:
    """Run every section in order (see :data:`SECTIONS`).

    Parameters
    ----------
    ctx : Context
    bar : tqdm, optional
        Progress bar advanced by one step per section.
    seconds : dict, optional
        Filled with the seconds each section took, by key.
    log : callable, optional
        Called with (key, seconds) as each section ends.

    Returns
    -------
    list of Section

    Raises
    ------
    ParameterError
        ``ctx.params.skip`` names an unknown section.
    """
    out = []
    unknown = set(ctx.params.skip) - {k for k, _ in SECTIONS}
    if unknown:
        raise ParameterError(f"unknown section(s) {', '.join(sorted(unknown))}; use "
                             f"{', '.join(k for k, _ in SECTIONS)}")
    for key, fn in SECTIONS:
        if bar is not None:
            bar.set_description_str(key)
        t0 = time.perf_counter()
        if key in ctx.params.skip:
            out.append(_skipped(key, ctx.lang))
        else:
            if key in FORKING:  # no table is being written while worker processes fork
                ctx.wait_tables()
            sec = fn(ctx)
            if sec is not None:
                out.append(sec)
        dt = round(time.perf_counter() - t0, 3)
        if seconds is not None:
            seconds[key] = dt
        if log is not None:
            log(key, dt)
        if bar is not None:
            bar.update(1)
    return out


def _skipped(key: str, lang: str) -> Section:
    zh, en = TITLES.get(key) or TIME_TITLES.get(key, (key, key))
    return Section(key, zh, en, available=False, note=text("skipped", lang))


def _generated() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.gmtime(int(epoch)) if epoch and epoch.isdigit() else time.localtime()
    return time.strftime("%Y-%m-%d %H:%M", t)


def _is_report_dir(path: Path) -> bool:
    return (path / "index.html").is_file() and (path / "json").is_dir()


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not _is_report_dir(out):
        raise ParameterError(f"{out} is not empty and holds no graphrisk report; "
                             "choose another folder or empty it")


def _worst_classification(net: Network) -> dict[str, str]:
    """Return entity id → its worst loan classification, for entities with loans."""
    worst = net.worst_classification()
    names = list(CLASSIFICATION)
    return {i: names[c] for i, c in zip(net.ids.tolist(), worst.tolist(), strict=True)
            if c >= 0}


def _peak_gb() -> float:
    """Return the peak resident memory of this process so far, in GB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def timing_line(key: str, seconds: float) -> str:
    """Return one line of the timing log: the part, its seconds and the peak memory so far."""
    return f"time {key:<18} {seconds:8.2f} s   peak {_peak_gb():5.2f} GB"


@analysis(params=ReportParams)
def build_report(net: Network, out_dir: str | Path, *, lang: str = "zh",
                 progress: bool = False, params: ReportParams | None = None,
                 circle_pages: int | None = CIRCLE_PAGES,
                 log: Callable[[str, float], None] | None = None,
                 previous: Network | Dataset | None = None,
                 history: Sequence[Dataset] = ()) -> ReportResult:
    """Run every analysis and write the report folder (see the module docstring).

    Parameters
    ----------
    net : Network or Dataset
    out_dir : path
        The folder to write; an existing graphrisk report there is replaced, any other
        non-empty folder is refused.
    lang : {"zh", "en"}
        Overrides ``params.lang``.
    progress : bool
        Show a progress bar on standard error.
    params : ReportParams, optional
    circle_pages : int or None
        Circles that get a page, the first in risk order (the circles' loan total:
        the loans of their members, largest first); None: every circle, 0: none.
        ``circles.html`` lists every circle and group whatever this is.
    log : callable, optional
        Called with (part, seconds) as each part ends (the analyses, then the files).
    previous : Network or Dataset, optional
        The previous period (dated): adds the 本期变化 section
        (:func:`graphrisk.history.compare.compare_periods`).
    history : sequence of Dataset
        Every earlier period (dated, oldest first, *previous* the last): with two or more,
        the 本期变化 section draws the trends over all periods.

    Returns
    -------
    ReportResult

    Raises
    ------
    ParameterError
        ``out_dir`` is a file, or a non-empty folder that is not a report;
        ``circle_pages`` is negative.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     r = build_report(net, f"{tmp}/out")
    ...     sorted(p.name for p in r.path.iterdir()), r.circle_pages
    (['circles', 'circles.html', 'index.html', 'json', 'network.html', 'report.xlsx', 'tables'], 1)

    Notes
    -----
    The cost is that of the analyses (see each module; the Monte Carlo runs dominate)
    plus the page layout (:mod:`graphrisk.report.layout`) and O(rows) writing.  Each
    large table is written to ``tables/`` by its section as soon as it is computed, and
    only its first rows are kept, so memory holds one analysis' result at a time.
    """
    assert params is not None  # filled in by @analysis
    if circle_pages is not None and circle_pages < 0:
        raise ParameterError("circle_pages must be >= 0 (or None for every circle)")
    ds = net.dataset
    p = replace(params, lang=lang)
    out = Path(out_dir)
    _check_target(out)
    result = ReportResult(out)
    bar = _progress(progress, len(SECTIONS) + len(FILE_STEPS))
    try:
        with atomic_dir(out) as tmp, ThreadPoolExecutor(1, "tables") as writer:
            # the old report goes only once the new is there
            ctx = Context(ds, net, p, out=tmp, circle_pages=circle_pages, writer=writer)
            if previous is not None:
                ctx.shared["previous"] = previous
                ctx.shared["history"] = list(history)
            try:
                sections = run_sections(ctx, bar, result.seconds, log)
                _write(ctx, sections, tmp, bar, result, log)
            finally:  # no table may still be written when the folder is renamed or removed
                for f in ctx.pending:
                    f.cancel()
                wait(ctx.pending)
            ctx.wait_tables()
            result.seconds["tables_background"] = round(sum(ctx.write_seconds), 3)
            if log is not None:
                log("tables_background", result.seconds["tables_background"])
    finally:
        bar.close()
    result.sections = {s.key: s.available for s in sections}
    result.notes = {s.key: s.note for s in sections if s.note}
    result.files = ctx.files
    return result


class _Clock:
    """Time the parts of :func:`_write` into ``result.seconds`` (and the log)."""

    def __init__(self, result: ReportResult, bar: tqdm,
                 log: Callable[[str, float], None] | None) -> None:
        self.result, self.bar, self.log = result, bar, log
        self.t0 = time.perf_counter()

    def start(self, name: str) -> None:
        self.bar.set_description_str(name)
        self.t0 = time.perf_counter()

    def done(self, key: str) -> None:
        dt = round(time.perf_counter() - self.t0, 3)
        self.result.seconds[key] = dt
        if self.log is not None:
            self.log(key, dt)
        self.bar.update(1)


def _write(ctx: Context, sections: list[Section], tmp: Path, bar: tqdm,
           result: ReportResult, log: Callable[[str, float], None] | None = None) -> None:
    """Write every page, the workbook and the JSON documents into the folder *tmp*."""
    p, ds, lang = ctx.params, ctx.ds, ctx.lang
    clock = _Clock(result, bar, log)
    doc = ctx.shared.get("circles") or {"circles": [], "groups": []}
    pages = doc["circles"][:ctx.circle_pages]

    clock.start("network.html")
    title = f"{text('page_title', lang)} — {Path(ds.source).name or ds.source}"
    data = page_data(ctx.net, levels=ctx.shared.get("levels"), params=p, title=title,
                     top_circles=len(pages))
    drawn = {c["id"] for c in data["circles"]}
    (tmp / "network.html").write_text(render_page(data, p), encoding="utf-8")
    del data
    clock.done("network_page")

    clock.start("circles/*.html")
    circle_ids: list[str] = []
    if pages:
        (tmp / "circles").mkdir()
        names, worst = ctx.names(), _worst_classification(ctx.net)
        by_circle = ctx.shared.get("circle_edges", {})
        for c in pages:
            html = circle_page(c, by_circle.get(c["id"], []), ctx.net, names, worst,
                               lang=lang, seed=p.seed)
            (tmp / "circles" / f"{c['id']}.html").write_text(html, encoding="utf-8")
            circle_ids.append(c["id"])
    result.circle_pages = len(circle_ids)
    clock.done("circle_pages")

    clock.start("circles.html")
    idx = index_data(doc, pages=circle_ids, drawn=drawn, lang=lang)
    (tmp / "circles.html").write_text(circle_index(idx, lang=lang), encoding="utf-8")
    del idx
    clock.done("circle_index")

    clock.start("index.html")
    html = render("report.html.j2", lang=lang, title=text("report_title", lang),
                  source=ds.source, generated=_generated(), version=__version__,
                  sections=sections, circle_links=circle_ids, top=p.top,
                  circle_total=len(doc["circles"]), files=ctx.files,
                  css=static_text("report.css"), t=lambda k, **f: text(k, lang, **f))
    (tmp / "index.html").write_text(html, encoding="utf-8")
    clock.done("index_html")

    clock.start("report.xlsx")
    full = {f["file"].split("/")[1].split(".")[0]: f["file"] for f in ctx.files}
    full.update({"systemic": full.get("contagion_entities", ""),
                 "cascade": full.get("cascade_defaults", "")})
    write_workbook([tb for s in sections if s.available for tb in s.tables], tmp / "report.xlsx",
                   cap=XLSX_ROWS, full={k: v for k, v in full.items() if v})
    clock.done("workbook")

    clock.start("json")
    (tmp / "json").mkdir()
    for s in sections:
        if s.available and s.data is not None:
            write_json(s.data, tmp / "json" / f"{s.key}.json")
    index = {"version": __version__, "source": ds.source, "lang": lang,
             "generated": _generated(),
             "params": {k: getattr(p, k) for k in p.__dataclass_fields__},
             "circle_pages_rule": {"top": ctx.circle_pages, "order": "loan_total"},
             "sections": [{"key": s.key, "title_zh": s.zh, "title_en": s.en,
                           "available": s.available, "note": s.note,
                           "json": f"json/{s.key}.json" if s.available and s.data is not None
                           else None} for s in sections],
             "circle_pages": [f"circles/{c}.html" for c in circle_ids],
             "files": ctx.files}
    write_json(index, tmp / "json" / "report.json")
    clock.done("json")
