"""Every output table of graphrisk, each field declared once.

A :class:`Schema` names a result table (its key, Chinese and English title) and its
fields (:class:`~graphrisk.report.tables.Column`: key, 中文, English, kind).  Every view
derives from it: the HTML report and the circle pages (``Schema.table``), the workbook
(the same tables, Chinese headers), the CLI text table and CSV (``Schema.labels``:
``English 中文``), and the JSON keys (the field keys).  The unit is the kind's: an
``amount`` is in 万元 and its header says so.

A view shows a selection of the fields, in its own order, by key; a label or a kind
is never typed a second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphrisk.report.tables import Column, Table

__all__ = ["Schema", "SCHEMAS", "EXCLUDED", "LENDERS", "CIRCLES", "GROUPS", "COMMITTEES",
           "PATTERN_COUNTS", "CHAINS",
           "CHAIN_ENTITIES", "EXPOSURE", "EXPOSURE_CHAINS", "EXPOSURE_BORROWERS",
           "CONCENTRATION", "BORROWER_LENDERS", "HOLDINGS", "OWNERS", "BENEFICIAL_OWNERS",
           "RELATED_PAIRS", "RELATED_GROUPS", "SYSTEMIC", "LOSS_BY_LENDER", "CASCADE",
           "CASCADE_GUARANTEES", "PLAN", "BASELINES", "WATCHLIST", "SIGNALS", "CRITERIA",
           "LEVEL_RULES", "CIRCLE_MEMBERS", "CIRCLE_EDGES", "CIRCLE_CREDITORS"]


@dataclass(frozen=True)
class Schema:
    """One result table: key, titles and fields (see the module docstring).

    Examples
    --------
    >>> s = Schema("t", "示例", "example", (Column("id", "编号", "id"),
    ...                                     Column("loans", "贷款余额", "loans", "amount")))
    >>> s.labels("id", "loans"), s.column("loans").header("zh")
    (['id 编号', 'loans 贷款余额'], '贷款余额(万元)')
    >>> s.table([["E1", 12.5]]).headers("en")
    ['id', 'loans (万元)']
    """

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        """Check that every field key is declared once."""
        keys = [c.key for c in self.columns]
        if len(keys) != len(set(keys)):
            raise ValueError(f"schema {self.key}: a field is declared twice")

    def column(self, key: str) -> Column:
        """Return the field *key*."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"schema {self.key} has no field {key!r}")

    def select(self, keys: Iterable[str] | None = None) -> list[Column]:
        """Return the fields named by *keys*, in that order (all of them for None)."""
        return list(self.columns) if keys is None else [self.column(k) for k in keys]

    def labels(self, *keys: str) -> list[str]:
        """Return the CLI headers (``English 中文``) of *keys* (all fields when none)."""
        return [c.label for c in self.select(keys or None)]

    def table(self, rows: Sequence[Sequence[Any]], keys: Sequence[str] | None = None, *,
              zh: str | None = None, en: str | None = None, name: str | None = None,
              link: tuple[str, str] | None = None) -> Table:
        """Return a :class:`Table` of *rows* (cells in the order of *keys*)."""
        return Table(name or self.key, zh or self.zh, en or self.en, self.select(keys),
                     [list(r) for r in rows], link=link)


def _s(key: str, zh: str, en: str, *fields: tuple[str, ...]) -> Schema:
    return Schema(key, zh, en, tuple(Column(*f) for f in fields))


EXCLUDED = _s(
    "excluded", "截止日期未生效或已失效、未计入的记录", "Rows not live at the as-of date",
    ("table", "数据表", "table"), ("id", "记录", "row"), ("file", "文件", "file"),
    ("line", "行号", "line", "int"), ("column", "依据字段", "column"),
    ("date", "日期", "date"), ("reason", "原因", "reason"), ("kept", "仍计入", "kept", "bool"))

LENDERS = _s(
    "by_lender", "按贷款人统计", "Exposure per lender",
    ("lender_id", "贷款人编号", "lender_id"), ("name", "贷款人", "lender"),
    ("type", "类型", "type"), ("loans", "贷款笔数", "loans", "int"),
    ("borrowers", "借款人数", "borrowers", "int"), ("balance", "贷款余额", "balance", "amount"),
    ("npl_balance", "不良余额", "non-performing", "amount"), ("npl_ratio", "不良率", "NPL ratio", "pct"),
    ("guaranteed_amount", "有担保金额", "guaranteed", "amount"))

CIRCLES = _s(
    "circles", "担保圈（按风险排序）", "Guarantee circles (riskiest first)",
    ("id", "担保圈", "circle"), ("size", "成员数", "size", "int"),
    ("members", "成员", "members", "list"), ("edges", "圈内担保笔数", "guarantees", "int"),
    ("mutual_pairs", "互保对", "mutual pairs", "int"),
    ("guarantee_total", "圈内担保额", "internal", "amount"),
    ("loan_total", "贷款余额", "loans", "amount"), ("npl_balance", "不良余额", "non-performing", "amount"),
    ("npl_share", "不良占比", "npl", "pct"), ("creditor_count", "债权机构数", "creditors", "int"),
    ("bank_count", "银行数", "banks", "int"), ("microloan_count", "小贷公司数", "microloans", "int"),
    ("other_count", "其他债权机构数", "other creditors", "int"),
    ("watch", "关注", "watch", "bool"),
    ("creditor_committee", "需组建债委会", "committee", "bool"),
    ("committee_debtors", "须组建债委会的成员", "committee debtors", "list"),
    ("committee_reasons", "债委会/关注原因", "committee reasons", "list"),
    ("focus", "重点关注成员数", "focus members", "int"),
    ("focus_members", "重点关注成员", "focus", "list"), ("cycles", "担保环", "cycles", "int"),
    ("group", "所属担保群", "group"))

GROUPS = _s(
    "groups", "担保群（按风险排序）", "Guarantee groups (riskiest first)",
    ("id", "担保群", "group"), ("size", "成员数", "size", "int"),
    ("edges", "担保笔数", "guarantees", "int"), ("guarantee_total", "担保金额", "guaranteed", "amount"),
    ("loan_total", "贷款余额", "loans", "amount"), ("npl_balance", "不良余额", "non-performing", "amount"),
    ("npl_share", "不良占比", "NPL share", "pct"), ("circles", "担保圈", "circles", "list"),
    ("patterns", "担保形态", "patterns"), ("members", "成员", "members", "list"),
    ("creditor_count", "债权机构数", "creditors", "int"), ("bank_count", "银行数", "banks", "int"),
    ("microloan_count", "小贷公司数", "microloans", "int"),
    ("other_count", "其他债权机构数", "other creditors", "int"),
    ("watch", "关注", "watch", "bool"),
    ("creditor_committee", "需组建债委会", "committee", "bool"),
    ("committee_debtors", "须组建债委会的成员", "committee debtors", "list"),
    ("committee_reasons", "债委会/关注原因", "committee reasons", "list"))

COMMITTEES = _s(
    "committees", "债权人委员会（按债务人）", "Creditors' committees (per debtor)",
    ("debtor", "债务人编号", "debtor"), ("name", "债务人", "name"), ("status", "状态", "status"),
    ("debt", "债务", "debt", "amount"), ("npl_balance", "不良余额", "non-performing", "amount"),
    ("credit_events", "信用风险事件", "credit events", "int"),
    ("banks", "债权银行数", "banks", "int"), ("microloans", "债权小贷公司数", "microloans", "int"),
    ("others", "其他债权机构数", "others", "int"),
    ("creditor_count", "债权机构数", "creditors", "int"),
    ("mixed", "混合重大违约", "mixed", "bool"),
    ("creditor_committee", "需组建债委会", "committee", "bool"),
    ("circle", "担保圈", "circle"), ("group", "担保群", "group"),
    ("reasons", "原因", "reasons", "list"), ("reasons_en", "原因(英文)", "reasons (English)", "list"))

PATTERN_COUNTS = _s(
    "patterns", "担保形态统计", "Guarantee patterns",
    ("label", "形态", "pattern"), ("code", "代码", "code"), ("count", "担保笔数", "guarantees", "int"))

CHAINS = _s(
    "chains", "最长担保链（下游）", "Largest chains (downstream)",
    ("root", "根企业编号", "root id"), ("name", "根企业", "root"),
    ("max_hops", "最大层数", "longest (links)", "int"),
    ("entities", "涉及企业数", "entities reached", "int"),
    ("guarantees_given", "对外担保", "guarantees given", "amount"),
    ("at_stake", "单链最大承压", "widest chain", "amount"),
    ("loans", "链上贷款余额", "loans on the chain", "amount"),
    ("npl", "链上不良", "non-performing", "amount"))

CHAIN_ENTITIES = _s(
    "chain_entities", "担保链上的企业", "Entities on the chains",
    ("id", "编号", "id"), ("name", "名称", "name"), ("hops", "层级", "hops", "int"),
    ("at_stake", "风险金额", "at stake", "amount"), ("direct", "直接担保", "direct", "amount"),
    ("loans", "贷款余额", "loans", "amount"), ("chain", "担保链", "chain (shortest)"))

EXPOSURE = _s(
    "exposure", "各银行担保网络敞口", "Lender books through the network",
    ("lender_id", "贷款人编号", "lender id"), ("name", "贷款人", "lender"),
    ("balance", "贷款余额", "balance", "amount"), ("npl_share", "不良率", "NPL share", "pct"),
    ("guaranteed_share", "有担保占比", "guaranteed share", "pct"),
    ("in_groups", "担保群内占比", "in guarantee groups", "pct"),
    ("in_circles", "担保圈内占比", "in circles", "pct"),
    ("top_circle", "最集中的担保圈", "largest circle exposure"), ("top_share", "该圈占比", "its share", "pct"))

EXPOSURE_CHAINS = _s(
    "exposure_chains", "各银行最大担保链", "Largest chains per lender",
    ("lender", "贷款人", "lender"), ("borrower", "借款人", "borrower"),
    ("name", "名称", "name"), ("size", "链上户数", "size", "int"),
    ("lender_balance", "本行链上敞口", "bank in chain", "amount"),
    ("total_debt", "链上总负债", "total debt", "amount"), ("circle", "担保圈", "circle"))

EXPOSURE_BORROWERS = _s(
    "exposure_borrowers", "借款人及其担保链", "Borrowers and the chains behind them",
    ("borrower", "借款人", "borrower"), ("name", "名称", "name"), ("group", "担保群", "group"),
    ("circle", "担保圈", "circle"), ("balance", "余额", "balance", "amount"),
    ("guarantors", "担保人(层)", "guarantors"), ("chain_debt", "链上负债", "chain debt", "amount"),
    ("lender_balance", "本行链上敞口", "bank in chain", "amount"))

CONCENTRATION = _s(
    "concentration", "集中度", "Concentration",
    ("id", "编号", "id"), ("balance", "余额", "balance", "amount"), ("share", "占比", "share", "pct"),
    ("npl_balance", "不良", "npl", "amount"), ("loans", "笔数", "loans", "int"),
    ("borrowers", "户数", "borrowers", "int"))

BORROWER_LENDERS = _s(
    "borrower_lenders", "受影响贷款人", "Lenders exposed",
    ("lender", "贷款人", "lender"), ("name", "名称", "name"), ("type", "类型", "type"),
    ("direct", "直接贷款", "direct", "amount"),
    ("given", "对外担保", "via guarantees given", "amount"),
    ("received", "被担保", "via guarantees received", "amount"), ("total", "合计敞口", "total", "amount"))

HOLDINGS = _s(
    "holdings", "持股明细", "Holdings",
    ("company_id", "企业编号", "company_id"), ("name", "企业名称", "name"),
    ("share_pct", "持股%", "share_pct", "share"), ("direct_pct", "直接%", "direct_pct", "share"),
    ("paths", "路径数", "paths", "int"), ("path", "主要路径", "largest path"))

OWNERS = _s(
    "owners", "股东", "Owners",
    ("holder_id", "股东编号", "holder_id"), ("name", "名称", "name"), ("kind", "类别", "kind"),
    ("share_pct", "持股%", "share_pct", "share"), ("direct_pct", "直接%", "direct_pct", "share"),
    ("multiply_pct", "乘积%", "multiply_pct", "share"),
    ("control_pct", "控制%", "control_pct", "share"),
    ("beneficial", "受益所有人", "beneficial owner"))

BENEFICIAL_OWNERS = _s(
    "beneficial_owners", "受益所有人", "Beneficial owners",
    ("person_id", "姓名编号", "person_id"), ("name", "姓名", "name"), ("basis", "依据", "basis"),
    ("multiply_pct", "乘积%", "multiply_pct", "share"))

RELATED_PAIRS = _s(
    "related_pairs", "关联对", "Related pairs",
    ("a", "企业A编号", "a"), ("a_name", "企业A", "a_name"), ("b", "企业B编号", "b"),
    ("b_name", "企业B", "b_name"), ("rules", "关联规则", "rules", "list"),
    ("a_in_b_pct", "A持B%", "a_in_b_pct", "share"), ("b_in_a_pct", "B持A%", "b_in_a_pct", "share"),
    ("common_owners", "共同股东", "common_owners", "list"),
    ("loan_balance", "相互借贷", "loan_balance", "amount"),
    ("guarantee_amount", "相互担保", "guarantee_amount", "amount"),
    ("shared_people", "共同管理人员", "shared_people", "list"))

RELATED_GROUPS = _s(
    "related_groups", "关联企业群", "Related-party groups",
    ("id", "关联群", "group"), ("size", "企业数", "size", "int"),
    ("names", "成员", "members", "list"), ("members", "成员编号", "member ids", "list"))

SYSTEMIC = _s(
    "systemic", "系统重要性（其违约造成的额外损失）", "Systemic importance (extra loss its default causes)",
    ("id", "企业编号", "id"), ("name", "企业", "name"), ("pd", "违约概率", "PD", "pct"),
    ("network_pd", "网络违约概率", "network PD", "pct"),
    ("importance", "额外损失", "loss caused", "amount"),
    ("contagion_defaults", "连带违约数", "defaults caused", "int"))

LOSS_BY_LENDER = _s(
    "loss_by_lender", "各贷款人损失", "Loss per lender",
    ("lender_id", "贷款人编号", "lender_id"), ("name", "贷款人", "name"),
    ("loss", "损失", "loss", "amount"), ("expected_loss", "预期损失", "expected", "amount"),
    ("var95", "VaR95", "VaR95", "amount"), ("var99", "VaR99", "VaR99", "amount"),
    ("es95", "ES95", "ES95", "amount"), ("es99", "ES99", "ES99", "amount"))

CASCADE = _s(
    "cascade", "违约企业", "Defaults",
    ("id", "编号", "id"), ("name", "名称", "name"), ("round", "违约轮次", "round", "int"),
    ("seed", "初始违约", "seed", "bool"))

CASCADE_GUARANTEES = _s(
    "cascade_guarantees", "被追偿的担保", "Guarantees called",
    ("id", "担保合同号", "id"), ("guarantor", "担保人", "guarantor"),
    ("borrower", "被担保人", "borrower"), ("amount", "金额", "amount", "amount"),
    ("call", "追偿", "call", "amount"), ("paid", "代偿", "paid", "amount"))

PLAN = _s(
    "plan", "化解方案（按顺序执行）", "Plan (in order)",
    ("step", "步骤", "step", "int"), ("strategy", "措施", "strategy"), ("target", "内容", "action"),
    ("amount", "涉及金额", "amount", "amount"), ("before", "执行前预期损失", "loss before", "amount"),
    ("after", "执行后预期损失", "loss after", "amount"), ("var99", "执行后VaR99", "VaR99 after", "amount"),
    ("description", "说明", "description"))

BASELINES = _s(
    "baselines", "与基准方案对比", "Against the baselines",
    ("plan", "方案", "plan"), ("actions", "措施数", "actions", "int"),
    ("amount", "涉及金额", "amount", "amount"), ("after", "执行后预期损失", "expected loss after", "amount"),
    ("reduction", "降低", "reduction", "amount"))

WATCHLIST = _s(
    "watchlist", "重点企业与预警名单", "Key enterprises and warnings",
    ("level", "预警等级", "level", "level"), ("level_code", "等级代码", "level code"),
    ("id", "企业编号", "id"), ("name", "企业名称", "name"), ("key", "重点企业", "key", "bool"),
    ("exposure", "风险敞口", "exposure", "amount"), ("credit", "授信", "credit", "amount"),
    ("credit_source", "授信口径", "credit source"), ("criteria", "入选标准", "criteria", "list"),
    ("reasons", "预警原因", "reasons", "list"), ("criteria_codes", "标准代码", "criteria codes", "list"),
    ("signal_codes", "信号代码", "signal codes", "list"),
    ("reasons_en", "预警原因(英文)", "reasons (English)", "list"),
    ("region", "所在区域", "region"), ("industry", "行业", "industry"),
    ("creditor_committee", "需组建债委会", "committee", "bool"),
    ("committee_reasons", "债委会原因", "committee reasons", "list"))

SIGNALS = _s(
    "signals", "风险信号", "Risk signals",
    ("id", "企业编号", "id"), ("name", "企业名称", "name"), ("code", "信号代码", "code"),
    ("label_zh", "信号", "signal (zh)"), ("label_en", "信号(英文)", "signal"),
    ("kind", "类型", "kind"), ("value", "数值", "value", "float"), ("unit", "单位", "unit"),
    ("count", "笔数/个数", "count", "int"), ("level", "预警等级", "level", "level"),
    ("reason", "说明", "reason"))

CRITERIA = _s(
    "criteria", "入选标准", "Key-enterprise criteria",
    ("id", "企业编号", "id"), ("name", "企业名称", "name"), ("code", "标准代码", "code"),
    ("label_zh", "入选标准", "criterion (zh)"), ("label_en", "入选标准(英文)", "criterion"),
    ("credit", "授信", "credit", "amount"), ("credit_source", "授信口径", "credit source"),
    ("basis", "依据", "basis"))

LEVEL_RULES = _s(
    "level_rules", "预警规则", "Warning rules",
    ("code", "信号代码", "code"), ("label_zh", "信号", "signal (zh)"), ("label_en", "信号(英文)", "signal"),
    ("kind", "类型", "kind"), ("levels", "等级规则", "levels"))

CIRCLE_MEMBERS = _s(
    "members", "成员", "Members",
    ("id", "编号", "id"), ("name", "名称", "name"), ("loan_balance", "贷款余额", "loans", "amount"),
    ("guarantees_given", "对外担保", "guarantees given", "amount"),
    ("exposure", "风险敞口", "exposure", "amount"), ("focus", "重点关注", "focus", "bool"))

CIRCLE_EDGES = _s(
    "edges", "圈内担保", "Guarantees inside",
    ("id", "担保合同号", "guarantee"), ("guarantor_id", "担保人编号", "guarantor id"),
    ("guarantor", "担保人", "guarantor"), ("borrower_id", "被担保人编号", "borrower id"),
    ("borrower", "被担保人", "borrower"), ("amount", "担保金额", "amount", "amount"),
    ("patterns", "形态", "patterns", "list"))

CIRCLE_CREDITORS = _s(
    "creditors", "债权机构（按余额）", "Creditors (largest first)",
    ("id", "编号", "id"), ("name", "名称", "name"))

#: every schema by key
SCHEMAS: dict[str, Schema] = {s.key: s for s in (
    EXCLUDED, LENDERS, CIRCLES, GROUPS, PATTERN_COUNTS, CHAINS, CHAIN_ENTITIES, EXPOSURE, EXPOSURE_CHAINS,
    EXPOSURE_BORROWERS, CONCENTRATION, BORROWER_LENDERS, HOLDINGS, OWNERS, BENEFICIAL_OWNERS,
    RELATED_PAIRS, RELATED_GROUPS, SYSTEMIC, LOSS_BY_LENDER, CASCADE, CASCADE_GUARANTEES, PLAN,
    BASELINES, WATCHLIST, SIGNALS, CRITERIA, LEVEL_RULES, CIRCLE_MEMBERS, CIRCLE_EDGES,
    CIRCLE_CREDITORS, COMMITTEES)}


def __getattr__(name: str) -> Any:
    """Return ``MATURITIES`` and ``COMPARE``, built on first use from their declarations.

    The maturity ledger's fields are declared in :mod:`graphrisk.watch.maturities` and a
    comparison's in :mod:`graphrisk.history.fields`; both modules sit on floors that
    load the analyses, which the command line does not need to start.
    """
    if name == "MATURITIES":
        from graphrisk.watch.maturities import MATURITY_FIELDS, MATURITY_TABLE  # noqa: PLC0415

        value: Any = _s(*MATURITY_TABLE, *MATURITY_FIELDS)
    elif name == "COMPARE":
        from graphrisk.history.fields import COMPARE_TABLES  # noqa: PLC0415

        value = {k: _s(k, zh, en, *fields) for k, (zh, en, fields) in COMPARE_TABLES.items()}
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
