"""``graphrisk watchlist``: formats, options, errors, and the demo in its three forms."""

from __future__ import annotations

import csv
import io
import json

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, run


def test_json_keys(small):
    r = run("watchlist", small, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert set(data) >= {"enterprises", "counts", "parameters"}
    ids = {e["id"]: e for e in data["enterprises"]}
    # E3 defaulted; E2 distressed with a substandard loan; E1 guaranteed by E2 (troubled)
    assert ids["E3"]["level"] == "red" and ids["E2"]["level"] == "orange"
    for e in data["enterprises"]:
        assert set(e) >= {"id", "name", "key", "criteria", "signals", "level", "reasons",
                          "exposure"}
    assert data["counts"]["red"] == 1


def test_table_and_level_filter(small):
    r = run("watchlist", small)
    assert r.exit_code == 0, r.output
    assert "red 红" in r.stdout and "丙公司" in r.stdout and "预警原因" in r.stdout
    r = run("watchlist", small, "--level", "red", "--format", "json")
    assert [e["level"] for e in json.loads(r.stdout)["enterprises"]] == ["red"]


def test_all_lists_every_enterprise(small):
    data = json.loads(run("watchlist", small, "--all", "--format", "json").stdout)
    assert len(data["enterprises"]) == 4
    assert {e["level"] for e in data["enterprises"]} >= {"red"}


def test_csv_file_with_bom(small, tmp_path):
    out = tmp_path / "wl.csv"
    r = run("watchlist", small, "--format", "csv", "-o", out)
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["level 预警等级", "id 企业编号", "name 企业名称"]  # report.fields.WATCHLIST
    assert "reasons (English) 预警原因(英文)" in rows[0]
    assert rows[1][1] == "E3" and "status is defaulted" in rows[1][rows[0].index("reasons (English) 预警原因(英文)")]


def test_xlsx_with_chinese_headers(small, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "sub" / "wl.xlsx"
    r = run("watchlist", small, "--format", "xlsx", "-o", out)
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    # the four tables, then the workbook's 说明 sheet (graphrisk.report.xlsx)
    assert wb.sheetnames == ["预警名单", "风险信号", "入选标准", "预警规则", "说明"]
    ws = wb["预警名单"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["预警等级", "等级代码", "企业编号", "企业名称"]
    first = [c.value for c in ws[2]]
    assert first[0] == "红" and first[2] == "E3" and "企业状态为违约" in first[9]
    assert ws.cell(2, 1).fill.fgColor.rgb.endswith("F4B6B6")
    signals = list(wb["风险信号"].iter_rows(values_only=True))
    assert ("E3", "丙公司", "status_defaulted") in {row[:3] for row in signals}
    assert not list(tmp_path.glob("sub/*.partial"))


def test_xlsx_needs_output(small):
    r = run("watchlist", small, "--format", "xlsx")
    assert r.exit_code == 2 and "needs -o" in r.output


def test_bad_parameter_is_a_clean_error(small):
    r = run("watchlist", small, "--recovery", "2")
    assert r.exit_code == 1 and "recovery" in r.output and "Traceback" not in r.output
    r = run("watchlist", small, "--top-n", "-1")
    assert r.exit_code == 1 and "top_n" in r.output


def test_broken_dataset_is_a_clean_error(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\n",
                        events="enterprise_id,date,category\nE9,2025-01-01,credit\n")
    r = run("watchlist", path)
    assert r.exit_code == 1 and "events.csv:2" in r.output and "Traceback" not in r.output


def test_options_change_the_list(small):
    base = json.loads(run("watchlist", small, "--format", "json").stdout)
    top = json.loads(run("watchlist", small, "--format", "json", "--top-n", "0",
                         "--no-related").stdout)
    # E1 and E2 guarantee each other: key as a mutual pair (涉及互联互保) until --no-circles
    assert base["counts"]["key"] > top["counts"]["key"] == 2
    none = json.loads(run("watchlist", small, "--format", "json", "--top-n", "0",
                          "--no-related", "--no-circles").stdout)
    assert none["counts"]["key"] == 0
    line = json.loads(run("watchlist", small, "--format", "json", "--credit-basis", "line").stdout)
    assert {e["credit_source"] for e in line["enterprises"]} <= {"credit_line", "used"}
    only = json.loads(run("watchlist", small, "--format", "json", "--key-only").stdout)
    assert all(e["key"] for e in only["enterprises"]) and only["enterprises"]


def test_demo_end_to_end_in_three_forms(tmp_path):
    r = run("watchlist", DEMO, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert all(data["counts"][k] > 0 for k in ("red", "orange", "yellow", "blue"))
    levels = [e["level"] for e in data["enterprises"]]
    order = ("blue", "yellow", "orange", "red")
    assert [order.index(x) for x in levels] == sorted((order.index(x) for x in levels),
                                                      reverse=True)
    assert all(e["reasons"] and (e["key"] or e["signals"]) for e in data["enterprises"])
    for other in (DEMO_XLSX, DEMO_GBK):
        if other.exists():
            got = json.loads(run("watchlist", other, "--format", "json").stdout)
            assert got["enterprises"] == data["enterprises"]
    r = run("watchlist", DEMO, "--format", "xlsx", "-o", tmp_path / "demo.xlsx")
    assert r.exit_code == 0 and (tmp_path / "demo.xlsx").exists()
    r = run("watchlist", DEMO, "--level", "orange")
    assert r.exit_code == 0 and "青山玻璃制品有限公司" in r.stdout


DEMO_PREV = DEMO.parent / "demo-2025-12-31"


def test_previous_adds_the_signals_over_time(tmp_path):
    """``watchlist CUR --previous PREV``: the demo against its previous quarter (L039 of
    青山水泥 关注 → 次级, L034 of 青山置业 正常 → 关注 1,200 万元)."""
    plain = json.loads(run("watchlist", DEMO, "--format", "json").stdout)
    r = run("watchlist", DEMO, "--previous", DEMO_PREV, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["previous"]["as_of"] == "2025-12-31" and "previous" not in plain
    cement = next(e for e in data["enterprises"] if e["name"] == "青山水泥有限公司")
    assert ("orange", "新增不良贷款 1 笔，余额 1,200.00 万元：L039 次级 1,200.00 万元（上期关注）") in {
        (x["level"], x["zh"]) for x in cement["reasons"]}
    assert data["counts"] == plain["counts"]
    r = run("watchlist", DEMO, "--previous", DEMO_PREV, "--new-special-mention", "1500",
            "--format", "json")
    estate = next(e for e in json.loads(r.stdout)["enterprises"] if e["name"] == "青山置业有限公司")
    assert "new_special_mention" not in {s["code"] for s in estate["signals"]}  # 1,200 < 1,500
    r = run("watchlist", DEMO, "--previous", DEMO_PREV)
    assert "compared with" in r.stdout and "10 enterprises with signals over time" in r.stdout
    out = tmp_path / "wl.xlsx"
    assert run("watchlist", DEMO, "--previous", DEMO_PREV, "--format", "xlsx",
               "-o", out).exit_code == 0
    from openpyxl import load_workbook

    kinds = {row[5] for row in load_workbook(out)["风险信号"].iter_rows(min_row=2, values_only=True)}
    assert kinds == {"自身", "网络", "跨期变化"}


def test_previous_errors(small):
    r = run("watchlist", small, "--previous", "2025-12-31")
    assert r.exit_code == 1 and "snapshot" in r.output and "Traceback" not in r.output
    r = run("watchlist", DEMO_PREV, "--previous", DEMO)
    assert r.exit_code == 1 and "later than the current" in r.output
