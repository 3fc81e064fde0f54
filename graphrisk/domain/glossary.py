"""The domain of graphrisk, declared once.

A *guarantee network* (担保网络) links enterprises (企业), persons (个人) and financial
institutions (金融机构) through shareholdings (持股), executive posts (任职), loans
(贷款) and guarantees (担保).  This module is the single place that names

* the node kinds and relationship types of the property graph, with their direction
  and meaning (the same names are used in networkx and in Neo4j);
* the input tables, their columns, value kinds and Chinese aliases;
* the enumerations (status, roles, loan classification, guarantee types, event
  categories, tags) with their Chinese labels.

Every other module imports names from here; relationship names appear nowhere else.

Direction conventions
---------------------
``(holder)-[:HOLDS_SHARES {share_pct}]->(Enterprise)``
    a shareholder (enterprise, person or institution) holds a percentage of a company.
``(Person)-[:HOLDS_POSITION {role}]->(Enterprise)``
    a person holds a post (法定代表人, 董事 …) in a company.
``(borrower)-[:BORROWED]->(Loan)-[:LENT_BY]->(lender)``
    loans are first-class nodes, so that a guarantee can name the loan it secures.
``(guarantor)-[:GUARANTEES {amount, type, loan_id}]->(borrower)``
    guarantee edges point from guarantor to borrower; default contagion flows the
    other way (a borrower's default calls on its guarantors).

Amounts are in 万元 (10,000 CNY) everywhere, in input and output.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ENTERPRISE", "PERSON", "INSTITUTION", "LOAN", "NODE_KINDS", "ENTITY_KINDS",
    "HOLDS_SHARES", "HOLDS_POSITION", "BORROWED", "LENT_BY", "GUARANTEES",
    "RELATIONSHIPS", "Relationship", "Column", "Table", "TABLES", "TABLE_ORDER",
    "ENUMS", "PATTERNS", "RELATED_RULES", "OWNERSHIP_MODES", "STRATEGIES", "WARNING_LEVELS",
    "STATUS", "INSTITUTION_TYPE", "ROLE", "CLASSIFICATION", "GUARANTEE_TYPE",
    "EVENT_CATEGORY", "TAGS", "NON_PERFORMING", "MANAGEMENT_ROLES", "UNIT",
    "label_zh",
]

UNIT = "万元"

# --------------------------------------------------------------------------- nodes
ENTERPRISE = "Enterprise"
PERSON = "Person"
INSTITUTION = "Institution"
LOAN = "Loan"
NODE_KINDS = (ENTERPRISE, PERSON, INSTITUTION, LOAN)
#: kinds whose ids share one namespace (an id is unique across these three)
ENTITY_KINDS = (ENTERPRISE, PERSON, INSTITUTION)
NODE_KINDS_ZH = {ENTERPRISE: "企业", PERSON: "个人", INSTITUTION: "金融机构", LOAN: "贷款"}

# ------------------------------------------------------------------- relationships
HOLDS_SHARES = "HOLDS_SHARES"
HOLDS_POSITION = "HOLDS_POSITION"
BORROWED = "BORROWED"
LENT_BY = "LENT_BY"
GUARANTEES = "GUARANTEES"


@dataclass(frozen=True)
class Relationship:
    """A relationship type: its name, allowed end kinds, properties and meaning."""

    name: str
    zh: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    properties: tuple[str, ...]
    meaning: str


RELATIONSHIPS: dict[str, Relationship] = {
    r.name: r
    for r in (
        Relationship(HOLDS_SHARES, "持股", ENTITY_KINDS, (ENTERPRISE,), ("share_pct", "as_of"),
                     "the holder owns share_pct % of the company"),
        Relationship(HOLDS_POSITION, "任职", (PERSON,), (ENTERPRISE,), ("role",),
                     "the person holds the post `role` in the company"),
        Relationship(BORROWED, "借款", (ENTERPRISE, PERSON), (LOAN,), (),
                     "the borrower owes the loan"),
        Relationship(LENT_BY, "放款", (LOAN,), (INSTITUTION, ENTERPRISE), (),
                     "the loan was granted by the lender"),
        Relationship(GUARANTEES, "担保", ENTITY_KINDS, (ENTERPRISE, PERSON),
                     ("id", "amount", "type", "loan_id", "start_date", "end_date"),
                     "the guarantor backs the borrower's debt up to amount"),
    )
}

# ---------------------------------------------------------------------- enumerations
#: each enumeration maps its canonical English value to its Chinese label
STATUS = {"normal": "正常", "distressed": "困难", "defaulted": "违约"}
INSTITUTION_TYPE = {"bank": "银行", "microloan": "小贷公司", "guarantee_company": "担保公司",
                    "other": "其他"}
ROLE = {
    "legal_representative": "法定代表人", "chairman": "董事长", "director": "董事",
    "general_manager": "总经理", "cfo": "财务负责人", "supervisor": "监事",
    "actual_controller": "实际控制人",
}
CLASSIFICATION = {"normal": "正常", "special_mention": "关注", "substandard": "次级",
                  "doubtful": "可疑", "loss": "损失"}
GUARANTEE_TYPE = {"joint_several": "连带责任保证", "general": "一般保证", "collateral": "抵押",
                  "pledge": "质押"}
EVENT_CATEGORY = {"operating": "经营风险", "credit": "信用风险", "related": "关联风险",
                  "public_opinion": "舆情风险", "other": "其他"}
TAGS = {
    "overcapacity": "产能过剩", "real_estate": "房地产", "lgfv": "地方政府融资平台",
    "key_project": "重点招商引资项目", "agri_leader": "农业产业化龙头企业",
    "cross_region": "跨区域集团", "private_lending": "民间借贷",
    # 对当地税收、民生等具有重要影响力 (SPEC §8); the label has no 、 since 、 separates tags
    "tax_livelihood": "税收民生重要企业",
}
ENUMS: dict[str, dict[str, str]] = {
    "status": STATUS, "institution_type": INSTITUTION_TYPE, "role": ROLE,
    "classification": CLASSIFICATION, "guarantee_type": GUARANTEE_TYPE,
    "event_category": EVENT_CATEGORY, "tag": TAGS,
}
#: extra accepted spellings (beyond English value and Chinese label)
ENUM_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {"违约": "defaulted", "困难": "distressed", "正常": "normal", "default": "defaulted"},
    "role": {"法人": "legal_representative", "法人代表": "legal_representative",
             "经理": "general_manager", "财务总监": "cfo", "实控人": "actual_controller"},
    "classification": {"关注类": "special_mention", "次级类": "substandard", "可疑类": "doubtful",
                       "损失类": "loss", "正常类": "normal"},
    "guarantee_type": {"保证": "joint_several", "连带保证": "joint_several", "连带": "joint_several",
                       "joint": "joint_several", "一般": "general"},
    "institution_type": {"小额贷款公司": "microloan", "融资担保公司": "guarantee_company"},
    "event_category": {"经营": "operating", "信用": "credit", "关联": "related", "舆情": "public_opinion"},
    "tag": {"地方融资平台": "lgfv", "融资平台": "lgfv", "招商引资": "key_project",
            "龙头企业": "agri_leader", "跨区域": "cross_region",
            "税收民生": "tax_livelihood", "对当地税收民生具有重要影响力": "tax_livelihood"},
}
#: guarantee edge patterns (SPEC §5)
PATTERNS = {"mutual": "互保", "circle": "循环担保", "joint": "联保/多保一", "star": "一保多",
            "chain": "担保链", "single": "单笔担保"}
#: related-party rule codes (SPEC §4)
RELATED_RULES = {"equity": "股权关联", "common_owner": "共同股东", "lending": "资金借贷",
                 "guarantee": "担保关联", "management": "管理关联"}
#: ownership modes (SPEC §3)
OWNERSHIP_MODES = {"passthrough": "穿透(42号公告)", "multiply": "乘积(受益所有人)",
                   "weakest_link": "最弱环节(控制权)"}
#: cutting strategies (SPEC §7)
STRATEGIES = {"replace": "担保置换", "net_mutual": "打包处置互保债务",
              "share_evenly": "平均分摊担保责任", "cap": "部分代偿后免责",
              "break_circle": "破圈(最小反馈边集)"}
#: early-warning levels, lowest first (SPEC §8)
WARNING_LEVELS = {"blue": "蓝", "yellow": "黄", "orange": "橙", "red": "红"}

#: loan classifications that count as non-performing (不良)
NON_PERFORMING = frozenset({"substandard", "doubtful", "loss"})
#: posts that make two enterprises related under the `management` rule of SPEC §4
MANAGEMENT_ROLES = frozenset({"legal_representative", "chairman", "general_manager",
                              "actual_controller"})
#: directors and senior managers (董事、高级管理人员) for the "more than half" test
SENIOR_ROLES = frozenset({"chairman", "director", "general_manager", "cfo",
                          "legal_representative"})


def label_zh(enum: str, value: str) -> str:
    """Chinese label of a canonical enum value (the value itself when unknown).

    >>> label_zh("classification", "substandard")
    '次级'
    """
    return ENUMS[enum].get(value, value)


# ---------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Column:
    """One input column.

    ``kind`` is one of ``id`` (text key), ``text``, ``amount`` (万元, >= 0),
    ``signed_amount`` (万元, may be negative), ``pct`` (0 < x <= 100, ``%`` allowed),
    ``prob`` (0..1), ``int`` (>= 0), ``severity`` (1..4), ``date``, ``enum``,
    ``tags`` (``;``-separated enum values) or ``ref`` (an id of another table).
    """

    name: str
    aliases: tuple[str, ...]
    kind: str
    required: bool = False
    enum: str | None = None
    refs: tuple[str, ...] = ()

    @property
    def zh(self) -> str:
        """Return the first Chinese alias, used as the Chinese header."""
        return self.aliases[0] if self.aliases else self.name

    @property
    def is_code(self) -> bool:
        """Tell whether the cells are ids or codes (``id``, ``ref``, ``enum``, ``tags``).

        Such cells are compared character by character, so an invisible character
        (Unicode category Cc or Cf) in one is an input error; names and descriptions
        (``text``) may hold them.

        >>> TABLES["guarantees"].column("loan_id").is_code, TABLES["events"].column("description").is_code
        (True, False)
        """
        return self.kind in ("id", "ref", "enum", "tags")


@dataclass(frozen=True)
class Table:
    """One input table (``NAME.csv`` or a sheet named ``NAME`` / its Chinese alias)."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    entity_kind: str | None = None  # node kind whose ids this table declares

    @property
    def filename(self) -> str:
        """Return the CSV file name of the table, ``NAME.csv``.

        >>> TABLES["loans"].filename
        'loans.csv'
        """
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        """Return the column called *name* (canonical English name).

        Raises
        ------
        KeyError
            The table has no such column.

        Examples
        --------
        >>> TABLES["loans"].column("balance").zh
        '余额'
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        """Return the names of the required columns, in table order.

        >>> TABLES["persons"].required
        ('id', 'name')
        """
        return tuple(c.name for c in self.columns if c.required)


def _c(name: str, aliases: str | tuple[str, ...], kind: str = "text", required: bool = False,
       enum: str | None = None, refs: tuple[str, ...] = ()) -> Column:
    if isinstance(aliases, str):
        aliases = (aliases,)
    return Column(name, tuple(aliases), kind, required, enum, tuple(refs))


_E, _P, _I, _L = ENTERPRISE, PERSON, INSTITUTION, LOAN

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("enterprises", "企业", (
            _c("id", ("统一社会信用代码", "企业编号", "企业ID", "编号"), "id", True),
            _c("name", ("企业名称", "名称"), "text", True),
            _c("region", ("地区", "所属地区")),
            _c("industry", ("行业", "所属行业")),
            _c("registered_capital", ("注册资本",), "amount"),
            _c("paid_in_capital", ("实收资本",), "amount"),
            _c("net_assets", ("净资产",), "signed_amount"),
            _c("total_assets", ("总资产", "资产总额"), "amount"),
            _c("total_liabilities", ("总负债", "负债总额"), "amount"),
            _c("status", ("状态", "经营状态"), "enum", enum="status"),
            _c("pd", ("违约概率",), "prob"),
            _c("credit_line", ("授信额度", "授信总额"), "amount"),
            _c("tags", ("标签",), "tags", enum="tag"),
        ), ENTERPRISE),
        Table("persons", "个人", (
            _c("id", ("证件号码", "个人编号", "编号"), "id", True),
            _c("name", ("姓名",), "text", True),
        ), PERSON),
        Table("institutions", "金融机构", (
            _c("id", ("机构编号", "机构代码", "编号"), "id", True),
            _c("name", ("机构名称", "名称"), "text", True),
            _c("type", ("类型", "机构类型"), "enum", enum="institution_type"),
        ), INSTITUTION),
        Table("shareholdings", "持股", (
            _c("holder_id", ("股东", "股东编号"), "ref", True, refs=(_E, _P, _I)),
            _c("company_id", ("被投资企业", "企业编号"), "ref", True, refs=(_E,)),
            _c("share_pct", ("持股比例",), "pct", True),
            _c("as_of", ("截至日期", "日期"), "date"),
        )),
        Table("positions", "任职", (
            _c("person_id", ("人员", "个人编号", "人员编号"), "ref", True, refs=(_P,)),
            _c("company_id", ("任职企业", "企业编号"), "ref", True, refs=(_E,)),
            _c("role", ("职务",), "enum", True, enum="role"),
        )),
        Table("loans", "贷款", (
            _c("id", ("借据号",), "id", True),
            _c("borrower_id", ("借款人",), "ref", True, refs=(_E, _P)),
            _c("lender_id", ("贷款人", "贷款机构"), "ref", True, refs=(_I, _E)),
            _c("balance", ("余额", "贷款余额"), "amount", True),
            _c("classification", ("五级分类",), "enum", enum="classification"),
            _c("start_date", ("起始日期", "发放日期"), "date"),
            _c("maturity_date", ("到期日期",), "date"),
            _c("overdue_days", ("逾期天数",), "int"),
            _c("overdue_count", ("逾期次数",), "int"),
            _c("extensions", ("展期/借新还旧次数", "展期次数", "借新还旧次数"), "int"),
        )),
        Table("guarantees", "担保", (
            _c("id", ("担保合同号",), "id", True),
            _c("guarantor_id", ("担保人",), "ref", True, refs=(_E, _P, _I)),
            _c("borrower_id", ("被担保人",), "ref", True, refs=(_E, _P)),
            _c("amount", ("担保金额",), "amount", True),
            _c("loan_id", ("借据号",), "ref", refs=(_L,)),
            _c("type", ("担保方式",), "enum", enum="guarantee_type"),
            _c("start_date", ("起始日期",), "date"),
            _c("end_date", ("到期日期", "终止日期"), "date"),
        )),
        Table("events", "风险事件", (
            # an enterprise or a key person (主要股东、高管失联、外逃、被采取强制措施)
            _c("enterprise_id", ("企业编号", "企业"), "ref", True, refs=(_E, _P)),
            _c("date", ("日期", "发生日期"), "date", True),
            _c("category", ("类别",), "enum", True, enum="event_category"),
            _c("severity", ("严重程度",), "severity"),
            _c("description", ("描述",), "text"),
        )),
    )
}
#: loading order: entity tables first, then tables that refer to them
TABLE_ORDER = ("enterprises", "persons", "institutions", "shareholdings", "positions",
               "loans", "guarantees", "events")
