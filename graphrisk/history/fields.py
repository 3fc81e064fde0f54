"""The tables of a comparison (本期变化), each field declared once, as data.

``COMPARE_TABLES`` maps a table key to its Chinese and English titles and its fields
``(key, 中文, English, kind)`` — the arguments of
:class:`graphrisk.report.tables.Column`, whose kinds give the units (an ``amount`` is
in 万元).  ``history`` sits below ``report``, so the schemas are declared here as plain
tuples and wrapped into :class:`graphrisk.report.fields.Schema` objects by the views
(the command line, the report), never typed again.

>>> zh, en, fields = COMPARE_TABLES["compare_watchlist"]
>>> zh, [f[0] for f in fields][:4]
('名单变化（新进入、退出、等级变化）', ['change', 'id', 'name', 'from'])
"""

from __future__ import annotations

__all__ = ["COMPARE_TABLES", "WATCH_CHANGES", "LOAN_CHANGES"]

_Field = tuple[str, ...]

#: change code → label of a row of ``compare_watchlist`` (entered/exited first)
WATCH_CHANGES = {"entered": "新进入名单", "exited": "退出名单", "level_up": "等级上升",
                 "level_down": "等级下降", "key_entered": "新列入重点企业",
                 "key_exited": "移出重点企业"}
#: change code → label of a row of ``compare_loans``
LOAN_CHANGES = {"downgrade": "向下迁徙", "upgrade": "向上迁徙", "new_npl": "新增不良"}

_BOOK = (("balance", "贷款余额", "balance"), ("npl_balance", "不良余额", "non-performing"),
         ("guaranteed", "有担保金额", "guaranteed"), ("in_groups", "担保群内余额", "in groups"),
         ("in_circles", "担保圈内余额", "in circles"))

#: table key → (中文 title, English title, fields)
COMPARE_TABLES: dict[str, tuple[str, str, tuple[_Field, ...]]] = {
    "compare_watchlist": ("名单变化（新进入、退出、等级变化）", "Watchlist changes", (
        ("change", "变化", "change"), ("id", "企业编号", "id"), ("name", "企业名称", "name"),
        ("from", "上期等级", "from", "level"), ("to", "本期等级", "to", "level"),
        ("key", "重点企业", "key", "bool"), ("exposure", "风险敞口", "exposure", "amount"),
        ("reasons_added", "新增原因", "reasons added", "list"),
        ("reasons_removed", "消失原因", "reasons gone", "list"))),
    "compare_key": ("重点企业名单变化", "Key-enterprise list changes", (
        ("change", "变化", "change"), ("id", "企业编号", "id"), ("name", "企业名称", "name"),
        ("level", "预警等级", "level", "level"), ("criteria", "入选标准", "criteria", "list"))),
    "compare_migration": ("五级分类迁徙矩阵（笔数/余额）", "Classification migration (loans/balance)", (
        ("from", "上期分类", "from"), ("normal", "正常", "normal"),
        ("special_mention", "关注", "special mention"), ("substandard", "次级", "substandard"),
        ("doubtful", "可疑", "doubtful"), ("loss", "损失", "loss"),
        ("repaid", "已结清", "repaid"), ("total", "合计", "total"))),
    "compare_loans": ("贷款分类变化", "Loans that moved", (
        ("change", "变化", "change"), ("id", "借据号", "loan"),
        ("borrower_id", "借款人编号", "borrower id"), ("name", "借款人", "borrower"),
        ("lender", "贷款人", "lender"), ("from", "上期分类", "from"), ("to", "本期分类", "to"),
        ("balance", "本期余额", "balance", "amount"),
        ("previous_balance", "上期余额", "previous balance", "amount"))),
    "compare_special_mention": ("新增关注类贷款", "New special-mention loans", (
        ("borrower_id", "借款人编号", "borrower id"), ("lender_id", "贷款人编号", "lender id"),
        ("name", "名称", "name"), ("region", "地区", "region"),
        ("balance", "新增关注类余额", "new special mention", "amount"),
        ("loans", "笔数", "loans", "int"))),
    "compare_structures": ("担保圈/担保群变化", "Circle and group changes", (
        ("change", "变化", "change"), ("previous_ids", "上期编号", "previous", "list"),
        ("current_ids", "本期编号", "current", "list"),
        ("size_before", "上期成员数", "size before", "int"),
        ("size_after", "本期成员数", "size after", "int"),
        ("members", "成员", "members", "list"), ("joined", "新加入", "joined", "list"),
        ("left", "退出", "left", "list"),
        ("loan_total_before", "上期贷款余额", "loans before", "amount"),
        ("loan_total_after", "本期贷款余额", "loans after", "amount"),
        ("overlap", "成员重合度", "overlap", "pct"))),
    "compare_exposure": ("各贷款人担保网络敞口变化", "Lender books through the network", (
        ("lender_id", "贷款人编号", "lender id"), ("name", "贷款人", "lender"),
        ("type", "类型", "type"),
        *((f"{k}_{w}", f"{zh}({wz})", f"{en} {w}", "amount") for k, zh, en in _BOOK
          for w, wz in (("before", "上期"), ("after", "本期"))))),
    "compare_npl": ("不良率排名（上期/本期）", "NPL ratio ranking (before/after)", (
        ("lender_id", "贷款人编号", "lender id"), ("region", "地区", "region"),
        ("name", "名称", "name"), ("rank_after", "本期排名", "rank", "int"),
        ("rank_before", "上期排名", "rank before", "int"),
        ("npl_ratio_after", "本期不良率", "NPL ratio", "pct"),
        ("npl_ratio_before", "上期不良率", "NPL ratio before", "pct"),
        ("npl_ratio_change", "不良率变化", "change", "pct"),
        ("npl_balance_after", "本期不良余额", "NPL", "amount"),
        ("npl_balance_before", "上期不良余额", "NPL before", "amount"),
        ("balance_after", "本期贷款余额", "balance", "amount"),
        ("balance_before", "上期贷款余额", "balance before", "amount"))),
}
