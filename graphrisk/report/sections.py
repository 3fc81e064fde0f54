"""Report sections: each runs one analysis and turns its result into a section.

A section holds figures, tables and charts.  This module holds the framework and the
sections on the structure of the network (overview, guarantee circles, chains);
:mod:`.sections_risk` holds related parties, contagion, the cutting plan and the
warning list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from graphrisk.domain.glossary import PATTERNS, UNIT
from graphrisk.io.asof import REASONS
from graphrisk.io.dataset import Dataset
from graphrisk.io.summary import summarize
from graphrisk.network.chains import link_graph, reach
from graphrisk.network.committees import committees
from graphrisk.network.exposure import lender_exposure
from graphrisk.network.graph import Network
from graphrisk.network.metrics import analyze_circles
from graphrisk.params import ChainParams, ReportParams
from graphrisk.report.charts import bar_chart
from graphrisk.report.fields import (
    CHAINS,
    CIRCLES,
    COMMITTEES,
    EXCLUDED,
    EXPOSURE,
    EXPOSURE_CHAINS,
    GROUPS,
    LENDERS,
    PATTERN_COUNTS,
)
from graphrisk.report.files import write_csv_gz
from graphrisk.report.i18n import enum_label
from graphrisk.report.tables import Table

__all__ = ["Context", "Section", "overview_section", "circles_section",
           "chains_section", "exposure_section", "STRUCTURE_SECTIONS", "MAX_LENDERS",
           "TITLES", "JSON_TOP", "CIRCLE_PAGES", "top_rows"]

#: rows each long list keeps in the JSON documents (every row is in ``tables/*.csv.gz``)
JSON_TOP = 100
#: circle pages written by default: the first circles in risk order (largest loan total)
CIRCLE_PAGES = 200


@dataclass
class Context:
    """What every section gets.

    ``shared`` carries results between sections (``circles`` document, warning
    ``levels``) and to the pages.  ``out`` is the folder being written (None: the
    sections only compute); a large table goes there at once as
    ``tables/<name>.csv.gz`` (:meth:`write_table`) and is listed in ``files``.
    ``circle_pages`` is how many circles get a page (None: all).
    """

    ds: Dataset
    net: Network
    params: ReportParams
    shared: dict[str, Any] = field(default_factory=dict)
    out: Path | None = None
    circle_pages: int | None = CIRCLE_PAGES
    files: list[dict[str, Any]] = field(default_factory=list)
    writer: ThreadPoolExecutor | None = None
    pending: list[Future[Any]] = field(default_factory=list)
    write_seconds: list[float] = field(default_factory=list)

    def write_table(self, name: str, frame: pd.DataFrame, what: str) -> str:
        """Write *frame* to ``tables/<name>.csv.gz`` (when writing) and list it; return the path.

        With a ``writer`` (a thread pool) the file is encoded and compressed there while
        the next analysis runs (pyarrow and zlib release the GIL); :meth:`wait_tables`
        waits for every file and raises the first error.
        """
        rel = f"tables/{name}.csv.gz"
        if self.out is not None:
            (self.out / "tables").mkdir(exist_ok=True)
            if self.writer is None:
                self._write(frame, self.out / rel)
            else:
                self.pending.append(self.writer.submit(self._write, frame, self.out / rel))
        self.files.append({"file": rel, "rows": len(frame), "columns": list(frame.columns),
                           "what": what})
        return rel

    def _write(self, frame: pd.DataFrame, path: Path) -> None:
        t0 = time.perf_counter()
        write_csv_gz(frame, path)
        self.write_seconds.append(time.perf_counter() - t0)

    def wait_tables(self) -> None:
        """Wait until every table submitted to the writer is written (re-raise its error)."""
        for f in self.pending:
            f.result()
        self.pending.clear()

    @property
    def lang(self) -> str:
        """Return the language of the report (``params.lang``)."""
        return self.params.lang

    def t(self, zh: str, en: str) -> str:
        """Return *zh* or *en*, whichever is in the report's language."""
        return zh if self.lang == "zh" else en

    def names(self) -> pd.Series:
        """Return entity id → name (read once per report)."""
        names = self.shared.get("_names")
        if names is None:
            names = self.shared["_names"] = self.ds.names()
        return names

    def name(self, entity_id: str) -> str:
        """Return the name of an entity (empty when unknown); the names are read once."""
        return str(self.names().get(entity_id, ""))


@dataclass
class Section:
    """One part of the report (see the module docstring)."""

    key: str
    zh: str
    en: str
    available: bool = True
    note: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Markup] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    data: dict[str, Any] | None = None

    def title(self, lang: str) -> str:
        """Return the title in *lang* (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


#: the title of each section (Chinese, English), in report order
TITLES: dict[str, tuple[str, str]] = {
    "summary": ("总体情况", "Overview"),
    "circles": ("担保圈与担保群", "Guarantee circles and groups"),
    "chains": ("最长担保链", "Largest guarantee chains"),
    "exposure": ("银行风险敞口（按担保网络）", "Lender exposure through the network"),
    "related": ("关联方与关联企业群", "Related parties and groups"),
    "contagion": ("违约传染模拟", "Default contagion"),
    "strategies": ("推荐化解方案", "Recommended cutting plan"),
    "watchlist": ("重点企业名单与预警", "Key enterprises and early warning"),
}


def _amt(v: float) -> str:
    return f"{float(v):,.2f} {UNIT}"


def top_rows(doc: dict[str, Any], *keys: str, n: int = JSON_TOP) -> dict[str, Any]:
    """Cut the lists *keys* of *doc* to their first *n* rows; record each full length.

    ``doc[key + "_count"]`` is the number of rows before the cut (in place; returns *doc*).

    >>> top_rows({"a": [1, 2, 3], "b": 1}, "a", n=2)
    {'a': [1, 2], 'b': 1, 'a_count': 3}
    """
    for k in keys:
        if k in doc:
            doc[f"{k}_count"] = len(doc[k])
            doc[k] = doc[k][:n]
    return doc


def _frame(records: list[dict[str, Any]], keys: list[str], **computed: Any) -> pd.DataFrame:
    """Return the columns *keys* of *records* (plus *computed* columns) as a frame."""
    data = {k: [r.get(k) for r in records] for k in keys}
    data.update(computed)
    return pd.DataFrame(data)


# ------------------------------------------------------------------------- overview
def overview_section(ctx: Context) -> Section:
    """Build the overview: counts and totals (graphrisk.io.summary), exposure per lender."""
    s = summarize(ctx.ds)
    t = ctx.t
    lo, g = s["loans"], s["guarantees"]
    sec = Section("summary", *TITLES["summary"], data=s)
    sec.figures = [
        (t("企业", "Enterprises"), f"{s['nodes']['Enterprise']:,}"),
        (t("个人", "Persons"), f"{s['nodes']['Person']:,}"),
        (t("金融机构", "Institutions"), f"{s['nodes']['Institution']:,}"),
        (t("贷款笔数", "Loans"), f"{lo['count']:,}"),
        (t("贷款余额", "Loan balance"), _amt(lo["balance"])),
        (t("不良余额", "Non-performing"), f"{_amt(lo['npl_balance'])} ({lo['npl_ratio']:.1%})"),
        (t("担保笔数", "Guarantees"), f"{g['count']:,}"),
        (t("担保金额", "Guaranteed amount"), _amt(g["amount"])),
    ]
    _as_of_part(ctx, sec, s)
    types = {k: enum_label("institution_type", k, ctx.lang) for k in
             ("bank", "microloan", "guarantee_company", "other")}
    rows = [[r["lender_id"], r["name"], types.get(r["type"], t("企业", "enterprise")),
             r["loans"], r["borrowers"], r["balance"], r["npl_balance"], r["npl_ratio"],
             r["guaranteed_amount"]] for r in s["by_lender"]]
    sec.tables.append(LENDERS.table(rows, (
        "lender_id", "name", "type", "loans", "borrowers", "balance", "npl_balance", "npl_ratio",
        "guaranteed_amount")))
    top = s["by_lender"][:12]
    top_rows(s, "by_lender")  # every lender is in the workbook
    if top:
        sec.charts.append(bar_chart(
            [(r["name"] or r["lender_id"], r["balance"]) for r in top],
            second=[r["guaranteed_amount"] for r in top],
            legend=(t("贷款余额", "loan balance"), t("其中有担保", "guaranteed")),
            title=t("各贷款人风险敞口(万元)", "Exposure per lender (万元)")))
    return sec


def _as_of_part(ctx: Context, sec: Section, s: dict[str, Any]) -> None:
    """Add the as-of date to the overview, and every row it leaves out (graphrisk.io.asof)."""
    t = ctx.t
    sec.figures.insert(0, (t("截止日期", "As of"), s["as_of"] or t("未注明", "not given")))
    rows = s.pop("excluded_rows")
    total = s.pop("excluded_rows_count")
    if not s["as_of"]:
        sec.paragraphs.append(t(
            "数据未注明截止日期（dataset.json），担保起止日期、贷款发放日期未予适用：已到期的担保仍按有效计算。",
            "The dataset declares no as-of date (dataset.json): start and end dates were not "
            "applied, so expired guarantees count as live."))
        return
    if not rows:
        return
    kept = rows[0]["kept"]
    tables = {"guarantees": t("担保", "guarantees"), "loans": t("贷款", "loans"),
              "shareholdings": t("持股", "shareholdings"), "events": t("风险事件", "events")}
    parts = [f"{tables.get(k, k)} {n:,} " + t("笔", "") for k, by in s["excluded"].items()
             for n in [sum(by.values())]]
    sec.figures.append((t("截止日期未生效/已失效", "Not live at the date"), "，".join(parts)))
    sec.paragraphs.append(t(
        f"以下记录在截止日期 {s['as_of']} 不在有效期内，" + ("按 --include-expired 仍计入分析。"
                                                      if kept else "未计入任何分析："),
        f"These rows are not live on {s['as_of']}; "
        + ("they are kept (--include-expired)." if kept else "no analysis counts them:")))
    reason = {k: v[1] if ctx.lang == "zh" else v[0] for k, v in REASONS.items()}
    sec.tables.append(EXCLUDED.table(
        [[tables.get(r["table"], r["table"]), r["id"], r["file"], r["line"], r["column"],
          r["date"], reason.get(r["reason"], r["reason"]), r["kept"]] for r in rows[:JSON_TOP]],
        zh=EXCLUDED.zh + (f"（前 {JSON_TOP} 条，共 {total:,} 条）" if total > JSON_TOP else ""),
        en=EXCLUDED.en + (f" (first {JSON_TOP} of {total:,})" if total > JSON_TOP else "")))
    if total > JSON_TOP:
        ex = ctx.ds.excluded
        assert ex is not None  # a dated dataset lists what it excluded
        frame = ex.assign(file=ex["table"].map(ctx.ds.files))
        ctx.write_table("excluded", frame, "rows not live at the as-of date")
    s["excluded_rows"] = rows[:JSON_TOP]
    s["excluded_rows_count"] = total


# -------------------------------------------------------------------------- circles
def circles_section(ctx: Context) -> Section:
    """Guarantee groups and circles, ranked, with metrics, watch and committee flags.

    Also the creditors' committees per debtor (:mod:`graphrisk.network.committees`):
    the debtors in default or distress with a large debt, those needing a committee
    first, each with its reasons; the document is kept in ``ctx.shared["committees"]``
    and in the section's JSON under ``committees``.
    """
    key, zh, en = "circles", *TITLES["circles"]
    doc = analyze_circles(ctx.net)
    cdoc = committees(ctx.net)
    files = _circle_files(ctx, doc)
    pages = doc["circles"][:ctx.circle_pages]  # risk order: largest loan total first
    wanted = {c["id"] for c in pages}
    by_circle: dict[str, list[dict[str, Any]]] = {c: [] for c in wanted}
    for e in doc["edges"]:
        if e["circle"] in wanted:
            by_circle[e["circle"]].append(e)
    ctx.shared["circle_edges"] = by_circle
    ctx.shared["circles"] = {k: v for k, v in doc.items() if k != "edges"}
    ctx.shared["committees"] = cdoc
    t = ctx.t
    s, cs = doc["summary"], cdoc["summary"]
    data = top_rows({**doc, "committees": top_rows(dict(cdoc), "debtors", "circles", "groups")},
                    "groups", "circles", "edges", "focus")
    sec = Section(key, zh, en, data={**data, "files": files})
    sec.figures = [
        (t("担保群", "Guarantee groups"), f"{s['groups']:,}"),
        (t("最大担保群", "Largest group"), f"{s['largest_group_size']:,}"),
        (t("担保圈", "Circles"), f"{s['circles']:,}"),
        (t("圈内企业", "Entities in circles"), f"{s['entities_in_circles']:,}"),
        (t("互保对", "Mutual pairs"), f"{s['mutual_pairs']:,}"),
        (t("需组建债委会的债务人", "Debtors needing a creditors' committee"),
         f"{cs['committees']:,}"),
        (t("需组建债委会的圈", "Circles needing a creditors' committee"),
         f"{s['creditor_committees']:,}"),
        (t("列入关注的圈", "Circles watched"), f"{s['watch']:,}"),
        (t("圈内贷款余额", "Loans inside circles"), _amt(s["circle_loan_total"])),
    ]
    rows = [[c["id"], c["size"], "、".join(c["names"][:6]) + (" …" if c["size"] > 6 else ""),
             c["edges"], c["mutual_pairs"], c["guarantee_total"], c["loan_total"],
             c["npl_balance"], c["npl_share"], c["creditor_count"], c["bank_count"],
             c["microloan_count"], c["watch"], c["creditor_committee"],
             len(c["focus_members"]), c["cycle_count"], c["group"]] for c in doc["circles"]]
    sec.tables.append(CIRCLES.table(rows, (
        "id", "size", "members", "edges", "mutual_pairs", "guarantee_total", "loan_total",
        "npl_balance", "npl_share", "creditor_count", "bank_count", "microloan_count", "watch",
        "creditor_committee", "focus", "cycles", "group"), link=("id", "circles/{value}.html")))
    sec.paragraphs.append(t(
        f"债权人委员会针对债务人：违约或困难企业 {cs['troubled']:,} 家，其中债务 ≥ "
        f"{cdoc['params']['min_debt']:,.0f} 万元的 {cs['debtors']:,} 家，需组建债权人委员会的 "
        f"{cs['committees']:,} 家；列入关注（成员共欠银行 ≥ {cdoc['params']['watch_banks']} 家或小贷公司 ≥ "
        f"{cdoc['params']['watch_microloans']} 家）的担保圈 {cs['circles_watch']:,} 个、担保群 "
        f"{cs['groups_watch']:,} 个。",
        f"Creditors' committees are about debtors: {cs['troubled']:,} enterprises in default "
        f"or distress, {cs['debtors']:,} of them owing >= {cdoc['params']['min_debt']:,.0f} "
        f"万元, {cs['committees']:,} needing a committee; {cs['circles_watch']:,} circles and "
        f"{cs['groups_watch']:,} groups watched (members owe >= "
        f"{cdoc['params']['watch_banks']} banks or >= {cdoc['params']['watch_microloans']} "
        "microloan companies)."))
    sec.tables.append(_committees_table(ctx, cdoc))
    grows = [[g["id"], g["size"], g["edges"], g["guarantee_total"], g["loan_total"],
              g["npl_balance"], g["npl_share"], g["circles"],
              "、".join(f"{enum_label('pattern', k, ctx.lang)} {v}"
                       for k, v in g["patterns"].items() if v)] for g in doc["groups"]]
    sec.tables.append(GROUPS.table(grows, (
        "id", "size", "edges", "guarantee_total", "loan_total", "npl_balance", "npl_share",
        "circles", "patterns")))
    prow = [[enum_label("pattern", k, ctx.lang), k, v] for k, v in s["patterns"].items()]
    sec.tables.append(PATTERN_COUNTS.table(prow))
    top = doc["circles"][:15]
    if top:
        sec.charts.append(bar_chart([(c["id"], c["size"]) for c in top],
                                    title=t("担保圈规模（成员数）", "Circle sizes (members)"),
                                    color="#dd6b20"))
        sec.charts.append(bar_chart([(c["id"], c["loan_total"]) for c in top],
                                    title=t("担保圈贷款余额(万元)", "Loans of the circles (万元)"),
                                    color="#c53030"))
    if s["patterns"]:
        sec.charts.append(bar_chart([(enum_label("pattern", k, ctx.lang), v)
                                     for k, v in s["patterns"].items() if k in PATTERNS],
                                    title=t("担保形态（笔）", "Guarantee patterns (contracts)"),
                                    color="#319795"))
    return sec


def _circle_files(ctx: Context, doc: dict[str, Any]) -> list[str]:
    """Write every circle, group, membership and guarantee of *doc* as ``tables/*.csv.gz``."""
    cs, gs = doc["circles"], doc["groups"]
    circles = _frame(cs, ["id", "group", "size", "edges", "mutual_pairs", "guarantee_total",
                          "loan_total", "npl_balance", "npl_share", "creditor_count",
                          "bank_count", "microloan_count", "other_count", "watch",
                          "creditor_committee"],
                     focus_members=[len(c["focus_members"]) for c in cs],
                     cycle_count=[c["cycle_count"] for c in cs],
                     members=[c["members"] for c in cs], names=[c["names"] for c in cs])
    pats = list(PATTERNS)
    groups = _frame(gs, ["id", "size", "edges", "guarantee_total", "loan_total", "npl_balance",
                         "npl_share", "creditor_count", "bank_count", "microloan_count",
                         "other_count", "watch", "creditor_committee"],
                    circles=[len(g["circles"]) for g in gs],
                    **{f"pattern_{k}": [g["patterns"].get(k, 0) for g in gs] for k in pats})
    sizes = np.array([len(g["members"]) for g in gs], dtype=np.int64)
    member = np.array([m for g in gs for m in g["members"]], dtype=object)
    circle_of = {m: c["id"] for c in cs for m in c["members"]}
    members = pd.DataFrame({"group": np.repeat(np.array([g["id"] for g in gs], dtype=object),
                                               sizes),
                            "id": member, "name": ctx.names().reindex(member).fillna("")
                            .to_numpy(dtype=object),
                            "circle": [circle_of.get(m, "") for m in member.tolist()]})
    edges = _frame(doc["edges"], ["id", "guarantor_id", "borrower_id", "amount", "patterns",
                                  "group", "circle"])
    return [ctx.write_table("circles", circles, "every guarantee circle, risk order"),
            ctx.write_table("groups", groups, "every guarantee group, risk order"),
            ctx.write_table("group_members", members, "one row per member of a group"),
            ctx.write_table("guarantees", edges, "every guarantee with its patterns")]


def _committees_table(ctx: Context, cdoc: dict[str, Any]) -> Table:
    """Return the debtors of the creditors'-committee rule, committees first, with reasons."""
    t, p = ctx.t, cdoc["params"]
    lang = "zh" if ctx.lang == "zh" else "en"
    rows = [[d["debtor"], d["name"], enum_label("status", d["status"], ctx.lang), d["debt"],
             d["npl_balance"], d["credit_events"], d["banks"], d["microloans"], d["others"],
             d["mixed"], d["creditor_committee"], d["circle"] or "",
             [r[lang] for r in d["reasons"]]] for d in cdoc["debtors"]]
    rule = t(f"违约或困难、债务 ≥ {p['min_debt']:,.0f} 万元的债务人；债权银行 ≥ {p['banks']} 家或小贷公司 "
             f"≥ {p['microloans']} 家，或同时涉及银行、小贷公司和其他机构的重大违约，须组建债权人委员会",
             f"Debtors in default or distress with debt >= {p['min_debt']:,.0f} 万元; a "
             f"committee is due with >= {p['banks']} creditor banks or >= {p['microloans']} "
             "microloan companies, or a major default involving banks, microloan companies "
             "and other institutions at once")
    return COMMITTEES.table(rows, (
        "debtor", "name", "status", "debt", "npl_balance", "credit_events", "banks",
        "microloans", "others", "mixed", "creditor_committee", "circle", "reasons"),
        zh=f"{COMMITTEES.zh}：{rule}" if ctx.lang == "zh" else None,
        en=f"{COMMITTEES.en}: {rule}" if ctx.lang != "zh" else None)


# --------------------------------------------------------------------------- chains
def chains_section(ctx: Context) -> Section:
    """List the largest downstream chains: whose guarantees reach the most entities.

    Candidates are the ``4 × top`` entities with the largest guarantees given (and
    every guarantor when there are at most 5,000), searched together by
    :func:`graphrisk.network.chains.reach` to ``ChainParams.depth`` links.
    """
    key, zh, en = "chains", *TITLES["chains"]
    net, p, t = ctx.net, ChainParams(), ctx.t
    given = np.bincount(net.g_src, weights=net.g_amount, minlength=net.n)
    guarantors = np.flatnonzero(np.bincount(net.g_src, minlength=net.n) > 0)
    if len(guarantors) > 5000:
        k = 4 * ctx.params.top
        guarantors = guarantors[np.argsort(-given[guarantors], kind="stable")[:k]]
    sec = Section(key, zh, en)
    if not len(guarantors):
        sec.data = {"depth": p.depth, "chains": []}
        sec.paragraphs.append(t("没有担保关系。", "There are no guarantees."))
        return sec
    lg = link_graph(net, "down")
    row, node, hops, width = reach(lg, guarantors, p.depth)
    loans = net.borrowings()
    npl = np.bincount(net.l_borrower, weights=net.l_balance * net.l_npl, minlength=net.n)
    frame = pd.DataFrame({"row": row, "hops": hops, "loans": loans[node], "npl": npl[node],
                          "width": width})
    agg = frame.groupby("row").agg(entities=("hops", "size"), max_hops=("hops", "max"),
                                   loans=("loans", "sum"), npl=("npl", "sum"),
                                   at_stake=("width", "max"))
    agg = agg.sort_values(["max_hops", "entities", "loans"], ascending=False)
    chains = []
    for r, a in agg.iterrows():
        root = net.ids[guarantors[int(r)]]
        chains.append({"root": root, "name": ctx.name(root), "direction": "down",
                       "entities": int(a["entities"]), "max_hops": int(a["max_hops"]),
                       "loan_total": float(a["loans"]), "npl_total": float(a["npl"]),
                       "guarantees_given": float(given[guarantors[int(r)]]),
                       "max_amount_at_stake": float(a["at_stake"])})
    sec.data = {"depth": p.depth, "direction": "down", "chains": chains}
    sec.paragraphs.append(t(
        f"下游担保链：根企业为其担保的企业、以及这些企业再担保的企业（最多 {p.depth} 层），"
        "其中任何一家违约都可能最终传导至根企业。按层数、涉及企业数排序。",
        f"Downstream chains: whom the root backs, directly or through those it backs (up to "
        f"{p.depth} links); any of their defaults can reach the root. Longest first."))
    rows = [[c["root"], c["name"], c["max_hops"], c["entities"], c["guarantees_given"],
             c["max_amount_at_stake"], c["loan_total"], c["npl_total"]] for c in chains]
    sec.tables.append(CHAINS.table(rows))
    return sec


# ------------------------------------------------------------------------- exposure
#: lenders analysed in the exposure section (largest balance first)
MAX_LENDERS = 30


def exposure_section(ctx: Context) -> Section:
    """Show each lender's book through the network.

    Its concentration in guarantee groups and circles, and its largest chain
    (graphrisk.network.exposure.lender_exposure).
    """
    key, zh, en = "exposure", *TITLES["exposure"]
    net, t = ctx.net, ctx.t
    bal = np.bincount(net.l_lender, weights=net.l_balance, minlength=net.n)
    lenders = np.flatnonzero((bal > 0) & (net.kind == 2))
    lenders = lenders[np.lexsort((lenders, -bal[lenders]))][:MAX_LENDERS]
    docs, frames = [], []
    for i in lenders:  # one lender at a time: its borrower rows go to the CSV, then away
        d = lender_exposure(net, net.ids[i])
        b = d.pop("borrowers")
        frames.append(_frame(b, ["id", "name", "group", "circle", "balance", "npl_balance",
                                 "chain_size", "chain_debt", "lender_balance", "total_debt"],
                             loans=[len(r["loans"]) for r in b])
                      .assign(lender_id=d["lender"]["id"]))
        d["borrowers"] = b[:20]
        docs.append(top_rows(d, "by_group", "by_circle"))
        d["borrowers_count"] = len(b)
        del b
    cols = ["lender_id", "id", "name", "group", "circle", "balance", "npl_balance", "loans",
            "chain_size", "chain_debt", "lender_balance", "total_debt"]
    borrowers = pd.concat(frames, ignore_index=True)[cols] if frames else \
        pd.DataFrame(columns=cols)
    del frames
    rel = ctx.write_table("exposure_borrowers", borrowers,
                          f"the borrowers of the {MAX_LENDERS} largest lenders")
    sec = Section(key, zh, en, data={"lenders": docs, "files": [rel]})
    rows, chains = [], []
    for d in docs:
        b, lend = d["book"], d["lender"]
        top_c = d["by_circle"][0] if d["by_circle"] else None
        rows.append([lend["id"], lend["name"], b["balance"], b["npl_share"], b["guaranteed_share"],
                     b["in_groups_share"], b["in_circles_share"],
                     top_c["id"] if top_c else "", top_c["share"] if top_c else None])
        for c in d["largest_chains"][:3]:
            chains.append([lend["name"] or lend["id"], c["name"], c["size"], c["lender_balance"],
                           c["total_debt"], c.get("circle") or ""])
    sec.tables.append(EXPOSURE.table(rows))
    sec.tables.append(EXPOSURE_CHAINS.table(chains, (
        "lender", "borrower", "size", "lender_balance", "total_debt", "circle")))
    if rows:
        sec.charts.append(bar_chart([(r[1] or r[0], 100 * (r[6] or 0)) for r in rows[:12]],
                                    title=t("贷款落在担保圈内的比例(%)",
                                            "Share of the book inside circles (%)"),
                                    color="#c53030"))
    return sec


#: (key, function) of the structure sections, in report order
STRUCTURE_SECTIONS: list[tuple[str, Callable[[Context], Section]]] = [
    ("summary", overview_section), ("circles", circles_section), ("chains", chains_section),
    ("exposure", exposure_section),
]
