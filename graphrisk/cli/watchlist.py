"""Command ``watchlist``: key enterprises and early-warning levels (重点企业名单与预警)."""

from __future__ import annotations

from pathlib import Path

import click

from graphrisk.cli.base import (
    Output,
    dataset_argument,
    default_of,
    echo_err,
    emit,
    load_options,
    main,
    open_dataset,
)
from graphrisk.params import KeyFirmParams
from graphrisk.report.fields import CRITERIA, LEVEL_RULES, SIGNALS, WATCHLIST
from graphrisk.report.tables import Table
from graphrisk.report.xlsx import write_workbook

LEVEL_NAMES = ("blue", "yellow", "orange", "red")


def _criteria(entry: dict, lang: str = "zh") -> str:
    return "；".join(c["label_zh"] if lang == "zh" else c["label_en"] for c in entry["criteria"])


def _reasons(entry: dict, lang: str = "zh", limit: int | None = None) -> str:
    rs = entry["reasons"][:limit] if limit else entry["reasons"]
    text = ("；" if lang == "zh" else "; ").join(r[lang] for r in rs)
    if limit and len(entry["reasons"]) > limit:
        text += f"；…（另 {len(entry['reasons']) - limit} 条）" if lang == "zh" else \
            f"; … ({len(entry['reasons']) - limit} more)"
    return text




def _rows(data: dict, full: bool) -> tuple[list[str], list[list]]:
    keys = ["level", "id", "name", "key", "exposure", "criteria", "reasons"]
    rows = []
    for e in data["enterprises"]:
        row = [f"{e['level']} {e['level_zh']}", e["id"], e["name"], "是" if e["key"] else "",
               e["exposure"], _criteria(e), _reasons(e, "zh", None if full else 2)]
        if full:
            row += [e["credit"], e["credit_source"], "; ".join(c["code"] for c in e["criteria"]),
                    "; ".join(s["code"] for s in e["signals"]), _reasons(e, "en")]
        rows.append(row)
    if full:
        keys += ["credit", "credit_source", "criteria_codes", "signal_codes", "reasons_en"]
    return WATCHLIST.labels(*keys), rows


def workbook_tables(data: dict) -> list[Table]:
    """Return the watchlist as four tables: 预警名单, 风险信号, 入选标准, 预警规则."""
    from graphrisk.watch.key_enterprises import CREDIT_SOURCES

    source = {code: zh for code, (zh, _) in CREDIT_SOURCES.items()}
    ents = data["enterprises"]
    listed = [[e["level"], e["level"], e["id"], e["name"], bool(e["key"]), e["exposure"],
               e["credit"], source.get(e["credit_source"], ""), _criteria(e),
               "\n".join(r["zh"] for r in e["reasons"]), "\n".join(r["en"] for r in e["reasons"])]
              for e in ents]
    signals = [[e["id"], e["name"], s["code"], s["label_zh"], s["label_en"],
                "自身" if s["kind"] == "own" else "网络", s["value"], s["unit"], s["count"],
                s["level"], r["zh"]]
               for e in ents for s, r in zip(e["signals"], e["reasons"], strict=False)]
    criteria = []
    for e in ents:
        for c in e["criteria"]:
            f = c["figures"]
            extra = {k: v for k, v in f.items() if k not in ("credit", "credit_source")}
            criteria.append([e["id"], e["name"], c["code"], c["label_zh"], c["label_en"],
                             f.get("credit"), f.get("credit_source"), str(extra) if extra else ""])
    rules = [[r["code"], r["label_zh"], r["label_en"], r["kind"], str(r["levels"])]
             for r in data["parameters"]["rules"]]
    return [WATCHLIST.table(listed, ("level", "level_code", "id", "name", "key", "exposure",
                                     "credit", "credit_source", "criteria", "reasons",
                                     "reasons_en"), zh="预警名单"),
            SIGNALS.table(signals), CRITERIA.table(criteria), LEVEL_RULES.table(rules)]


@main.command()
@dataset_argument
@load_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]),
              default="table", show_default=True, help="Output format (xlsx needs -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of standard output.")
@click.option("--all", "include_all", is_flag=True,
              help="List every enterprise, also those with no signal that are not key.")
@click.option("--level", "min_level", type=click.Choice(LEVEL_NAMES), default=None,
              help="List only enterprises at this level or above.")
@click.option("--key-only", is_flag=True, help="List only key enterprises (重点企业).")
@click.option("--top-n", type=int, default=None, metavar="N",
              help="Key: the N largest credit users (default 10).")
@click.option("--no-related", is_flag=True,
              help="Key: do not add the important related parties of key enterprises.")
@click.option("--credit-basis", type=click.Choice(["used", "line"]),
              default=default_of(KeyFirmParams, "credit_basis"), show_default=True,
              help="Key: credit used (用信: loans + guarantees given) or the credit line.")
@click.option("--no-circles", is_flag=True,
              help="Key: do not select the members of guarantee circles and mutual pairs.")
@click.option("--recovery", type=float, default=None, metavar="R",
              help="Recovery rate of the cascade seeded by the defaulted firms (default 0).")
def watchlist(dataset, encoding, strict, fmt, output, include_all, min_level, key_only,
              top_n, no_related, credit_basis, no_circles, recovery):
    """Key enterprises (重点企业) and early-warning levels (预警): red, orange, yellow, blue.

    Selects the key enterprises by credit, sector, tags and related parties, finds each
    enterprise's risk signals (status, loan classification, overdue days, extensions,
    risk events, defaulted or troubled guarantors, borrowers and related parties,
    guarantee circles, the contagion cascade of the defaulted firms), and gives each
    the highest level of its signals with the reasons.  Sorted red first, then by
    exposure (loans + guarantees given, 万元).

    Example:  graphrisk watchlist datasets/demo --level orange
    """
    from dataclasses import replace

    from graphrisk.params import KeyFirmParams, WarningParams
    from graphrisk.watch.watchlist import watchlist as run

    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx needs -o FILE.xlsx")
    kp, wp = KeyFirmParams(), WarningParams()
    if top_n is not None:
        kp = replace(kp, top_n=top_n)
    if no_related:
        kp = replace(kp, related=False)
    if no_circles:
        kp = replace(kp, circle_members=False)
    kp = replace(kp, credit_basis=credit_basis)
    if recovery is not None:
        wp = replace(wp, recovery=recovery)
    ds = open_dataset(dataset, encoding, strict)
    wl = run(ds, key_params=kp, warning_params=wp, include_all=include_all, min_level=min_level, key_only=key_only)
    for note in wl.notes:
        echo_err(f"note: {note}")
    data = wl.as_dict()
    if fmt == "xlsx":
        write_workbook(workbook_tables(data), output)
        echo_err(f"wrote {output}")
        return
    if fmt == "json":  # the table is for people: not built for a JSON document
        emit(Output(data), fmt, output)
        return
    c = data["counts"]
    text = (f"{dataset}: 红 red {c['red']} · 橙 orange {c['orange']} · 黄 yellow {c['yellow']} · "
            f"蓝 blue {c['blue']} — {c['key']} key enterprises (重点企业), {c['listed']} listed")
    headers, rows = _rows(data, full=fmt == "csv")
    emit(Output(data, [("watchlist (重点企业名单与预警)", headers, rows)], text), fmt, output)
