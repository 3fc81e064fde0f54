"""Command ``compare``: what changed between two periods (本期变化, issue #16)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from graphrisk.cli.base import (
    DatasetSource,
    Output,
    default_of,
    echo_err,
    emit,
    load_options,
    main,
    open_dataset,
    open_previous,
    output_options,
)
from graphrisk.history.params import CompareParams

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEVEL_ZH = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝", "none": "无"}
_CLASS_ZH = {"normal": "正常", "special_mention": "关注", "substandard": "次级",
             "doubtful": "可疑", "loss": "损失"}
_MAX_LISTED = 6  # members shown in one table cell


class _PreviousSource(DatasetSource):
    """A dataset as :class:`DatasetSource`, or a bare date naming a period of CUR's store."""

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Path | str:
        """Return a bare date YYYY-MM-DD as it is, anything else as DatasetSource does."""
        if isinstance(value, str) and _DATE.fullmatch(value) and not Path(value).exists():
            return value
        return super().convert(value, param, ctx)


def _schemas() -> dict[str, Any]:
    """Return the comparison's schemas (``graphrisk.report.fields.COMPARE``)."""
    from graphrisk.report import fields

    return fields.COMPARE


def _level(code: str | None) -> str:
    return "" if code is None or code == "none" else f"{code} {_LEVEL_ZH.get(code, code)}"


def _cls(code: str | None) -> str:
    return "新发放" if code is None else _CLASS_ZH.get(code, code)


def _short(items: list[str], limit: int = _MAX_LISTED) -> str:
    text = "、".join(items[:limit])
    return text + (f"…（共 {len(items)}）" if len(items) > limit else "")


def _reasons(rs: list[dict[str, Any]]) -> str:
    return "；".join(r["zh"] for r in rs)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def _watch_rows(w: dict[str, Any]) -> list[list[Any]]:
    from graphrisk.history.fields import WATCH_CHANGES

    rows = [[WATCH_CHANGES["entered"], e["id"], e["name"], "", _level(e["level"]),
             "是" if e["key"] else "", e["exposure"], _reasons(e["reasons"]), ""]
            for e in w["entered"]]
    rows += [[WATCH_CHANGES["exited"], e["id"], e["name"], _level(e["level"]), "",
              "是" if e["key"] else "", e["exposure"], "", _reasons(e["reasons"])]
             for e in w["exited"]]
    order = list(_LEVEL_ZH)[::-1]  # none … red
    rows += [[WATCH_CHANGES["level_up" if order.index(e["to"]) > order.index(e["from"])
                            else "level_down"], e["id"], e["name"], _level(e["from"]),
              _level(e["to"]), "是" if e["key"] else "", e["exposure"],
              _reasons(e["reasons_added"]), _reasons(e["reasons_removed"])]
             for e in w["level_changed"]]
    return rows


def _migration_rows(loans: dict[str, Any]) -> list[list[Any]]:
    classes = list(_CLASS_ZH)
    cells = {(c["from"], c["to"]): c for c in loans["migration"]}
    rows = []
    for f in classes:
        row: list[Any] = [_CLASS_ZH[f]]
        n = b = 0.0
        for t in classes:
            c = cells.get((f, t))
            row.append(f"{c['count']} / {c['balance']:,.2f}" if c else "")
            n, b = n + (c["count"] if c else 0), b + (c["balance"] if c else 0.0)
        row += ["", f"{int(n)} / {b:,.2f}" if n else ""]
        rows.append(row)
    new, repaid = loans["new"], loans["repaid"]
    rows.append(["新发放"] + [""] * len(classes) + ["", f"{new['count']} / {new['balance']:,.2f}"])
    rows.append(["已结清(上期余额)"] + [""] * len(classes)
                + [f"{repaid['count']} / {repaid['balance']:,.2f}", ""])
    return rows


def _loan_rows(records: list[dict[str, Any]]) -> list[list[Any]]:
    return [[r["id"], r["borrower_id"], r["name"], r["lender"], _cls(r["from"]), _cls(r["to"]),
             r["balance"], r["previous_balance"]] for r in records]


def _structure_rows(changes: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for c in changes:
        name = dict(zip(c["members_before"], c["names_before"], strict=True))
        name.update(zip(c["members_after"], c["names_after"], strict=True))
        rows.append([c["change_zh"], ";".join(c["previous_ids"]), ";".join(c["current_ids"]),
                     c["size_before"], c["size_after"],
                     _short(c["names_after"] or c["names_before"]),
                     _short([name[i] or i for i in c["joined"]]),
                     _short([name[i] or i for i in c["left"]]), c["loan_total_before"],
                     c["loan_total_after"], _pct(c["overlap"])])
    return rows


def _pp(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.2f}pp"


def _npl_rows(rows: list[dict[str, Any]], key: str) -> list[list[Any]]:
    return [[r[key] if r[key] is not None else "(未填地区)"]
            + ([r["name"]] if key == "lender_id" else [])
            + [r["rank_after"], r["rank_before"], _pct(r["npl_ratio_after"]),
               _pct(r["npl_ratio_before"]), _pp(r["npl_ratio_change"]),
               r["npl_balance_after"], r["npl_balance_before"], r["balance_after"],
               r["balance_before"]] for r in rows]


def _summary_text(doc: dict[str, Any]) -> str:
    from graphrisk.history._match import CHANGES

    p, c, s = doc["previous"], doc["current"], doc["summary"]
    w, lo = s["watchlist"], s["loans"]
    region = c["region"] or p["region"]
    kinds = [(name, s[name]) for name in ("circles", "groups")]
    change = s["npl_ratio_change"]
    return "\n".join([
        f"{p['as_of'] or p['source']} → {c['as_of'] or c['source']}" + (f" {region}" if region else ""),
        f"名单 watchlist: 新进入 entered {w['entered']} · 退出 exited {w['exited']} · "
        f"等级上升 up {w['level_up']} · 等级下降 down {w['level_down']}; 重点企业 key "
        f"+{w['key_entered']} −{w['key_exited']} ({w['listed_before']} → {w['listed_after']} listed)",
        f"贷款 loans: 向下迁徙 downgrades {lo['downgrades']} · 向上迁徙 upgrades {lo['upgrades']} · "
        f"新增不良 new NPL {lo['new_npl']} ({lo['new_npl_balance']:,.2f} 万元) · 新增关注类 new "
        f"special mention {lo['new_special_mention_balance']:,.2f} 万元 · 新发放 new {lo['new']} · "
        f"结清 repaid {lo['repaid']}",
        *(f"{'担保圈 circles' if name == 'circles' else '担保群 groups'}: "
          + (" · ".join(f"{CHANGES[k]} {k} {n}" for k, n in counts.items() if n) or "none")
          for name, counts in kinds),
        f"不良率 NPL ratio: {_pct(s['npl_ratio_before'])} → {_pct(s['npl_ratio_after'])}"
        + (f" ({_pp(change)})" if change is not None else ""),
    ])


def _tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    from graphrisk.history.fields import WATCH_CHANGES

    S = _schemas()
    w, loans, banks = doc["watchlist"], doc["loans"], doc["banks"]
    key_rows = ([[WATCH_CHANGES["key_entered"], e["id"], e["name"], _level(e["level"]),
                  "；".join(c["label_zh"] for c in e["criteria"])] for e in w["key_entered"]]
                + [[WATCH_CHANGES["key_exited"], e["id"], e["name"], _level(e["level"]),
                    "；".join(c["label_zh"] for c in e["criteria"])] for e in w["key_exited"]])
    loan_keys = ("id", "borrower_id", "name", "lender", "from", "to", "balance",
                 "previous_balance")
    sm = loans["new_special_mention"]
    npl_keys = ("rank_after", "rank_before", "npl_ratio_after", "npl_ratio_before",
                "npl_ratio_change", "npl_balance_after", "npl_balance_before",
                "balance_after", "balance_before")
    groups = [g for g in doc["groups"] if g["change"] != "unchanged"]
    unchanged = len(doc["groups"]) - len(groups)
    return [
        ("名单变化 watchlist changes (新进入、退出名单在前)", S["compare_watchlist"].labels(),
         _watch_rows(w)),
        ("重点企业名单变化 key-enterprise list", S["compare_key"].labels(), key_rows),
        ("五级分类迁徙矩阵 classification migration (行: 上期, 列: 本期; 笔数 / 万元)",
         S["compare_migration"].labels(), _migration_rows(loans)),
        ("向下迁徙 downgrades", S["compare_loans"].labels(*loan_keys),
         _loan_rows(loans["downgrades"])),
        ("向上迁徙 upgrades", S["compare_loans"].labels(*loan_keys),
         _loan_rows(loans["upgrades"])),
        ("新增不良 new non-performing loans", S["compare_loans"].labels(*loan_keys),
         _loan_rows(loans["new_npl"])),
        ("新增关注类 new special mention, per borrower",
         S["compare_special_mention"].labels("borrower_id", "name", "region", "balance", "loans"),
         [[r["borrower_id"], r["name"], r["region"] or "", r["balance"], r["loans"]]
          for r in sm["by_borrower"]]),
        ("新增关注类 per lender",
         S["compare_special_mention"].labels("lender_id", "name", "balance", "loans"),
         [[r["lender_id"], r["name"], r["balance"], r["loans"]] for r in sm["by_lender"]]),
        ("新增关注类 per region 按地区",
         S["compare_special_mention"].labels("region", "balance", "loans"),
         [[r["region"] or "(未填地区)", r["balance"], r["loans"]] for r in sm["by_region"]]),
        ("担保圈变化 circles (按成员重合度匹配)", S["compare_structures"].labels(),
         _structure_rows(doc["circles"])),
        (f"担保群变化 groups (未变 {unchanged} 个不列出)", S["compare_structures"].labels(),
         _structure_rows(groups)),
        ("各贷款人担保网络敞口 lender books through the network (万元)",
         S["compare_exposure"].labels("lender_id", "name", "type", *_book_keys()),
         [[r["lender_id"], r["name"], r["type"], *(r[k] for k in _book_keys())]
          for r in banks["exposure"]]),
        ("不良率排名 NPL ratio per lender", S["compare_npl"].labels("lender_id", "name", *npl_keys),
         _npl_rows(banks["npl_by_lender"], "lender_id")),
        ("不良率排名 NPL ratio per region 按地区(街道)", S["compare_npl"].labels("region", *npl_keys),
         _npl_rows(banks["npl_by_region"], "region")),
    ]


def _book_keys() -> list[str]:
    """Return the book figures the table shows, before and after (JSON has them all)."""
    return [f"{k}_{w}" for k in ("balance", "guaranteed", "in_groups", "in_circles")
            for w in ("before", "after")]


def _periods(previous: Path | str, current: Path | str | None) -> tuple[Path | str, Path | str]:
    """PREV and CUR, or, with one argument (a store), its last two periods."""
    if current is not None:
        return previous, current
    from graphrisk.io.store import is_snapshot, split_period, store_periods

    store, period = split_period(previous)
    if period is not None or not is_snapshot(store):
        raise click.UsageError("give two periods (PREV CUR), or one snapshot store holding "
                               "several periods (graphrisk ingest … --as-of DATE)")
    dated = [p for p in store_periods(store) if p]
    if len(dated) < 2:
        raise click.UsageError(f"{store} holds {len(dated)} dated period(s); compare needs two "
                               "(add one with graphrisk ingest DATASET -o STORE --as-of DATE)")
    return Path(f"{store}@{dated[-2]}"), Path(f"{store}@{dated[-1]}")


@main.command()
@click.argument("previous", type=_PreviousSource(), metavar="PREV")
@click.argument("current", type=DatasetSource(), metavar="[CUR]", required=False)
@click.option("--same-overlap", type=click.FloatRange(0, 1, min_open=True), metavar="J",
              default=default_of(CompareParams, "same_overlap"),
              show_default=True,
              help="A circle or group is the same one when its members overlap by at least "
                   "J (Jaccard) and it overlaps no other.")
@load_options
@output_options
def compare(previous, current, same_overlap, encoding, strict, fmt, output):
    """Compare two periods (本期变化): lists, loans, circles, banks.

    PREV and CUR are datasets, snapshot stores or periods STORE@YYYY-MM-DD (PREV may
    be a bare date naming a period of CUR's store); each is taken at its own declared
    as-of date (--as-of applies to CUR).  With one argument, a store of several
    periods, its last two are compared.  Reports who entered or left the
    key-enterprise list (重点企业名单) and whose warning level (预警) changed and why,
    the loans' classification migration (五级分类迁徙: downgrades, upgrades, new
    non-performing and new special-mention 关注类 balance per borrower, lender and
    region), the guarantee circles and groups formed, dissolved, grown, shrunk,
    merged or split (matched by member overlap), each lender's book through the
    network and the NPL ratio per lender and per region, ranked.  CSV writes the
    list changes; JSON the whole comparison (keys in docs/compare.md).

    Example:  graphrisk compare datasets/demo-2025-12-31 datasets/demo
    """
    from graphrisk.history.compare import compare_periods

    prev_path, cur_path = _periods(previous, current)
    cur = open_dataset(cur_path, encoding, strict)
    prev = open_previous(prev_path, cur_path, encoding, strict)
    doc = compare_periods(cur, prev, params=CompareParams(same_overlap=same_overlap))
    for note in doc["notes"]:
        echo_err(f"note: {note}")
    if fmt == "json":  # the tables are for people: not built for a JSON document
        emit(Output(doc), fmt, output)
        return
    emit(Output(doc, _tables(doc), _summary_text(doc)), fmt, output)
