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
    ("overdue_days", 1, "yellow"),
    ("overdue_count", 2, "yellow"),
    ("overdue_count", 1, "blue"),
    ("extensions", 1, "yellow"),
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
    p = WarningParams(overdue_red_days=60, overdue_orange_days=10, overdue_count=3,
                      extensions=2, call_orange=500)
    assert levels_of([("overdue_days", 61), ("overdue_days", 60), ("overdue_days", 10),
                      ("overdue_count", 2), ("overdue_count", 3), ("extensions", 1),
                      ("extensions", 2), ("guarantee_calls", 500)], p) == \
        ["red", "orange", "yellow", "blue", "yellow", "blue", "yellow", "orange"]
    p = WarningParams(severity_levels=("none", "blue", "yellow", "red"))
    assert levels_of([("event_credit", s) for s in (1, 2, 3, 4)], p) == \
        ["none", "blue", "yellow", "red"]


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


def test_every_code_has_a_reason():
    for code in SIGNALS:
        zh, en = describe(code, 1, 1, {})
        assert zh and en
