"""Report sections on risk: related parties, contagion, the cutting plan, warnings.

The sections on related parties, contagion, the cutting plan and the key-enterprise /
warning list.  As in :mod:`.sections`, each runs one analysis (imported at the top
of this module) and turns its result into a :class:`~graphrisk.report.sections.Section`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from graphrisk.contagion.cascade import simulate_defaults
from graphrisk.contagion.montecarlo import monte_carlo
from graphrisk.domain.glossary import UNIT, WARNING_LEVELS
from graphrisk.mitigation.plan import recommend
from graphrisk.ownership.related import RelatedPairMasks, related_pair_masks, related_parties
from graphrisk.params import ContagionParams, StrategyParams
from graphrisk.report.charts import PALETTE, bar_chart, histogram
from graphrisk.report.fields import (
    BASELINES,
    CASCADE,
    LOSS_BY_LENDER,
    PLAN,
    RELATED_GROUPS,
    RELATED_PAIRS,
    SYSTEMIC,
    WATCHLIST,
)
from graphrisk.report.i18n import enum_label
from graphrisk.report.sections import JSON_TOP, TITLES, Context, Section, top_rows
from graphrisk.watch.watchlist import watchlist

__all__ = ["related_section", "contagion_section", "strategies_section",
           "watchlist_section", "RISK_SECTIONS", "MAX_PAIRS"]

#: related pairs in the report's table (HTML and workbook); every pair is in the CSV
MAX_PAIRS = 20_000


def _amt(v: float) -> str:
    return f"{float(v):,.2f} {UNIT}"


# ------------------------------------------------------------------- related parties
def related_section(ctx: Context) -> Section:
    """Related-party groups (关联企业群) and pairs with the rules that hold."""
    key, zh, en = "related", *TITLES["related"]
    t, lang = ctx.t, ctx.lang
    rp = related_parties(ctx.net)
    doc = rp.as_dict(max_pairs=min(JSON_TOP, MAX_PAIRS))  # with evidence: the first pairs only
    names = ctx.names()
    pm = related_pair_masks(ctx.net)
    a_id, b_id = ctx.net.ids[pm.a], ctx.net.ids[pm.b]
    masks, inv = np.unique(pm.mask, return_inverse=True)
    one = np.zeros(len(masks), dtype=np.int64)  # the rule list of each distinct mask, once
    codes = RelatedPairMasks(one, one, masks, pm.rules).rule_lists()
    pairs = pd.DataFrame({"a": a_id, "b": b_id,
                          "rules": np.array([";".join(c) for c in codes] or [""],
                                            dtype=object)[inv.ravel()] if len(inv) else []})
    pm_rules = pm.rules
    del a_id, b_id, pm
    groups = pd.DataFrame({"id": [f"R{k + 1:03d}" for k in range(len(rp.groups))],
                           "size": [len(g) for g in rp.groups], "members": rp.groups})
    files = [ctx.write_table("related_pairs", pairs, "every related pair with its rules"),
             ctx.write_table("related_groups", groups, "every related-party group")]
    top_rows(doc, "groups")
    doc["files"] = files
    sec = Section(key, zh, en, data=doc)
    sec.figures = [(t("关联对", "Related pairs"), f"{rp.pair_count:,}"),
                   (t("关联企业群", "Related groups"), f"{len(rp.groups):,}"),
                   (t("最大关联群", "Largest group"),
                    f"{max((len(g) for g in rp.groups), default=0):,}")]
    sec.figures += [(enum_label("rule", r, lang), f"{v:,}") for r, v in rp.rule_counts.items()]
    first = [i for g in rp.groups for i in g[:8]]  # the names shown: looked up at once
    shown = iter(names.reindex(first).fillna("").tolist())
    grows = [[f"R{k + 1:03d}", len(g), "、".join([next(shown) or i for i in g[:8]])
              + (" …" if len(g) > 8 else ""), g] for k, g in enumerate(rp.groups)]
    sec.tables.append(RELATED_GROUPS.table(grows))
    head = pairs.iloc[:MAX_PAIRS]
    head = head.assign(a_name=names.reindex(head["a"]).fillna("").to_numpy(object),
                       b_name=names.reindex(head["b"]).fillna("").to_numpy(object))
    label = {r: enum_label("rule", r, lang) for r in pm_rules}
    prow = [[a, an, b, bn, [label[r] for r in rules.split(";") if r]]
            for a, an, b, bn, rules in zip(head["a"], head["a_name"], head["b"], head["b_name"],
                                            head["rules"], strict=True)]
    del pairs, head
    sec.tables.append(RELATED_PAIRS.table(prow, ("a", "a_name", "b", "b_name", "rules")))
    if rp.pair_count > MAX_PAIRS:
        sec.paragraphs.append(t(f"关联对共 {rp.pair_count:,} 对，报告表格列出前 {MAX_PAIRS:,} 对；"
                                "全部关联对见 tables/related_pairs.csv.gz。",
                                f"{rp.pair_count:,} pairs; the table lists the first "
                                f"{MAX_PAIRS:,}, every pair is in tables/related_pairs.csv.gz."))
    sec.paragraphs += [str(w) for w in rp.warnings[:10]]
    if rp.rule_counts:
        sec.charts.append(bar_chart([(enum_label("rule", r, lang), v)
                                     for r, v in rp.rule_counts.items()],
                                    title=t("各规则关联对数", "Pairs per rule"), color=PALETTE[4]))
    return sec


# ------------------------------------------------------------------------ contagion
def contagion_section(ctx: Context) -> Section:
    """Simulate contagion: Monte Carlo expected and tail loss, systemic importance.

    When enterprises are already in default, the section adds the deterministic
    cascade seeded by them.
    """
    key, zh, en = "contagion", *TITLES["contagion"]
    t = ctx.t
    cp = ContagionParams(runs=ctx.params.runs, seed=ctx.params.seed)
    mc = monte_carlo(ctx.net, params=cp, run_losses=True)  # once: figures and histogram
    losses = np.asarray(mc.pop("run_losses"), dtype=float)
    ents = mc["entities"]  # systemic importance first
    files = [ctx.write_table("contagion_entities", pd.DataFrame(ents),
                             "Monte Carlo figures of every entity")]
    doc = {"monte_carlo": mc, "files": files}
    sec = Section(key, zh, en, data=doc)
    tail = mc["tail"]
    sec.figures = [(t("模拟次数", "Runs"), f"{mc['runs']:,}"),
                   (t("预期损失", "Expected loss"), _amt(mc["expected_loss"])),
                   ("VaR 95%", _amt(tail["var95"])), ("VaR 99%", _amt(tail["var99"])),
                   ("ES 99%", _amt(tail["es99"])),
                   (t("平均传染违约数", "Contagion defaults (mean)"),
                    f"{mc['expected_contagion_defaults']:.2f}")]
    ctx.shared["mc_losses"] = losses
    sec.charts.append(histogram(losses, title=t("损失分布（万元）", "Loss distribution (万元)"),
                                unit=t("每次模拟的损失(万元)", "loss per run (万元)"),
                                markers=[(t("预期", "EL"), mc["expected_loss"]),
                                         ("VaR95", tail["var95"]), ("VaR99", tail["var99"])]))
    ents = sorted(ents, key=lambda r: -r["systemic_importance"])
    erows = [[r["id"], r["name"], r["pd"], r["network_pd"], r["systemic_importance"],
              r["contagion_defaults"]] for r in ents if r["systemic_importance"] > 0]
    top_rows(mc, "entities")
    del ents
    sec.tables.append(SYSTEMIC.table(erows))
    if erows:
        sec.charts.append(bar_chart([(r[1] or r[0], r[4]) for r in erows[:10]],
                                    title=t("系统重要性前十（万元）", "Most systemically important (万元)"),
                                    color="#c53030"))
    lrows = [[r["lender_id"], r["name"], r["expected_loss"], r["var95"], r["var99"], r["es99"]]
             for r in mc["by_lender"]]
    sec.tables.append(LOSS_BY_LENDER.table(
        lrows, ("lender_id", "name", "expected_loss", "var95", "var99", "es99")))
    top_rows(mc, "by_lender")  # every lender is in the workbook
    e = ctx.ds.tables["enterprises"]
    if (e["status"] == "defaulted").any():
        cas = simulate_defaults(ctx.net, params=cp, from_status=True)
        doc["cascade_from_defaulted"] = cas
        crows = [[d["id"], d["name"], d["round"], d["seed"]] for d in cas["defaults"]]
        files.append(ctx.write_table("cascade_defaults", pd.DataFrame(cas["defaults"]),
                                     "the defaults of the cascade from current defaults"))
        top_rows(cas, "defaults", "guarantees", "loans")
        sec.tables.append(CASCADE.table(
            crows, zh="现有违约企业引发的传染", en="Cascade from current defaults"))
        sec.paragraphs.append(t(
            f"以现有违约企业为起点的确定性传染：共 {len(crows)} 家违约，"
            f"银行损失 {_amt(cas['losses']['total'])}。",
            f"Deterministic cascade from the enterprises now in default: {len(crows)} "
            f"defaults, lenders lose {_amt(cas['losses']['total'])}."))
    sec.paragraphs += [str(w) for w in mc.get("warnings", [])[:5]]
    return sec


# ----------------------------------------------------------------------- strategies
_BASELINES = {"random": ("随机", "random"), "largest_amount": ("金额最大", "largest amount"),
              "betweenness": ("介数最高", "highest betweenness")}


def strategies_section(ctx: Context) -> Section:
    """Recommend a cutting plan, with the loss before and after, against baselines."""
    key, zh, en = "strategies", *TITLES["strategies"]
    t, lang = ctx.t, ctx.lang
    doc = recommend(ctx.net, params=ContagionParams(runs=ctx.params.runs, seed=ctx.params.seed),
                    sparams=StrategyParams(budget=ctx.params.budget))
    sec = Section(key, zh, en, data=doc)
    before, after = doc["loss_before"], doc["loss_after"]
    sec.figures = [(t("措施数", "Actions"), f"{len(doc['actions'])}"),
                   (t("执行前预期损失", "Expected loss before"), _amt(before)),
                   (t("执行后预期损失", "Expected loss after"), _amt(after)),
                   (t("降低", "Reduction"), _amt(doc["reduction"])),
                   (t("执行前 VaR99", "VaR99 before"), _amt(doc["tail_before"]["var99"])),
                   (t("执行后 VaR99", "VaR99 after"), _amt(doc["tail_after"]["var99"]))]
    rows = [[a["step"], enum_label("strategy", a["strategy"], lang),
             a["description_zh"] if lang == "zh" else a["description_en"], a["amount"],
             a["loss_before"], a["loss_after"], a["tail_after"].get("var99")]
            for a in doc["actions"]]
    sec.tables.append(PLAN.table(
        rows, ("step", "strategy", "target", "amount", "before", "after", "var99")))
    brows = [[t("推荐方案", "recommended plan"), len(doc["actions"]),
              sum(a["amount"] for a in doc["actions"]), after, doc["reduction"]]]
    for rule, b in doc["baselines"].items():
        label = _BASELINES.get(rule, (rule, rule))[0 if lang == "zh" else 1]
        brows.append([t("基准：", "baseline: ") + label, b["actions"], b["amount"],
                      b["loss_after"], b["reduction"]])
    sec.tables.append(BASELINES.table(brows))
    sec.charts.append(bar_chart([(t("不采取措施", "no action"), before)]
                                + [(r[0], r[3]) for r in brows],
                                title=t("预期损失：推荐方案与基准(万元)",
                                        "Expected loss: plan and baselines (万元)"),
                                color=PALETTE[1]))
    sec.paragraphs.append(t(
        f"在相同的 {doc['runs']:,} 次模拟情景下（共同随机数）比较各方案；基准方案为同样数量的担保置换。",
        f"All plans are scored on the same {doc['runs']:,} scenarios (common random numbers); "
        "each baseline replaces as many guarantees."))
    sec.paragraphs += [str(w) for w in doc.get("warnings", [])[:5]]
    return sec


# ------------------------------------------------------------------------ watchlist
def watchlist_section(ctx: Context) -> Section:
    """Key enterprises (重点企业) and warning levels (预警) with their reasons."""
    key, zh, en = "watchlist", *TITLES["watchlist"]
    t, lang = ctx.t, ctx.lang
    wl = watchlist(ctx.net, previous=ctx.shared.get("previous"))  # signals over time too
    doc = wl.as_dict()
    lv = wl.levels["level"]
    ctx.shared["levels"] = {i: v for i, v in lv.items() if v in WARNING_LEVELS}
    ctx.shared["level_frame"] = wl.levels  # the maturity ledger's levels
    sec = Section(key, zh, en, data=doc)
    c = doc["counts"]
    sec.figures = [(t("重点企业", "Key enterprises"), f"{c.get('key', 0):,}"),
                   (t("列入名单", "Listed"), f"{c.get('listed', 0):,}")]
    sec.figures += [(enum_label("level", v, lang) + t("色预警", " warnings"), f"{c.get(v, 0):,}")
                    for v in reversed(list(WARNING_LEVELS))]
    rows, crits, sigs, texts = [], [], [], []
    for r in doc["enterprises"]:
        reasons = [x["zh"] if lang == "zh" else x["en"] for x in r.get("reasons", [])]
        crit = [x["label_zh"] if lang == "zh" else x["label_en"] for x in r.get("criteria", [])]
        rows.append([r["id"], r["name"], r["level"], r["key"], crit, r.get("exposure"), reasons])
        crits.append([x["code"] for x in r.get("criteria", [])])
        sigs.append([x["code"] for x in r.get("signals", [])])
        texts.append(reasons)
    ents = doc["enterprises"]
    frame = pd.DataFrame({k: [r.get(k) for r in ents] for k in (
        "id", "name", "level", "key", "exposure", "credit", "credit_source",
        "creditor_committee")})
    frame["criteria"], frame["signals"], frame["reasons"] = crits, sigs, texts
    doc["files"] = [ctx.write_table("watchlist", frame, "every listed enterprise")]
    del frame, crits, sigs, texts, ents
    top_rows(doc, "enterprises")
    sec.tables.append(WATCHLIST.table(
        rows, ("id", "name", "level", "key", "criteria", "exposure", "reasons")))
    colors = {"red": "#c53030", "orange": "#dd6b20", "yellow": "#d69e2e", "blue": "#3182ce"}
    levels = [v for v in reversed(list(WARNING_LEVELS))]
    sec.charts.append(bar_chart([(enum_label("level", v, lang), c.get(v, 0)) for v in levels],
                                title=t("各预警等级企业数", "Enterprises per warning level"),
                                color=colors["orange"]))
    sec.paragraphs += [str(n) for n in doc.get("notes", [])[:10]]
    return sec


#: (key, function) of the risk sections, in report order
RISK_SECTIONS: list[tuple[str, Callable[[Context], Section]]] = [
    ("related", related_section), ("contagion", contagion_section),
    ("strategies", strategies_section), ("watchlist", watchlist_section),
]
