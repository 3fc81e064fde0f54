"""The demo's three periods (三个报告期): 青山县's books at 2025-09-30, 2025-12-31 and
2026-03-31, written by ``datasets/build_demo.py``.

Each test quotes the story of ``datasets/README.md`` ("Three periods"): the changes are
in the raw tables of each period (``load_dataset(..., dated=False)``), and the circles,
non-performing totals and warning levels follow when each folder is analysed at its own
declared ``as_of`` (SPEC §1: a guarantee is live from ``start_date`` to ``end_date``, a
loan from ``start_date``, an event from its ``date``).
"""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import graphrisk
from graphrisk.io.asof import declared_period
from graphrisk.io.load import load_dataset
from graphrisk.network.circles import guarantee_circles, mutual_pairs
from graphrisk.network.graph import build_network

from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, REPO

DATASETS = REPO / "datasets"
Q3, Q4, Q1 = "2025-09-30", "2025-12-31", "2026-03-31"
PERIODS = (Q3, Q4, Q1)
FOLDER = {Q3: DATASETS / "demo-2025-09-30", Q4: DATASETS / "demo-2025-12-31", Q1: DEMO}
N, SM, SS, D = "normal", "special_mention", "substandard", "doubtful"


def _script():
    spec = importlib.util.spec_from_file_location("build_demo", DATASETS / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def raw():
    """Every period's books, every row (no date applied)."""
    return {d: load_dataset(FOLDER[d], dated=False) for d in PERIODS}


@pytest.fixture(scope="module")
def live():
    """Every period at its own declared as_of."""
    return {d: load_dataset(FOLDER[d]) for d in PERIODS}


@pytest.fixture(scope="module")
def short():
    """Enterprise id → the short key the README names it by (青山置业有限公司 → 置业)."""
    script = _script()
    ids = script.id_map()
    return {ids[e[0]]: e[0] for e in script.ENTERPRISES}


def _loan(ds, lid: str) -> dict:
    rows = ds.loans[ds.loans["id"] == lid].to_dict("records")
    return rows[0] if rows else {}


# -- the files ------------------------------------------------------------------------

def test_build_reproduces_the_committed_files(tmp_path):
    """'The output is byte-for-byte reproducible' — the periods as well as the three forms."""
    _script().build(tmp_path)
    for name in ("demo", "demo_gbk", "demo-2025-09-30", "demo-2025-12-31"):
        built, committed = tmp_path / name, DATASETS / name
        files = sorted(p.name for p in committed.iterdir())
        assert sorted(p.name for p in built.iterdir()) == files, name
        match, mismatch, errors = filecmp.cmpfiles(built, committed, files, shallow=False)
        assert (mismatch, errors) == ([], []), name
    assert (tmp_path / "demo.xlsx").read_bytes() == (DATASETS / "demo.xlsx").read_bytes()


@pytest.mark.parametrize(("path", "as_of"), [
    (FOLDER[Q3], Q3), (FOLDER[Q4], Q4), (DEMO, Q1), (DEMO_GBK, Q1), (DEMO_XLSX, Q1)],
    ids=["2025-09-30", "2025-12-31", "demo", "demo_gbk", "demo.xlsx"])
def test_each_form_declares_its_period_and_loads(path: Path, as_of: str):
    """'Every folder carries a dataset.json'; demo.xlsx declares it in its sheet 数据集."""
    assert declared_period(path) == {"as_of": as_of, "region": "青山县"}
    ds = load_dataset(path)
    assert (ds.as_of, ds.region, ds.warnings) == (as_of, "青山县", [])


def test_the_workbook_period_sheet():
    """The sheet 数据集: header 截止日期, 地区; one row, the date as the text '2026-03-31'."""
    from openpyxl import load_workbook

    ws = load_workbook(DEMO_XLSX)["数据集"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["截止日期", "地区"],
                                                             ["2026-03-31", "青山县"]]


def test_same_firms_and_stable_ids(raw):
    """'Same enterprises, same ids': a loan or guarantee id names the same parties."""
    firms = [list(raw[d].enterprises["id"]) for d in PERIODS]
    assert firms[0] == firms[1] == firms[2] and len(firms[0]) == 53
    for table, cols in (("loans", ["borrower_id", "lender_id"]),
                        ("guarantees", ["guarantor_id", "borrower_id", "loan_id"])):
        frames = [raw[d].tables[table].set_index("id")[cols] for d in PERIODS]
        for a, b in zip(frames, frames[1:], strict=False):
            common = a.index.intersection(b.index)
            assert a.loc[common].equals(b.loc[common]), table


def test_the_books_hold_nothing_from_after_their_date(raw):
    """An earlier period's books hold no loan, guarantee, event or holding dated later."""
    for d in (Q3, Q4):
        ds = raw[d]
        assert (ds.loans["start_date"] <= d).all() and (ds.guarantees["start_date"] <= d).all()
        assert (ds.events["date"] <= d).all()
        assert (ds.shareholdings["as_of"].fillna("") <= d).all()


def test_2026_03_31_excludes_only_the_six_ended_guarantees(live):
    """'At that date guarantees G005, G006, G012, G014, G027, G031 are expired' — the
    dates moved into 2026-Q1 (G004, G016, L057) keep every other row live."""
    ex = live[Q1].excluded
    assert sorted(ex["id"]) == ["G005", "G006", "G012", "G014", "G027", "G031"]
    assert set(ex["reason"]) == {"ended"}


# -- the story in the raw tables ------------------------------------------------------

@pytest.mark.parametrize(("loan", "classes"), [
    ("L034", (N, N, SM)),    # 置业 1,200 at 建设银行: 关注 in 2026-Q1
    ("L039", (SM, SM, SS)),  # 水泥 1,200 at 建设银行: 次级 in 2026-Q1 (new NPL)
    ("L026", (N, SM, N)),    # 食品 600: 40 days behind at 2025-12-31, caught up
    ("L044", (SM, SS, SS)),  # 五金 800: 次级 in 2025-Q4 (new NPL)
    ("L045", (SS, D, D)),    # 五金 300: 可疑 in 2025-Q4
    ("L053", (SS, D, D)),    # 玻璃 600: 可疑 in 2025-Q4 (event 2025-11-03)
])
def test_loan_classifications_over_the_periods(raw, loan, classes):
    """The migration table of the README, loan by loan."""
    assert tuple(_loan(raw[d], loan)["classification"] for d in PERIODS) == classes


def test_overdue_days_count_back_and_counts_rise(raw):
    """'Overdue days count back with the calendar': L051 fell due 2025-12-20, 101 days
    overdue at 2026-03-31, 11 at 2025-12-31, none at 2025-09-30; 水泥's L039 had 2
    overdue payments at 2025-12-31 and 3 at 2026-03-31 (overdue_count rose)."""
    assert [_loan(raw[d], "L051")["overdue_days"] for d in (Q4, Q1)] == [11, 101]
    assert pd.isna(_loan(raw[Q3], "L051")["overdue_days"])
    assert [_loan(raw[d], "L039")["overdue_count"] for d in PERIODS] == [2, 2, 3]
    assert [_loan(raw[d], "L039")["overdue_days"] for d in (Q4, Q1)] == [5, 95]


def test_loans_repaid_and_new(raw):
    """2025-Q4: L084 (旅游, 500) repaid; L023, L027, L028, L050 new. 2026-Q1: L083 (控股,
    1,000 at 建设银行) repaid on 2026-01-31; L057 (包装, 150 at 利民小贷) new."""
    ids = [set(raw[d].loans["id"]) for d in PERIODS]
    assert (sorted(ids[0] - ids[1]), sorted(ids[1] - ids[0])) == (
        ["L084"], ["L023", "L027", "L028", "L050"])
    assert (sorted(ids[1] - ids[2]), sorted(ids[2] - ids[1])) == (["L083"], ["L057"])
    assert _loan(raw[Q4], "L083")["balance"] == 1000


def test_guarantees_released_and_signed(raw):
    """G034 特钢 → 控股 (on L083) is released with it; G004 包装 → 纸业 (2026-01-12) and
    G016 机械 → 建工 (2026-02-10) are signed in 2026-Q1."""
    g = {d: raw[d].guarantees.set_index("id") for d in PERIODS}
    assert "G034" in g[Q3].index and "G034" in g[Q4].index and "G034" not in g[Q1].index
    assert g[Q4].loc["G034", "loan_id"] == "L083"
    assert (g[Q1].loc["G004", "start_date"], g[Q1].loc["G016", "start_date"]) == (
        "2026-01-12", "2026-02-10")
    assert not {"G004", "G016"} & (set(g[Q3].index) | set(g[Q4].index))


def test_glass_defaults_in_2025_q4(raw):
    """玻璃 is distressed at 2025-09-30 and defaulted from 2025-Q4 on."""
    def status(d):
        ent = raw[d].enterprises
        return ent.loc[ent["name"] == "青山玻璃制品有限公司", "status"].item()
    assert [status(d) for d in PERIODS] == ["distressed", "defaulted", "defaulted"]


# -- the story at each period's own as_of ---------------------------------------------

def test_circles_and_mutual_pairs(live, short):
    """Circles: the big circle 6 → 4 (G012 ended 2025-11-30) → 6 (G016); the pair 控股 ↔
    特钢 dissolves in 2026-Q1 and the pair 纸业 ↔ 包装 forms; 钢铁 ↔ 建材 stays."""
    want = {
        Q3: {"五金 商砼 建工 机械 水泥 置业", "建材 钢铁", "控股 特钢"},
        Q4: {"五金 建工 水泥 置业", "建材 钢铁", "控股 特钢"},
        Q1: {"五金 商砼 建工 机械 水泥 置业", "建材 钢铁", "包装 纸业"},
    }
    for d in PERIODS:
        net = build_network(live[d])
        got = {" ".join(sorted(short[net.ids[i]] for i in c)) for c in guarantee_circles(net)}
        assert got == want[d], d
        pairs = {" ".join(sorted(short[net.ids[i]] for i in p)) for p in mutual_pairs(net)}
        assert pairs == want[d] - {"五金 商砼 建工 机械 水泥 置业", "五金 建工 水泥 置业"}, d


def test_non_performing_totals(live):
    """NPL 3,100 → 3,900 → 5,100 万元 (L044 800 in 2025-Q4, L039 1,200 in 2026-Q1)."""
    npl = [live[d].loans.loc[live[d].loans["classification"].isin([SS, D, "loss"]),
                             "balance"].sum() for d in PERIODS]
    total = [live[d].loans["balance"].sum() for d in PERIODS]
    assert npl == [3100, 3900, 5100]
    assert total == [79600, 79930.5, 79080.5]


@pytest.fixture(scope="module")
def levels(live, short):
    """Short name → warning level, per period."""
    out = {}
    for d in PERIODS:
        lv = graphrisk.watchlist(build_network(live[d])).levels
        out[d] = {short[i]: lv.loc[i, "level"] for i in lv.index}
    return out


def test_red_over_the_periods(levels):
    """Red 2 → 3 → 5: 五金 enters in 2025-Q4 (L045 可疑); 水泥 (L039 次级, 95 days
    overdue) and 饮料 (L051 101 days overdue) in 2026-Q1."""
    red = [sorted(k for k, v in levels[d].items() if v == "red") for d in PERIODS]
    assert red == [sorted(["玻璃", "鑫源"]), sorted(["五金", "玻璃", "鑫源"]),
                   sorted(["五金", "水泥", "玻璃", "饮料", "鑫源"])]
    assert (levels[Q4]["水泥"], levels[Q4]["饮料"]) == ("orange", "orange")


def test_entries_and_exits(levels):
    """食品 is listed at 2025-12-31 (orange: 40 days overdue) and not at 2026-03-31;
    纸业 and 包装 enter with their new circle (yellow)."""
    assert [levels[d]["食品"] for d in PERIODS] == ["none", "orange", "none"]
    assert [levels[d]["纸业"] for d in PERIODS] == ["none", "none", "yellow"]
    assert [levels[d]["包装"] for d in PERIODS] == ["none", "none", "yellow"]
    assert [levels[d]["控股"] for d in PERIODS] == ["yellow", "yellow", "blue"]
