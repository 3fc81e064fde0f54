"""Report sections over time: what changed since the previous period, trends, maturities.

* 本期变化 (``changes``): the comparison of :func:`graphrisk.history.compare.compare_periods`
  with the previous period (``report --previous``, or the period before in a store), the
  enterprises that entered and left the list first; with three or more periods, trend
  charts of the NPL ratio, the circles' loan total, the red and orange enterprises and the
  expected loss (:func:`period_figures`).
* 到期贷款台账 (``maturities``): the loans falling due within 30 days of the as-of date
  (:func:`graphrisk.watch.maturities.maturity_ledger`), with guarantors, circle and level.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graphrisk.contagion.montecarlo import monte_carlo
from graphrisk.history.compare import compare_periods
from graphrisk.network.graph import Network, as_network
from graphrisk.network.metrics import analyze_circles
from graphrisk.params import ContagionParams
from graphrisk.report.charts import line_chart
from graphrisk.report.fields import COMPARE, MATURITIES
from graphrisk.report.i18n import enum_label
from graphrisk.report.sections import JSON_TOP, Context, Section, top_rows
from graphrisk.watch.maturities import MATURITY_STATUS, maturities
from graphrisk.watch.watchlist import watchlist

__all__ = ["changes_section", "maturities_section", "period_figures", "TIME_TITLES"]

#: the titles of the sections of this module (Chinese, English)
TIME_TITLES = {"changes": ("本期变化", "Changes since the previous period"),
               "maturities": ("到期贷款台账（30天内）", "Loans falling due (30 days)")}
_CHANGE = {"entered": ("新进入名单", "entered"), "exited": ("退出名单", "left the list"),
           "level_up": ("等级上升", "level up"), "level_down": ("等级下降", "level down"),
           "formed": ("新形成", "formed"), "dissolved": ("已解散", "dissolved"),
           "grown": ("扩大", "grown"), "shrunk": ("缩小", "shrunk"),
           "merged": ("合并", "merged"), "split": ("分裂", "split"),
           "unchanged": ("未变", "unchanged"), "downgrade": ("向下迁徙", "downgraded"),
           "upgrade": ("向上迁徙", "upgraded"), "new_npl": ("新增不良", "new NPL")}
_RANK = {"none": 0, "blue": 1, "yellow": 2, "orange": 3, "red": 4}


def _amt(v: float | None) -> str:
    return "—" if v is None else f"{float(v):,.2f} 万元"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.2%}"


def _reasons(items: list[Any], lang: str) -> list[str]:
    out = []
    for r in items or []:
        out.append(r.get("zh" if lang == "zh" else "en", "") if isinstance(r, dict) else str(r))
    return out


def period_figures(net: Network, *, runs: int = 500, seed: int = 0) -> dict[str, Any]:
    """Return the trend figures of one period: NPL ratio, circle loan total, red/orange, EL.

    >>> f = period_figures(demo_net, runs=50)
    >>> f["as_of"], f["circle_loan_total"], f["red"] >= 1
    ('2026-03-31', 22950.0, True)
    """
    balance = float(net.l_balance.sum())
    npl = float((net.l_balance * net.l_npl).sum())
    circles = analyze_circles(net)["summary"]
    counts = watchlist(net).as_dict()["counts"]
    mc = monte_carlo(net, params=replace(ContagionParams(), runs=runs, seed=seed))
    return {"as_of": net.dataset.as_of or "", "npl_ratio": npl / balance if balance else 0.0,
            "circle_loan_total": float(circles["circle_loan_total"]),
            "red": int(counts.get("red", 0)), "orange": int(counts.get("orange", 0)),
            "expected_loss": float(mc["expected_loss"])}


def _trend_charts(ctx: Context, sec: Section, doc: dict[str, Any]) -> None:
    history = ctx.shared.get("history") or []
    if len(history) < 2:  # the current period and at least two before it
        return
    t = ctx.t
    p = ctx.params
    figures = [period_figures(as_network(ds), runs=p.runs, seed=p.seed) for ds in history]
    figures.append(period_figures(ctx.net, runs=p.runs, seed=p.seed))
    doc["trend"] = figures
    periods = [f["as_of"] for f in figures]
    sec.charts += [
        line_chart(periods, [(t("不良率", "NPL ratio"), [f["npl_ratio"] for f in figures])],
                   title=t("不良率", "NPL ratio"), percent=True),
        line_chart(periods, [(t("担保圈贷款余额", "circle loans"),
                              [f["circle_loan_total"] for f in figures])],
                   title=t("担保圈贷款余额(万元)", "Loans in circles (万元)")),
        line_chart(periods, [(t("红色", "red"), [f["red"] for f in figures]),
                             (t("橙色", "orange"), [f["orange"] for f in figures])],
                   title=t("红色、橙色预警企业数", "Red and orange enterprises"),
                   colors=("#c53030", "#dd6b20")),
        line_chart(periods, [(t("预期损失", "expected loss"),
                              [f["expected_loss"] for f in figures])],
                   title=t("预期损失(万元)", "Expected loss (万元)")),
    ]


def changes_section(ctx: Context) -> Section | None:
    """本期变化: the comparison with the previous period (None without one)."""
    prev = ctx.shared.get("previous")
    if prev is None:
        return None
    zh, en = TIME_TITLES["changes"]
    t, lang = ctx.t, ctx.lang
    doc = compare_periods(ctx.net, prev)
    s, wl, loans = doc["summary"], doc["watchlist"], doc["loans"]
    sec = Section("changes", zh, en, data=doc)
    before, after = doc["previous"]["as_of"] or "?", doc["current"]["as_of"] or "?"
    sec.paragraphs.append(t(f"上期 {before}（{doc['previous']['source']}），本期 {after}。",
                            f"Previous period {before} ({doc['previous']['source']}), "
                            f"current {after}."))
    w = s["watchlist"]
    sec.figures = [
        (t("新进入名单", "Entered the list"), f"{w['entered']:,}"),
        (t("退出名单", "Left the list"), f"{w['exited']:,}"),
        (t("等级上升/下降", "Level up / down"), f"{w['level_up']:,} / {w['level_down']:,}"),
        (t("向下迁徙贷款", "Loans downgraded"), f"{s['loans']['downgrades']:,}"),
        (t("新增不良", "New NPL"), f"{s['loans']['new_npl']:,} 笔 "
         f"{_amt(s['loans']['new_npl_balance'])}" if lang == "zh" else
         f"{s['loans']['new_npl']:,} ({_amt(s['loans']['new_npl_balance'])})"),
        (t("新增关注类", "New special mention"), _amt(s["loans"]["new_special_mention_balance"])),
        (t("不良率", "NPL ratio"), f"{_pct(s['npl_ratio_before'])} → {_pct(s['npl_ratio_after'])}"),
        (t("担保圈 新形成/解散", "Circles formed / dissolved"),
         f"{s['circles'].get('formed', 0)} / {s['circles'].get('dissolved', 0)}"),
    ]
    for note in doc.get("notes", []):
        sec.paragraphs.append(str(note))
    _watch_table(ctx, sec, wl)
    _loan_tables(ctx, sec, loans)
    _structure_table(ctx, sec, doc["circles"], t("担保圈变化", "Circle changes"))
    _structure_table(ctx, sec, doc["groups"], t("担保群变化", "Group changes"), only_changed=True)
    _npl_tables(ctx, sec, doc["banks"])
    _trend_charts(ctx, sec, doc)
    # the JSON keeps the first rows of each list (the workbook has them all)
    top_rows(loans, "downgrades", "upgrades", "new_npl")
    top_rows(wl, "entered", "exited", "level_changed", "key_entered", "key_exited")
    doc["circles"] = [c for c in doc["circles"] if c["change"] != "unchanged"]
    doc["groups"] = [c for c in doc["groups"] if c["change"] != "unchanged"]
    top_rows(doc, "circles", "groups")
    top_rows(doc["banks"], "exposure", "npl_by_lender", "npl_by_region")
    return sec


def _watch_table(ctx: Context, sec: Section, wl: dict[str, Any]) -> None:
    lang = ctx.lang
    rows = []
    for e in wl["entered"]:
        rows.append([_CHANGE["entered"][lang != "zh"], e["id"], e["name"], None, e["level"],
                     e["key"], e["exposure"], _reasons(e["reasons"], lang), []])
    for e in wl["exited"]:
        rows.append([_CHANGE["exited"][lang != "zh"], e["id"], e["name"], e["level"], None,
                     e["key"], e["exposure"], [], _reasons(e["reasons"], lang)])
    for e in wl["level_changed"]:
        up = _RANK.get(e["to"], 0) > _RANK.get(e["from"], 0)
        rows.append([_CHANGE["level_up" if up else "level_down"][lang != "zh"], e["id"],
                     e["name"], e["from"], e["to"], e["key"], e["exposure"],
                     _reasons(e["reasons_added"], lang), _reasons(e["reasons_removed"], lang)])
    sec.tables.append(COMPARE["compare_watchlist"].table(
        rows, ("change", "id", "name", "from", "to", "key", "exposure", "reasons_added",
               "reasons_removed"), name="changes_watchlist"))
    keyrows = [[ctx.t("新列入", "entered"), e["id"], e["name"], e["level"],
                [c.get("label_zh" if lang == "zh" else "label_en", "") if isinstance(c, dict)
                 else str(c) for c in e.get("criteria", [])]]
               for e in wl["key_entered"]]
    keyrows += [[ctx.t("移出", "left"), e["id"], e["name"], e["level"], []]
                for e in wl["key_exited"]]
    if keyrows:
        sec.tables.append(COMPARE["compare_key"].table(
            keyrows, ("change", "id", "name", "level", "criteria"), name="changes_key"))


def _cls(code: str | None, lang: str) -> str:
    if code is None:
        return "新发放" if lang == "zh" else "new"
    return enum_label("classification", code, lang)


def _loan_tables(ctx: Context, sec: Section, loans: dict[str, Any]) -> None:
    lang = ctx.lang
    rows = []
    for kind, key in (("downgrades", "downgrade"), ("new_npl", "new_npl"),
                      ("upgrades", "upgrade")):
        for r in loans[kind]:  # every row: the page shows the first --top, the workbook all
            rows.append([_CHANGE[key][lang != "zh"], r["id"], r["borrower_id"], r["name"],
                         r["lender"] or r["lender_id"], _cls(r["from"], lang),
                         _cls(r["to"], lang), r["balance"], r["previous_balance"]])
    sec.tables.append(COMPARE["compare_loans"].table(
        rows, ("change", "id", "borrower_id", "name", "lender", "from", "to", "balance",
               "previous_balance"), name="changes_loans"))
    sm = loans["new_special_mention"]["by_borrower"]
    if sm:
        sec.tables.append(COMPARE["compare_special_mention"].table(
            [[r["borrower_id"], r.get("name", ""), r.get("region") or "", r["balance"],
              r["loans"]] for r in sm],
            ("borrower_id", "name", "region", "balance", "loans"),
            name="changes_special_mention"))


def _structure_table(ctx: Context, sec: Section, changes: list[dict[str, Any]], title: str,
                     only_changed: bool = False) -> None:
    lang = ctx.lang
    rows = []
    for c in changes:
        if only_changed and c["change"] == "unchanged":
            continue
        names = c.get("names_after") or c.get("names_before") or []
        rows.append([_CHANGE.get(c["change"], (c["change"], c["change"]))[lang != "zh"],
                     c["previous_ids"], c["current_ids"], c["size_before"], c["size_after"],
                     names, c["joined"], c["left"], c["loan_total_before"],
                     c["loan_total_after"]])
    if rows:
        sec.tables.append(COMPARE["compare_structures"].table(
            rows, ("change", "previous_ids", "current_ids", "size_before",
                                    "size_after", "members", "joined", "left",
                                    "loan_total_before", "loan_total_after"),
            zh=title, en=title, name=f"changes_{'groups' if only_changed else 'circles'}"))


def _npl_tables(ctx: Context, sec: Section, banks: dict[str, Any]) -> None:
    keys = ("rank_after", "rank_before", "npl_ratio_after", "npl_ratio_before",
            "npl_ratio_change", "npl_balance_after", "balance_after")
    schema = COMPARE["compare_npl"]
    region = [[r.get("region") or ctx.t("（未注明）", "(none)"), *[r.get(k) for k in keys]]
              for r in banks["npl_by_region"]]
    if region:
        sec.tables.append(schema.table(region, ("region", *keys), name="changes_npl_region",
                                       zh=ctx.t("各地区不良率排名（街道）", ""),
                                       en="NPL ratio by region, ranked"))
    lender = [[r.get("name") or r.get("lender_id"), *[r.get(k) for k in keys]]
              for r in banks["npl_by_lender"]]
    if lender:
        sec.tables.append(schema.table(lender, ("name", *keys), name="changes_npl_lender",
                                       zh="各贷款人不良率排名", en="NPL ratio by lender, ranked"))


def maturities_section(ctx: Context) -> Section | None:
    """到期贷款台账: loans falling due within 30 days of the as-of date (None undated).

    Also the loans past maturity with a balance (已到期未还).  The warning levels are
    those of the watchlist section (not computed again).
    """
    if not ctx.ds.as_of:
        return None
    zh, en = TIME_TITLES["maturities"]
    t, lang = ctx.t, ctx.lang
    doc = maturities(ctx.net, within=30, levels=ctx.shared.get("level_frame", False))
    doc["summary"]["by_lender"] = doc["summary"].get("by_lender", [])[:JSON_TOP]
    sec = Section("maturities", zh, en, data=doc)
    rows = doc["loans"]
    due = [r for r in rows if r["status"] == "due"]
    past = [r for r in rows if r["status"] != "due"]
    sec.figures = [
        (t(f"{doc['start']} 至 {doc['end']} 到期", f"Due {doc['start']} to {doc['end']}"),
         f"{len(due):,}"),
        (t("到期金额", "Balance due"), _amt(sum(float(r["balance"] or 0) for r in due))),
        (t("已到期未还", "Past maturity, unpaid"), f"{len(past):,}"),
        (t("其中红色/橙色预警借款人", "of red/orange borrowers"),
         f"{sum(1 for r in due if r.get('level') in ('red', 'orange')):,}"),
    ]
    sec.paragraphs.append(t("到期前30天提示：以下贷款在截止日期后30天内到期，按到期日排列；担保人为截止日期有效的担保。",
                            "30-day notice: loans falling due within 30 days of the as-of "
                            "date, by date; guarantors are those of guarantees live then."))
    keys = ("maturity_date", "days_left", "status", "loan_id", "borrower", "lender", "balance",
            "classification", "guarantors", "guaranteed", "circle", "level")
    status = {k: v[0] if lang == "zh" else v[1] for k, v in MATURITY_STATUS.items()}

    def cell(r: dict[str, Any], k: str) -> Any:
        if k == "status":
            return status.get(r[k], r[k])
        if k == "classification":
            return enum_label("classification", r[k], lang) if r[k] else ""
        return r.get(k)

    listed = due + past
    sec.tables.append(MATURITIES.table([[cell(r, k) for k in keys] for r in listed], keys))
    doc["loans"] = rows[:JSON_TOP]
    doc["loans_count"] = len(rows)
    return sec
