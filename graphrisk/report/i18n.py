"""Labels of the report and the network page in Chinese (default) and English.

Domain labels (node kinds, relationships, enums) come from :mod:`graphrisk.domain.glossary`;
this module only adds the words of the user interface.
"""

from __future__ import annotations

from graphrisk.domain.glossary import (
    CLASSIFICATION,
    GUARANTEES,
    HOLDS_POSITION,
    HOLDS_SHARES,
    INSTITUTION_TYPE,
    NODE_KINDS_ZH,
    PATTERNS,
    RELATED_RULES,
    RELATIONSHIPS,
    STATUS,
    STRATEGIES,
    WARNING_LEVELS,
)

__all__ = ["LANGS", "text", "enum_label", "UI"]

LANGS = ("zh", "en")

#: interface words: key → (Chinese, English)
UI: dict[str, tuple[str, str]] = {
    # page
    "page_title": ("担保网络图", "Guarantee network"),
    "search": ("搜索名称或信用代码…", "Search name or credit code…"),
    "search_btn": ("查找", "Find"),
    "no_match": ("未找到", "No match"),
    "filters": ("筛选", "Filters"),
    "node_kind": ("节点类型", "Node kind"),
    "rel_kind": ("关系类型", "Relationship"),
    "risk_level": ("预警等级", "Warning level"),
    "classification": ("贷款五级分类", "Loan classification"),
    "min_amount": ("最小金额(万元)", "Min amount (万元)"),
    "circle": ("担保圈", "Guarantee circle"),
    "all_circles": ("— 全部 —", "— all —"),
    "ego_hops": ("双击展开邻居层数", "Double-click: neighbours up to"),
    "hops": ("层", "hops"),
    "show_all": ("显示全部", "Show all"),
    "export_png": ("导出PNG", "Export PNG"),
    "export_csv": ("导出所选CSV", "Export selection CSV"),
    "legend": ("图例", "Legend"),
    "groups_view": ("担保群总览", "Guarantee groups"),
    "grp_circle": ("含担保圈的担保群", "group with a circle"),
    "grp_npl": ("含不良贷款的担保群", "group with non-performing loans"),
    "grp_other": ("其他担保群", "other group"),
    "back_groups": ("返回担保群总览", "Back to groups"),
    "members": ("成员", "members"),
    "group": ("担保群", "Guarantee group"),
    "no_level": ("无预警", "no warning"),
    "no_loans": ("无贷款", "no loans"),
    "name": ("名称", "Name"),
    "id": ("编号/信用代码", "Id / credit code"),
    "kind": ("类型", "Kind"),
    "capital": ("资本(万元)", "Capital (万元)"),
    "loans": ("贷款余额(万元)", "Loans (万元)"),
    "status": ("状态", "Status"),
    "guar_given": ("对外担保(万元)", "Guarantees given (万元)"),
    "guar_recv": ("获得担保(万元)", "Guarantees received (万元)"),
    "level": ("预警等级", "Warning level"),
    "contracts": ("笔", "contracts"),
    "omitted": ("为保证页面流畅，图中只画出风险最高的担保群（含前列担保圈与红、橙色预警企业）；另有 {entities} 个实体、"
                "{groups} 个担保群、{circles} 个担保圈未画出，全部见 circles.html 与 tables/。",
                "To keep the page fast only the riskiest groups (with the top circles and the red "
                "and orange warnings) are drawn; {entities} more entities, {groups} groups and "
                "{circles} circles are not, see circles.html and tables/."),
    "shown": ("显示", "shown"),
    "nodes": ("节点", "nodes"),
    "edges": ("连线", "edges"),
    "selected": ("已选", "selected"),
    "open_network": ("在交互网络图中打开", "Open in the interactive network"),
    # report
    "report_title": ("担保网络风险报告", "Guarantee-network risk report"),
    "generated": ("生成时间", "Generated"),
    "dataset": ("数据集", "Dataset"),
    "contents": ("目录", "Contents"),
    "overview": ("总体情况", "Overview"),
    "not_available": ("本节未生成", "Section not available"),
    "skipped": ("按要求略过（--skip）。", "Skipped on request (--skip)."),
    "section_failed": ("本节计算失败：{error}", "This section failed: {error}"),
    "more_rows": ("仅显示前 {top} 行，共 {total} 行；全部见 report.xlsx 与 tables/。",
                  "Showing the first {top} of {total} rows; all rows are in report.xlsx and "
                  "tables/."),
    "none": ("无", "none"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "network_link": ("交互式网络图", "Interactive network"),
    "circle_pages": ("担保圈明细页", "Circle pages"),
    "circle_pages_note": ("按贷款余额排序的前 {shown} 个担保圈（共 {total} 个）有明细页；全部担保圈与担保群见索引页：",
                          "The first {shown} of {total} circles by loan total have a page; every "
                          "circle and group is in the index:"),
    "files_title": ("完整数据表（tables/，gzip 压缩的 CSV）", "Full tables (tables/, gzip-compressed CSV)"),
    "files_rows": ("行", "rows"),
    "circle_index": ("担保圈与担保群索引", "Index of circles and groups"),
    "index_search": ("按编号或成员名称查找", "Find by id or member name"),
    "index_circles": ("担保圈", "Circles"),
    "index_groups": ("担保群", "Groups"),
    "index_rows": ("共 {n} 行", "{n} rows"),
    "index_prev": ("上一页", "Previous"),
    "index_next": ("下一页", "Next"),
    "index_page": ("明细页", "page"),
    "index_network": ("网络图", "network"),
    "index_note": ("点击表头排序；担保圈按贷款余额（成员贷款余额合计）排序即为风险排序。",
                   "Click a header to sort; the risk order of the circles is their loan total "
                   "(the members' loans)."),
    "back_report": ("返回报告", "Back to the report"),
    "unit_note": ("金额单位：万元", "Amounts in 万元 (10,000 CNY)"),
    "cycles": ("担保环路", "Guarantee cycles"),
    "edges_inside": ("圈内担保", "Guarantees inside"),
    "metrics": ("指标", "Metrics"),
    "small_network": ("圈内网络", "Network of the circle"),
    "truncated": ("（已截断）", "(truncated)"),
}


def text(key: str, lang: str = "zh", **fmt: object) -> str:
    """Return an interface word in *lang*, its ``{fields}`` filled from *fmt*.

    >>> text("circle"), text("circle", "en")
    ('担保圈', 'Guarantee circle')
    """
    zh, en = UI[key]
    s = zh if lang == "zh" else en
    return s.format(**fmt) if fmt else s


_EN_KIND = {"Enterprise": "Enterprise", "Person": "Person", "Institution": "Institution",
            "Loan": "Loan"}
_EN_ENUMS = {
    "classification": {"normal": "normal", "special_mention": "special mention",
                       "substandard": "substandard", "doubtful": "doubtful", "loss": "loss"},
    "level": {k: k for k in WARNING_LEVELS},
}
_ZH_ENUMS = {"classification": CLASSIFICATION, "level": WARNING_LEVELS, "status": STATUS,
             "institution_type": INSTITUTION_TYPE, "pattern": PATTERNS,
             "rule": RELATED_RULES, "strategy": STRATEGIES, "kind": NODE_KINDS_ZH}
_REL_EN = {GUARANTEES: "guarantee", HOLDS_SHARES: "shareholding", HOLDS_POSITION: "post",
           "LOAN": "loan"}


def enum_label(enum: str, value: str, lang: str = "zh") -> str:
    """Return the label of an enum value in *lang*.

    The enums are ``classification``, ``level``, ``status``, ``pattern``, ``rule``,
    ``strategy``, ``kind`` and ``rel``.

    >>> enum_label("level", "red"), enum_label("rel", "GUARANTEES", "en")
    ('红', 'guarantee')
    """
    if enum == "rel":
        if lang == "zh":
            return RELATIONSHIPS[value].zh if value in RELATIONSHIPS else "贷款"
        return _REL_EN.get(value, value)
    if lang == "zh":
        return _ZH_ENUMS.get(enum, {}).get(value, value)
    if enum == "kind":
        return _EN_KIND.get(value, value)
    return _EN_ENUMS.get(enum, {}).get(value, value.replace("_", " "))
