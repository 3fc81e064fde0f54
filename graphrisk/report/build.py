"""The risk committee's report (``graphrisk report``): every analysis in one folder.

:func:`build_report` runs the analyses and writes::

    OUT/index.html          the report: overview, circles, chains, bank exposure,
                            related parties, contagion, cutting plan, key
                            enterprises and warnings
    OUT/network.html        the interactive network (self-contained, offline)
    OUT/circles/<id>.html   one page per guarantee circle
    OUT/report.xlsx         every table, Chinese headers
    OUT/json/<name>.json    the document of each analysis, plus report.json (index)

Each section consumes one analysis' result (:mod:`.sections`, :mod:`.sections_risk`);
``--skip`` leaves a section out (an error in an analysis fails the report).  The folder is
written under a temporary name beside OUT and renamed at the end, so a failure
leaves nothing half-written (an existing report folder is replaced only then).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graphrisk import __version__
from graphrisk.domain.glossary import CLASSIFICATION
from graphrisk.errors import ParameterError
from graphrisk.io.output import atomic_dir
from graphrisk.network.graph import Network, analysis
from graphrisk.params import ReportParams
from graphrisk.report.circle_pages import circle_page
from graphrisk.report.formats import _default, to_json
from graphrisk.report.i18n import text
from graphrisk.report.network_page import network_page
from graphrisk.report.render import render, static_text
from graphrisk.report.sections import STRUCTURE_SECTIONS, TITLES, Context, Section
from graphrisk.report.sections_risk import RISK_SECTIONS
from graphrisk.report.xlsx import write_workbook

__all__ = ["build_report", "ReportResult", "SECTIONS", "run_sections"]

#: every section, in report order: (key, function(Context) -> Section)
SECTIONS = STRUCTURE_SECTIONS + RISK_SECTIONS


@dataclass
class ReportResult:
    """What :func:`build_report` wrote."""

    path: Path
    sections: dict[str, bool] = field(default_factory=dict)  # key → available
    notes: dict[str, str] = field(default_factory=dict)
    circle_pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _progress(enabled: bool, total: int) -> tqdm:
    """Return a progress bar on standard error (disabled unless *enabled*)."""
    return tqdm(total=total, file=sys.stderr, disable=not enabled, unit="step",
                bar_format="{desc:<28}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")


def run_sections(ctx: Context, bar: tqdm | None = None,
                 seconds: dict[str, float] | None = None) -> list[Section]:
    """Run every section in order (see :data:`SECTIONS`).

    Parameters
    ----------
    ctx : Context
    bar : tqdm, optional
        Progress bar advanced by one step per section.
    seconds : dict, optional
        Filled with the seconds each section took, by key.

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
            out.append(fn(ctx))
        if seconds is not None:
            seconds[key] = round(time.perf_counter() - t0, 3)
        if bar is not None:
            bar.update(1)
    return out


def _skipped(key: str, lang: str) -> Section:
    zh, en = TITLES.get(key, (key, key))
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


@analysis(params=ReportParams)
def build_report(net: Network, out_dir: str | Path, *, lang: str = "zh",
                 progress: bool = False, params: ReportParams | None = None) -> ReportResult:
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

    Returns
    -------
    ReportResult

    Raises
    ------
    ParameterError
        ``out_dir`` is a file, or a non-empty folder that is not a report.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     r = build_report(net, f"{tmp}/out")
    ...     sorted(p.name for p in r.path.iterdir()), r.circle_pages
    (['circles', 'index.html', 'json', 'network.html', 'report.xlsx'], 1)

    Notes
    -----
    The cost is that of the analyses (see each module; the Monte Carlo runs dominate)
    plus the page layout (:mod:`graphrisk.report.layout`) and O(rows) writing.
    """
    assert params is not None  # filled in by @analysis
    ds = net.dataset
    p = replace(params, lang=lang)
    out = Path(out_dir)
    _check_target(out)
    ctx = Context(ds, net, p)
    result = ReportResult(out)
    bar = _progress(progress, len(SECTIONS) + 4)
    try:
        sections = run_sections(ctx, bar, result.seconds)
        with atomic_dir(out) as tmp:  # the old report goes only once the new is there
            _write(ctx, sections, tmp, bar, result)
    finally:
        bar.close()
    result.sections = {s.key: s.available for s in sections}
    result.notes = {s.key: s.note for s in sections if s.note}
    return result


def _write_json(data: Any, path: Path) -> None:
    """Indented JSON when small (readable, diffable), compact above 1 MB."""
    try:  # fast path: no NaN anywhere
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default,
                          allow_nan=False)
    except ValueError:
        text = to_json(data, indent=None)
    if len(text) < 1_000_000:
        text = to_json(data)
    path.write_text(text + "\n", encoding="utf-8")


def _step(bar: tqdm, name: str) -> None:
    bar.set_description_str(name)


def _write(ctx: Context, sections: list[Section], tmp: Path, bar: tqdm,
           result: ReportResult) -> None:
    """Write every file of the report into the folder *tmp*."""
    p, ds, lang = ctx.params, ctx.ds, ctx.lang
    t0 = time.perf_counter()
    _step(bar, "network.html")
    title = f"{text('page_title', lang)} — {Path(ds.source).name or ds.source}"
    (tmp / "network.html").write_text(
        network_page(ctx.net, levels=ctx.shared.get("levels"), params=p, title=title),
        encoding="utf-8")
    result.seconds["network_page"] = round(time.perf_counter() - t0, 3)
    bar.update(1)

    _step(bar, "circles/*.html")
    t0 = time.perf_counter()
    doc = ctx.shared.get("circles")
    circle_ids: list[str] = []
    if doc and doc["circles"]:
        (tmp / "circles").mkdir()
        names, worst = ds.names(), _worst_classification(ctx.net)
        by_circle: dict[str, list[dict[str, Any]]] = {}
        for e in doc["edges"]:
            if e["circle"]:
                by_circle.setdefault(e["circle"], []).append(e)
        for c in doc["circles"]:
            html = circle_page(c, by_circle.get(c["id"], []), ctx.net, names, worst,
                               lang=lang, seed=p.seed)
            (tmp / "circles" / f"{c['id']}.html").write_text(html, encoding="utf-8")
            circle_ids.append(c["id"])
    result.circle_pages = len(circle_ids)
    result.seconds["circle_pages"] = round(time.perf_counter() - t0, 3)
    bar.update(1)

    _step(bar, "index.html")
    html = render("report.html.j2", lang=lang, title=text("report_title", lang),
                  source=ds.source, generated=_generated(), version=__version__,
                  sections=sections, circle_links=circle_ids, top=p.top,
                  css=static_text("report.css"), t=lambda k, **f: text(k, lang, **f))
    (tmp / "index.html").write_text(html, encoding="utf-8")
    bar.update(1)

    _step(bar, "report.xlsx + json")
    t0 = time.perf_counter()
    write_workbook([tb for s in sections if s.available for tb in s.tables], tmp / "report.xlsx")
    (tmp / "json").mkdir()
    for s in sections:
        if s.available and s.data is not None:
            _write_json(s.data, tmp / "json" / f"{s.key}.json")
    index = {"version": __version__, "source": ds.source, "lang": lang,
             "generated": _generated(),
             "params": {k: getattr(p, k) for k in p.__dataclass_fields__},
             "sections": [{"key": s.key, "title_zh": s.zh, "title_en": s.en,
                           "available": s.available, "note": s.note,
                           "json": f"json/{s.key}.json" if s.available and s.data is not None
                           else None} for s in sections],
             "circle_pages": [f"circles/{c}.html" for c in circle_ids]}
    _write_json(index, tmp / "json" / "report.json")
    result.seconds["workbook_json"] = round(time.perf_counter() - t0, 3)
    bar.update(1)
