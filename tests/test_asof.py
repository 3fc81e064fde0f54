"""As-of dates (graphrisk.io.asof): what is live at a date, SPEC §1.

"At an as-of date D a guarantee is live from start_date to end_date (inclusive), a loan
from start_date, a shareholding from its as_of; what is not live at D is excluded from
every analysis, counted and listed, never dropped silently."
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from graphrisk.errors import DatasetError, ParameterError
from graphrisk.io.asof import apply_as_of, declared_period, exclusion_counts, exclusion_problems
from graphrisk.io.load import load_dataset
from graphrisk.io.store import ingest, open_snapshot
from graphrisk.network.graph import Network, build_network
from tests.conftest import DEMO, run, run_json, write_tables

DATED = dict(
    enterprises="""
        id,name
        E1,甲
        E2,乙
        E3,丙
        """,
    institutions="""
        id,name
        B1,银行
        """,
    loans="""
        id,borrower_id,lender_id,balance,start_date
        L1,E1,B1,100,2025-01-01
        L2,E2,B1,200,2025-07-01
        L3,E3,B1,300,
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id,start_date,end_date
        G1,E2,E1,50,L1,2025-01-01,2025-06-30
        G2,E3,E2,60,,2025-07-01,2026-06-30
        G3,E1,E3,70,,,
        G4,E1,E2,80,L2,,
        """,
    shareholdings="""
        holder_id,company_id,share_pct,as_of
        E1,E2,30,2024-12-31
        E1,E2,60,2025-06-30
        E3,E2,10,
        E2,E3,20,2025-12-31
        """,
    events="""
        enterprise_id,date,category
        E1,2025-06-30,credit
        E2,2025-07-01,operating
        """,
)


@pytest.fixture
def dated(tmp_path):
    return write_tables(tmp_path / "dated", DATED)


def _ids(ds, table, key="id"):
    return ds.tables[table][key].tolist()


def test_guarantee_live_from_start_to_end_inclusive(dated):
    books = load_dataset(dated, dated=False)
    june = apply_as_of(books, "2025-06-30")
    # G1 ends on 2025-06-30: still live that day; G2 starts the next day
    assert _ids(june, "guarantees") == ["G1", "G3"]
    july = apply_as_of(books, "2025-07-01")
    assert _ids(july, "guarantees") == ["G2", "G3", "G4"]  # G1 ended the day before
    why = july.excluded.set_index("id")
    assert (why.loc["G1", "reason"], why.loc["G1", "date"], why.loc["G1", "line"]) == \
        ("ended", "2025-06-30", 2)


def test_loans_from_their_start_and_guarantees_of_loans_not_drawn(dated):
    june = apply_as_of(load_dataset(dated, dated=False), "2025-06-30")
    assert _ids(june, "loans") == ["L1", "L3"]  # L2 starts 2025-07-01; L3 has no date: live
    why = june.excluded.set_index("id")
    # G4 has no dates of its own but secures L2, not drawn yet
    assert why.loc["G4", "reason"] == "loan_not_started" and why.loc["G4", "date"] == "2025-07-01"
    assert why.loc["L2", "reason"] == "not_started"


def test_shareholdings_from_their_as_of_the_latest_wins(dated):
    books = load_dataset(dated, dated=False)
    early = apply_as_of(books, "2025-03-31")
    held = early.shareholdings[["holder_id", "company_id", "share_pct"]].values.tolist()
    assert held == [["E1", "E2", 30.0], ["E3", "E2", 10.0]]  # the 60 % from 2025-06-30 is later
    late = apply_as_of(books, "2025-12-31")
    held = late.shareholdings[["holder_id", "company_id", "share_pct"]].values.tolist()
    # the 2025-06-30 record supersedes the 2024-12-31 one; the undated row always counts
    assert held == [["E1", "E2", 60.0], ["E3", "E2", 10.0], ["E2", "E3", 20.0]]
    assert exclusion_counts(late)["shareholdings"] == {"superseded": 1}


def test_events_count_from_their_date(dated):
    june = apply_as_of(load_dataset(dated, dated=False), "2025-06-30")
    assert june.events["date"].tolist() == ["2025-06-30"]
    assert exclusion_counts(june)["events"] == {"after": 1}


def test_include_expired_keeps_every_row_marked(dated):
    books = load_dataset(dated, dated=False)
    kept = apply_as_of(books, "2025-07-01", include_expired=True)
    assert kept.counts() == books.counts() and kept.excluded["kept"].all()
    assert "kept (--include-expired)" in str(exclusion_problems(kept)[0])


def test_no_date_filters_nothing_and_says_so(dated):
    ds = load_dataset(dated)  # no dataset.json
    assert ds.dated and not ds.as_of and ds.counts() == load_dataset(dated, dated=False).counts()
    assert any("no as-of date" in w.message for w in ds.warnings)
    undated = write_tables(dated.parent / "plain", {"enterprises": "id,name\nE1,甲"})
    assert not load_dataset(undated).warnings  # no dated rows: nothing to warn about


def test_dataset_json_declares_the_period(dated):
    (dated / "dataset.json").write_text('{"as_of": "2025-06-30", "region": "青山县"}',
                                        encoding="utf-8")
    ds = load_dataset(dated)
    assert (ds.as_of, ds.region) == ("2025-06-30", "青山县")
    assert _ids(ds, "guarantees") == ["G1", "G3"]
    assert _ids(load_dataset(dated, as_of="2025-07-01"), "guarantees") == ["G2", "G3", "G4"]
    for bad, where in (('{"as_of": "30/06/2025"}', "YYYY-MM-DD"), ("[1]", "JSON object"),
                       ("{", "JSON"), ('{"region": 7}', "must be text")):
        (dated / "dataset.json").write_text(bad, encoding="utf-8")
        with pytest.raises(DatasetError, match=where) as e:
            load_dataset(dated)
        assert "dataset.json" in str(e.value)


def test_a_workbook_declares_its_period_in_a_sheet(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    ws.append(["统一社会信用代码", "企业名称"])
    ws.append(["E1", "甲"])
    meta = wb.create_sheet("数据集")
    meta.append(["截止日期", "地区"])
    meta.append(["2026-03-31", "青山县"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    assert declared_period(path) == {"as_of": "2026-03-31", "region": "青山县"}
    ds = load_dataset(path)
    assert ds.as_of == "2026-03-31" and not ds.warnings  # the sheet is not "ignored"


def test_apply_twice_is_refused(dated):
    with pytest.raises(ParameterError, match="undated"):
        apply_as_of(load_dataset(dated), "2025-06-30")
    with pytest.raises(ParameterError, match="not a date"):
        apply_as_of(load_dataset(dated, dated=False), "2025-02-30")


@pytest.mark.parametrize("as_of", ["2025-06-30", "2025-07-01", "2026-12-31"])
def test_a_store_dated_builds_the_network_of_the_files_dated(dated, tmp_path, as_of):
    """The store keeps its network arrays for every row; dating filters and renumbers them."""
    store = tmp_path / f"s{as_of}"
    ingest(dated, store, as_of="2025-12-31")
    fresh = build_network(load_dataset(dated, as_of=as_of))
    kept = build_network(open_snapshot(store, as_of=as_of))
    for f in Network.__dataclass_fields__:
        if f != "ds":
            a, b = getattr(fresh, f), getattr(kept, f)
            assert a.dtype == b.dtype and np.array_equal(a, b), f


def test_demo_store_dated_equals_the_folder(tmp_path):
    store = tmp_path / "demo.store"
    ingest(DEMO, store)
    for as_of in ("2025-06-30", "2026-03-31"):
        fresh = build_network(load_dataset(DEMO, as_of=as_of))
        kept = build_network(open_snapshot(store, as_of=as_of))
        assert np.array_equal(fresh.g_loan, kept.g_loan) and np.array_equal(fresh.g_src, kept.g_src)
        assert fresh.ds.excluded.equals(kept.ds.excluded)


# -- the command line -------------------------------------------------------------------

def test_demo_expired_guarantees_are_listed_by_validate_and_summary():
    doc = run_json("validate", DEMO)
    assert doc["valid"] and doc["as_of"] == "2026-03-31"
    assert doc["excluded"] == {"guarantees": {"ended": 6}}
    texts = [w["text"] for w in doc["warnings"]]
    assert "guarantees.csv:7: guarantee G006 not counted at 2026-03-31: end_date 2025-08-17, " \
           "ended before the as-of date" in texts
    s = run_json("summary", DEMO)
    assert s["guarantees"]["count"] == 27 and s["counts"]["guarantees"] == 27
    assert [r["id"] for r in s["excluded_rows"]] == ["G005", "G006", "G012", "G014", "G027",
                                                     "G031"]


def test_every_analysis_takes_as_of_and_include_expired():
    now = run_json("circles", DEMO)
    assert now["summary"]["circles"] == 3 and now["summary"]["guarantees"] == 27
    kept = run_json("circles", DEMO, "--include-expired")
    assert kept["summary"]["circles"] == 4 and kept["summary"]["guarantees"] == 33
    earlier = run_json("circles", DEMO, "--as-of", "2025-06-30")
    # not yet signed: G026 (2025-07-07), G023 (2025-09-10), G004 (2026-01-12), G016 (2026-02-10)
    assert earlier["summary"]["guarantees"] == 29
    r = run("circles", DEMO, "--as-of", "2025-06-31")
    assert r.exit_code != 0 and "not a date" in r.output
    r = run("circles", DEMO, "--format", "json")
    assert "as of 2026-03-31: not counted: 6 guarantees ended before the as-of date" in r.stderr


def test_g006_no_longer_makes_the_drinks_maker_red():
    """青山饮料's red cascade_default signal came from G006, which ended on 2025-08-17.

    Through G006 青山饮料 guaranteed the defaulted 青山玻璃制品 and was called for 528 万元,
    defaulting in round 1 of the cascade.  At 2026-03-31 that guarantee has ended: the
    signal goes; 青山饮料 stays red on its own loan L051, 101 days overdue (> 90 days).
    """
    def red(*args):
        doc = run_json("watchlist", DEMO, *args)
        entry = next(e for e in doc["enterprises"] if e["name"] == "青山饮料有限公司")
        return entry["level"], {r["signal"] for r in entry["reasons"] if r["level"] == "red"}

    assert red() == ("red", {"overdue_days"})
    assert red("--include-expired") == ("red", {"overdue_days", "cascade_default"})
