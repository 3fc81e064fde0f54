"""The report across periods (graphrisk.report.sections_time): 本期变化, trends, maturities.

The demo county's three quarter-end books (datasets/README.md, "Three periods"):
between 2025-12-31 and 2026-03-31 青山纸业 and 青山包装 enter the list (their new mutual
guarantee G004 closes circle C003), 青山食品 leaves it, L039 (水泥) and L034 (置业) are
downgraded, and the NPL ratio rises from 4.88 % to 6.45 %.
"""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.report.build import build_report
from graphrisk.report.sections_time import period_figures
from tests.conftest import DEMO, run

Q3, Q4 = DEMO.parent / "demo-2025-09-30", DEMO.parent / "demo-2025-12-31"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = tmp_path_factory.mktemp("periods") / "qingshan.store"
    for src in (Q3, Q4, DEMO):
        assert run("ingest", src, "-o", s).exit_code == 0
    return s


@pytest.fixture(scope="module")
def with_previous(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "out"
    r = run("report", DEMO, "-o", out, "-q", "--runs", "100", "--previous", Q4)
    assert r.exit_code == 0, r.output
    return out


def _section(html: str, key: str) -> str:
    m = re.search(rf'<section class="card[^"]*" id="{key}">(.*?)</section>', html, re.S)
    assert m, key
    return m.group(1)


def test_changes_section_lists_entered_and_exited_first(with_previous):
    html = (with_previous / "index.html").read_text(encoding="utf-8")
    part = _section(html, "changes")
    assert "本期变化" in part and "上期 2025-12-31" in part and "本期 2026-03-31" in part
    table = part[part.index("名单变化"):]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:4]
    texts = [re.sub(r"<[^>]+>", " ", r) for r in rows]
    assert "新进入名单" in texts[0] and "青山纸业有限公司" in texts[0]
    assert "新进入名单" in texts[1] and "青山包装有限公司" in texts[1]
    assert "退出名单" in texts[2] and "青山食品有限公司" in texts[2]
    assert "4.88% → 6.45%" in part
    assert "L039" in part and "L034" in part  # the two downgrades
    # the section comes right after the overview
    keys = re.findall(r'<section class="card[^"]*" id="([a-z_]+)"', html)
    assert keys[:3] == ["summary", "changes", "circles"]


def test_changes_go_to_the_json_and_the_workbook(with_previous):
    doc = json.loads((with_previous / "json" / "changes.json").read_text(encoding="utf-8"))
    assert doc["summary"]["watchlist"]["entered"] == 2 and doc["summary"]["watchlist"]["exited"] == 1
    assert doc["summary"]["npl_ratio_before"] == pytest.approx(3900 / 79930.5)
    wb = load_workbook(with_previous / "report.xlsx", read_only=True)
    titles = [ws.title for ws in wb.worksheets]
    wb.close()
    assert any("名单变化" in t for t in titles) and any("到期" in t for t in titles)


def test_maturity_ledger_in_the_report(with_previous):
    """到期前30天: L056 (包装, due 2026-04-15) and L024 (服装, due 2026-04-24) at 2026-03-31."""
    part = _section((with_previous / "index.html").read_text(encoding="utf-8"), "maturities")
    assert "2026-03-31 至 2026-04-30 到期" in part
    assert part.index("L056") < part.index("L024")
    assert "青山纸业有限公司" in part  # L056's guarantor through G003


def test_no_previous_no_changes_section_and_undated_no_ledger(tmp_path, make_dataset):
    out = tmp_path / "plain"
    assert run("report", DEMO, "-o", out, "-q", "--runs", "50").exit_code == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="changes"' not in html and 'id="maturities"' in html
    plain = make_dataset(enterprises="id,name\nE1,甲")
    out2 = tmp_path / "undated"
    assert run("report", plain, "-o", out2, "-q", "--runs", "10").exit_code == 0
    assert 'id="maturities"' not in (out2 / "index.html").read_text(encoding="utf-8")


def test_a_store_of_three_periods_draws_the_trends(store, tmp_path):
    out = tmp_path / "trend"
    r = run("report", store, "-o", out, "-q", "--runs", "100")
    assert r.exit_code == 0, r.output
    part = _section((out / "index.html").read_text(encoding="utf-8"), "changes")
    assert part.count('class="chart trend"') == 4
    doc = json.loads((out / "json" / "changes.json").read_text(encoding="utf-8"))
    trend = doc["trend"]
    assert [f["as_of"] for f in trend] == ["2025-09-30", "2025-12-31", "2026-03-31"]
    # the NPL ratios and circle loan totals of datasets/README.md's period table
    assert [round(f["npl_ratio"], 4) for f in trend] == [0.0389, 0.0488, 0.0645]
    assert [f["circle_loan_total"] for f in trend] == [27700.0, 25000.0, 22950.0]
    assert [(f["red"], f["orange"]) for f in trend] == [(2, 8), (3, 7), (5, 7)]
    # the previous period of a store is the one before; --no-previous leaves it out
    assert doc["previous"]["as_of"] == "2025-12-31"
    out2 = tmp_path / "none"
    assert run("report", store, "-o", out2, "-q", "--runs", "50", "--no-previous").exit_code == 0
    assert 'id="changes"' not in (out2 / "index.html").read_text(encoding="utf-8")


def test_previous_as_a_date_names_a_period_of_the_store(store, tmp_path):
    out = tmp_path / "q3"
    r = run("report", store, "-o", out, "-q", "--runs", "50", "--previous", "2025-09-30")
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "json" / "changes.json").read_text(encoding="utf-8"))
    assert doc["previous"]["as_of"] == "2025-09-30" and "trend" not in doc
    r = run("report", DEMO, "-o", tmp_path / "bad", "-q", "--previous", "2025-09-30")
    assert r.exit_code != 0 and "not one" in r.output


def test_period_figures_of_the_demo():
    f = period_figures(build_network(load_dataset(DEMO)), runs=100, seed=1)
    assert (f["as_of"], f["red"], f["orange"]) == ("2026-03-31", 5, 7)
    assert f["npl_ratio"] == pytest.approx(5100 / 79080.5)


def test_build_report_takes_a_previous_dataset(tmp_path):
    res = build_report(load_dataset(DEMO), tmp_path / "r", previous=load_dataset(Q4))
    assert res.sections["changes"] and res.sections["maturities"]
