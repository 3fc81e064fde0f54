"""Command ``watchlist``: key enterprises and early-warning levels (重点企业名单与预警)."""

from __future__ import annotations

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
)

LEVEL_NAMES = ("blue", "yellow", "orange", "red")
#: fill colours of the level cells in the workbook
FILLS = {"red": "F4B6B6", "orange": "F9D3A8", "yellow": "FCEFA6", "blue": "BBD7F2"}


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
    headers = ["level 等级", "id 编号", "name 企业名称", "key 重点", "exposure 敞口(万元)",
               "criteria 入选标准", "reasons 预警原因"]
    rows = []
    for e in data["enterprises"]:
        row = [f"{e['level']} {e['level_zh']}", e["id"], e["name"], "是" if e["key"] else "",
               e["exposure"], _criteria(e), _reasons(e, "zh", None if full else 2)]
        if full:
            row += [e["credit"], e["credit_source"], "; ".join(c["code"] for c in e["criteria"]),
                    "; ".join(s["code"] for s in e["signals"]), _reasons(e, "en")]
        rows.append(row)
    if full:
        headers += ["credit 授信(万元)", "credit_source 授信口径", "criteria_codes",
                    "signal_codes", "reasons_en"]
    return headers, rows


def write_xlsx(data: dict, path: Path) -> None:
    """The watchlist as a workbook with Chinese headers: 预警名单, 风险信号, 入选标准, 预警规则.

    Written to a temporary name, then renamed (whole or not at all).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "预警名单"
    ws.append(["预警等级", "等级代码", "企业编号", "企业名称", "重点企业", "风险敞口(万元)",
               "授信(万元)", "授信口径", "入选标准", "预警原因", "Reasons (English)"])
    for e in data["enterprises"]:
        ws.append([e["level_zh"], e["level"], e["id"], e["name"], "是" if e["key"] else "否",
                   e["exposure"], e["credit"],
                   {"credit_line": "授信额度", "loans": "贷款余额"}.get(e["credit_source"], ""),
                   _criteria(e), "\n".join(r["zh"] for r in e["reasons"]),
                   "\n".join(r["en"] for r in e["reasons"])])
        if e["level"] in FILLS:
            ws.cell(ws.max_row, 1).fill = PatternFill("solid", fgColor=FILLS[e["level"]])
    ws2 = wb.create_sheet("风险信号")
    ws2.append(["企业编号", "企业名称", "信号代码", "信号", "Signal", "类型", "数值", "单位",
                "笔数/个数", "预警等级", "说明"])
    for e in data["enterprises"]:
        for s, r in zip(e["signals"], e["reasons"], strict=False):
            ws2.append([e["id"], e["name"], s["code"], s["label_zh"], s["label_en"],
                        "自身" if s["kind"] == "own" else "网络", s["value"], s["unit"],
                        s["count"], s["level"], r["zh"]])
    ws3 = wb.create_sheet("入选标准")
    ws3.append(["企业编号", "企业名称", "标准代码", "入选标准", "Criterion", "授信(万元)",
                "授信口径", "依据"])
    for e in data["enterprises"]:
        for c in e["criteria"]:
            f = c["figures"]
            extra = {k: v for k, v in f.items() if k not in ("credit", "credit_source")}
            ws3.append([e["id"], e["name"], c["code"], c["label_zh"], c["label_en"],
                        f.get("credit"), f.get("credit_source"), str(extra) if extra else ""])
    ws4 = wb.create_sheet("预警规则")
    ws4.append(["信号代码", "信号", "Signal", "类型", "等级规则"])
    for r in data["parameters"]["rules"]:
        ws4.append([r["code"], r["label_zh"], r["label_en"], r["kind"], r["levels"]])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJK", (8, 8, 22, 30, 8, 14, 12, 10, 40, 80, 80), strict=True):
        ws.column_dimensions[col].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    wb.save(tmp)
    tmp.replace(path)


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
@click.option("--recovery", type=float, default=None, metavar="R",
              help="Recovery rate of the cascade seeded by the defaulted firms (default 0).")
def watchlist(dataset, encoding, strict, fmt, output, include_all, min_level, key_only,
              top_n, no_related, recovery):
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
    if recovery is not None:
        wp = replace(wp, recovery=recovery)
    ds = open_dataset(dataset, encoding, strict)
    wl = run(ds, key_params=kp, warning_params=wp, include_all=include_all, min_level=min_level, key_only=key_only)
    for note in wl.notes:
        echo_err(f"note: {note}")
    data = wl.as_dict()
    if fmt == "xlsx":
        write_xlsx(data, output)
        echo_err(f"wrote {output}")
        return
    c = data["counts"]
    text = (f"{dataset}: 红 red {c['red']} · 橙 orange {c['orange']} · 黄 yellow {c['yellow']} · "
            f"蓝 blue {c['blue']} — {c['key']} key enterprises (重点企业), {c['listed']} listed")
    headers, rows = _rows(data, full=fmt == "csv")
    emit(Output(data, [("watchlist (重点企业名单与预警)", headers, rows)], text), fmt, output)
