"""Warning levels (SPEC §8): every rule of the level table, its thresholds as
parameters, overrides, reasons and the per-enterprise maximum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk.errors import ParameterError
from graphrisk.params import WarningParams
from graphrisk.watch.levels import (
    LEVELS,
    describe,
    enterprise_levels,
    level_rank,
    level_rules,
    signal_levels,
)
from graphrisk.watch.signals import SIGNALS


def levels_of(rows, params=None) -> list[str]:
    f = pd.DataFrame(rows, columns=["code", "value"])
    return [LEVELS[i] for i in signal_levels(f, params=params)]


@pytest.mark.parametrize("code,value,level", [
    ("status_defaulted", 1, "red"),
    ("status_distressed", 1, "orange"),
    ("loan_loss", 10, "red"),
    ("loan_doubtful", 10, "red"),
    ("loan_substandard", 10, "orange"),
    ("loan_special_mention", 10, "yellow"),
    ("overdue_days", 91, "red"),
    ("overdue_days", 90, "orange"),
    ("overdue_days", 31, "orange"),
    ("overdue_days", 30, "yellow"),
    ("overdue_days", 11, "yellow"),
    ("overdue_days", 10, "blue"),
    ("overdue_days", 1, "blue"),
    ("overdue_count", 3, "yellow"),
    ("overdue_count", 2, "blue"),
    ("overdue_count", 1, "blue"),
    ("extensions", 2, "yellow"),
    ("extensions", 1, "blue"),
    ("negative_equity", 50, "orange"),
    ("high_leverage", 85, "yellow"),
    ("many_lenders", 3, "yellow"),
    ("related_person_event", 4, "red"),
    ("related_person_event", 3, "orange"),
    ("related_person_event", 2, "yellow"),
    ("related_person_event", 1, "blue"),
    ("event_credit", 4, "red"),
    ("event_operating", 3, "orange"),
    ("event_public_opinion", 2, "yellow"),
    ("event_other", 1, "blue"),
    ("event_related", 4, "red"),
    ("guarantee_calls", 1000, "orange"),
    ("guarantee_calls", 999.99, "yellow"),
    ("cascade_default", 1, "red"),
    ("guarantor_defaulted", 5, "orange"),
    ("guarantor_troubled", 5, "yellow"),
    ("borrower_defaulted", 5, "orange"),
    ("borrower_troubled", 5, "yellow"),
    ("related_defaulted", 1, "orange"),
    ("related_troubled", 1, "yellow"),
    ("circle_npl", 1, "orange"),
    ("circle_member", 3, "yellow"),
])
def test_default_rule_table(code, value, level):
    assert levels_of([(code, value)]) == [level]


def test_every_signal_has_a_rule():
    f = pd.DataFrame({"code": list(SIGNALS), "value": 1.0})
    assert (signal_levels(f) > 0).all()
    assert [r["code"] for r in level_rules()] == list(SIGNALS)


def test_thresholds_are_parameters():
    p = WarningParams(overdue_red_days=60, overdue_orange_days=10, interest_overdue_days=5,
                      overdue_count=3, extensions=3, call_orange=500)
    assert levels_of([("overdue_days", 61), ("overdue_days", 60), ("overdue_days", 10),
                      ("overdue_days", 6), ("overdue_days", 5),
                      ("overdue_count", 3), ("overdue_count", 4), ("extensions", 2),
                      ("extensions", 3), ("guarantee_calls", 500)], p) == \
        ["red", "orange", "yellow", "yellow", "blue", "blue", "yellow", "blue", "yellow",
         "orange"]
    p = WarningParams(severity_levels=("none", "blue", "yellow", "red"))
    assert levels_of([("event_credit", s) for s in (1, 2, 3, 4)], p) == \
        ["none", "blue", "yellow", "red"]


def test_overdue_payments_more_than_two():
    """"逾期次数超过2次" (修水 warning rules; SPEC §8: overdue payments *more than* 2) is 3
    or more: 2 overdue payments no longer give the yellow signal, 3 do."""
    assert levels_of([("overdue_count", 2), ("overdue_count", 3)]) == ["blue", "yellow"]
    assert WarningParams().overdue_count == 2  # "超过2次": the count must exceed it
    rule = {r["code"]: r["levels"] for r in level_rules()}["overdue_count"]
    assert rule == "yellow if > 2; blue otherwise"


def test_extensions_two_or_more():
    """"办理2次及以上展期、重新约期或借新还旧" (SPEC §8: 2 or more extensions or
    refinancings) is 2 or more: a single extension is not yet the yellow signal."""
    assert levels_of([("extensions", 1), ("extensions", 2), ("extensions", 5)]) == \
        ["blue", "yellow", "yellow"]
    rule = {r["code"]: r["levels"] for r in level_rules()}["extensions"]
    assert rule == "yellow if >= 2; blue otherwise"


def test_interest_overdue_more_than_ten_days():
    """瑞金 贷后管理: "支付利息超过10个自然日" — SPEC §8: "interest more than 10 days late
    is a first signal".  10 days is not yet yellow, 11 is; 31 stays orange, 91 red; the
    10 is ``WarningParams.interest_overdue_days``."""
    days = [("overdue_days", d) for d in (1, 10, 11, 30, 31, 90, 91)]
    assert levels_of(days) == ["blue", "blue", "yellow", "yellow", "orange", "orange", "red"]
    assert levels_of(days, WarningParams(interest_overdue_days=0)) == \
        ["yellow", "yellow", "yellow", "yellow", "orange", "orange", "red"]
    rule = {r["code"]: r["levels"] for r in level_rules()}["overdue_days"]
    assert rule == "red if > 90 days; orange if > 30 days; yellow if > 10 days; blue otherwise"
    with pytest.raises(ParameterError):
        WarningParams(interest_overdue_days=40)  # above the orange line


def test_balance_sheet_and_lender_rules():
    """Issue 14 item 7: "资不抵债 (net assets < 0, or liabilities > assets): orange; high
    leverage (资产负债率 above a parameter): yellow; many lenders (多头授信: >= a parameter
    of lenders): yellow".  The thresholds are applied when the signal is found
    (:func:`own_signals`), so the rule table names them."""
    assert levels_of([("negative_equity", 0.5), ("high_leverage", 80.1),
                      ("many_lenders", 3)]) == ["orange", "yellow", "yellow"]
    rules = {r["code"]: r["levels"] for r in level_rules(
        params=WarningParams(leverage_yellow=0.9, lenders_yellow=4))}
    assert rules["negative_equity"] == "orange"
    assert rules["high_leverage"] == "yellow if the debt ratio is > 90 %"
    assert rules["many_lenders"] == "yellow if >= 4 lending institutions"


def test_key_person_event_at_its_severity():
    """Issue 14 item 8: a person event raises ``related_person_event`` "at the event's
    severity" — the same severity table as the firm's own events."""
    p = WarningParams(severity_levels=("none", "blue", "yellow", "red"))
    assert levels_of([("related_person_event", s) for s in (1, 2, 3, 4)], p) == \
        ["none", "blue", "yellow", "red"]
    rule = {r["code"]: r["levels"] for r in level_rules()}["related_person_event"]
    assert rule == "severity 1: blue; severity 2: yellow; severity 3: orange; severity 4: red"


def test_overrides():
    p = WarningParams(levels={"circle_member": "blue", "status_distressed": "red",
                              "overdue_days": "none"})
    assert levels_of([("circle_member", 9), ("status_distressed", 1), ("overdue_days", 200)],
                     p) == ["blue", "red", "none"]
    rules = {r["code"]: r["levels"] for r in level_rules(params=p)}
    assert rules["circle_member"] == "blue (override)"
    assert rules["overdue_days"] == "none (override)"


def test_bad_parameters():
    with pytest.raises(ParameterError):
        WarningParams(levels={"circle_member": "purple"})
    with pytest.raises(ParameterError):
        WarningParams(overdue_orange_days=100, overdue_red_days=90)
    with pytest.raises(ParameterError):
        WarningParams(severity_levels=("blue", "red"))
    with pytest.raises(ParameterError):
        WarningParams(recovery=1.5)
    with pytest.raises(ParameterError):
        WarningParams(missing_severity=0)


def test_enterprise_level_is_the_highest_signal():
    pos = np.array([0, 0, 0, 2, 3])
    lv = np.array([2, 4, 3, 1, 0])
    key = np.array([False, False, False, True, True])
    out = enterprise_levels(pos, lv, 5, key)
    # 0: max(yellow, red, orange); 1: nothing; 2: blue; 3: key without signal: blue;
    # 4: key without any signal row: blue
    assert out.tolist() == [4, 0, 1, 1, 1]
    assert enterprise_levels(np.array([], dtype=int), np.array([], dtype=int), 2).tolist() == [0, 0]
    assert level_rank("red") == 4 and level_rank("none") == 0 and LEVELS[1] == "blue"


def test_reasons_name_signal_and_figure():
    names = {"E1": "甲公司", "E2": "乙公司"}
    zh, en = describe("loan_substandard", 1200.0, 2, {"loans": ["L1", "L2"]})
    assert zh == "次级类贷款 2 笔，余额 1,200.00 万元（L1、L2）"
    assert en == "2 substandard loans, balance 1,200.00 万元 (L1, L2)"
    zh, en = describe("event_credit", 4, 3, {"date": "2025-01-02", "description": "账户冻结"})
    assert zh == "信用风险事件（严重程度 4，2025-01-02）：账户冻结，共 3 起"
    assert en == "credit risk event (severity 4, 2025-01-02): 账户冻结; 3 events"
    zh, en = describe("related_defaulted", 2, 2, {"ids": ["E1", "E2"],
                                                  "rules": [["equity"], ["management"]]}, names)
    assert zh == "关联方违约：甲公司、乙公司（股权关联、管理关联）"
    assert en == "related party defaulted: 甲公司, 乙公司 (equity, management)"
    zh, _ = describe("guarantee_calls", 1500, 1, {"source": "cascade"})
    assert zh == "承担担保代偿 1,500.00 万元（违约传染测算）"
    zh, _ = describe("circle_npl", 1, 1, {"circle": "C002", "ids": ["E2"]}, names)
    assert zh == "所在担保圈 C002 有 1 家违约或不良成员：乙公司"
    zh, en = describe("cascade_default", 2, 1, {})
    assert "第 2 轮" in zh and "round 2" in en
    assert describe("status_distressed", 1, 1, {"status": "distressed"}) == \
        ("企业状态为困难", "status is distressed")
    # an unknown id is shown as it is
    assert "E9" in describe("guarantor_defaulted", 5, 1, {"ids": ["E9"]}, names)[0]


def test_reasons_of_the_new_signals():
    names = {"P1": "马超", "P2": "李四", "B1": "青山银行", "B2": "农商银行", "B3": "村镇银行"}
    zh, en = describe("negative_equity", 350, 1, {"net_assets": -350.0, "total_assets": 1300.0,
                                                  "total_liabilities": 1650.0})
    assert zh == "资不抵债，缺口 350.00 万元（净资产 -350.00 万元，总资产 1,300.00 万元，" \
                 "总负债 1,650.00 万元）"
    assert en == "negative equity, deficit 350.00 万元 (net assets -350.00 万元, total assets " \
                 "1,300.00 万元, total liabilities 1,650.00 万元)"
    zh, en = describe("high_leverage", 91.0714, 1, {"total_assets": 28000.0,
                                                    "total_liabilities": 25500.0})
    assert zh == "资产负债率 91.07%（总资产 28,000.00 万元，总负债 25,500.00 万元）"
    assert en.startswith("debt ratio 91.07 % (total assets 28,000.00 万元")
    zh, en = describe("many_lenders", 3, 3, {"ids": ["B1", "B2", "B3"]}, names)
    assert zh == "多头授信：3 家贷款机构（青山银行、农商银行、村镇银行）"
    assert en == "many lenders: 3 lending institutions (青山银行, 农商银行, 村镇银行)"
    # the role is in the reason (issue 14 item 8), and the other persons concerned
    detail = {"person": "P1", "roles": ["actual_controller", "shareholder"], "date": "2025-09-02",
              "category": "related", "description": "失联", "severity": 4,
              "persons": [{"id": "P1", "roles": ["actual_controller", "shareholder"],
                           "share_pct": 70.0},
                          {"id": "P2", "roles": ["cfo"]}]}
    zh, en = describe("related_person_event", 4, 3, detail, names)
    assert zh == "关键人员马超（实际控制人、持股 70.00%）的风险事件（关联风险，严重程度 4，" \
                 "2025-09-02）：失联；另涉及李四（财务负责人）；共 3 起"
    assert en == "risk event of key person 马超 (actual controller, holder of 70.00 %) " \
                 "(related risk, severity 4, 2025-09-02): 失联; also 李四 (CFO); 3 events"


def test_every_code_has_a_reason():
    for code in SIGNALS:
        zh, en = describe(code, 1, 1, {})
        assert zh and en
