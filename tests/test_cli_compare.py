"""``graphrisk compare``: two datasets, two periods of a store, or a store's last two.

Issue #16: "graphrisk compare PREV CUR (two datasets or two periods of a store)
reports, with JSON keys fixed in the docs …"; docs/periods.md: "PREV is a dataset, a
store period STORE@DATE, or a bare date naming a period of CUR's store; each period is
analysed at its own date."
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from graphrisk.io.store import ingest

from .conftest import DEMO, REPO, run, run_json

DEMO_Q3 = REPO / "datasets" / "demo-2025-09-30"
DEMO_Q4 = REPO / "datasets" / "demo-2025-12-31"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The three demo quarters ingested into one snapshot store."""
    out = tmp_path_factory.mktemp("store") / "qingshan.store"
    for period in (DEMO_Q3, DEMO_Q4, DEMO):
        ingest(period, out)
    return out


@pytest.fixture(scope="module")
def doc():
    return run_json("compare", DEMO_Q4, DEMO)


def test_json_document(doc):
    assert list(doc)[:8] == ["previous", "current", "watchlist", "loans", "circles", "groups",
                             "banks", "summary"]
    assert (doc["previous"]["as_of"], doc["current"]["as_of"]) == ("2025-12-31", "2026-03-31")
    assert set(doc["watchlist"]) >= {"entered", "exited", "level_changed", "key_entered",
                                     "key_exited"}
    assert set(doc["loans"]) >= {"migration", "new", "repaid", "downgrades", "upgrades",
                                 "new_npl", "new_special_mention"}
    assert set(doc["banks"]) == {"exposure", "npl_by_lender", "npl_by_region"}
    assert doc["summary"]["loans"]["downgrades"] == 2


def test_table_lists_entered_and_exited_first(tmp_path):
    r = run("compare", DEMO_Q4, DEMO)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("2025-12-31 → 2026-03-31 青山县")
    assert "新进入 entered 2 · 退出 exited 1" in out and "不良率 NPL ratio: 4.88% → 6.45%" in out
    order = [out.index(t) for t in ("名单变化 watchlist changes", "五级分类迁徙矩阵", "向下迁徙 downgrades\n",
                                    "担保圈变化", "各贷款人担保网络敞口", "不良率排名 NPL ratio per region")]
    assert order == sorted(order)
    table = out[out.index("名单变化 watchlist changes"):out.index("重点企业名单变化")]
    rows = table.split("\n", 2)[2]  # below the title and the header
    assert rows.index("新进入名单") < rows.index("退出名单") < rows.index("等级上升")
    assert "青山食品有限公司" in rows and "change 变化" in table and "reasons gone 消失原因" in table


def test_csv_is_the_list_changes(tmp_path):
    out = tmp_path / "changes.csv"
    r = run("compare", DEMO_Q4, DEMO, "--format", "csv", "-o", out)
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["change 变化", "id 企业编号", "name 企业名称", "from 上期等级"]
    assert [r[0] for r in rows[1:4]] == ["新进入名单", "新进入名单", "退出名单"]


def test_json_file(tmp_path):
    out = tmp_path / "cmp.json"
    r = run("compare", DEMO_Q3, DEMO_Q4, "--format", "json", "-o", out)
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["loans"]["new_npl"][0]["id"] == "L044"


def test_store_periods(store):
    last_two = run_json("compare", store)
    named = run_json("compare", f"{store}@2025-12-31", f"{store}@2026-03-31")
    assert (last_two["previous"]["as_of"], last_two["current"]["as_of"]) == (
        "2025-12-31", "2026-03-31")
    assert last_two["summary"] == named["summary"]
    # a bare date names a period of CUR's store
    bare = run_json("compare", "2025-09-30", f"{store}@2025-12-31")
    folders = run_json("compare", DEMO_Q3, DEMO_Q4)
    assert bare["previous"]["as_of"] == "2025-09-30"
    assert bare["summary"] == folders["summary"]


def test_one_argument_needs_a_store_of_two_periods(tmp_path):
    r = run("compare", DEMO)
    assert r.exit_code == 2 and "give two periods" in r.output
    single = tmp_path / "one.store"
    ingest(DEMO, single)
    r = run("compare", single)
    assert r.exit_code == 2 and "holds 1 dated period" in r.output


def test_periods_in_the_wrong_order():
    r = run("compare", DEMO, DEMO_Q4)
    assert r.exit_code == 1
    assert "give the earlier period first" in r.output and "Traceback" not in r.output


def test_bad_overlap_and_missing_dataset(tmp_path):
    assert run("compare", DEMO_Q4, DEMO, "--same-overlap", "0").exit_code == 2
    r = run("compare", tmp_path / "nowhere", DEMO)
    assert r.exit_code == 2 and "does not exist" in r.output


def test_help_ends_with_an_example():
    r = run("compare", "--help")
    assert r.exit_code == 0
    description = r.output.split("\nOptions:\n", 1)[0].rstrip()
    assert description.splitlines()[-1].strip() == (
        "Example:  graphrisk compare datasets/demo-2025-12-31 datasets/demo")
