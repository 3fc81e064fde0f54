import json

from graphrisk.report.formats import csv_text, display_width, text_table, to_json


def test_display_width_counts_cjk_double():
    assert display_width("abc") == 3
    assert display_width("担保圈") == 6


def test_text_table_aligns_chinese():
    out = text_table(["名称", "金额"], [["甲公司", 1.0], ["AB", 1234.5]]).splitlines()
    assert display_width(out[2]) == display_width(out[3])
    assert out[3].endswith("1,234.50")


def test_text_table_limit():
    out = text_table(["a"], [[i] for i in range(10)], limit=3)
    assert "7 more rows" in out


def test_json_nan_is_null_and_chinese_readable():
    s = to_json({"x": float("nan"), "名": "甲"})
    assert json.loads(s) == {"x": None, "名": "甲"}
    assert "甲" in s


def test_csv_lists_joined():
    assert csv_text(["a", "b"], [[["x", "y"], None]]) == "a,b\nx;y,\n"
