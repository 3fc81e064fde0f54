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
    open_previous,
)
from graphrisk.params import KeyFirmParams
from graphrisk.report.fields import CRITERIA, LEVEL_RULES, SIGNALS, WATCHLIST
from graphrisk.report.tables import Table
from graphrisk.report.xlsx import write_workbook
from graphrisk.watch._history import HistoryParams

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


#: how the workbook names the kind of a signal
_KINDS = {"own": "自身", "network": "网络", "change": "跨期变化"}


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


def _changed(data: dict) -> int:
    """Return how many listed enterprises have a signal over time."""
    return sum(any(s["kind"] == "change" for s in e["signals"]) for e in data["enterprises"])


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
                _KINDS.get(s["kind"], s["kind"]), s["value"], s["unit"], s["count"],
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
@click.option("--previous", metavar="PREV", default=None,
              help="The previous period (a dataset, a store, STORE@YYYY-MM-DD or a date of "
                   "this store): adds the signals over time (downgrades, new NPL, new "
                   "special mention, rising overdue payments).")
@click.option("--new-special-mention", "new_sm", type=float, metavar="X",
              default=default_of(HistoryParams, "new_special_mention"), show_default=True,
              help="With --previous: new 关注类 balance of a borrower (万元) that is a signal.")
def watchlist(dataset, encoding, strict, fmt, output, include_all, min_level, key_only,
              top_n, no_related, credit_basis, no_circles, recovery, previous, new_sm):
    """Key enterprises (重点企业) and early-warning levels (预警): red, orange, yellow, blue.

    Selects the key enterprises by credit, sector, tags and related parties, finds each
    enterprise's risk signals (status, loan classification, overdue days, extensions,
    risk events, defaulted or troubled guarantors, borrowers and related parties,
    guarantee circles, the contagion cascade of the defaulted firms), and gives each
    the highest level of its signals with the reasons.  Sorted red first, then by
    exposure (loans + guarantees given, 万元).  With --previous, the loans matched by
    loan id and borrower add the signals over time: classification downgrades, new
    non-performing loans, new special-mention loans >= 1,000 万元, rising overdue counts.

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
    hp = HistoryParams(new_special_mention=new_sm)
    ds = open_dataset(dataset, encoding, strict)
    before = open_previous(previous, dataset, encoding, strict) if previous else None
    wl = run(ds, key_params=kp, warning_params=wp, include_all=include_all,
             min_level=min_level, key_only=key_only, previous=before, history_params=hp)
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
    if wl.previous is not None:
        p = wl.previous
        text += (f"\ncompared with {previous}" + (f" (as of {p['as_of']})" if p["as_of"] else "")
                 + f": {_changed(data)} enterprises with signals over time (跨期信号)")
    headers, rows = _rows(data, full=fmt == "csv")
    emit(Output(data, [("watchlist (重点企业名单与预警)", headers, rows)], text), fmt, output)


def _maturity_schema():
    """Return the ledger's schema (``graphrisk.report.fields.MATURITIES``)."""
    from graphrisk.report import fields

    return fields.MATURITIES


def _guarantor_text(row: dict) -> str:
    named = [f"{n}({i})" for i, n in zip(row["guarantor_ids"], row["guarantors"], strict=True)]
    other = [f"{n}({i}，未指定借据)" for i, n in zip(row["borrower_guarantor_ids"],
                                                  row["borrower_guarantors"], strict=True)]
    return "、".join(named + other)


def maturity_tables(doc: dict, full: bool = False) -> tuple[list[str], list[list]]:
    """Return the headers and rows of the ledger: people's columns, or every field (CSV)."""
    from graphrisk.domain.glossary import WARNING_LEVELS, label_zh
    from graphrisk.watch.maturities import MATURITY_FIELDS, MATURITY_STATUS

    schema = _maturity_schema()
    if full:
        keys = [f[0] for f in MATURITY_FIELDS]
        return schema.labels(*keys), [[r[k] for k in keys] for r in doc["loans"]]
    keys = ["maturity_date", "days_left", "status", "loan_id", "borrower_id", "borrower",
            "lender", "balance", "classification", "guarantors", "circle", "level"]
    rows = [[r["maturity_date"], r["days_left"], MATURITY_STATUS[r["status"]][0], r["loan_id"],
             r["borrower_id"], r["borrower"], r["lender"], r["balance"],
             label_zh("classification", r["classification"]), _guarantor_text(r),
             r["circle"] or "",
             f"{r['level']} {WARNING_LEVELS[r['level']]}" if r["level"] in WARNING_LEVELS
             else ""]
            for r in doc["loans"]]
    return schema.labels(*keys), rows


@main.command()
@dataset_argument
@load_options
@click.option("--within", type=click.IntRange(min=0), default=30, show_default=True,
              metavar="DAYS", help="Days after the start: loans maturing in (D, D + DAYS].")
@click.option("--from", "start", metavar="DATE", default=None,
              help="Start D of the window (default: the dataset's as-of date).")
@click.option("--no-past-due", is_flag=True,
              help="Leave out the loans already past maturity with a balance (已到期未还).")
@click.option("--no-levels", is_flag=True,
              help="Do not compute the borrowers' warning levels (faster on a large network).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE instead of standard output.")
def maturities(dataset, encoding, strict, within, start, no_past_due, no_levels, fmt, output):
    """Maturity ledger (每月到期贷款台账): loans falling due within DAYS of the as-of date.

    Lists the loans with a balance whose maturity date falls in (D, D + DAYS] — D the
    dataset's as-of date, or --from — with borrower, lender, balance, classification,
    the guarantors of the loan (and the borrower's guarantees naming no loan), the
    borrower's guarantee circle and warning level, sorted by date; the loans already
    past maturity and unpaid come first, flagged 已到期未还.

    Example:  graphrisk maturities datasets/demo --within 30
    """
    from graphrisk.watch.maturities import maturities as run

    ds = open_dataset(dataset, encoding, strict)
    doc = run(ds, within=within, start=start, past_due=not no_past_due,
              levels=False if no_levels else None)
    s = doc["summary"]
    text = (f"{dataset}: {s['due']['loans']} loans falling due in ({doc['start']}, "
            f"{doc['end']}] (未来 {within} 天到期), balance {s['due']['balance']:,.2f} 万元")
    if not no_past_due:
        text += (f"; {s['past_due']['loans']} past maturity, not repaid (已到期未还), "
                 f"balance {s['past_due']['balance']:,.2f} 万元")
    headers, rows = maturity_tables(doc, full=fmt == "csv")
    emit(Output(doc, [("maturity ledger (每月到期贷款台账)", headers, rows)], text), fmt, output)
