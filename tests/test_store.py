"""Snapshot stores (graphrisk.io.store, ``graphrisk ingest``): round trips, staleness,
atomicity, and every command reading a store as it reads the dataset folder."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from graphrisk.errors import DatasetError, SnapshotError, StaleSnapshotError
from graphrisk.io.dataset import LoadOptions
from graphrisk.io.export import write_dataset
from graphrisk.io.load import load_dataset
from graphrisk.io.store import (
    FORMAT_VERSION,
    MANIFEST,
    ingest,
    is_snapshot,
    open_snapshot,
    period_path,
    read_manifest,
    snapshot_status,
    store_periods,
)
from graphrisk.network.graph import Network, build_network
from tests.conftest import DEMO, DEMO_XLSX, SMALL, run, run_json, write_tables


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "demo.store"
    ingest(DEMO, out, as_of="2026-03-31", region="青山县")
    return out


@pytest.fixture
def demo_copy(tmp_path):
    src = tmp_path / "demo"
    shutil.copytree(DEMO, src)
    return src


def _same_dataset(a, b, *, lines=True):
    assert a.counts() == b.counts()
    for name in a.tables:
        fa, fb = a.tables[name], b.tables[name]
        if not lines:
            fa, fb = fa.drop(columns="line"), fb.drop(columns="line")
        assert list(fa.columns) == list(fb.columns), name
        assert (fa.dtypes == fb.dtypes).all(), (name, fa.dtypes, fb.dtypes)
        pd.testing.assert_frame_equal(fa, fb, check_exact=True, obj=name)


def test_store_opens_to_the_same_dataset(demo_store):
    ds = load_dataset(DEMO)
    back = open_snapshot(demo_store)
    _same_dataset(ds, back)
    assert back.warnings == ds.warnings
    assert back.files == ds.files and back.encodings == ds.encodings
    pd.testing.assert_series_equal(back.entity_kind.sort_index(), ds.entity_kind.sort_index(),
                                   check_names=False, check_index_type=False, check_dtype=False)
    assert (back.as_of, back.region) == ("2026-03-31", "青山县")


def test_store_network_arrays_equal_a_fresh_build(demo_store):
    fresh = build_network(load_dataset(DEMO))
    kept = build_network(open_snapshot(demo_store))
    for f in Network.__dataclass_fields__:
        if f == "ds":
            continue
        a, b = getattr(fresh, f), getattr(kept, f)
        assert a.dtype == b.dtype and np.array_equal(a, b), f


def test_tables_are_read_on_first_use(demo_store):
    ds = open_snapshot(demo_store)
    assert "positions" not in repr(ds.tables).split("all=")[0]
    assert len(ds.positions) == 92
    assert "positions" in repr(ds.tables).split("all=")[0]


def test_store_round_trip_through_export(demo_store, tmp_path):
    """store → export → the same dataset as the source (row lines aside, as files are rewritten)."""
    out = tmp_path / "exported"
    r = run("export", demo_store, "-o", out)
    assert r.exit_code == 0, r.output
    every_row = load_dataset(DEMO, dated=False)  # export writes every row, whatever its dates
    _same_dataset(every_row, load_dataset(out, dated=False), lines=False)
    wb = tmp_path / "exported.xlsx"
    assert run("export", demo_store, "-o", wb, "--lang", "zh").exit_code == 0
    _same_dataset(every_row, load_dataset(wb, dated=False), lines=False)


def test_workbook_source(tmp_path):
    store = tmp_path / "x.store"
    ingest(DEMO_XLSX, store)
    _same_dataset(load_dataset(DEMO_XLSX), open_snapshot(store))
    assert [f["file"] for f in read_manifest(store)["source"]["files"]] == ["demo.xlsx"]


def test_manifest_records_sources_counts_and_versions(demo_store):
    m = read_manifest(demo_store)
    assert m["format_version"] == FORMAT_VERSION and m["graphrisk_version"]
    files = {f["file"]: f for f in m["source"]["files"]}
    loans = DEMO / "loans.csv"
    assert files["loans.csv"]["size"] == loans.stat().st_size
    import hashlib
    assert files["loans.csv"]["sha256"] == hashlib.sha256(loans.read_bytes()).hexdigest()
    assert m["counts"] == load_dataset(DEMO, dated=False).counts()  # every row is kept
    assert m["load_options"]["max_amount"] == LoadOptions().max_amount
    assert set(m["tables"]) == set(m["counts"])


def test_changed_source_makes_the_store_stale(demo_copy, tmp_path):
    store = tmp_path / "s"
    ingest(demo_copy, store)
    assert not snapshot_status(store).stale
    loans = demo_copy / "loans.csv"
    loans.write_bytes(loans.read_bytes().replace(b"normal", b"substandard", 1))
    st = snapshot_status(store)
    assert st.stale and st.changed == ["loans.csv"]
    with pytest.raises(StaleSnapshotError, match=r"stale.*changed: loans\.csv.*graphrisk ingest"):
        open_snapshot(store)
    assert open_snapshot(store, allow_stale=True).counts()["loans"] == 82


def test_touched_but_unchanged_source_is_not_stale(demo_copy, tmp_path):
    store = tmp_path / "s"
    ingest(demo_copy, store)
    loans = demo_copy / "loans.csv"
    st = loans.stat()
    os.utime(loans, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert not snapshot_status(store).stale


def test_added_and_removed_source_files_are_stale(demo_copy, tmp_path):
    store = tmp_path / "s"
    (demo_copy / "dataset.json").unlink()
    ingest(demo_copy, store)
    (demo_copy / "events.csv").unlink()
    (demo_copy / "dataset.json").write_text('{"as_of": "2026-03-31"}', encoding="utf-8")
    st = snapshot_status(store)
    assert st.stale and st.removed == ["events.csv"] and st.added == ["dataset.json"]


def test_store_without_its_source_is_used_as_it_is(demo_copy, tmp_path):
    store = tmp_path / "s"
    ingest(demo_copy, store)
    shutil.rmtree(demo_copy)
    st = snapshot_status(store)
    assert not st.stale and not st.source_present
    assert open_snapshot(store, dated=False).counts()["guarantees"] == 33
    assert open_snapshot(store).counts()["guarantees"] == 27  # six ended before 2026-03-31


def test_invalid_dataset_writes_nothing(tmp_path):
    bad = write_tables(tmp_path / "bad", {"enterprises": "id,name\nE1,甲\nE1,乙"})
    store = tmp_path / "store"
    with pytest.raises(DatasetError, match="enterprises.csv:3"):
        ingest(bad, store)
    assert not store.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]  # no partial folder left
    r = run("ingest", bad, "-o", store)
    assert r.exit_code == 1 and "enterprises.csv:3" in r.output and not store.exists()


def test_ingest_refuses_to_overwrite_a_folder_that_is_not_a_store(tmp_path, demo_store):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    r = run("ingest", DEMO, "-o", other)
    assert r.exit_code != 0 and "neither an empty folder nor a snapshot store" in r.output
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"
    again = tmp_path / "again"
    shutil.copytree(demo_store, again)
    assert run("ingest", DEMO, "-o", again, "--as-of", "2025-12-31").exit_code == 0
    assert store_periods(again) == ["2025-12-31", "2026-03-31"]  # the period is added
    assert read_manifest(again, "2025-12-31")["as_of"] == "2025-12-31"
    assert run("ingest", DEMO, "-o", again, "--as-of", "2025-09-30", "--replace").exit_code == 0
    assert store_periods(again) == ["2025-09-30"]


def test_dataset_json_gives_as_of_and_region(demo_copy, tmp_path):
    (demo_copy / "dataset.json").write_text('{"as_of": "2026-03-31", "region": "青山县"}',
                                            encoding="utf-8")
    store = tmp_path / "s"
    doc = json.loads(run("ingest", demo_copy, "-o", store, "--format", "json").stdout)
    assert (doc["as_of"], doc["region"]) == ("2026-03-31", "青山县")
    (demo_copy / "dataset.json").write_text('{"as_of": "31/03/2026"}', encoding="utf-8")
    r = run("ingest", demo_copy, "-o", tmp_path / "t")
    assert r.exit_code == 1 and "dataset.json" in r.output and "YYYY-MM-DD" in r.output
    r = run("ingest", DEMO, "-o", tmp_path / "u", "--as-of", "2026-13-01")
    assert r.exit_code == 1 and "--as-of" in r.output


def test_broken_stores_are_refused(demo_store, tmp_path):
    broken = tmp_path / "b"
    shutil.copytree(demo_store, broken)
    (period_path(broken) / "tables" / "loans.parquet").unlink()
    with pytest.raises(SnapshotError, match="loans"):
        open_snapshot(broken)
    m = json.loads((broken / MANIFEST).read_text(encoding="utf-8"))
    m["format_version"] = 99
    (broken / MANIFEST).write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(SnapshotError, match="version 99"):
        open_snapshot(broken)
    m["format_version"] = FORMAT_VERSION
    (broken / MANIFEST).write_text(json.dumps(m), encoding="utf-8")
    (period_path(broken) / "tables" / "guarantees.parquet").write_bytes(b"not parquet")
    assert is_snapshot(broken)
    r = run("circles", broken)
    assert r.exit_code == 1 and "ingest the dataset again" in r.output


def test_stale_store_fails_on_the_command_line(demo_copy, tmp_path):
    store = tmp_path / "s"
    assert run("ingest", demo_copy, "-o", store).exit_code == 0
    with open(demo_copy / "guarantees.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    r = run("circles", store)
    assert r.exit_code == 1 and "stale" in r.output and "guarantees.csv" in r.output


def test_stricter_options_than_the_store_are_refused(demo_store):
    r = run("circles", demo_store, "--strict")
    assert r.exit_code == 1 and "without --strict" in r.output
    r = run("circles", demo_store, "--max-amount", "1000")
    assert r.exit_code == 1 and "--max-amount" in r.output
    assert run("circles", demo_store, "--max-amount", "1e12").exit_code == 0


def test_validate_and_summary_of_a_store(demo_store):
    doc = run_json("validate", demo_store)
    assert doc["valid"] and doc["counts"] == load_dataset(DEMO, dated=False).counts()
    assert doc["as_of"] == "2026-03-31" and doc["excluded"] == {"guarantees": {"ended": 6}}
    assert _without_source(run_json("summary", demo_store), str(demo_store)) == \
        _without_source(run_json("summary", DEMO), str(DEMO))


# every command that reads a dataset gives the same answer on the store
COMMANDS = [
    ("circles",),
    ("committees",),
    ("chains", "91331122MA2G8T3A0F", "--direction", "down", "--depth", "4"),
    ("exposure", "--lender", "I01", "--depth", "3"),
    ("holdings", "P001", "--mode", "multiply"),
    ("owners", "91331122MA2J0Q7L5Q"),
    ("related",),
    ("simulate", "--default", "91331122MA2C1M4R7M"),
    ("simulate", "--runs", "200", "--seed", "3"),
    ("recommend", "--budget", "2", "--runs", "100", "--seed", "1"),
    ("watchlist",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_every_command_reads_a_store_as_the_folder(args, demo_store):
    name, *rest = args
    from_folder = run_json(name, DEMO, *rest)
    from_store = run_json(name, demo_store, *rest)
    assert _without_source(from_store, str(demo_store)) == _without_source(from_folder, str(DEMO))


def _without_source(doc, source):
    """The documents name where the data came from: compare everything else."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return text.replace(json.dumps(source)[1:-1], "<source>")


def test_report_from_a_store(demo_store, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("report", DEMO, "-o", a, "-q").exit_code == 0
    assert run("report", demo_store, "-o", b, "-q").exit_code == 0
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    for rel in ("circles.json", "watchlist.json"):
        if (a / rel).exists():
            assert _without_source(json.loads((a / rel).read_text(encoding="utf-8")), str(DEMO)) \
                == _without_source(json.loads((b / rel).read_text(encoding="utf-8")),
                                   str(demo_store))


def test_small_dataset_round_trip(tmp_path):
    src = write_tables(tmp_path / "small", SMALL)
    store = tmp_path / "small.store"
    ingest(src, store)
    _same_dataset(load_dataset(src), open_snapshot(store))
    write_dataset(open_snapshot(store), tmp_path / "again")
    _same_dataset(load_dataset(src), load_dataset(tmp_path / "again"), lines=False)


# -- periods ---------------------------------------------------------------------------

def _period_copy(src, folder, as_of, region="青山县"):
    shutil.copytree(src, folder)
    (folder / "dataset.json").write_text(json.dumps({"as_of": as_of, "region": region}),
                                         encoding="utf-8")
    return folder


def test_a_store_holds_several_periods(tmp_path):
    """名单制管理、按月录入: each quarter's books go into the same store, oldest first."""
    store = tmp_path / "q.store"
    q4 = DEMO.parent / "demo-2025-12-31"  # the demo county's books a quarter earlier
    assert run("ingest", DEMO, "-o", store).exit_code == 0
    doc = json.loads(run("ingest", q4, "-o", store, "--format", "json").stdout)
    assert doc["periods"] == ["2025-12-31", "2026-03-31"]
    assert store_periods(store) == ["2025-12-31", "2026-03-31"]
    latest, earlier = open_snapshot(store), open_snapshot(store, period="2025-12-31")
    assert (latest.as_of, earlier.as_of) == ("2026-03-31", "2025-12-31")
    # at 2025-12-31 G012 (ended 2025-11-30), G006 (2025-08-17) and G005 (2025-12-20) had
    # ended; G014 and G027 end on 2025-12-31 itself and are live that day (inclusive)
    assert set(earlier.excluded.loc[earlier.excluded["table"] == "guarantees", "id"]) == \
        {"G005", "G006", "G012"}
    # the command line names a period STORE@DATE; --as-of equal to a period opens it
    a = run_json("summary", f"{store}@2025-12-31")
    b = run_json("summary", store, "--as-of", "2025-12-31")
    assert a["as_of"] == b["as_of"] == "2025-12-31" and a["guarantees"] == b["guarantees"]
    assert a["guarantees"]["count"] == 29  # 32 in the books, three ended
    r = run("summary", f"{store}@2024-01-01")
    assert r.exit_code == 1 and "holds no period 2024-01-01" in r.output \
        and "2025-12-31, 2026-03-31" in r.output
    # the same date again replaces its period, the others stay
    assert run("ingest", q4, "-o", store).exit_code == 0
    assert store_periods(store) == ["2025-12-31", "2026-03-31"]


def test_a_store_holds_one_region_and_dated_periods(tmp_path):
    store = tmp_path / "q.store"
    assert run("ingest", DEMO, "-o", store).exit_code == 0
    other = _period_copy(DEMO, tmp_path / "other", "2025-12-31", region="白水县")
    r = run("ingest", other, "-o", store)
    assert r.exit_code == 1 and "青山县" in r.output and "白水县" in r.output
    undated = tmp_path / "undated"
    shutil.copytree(DEMO, undated)
    (undated / "dataset.json").unlink()
    r = run("ingest", undated, "-o", store)
    assert r.exit_code == 1 and "needs the date of each" in r.output
    assert store_periods(store) == ["2026-03-31"]  # nothing changed


def test_a_source_folder_moved_on_to_the_next_period_is_not_stale(demo_copy, tmp_path):
    """The secretary keeps one folder and overwrites it each quarter: the older period stays usable."""
    store = tmp_path / "s"
    (demo_copy / "dataset.json").write_text('{"as_of": "2025-12-31"}', encoding="utf-8")
    ingest(demo_copy, store)
    (demo_copy / "dataset.json").write_text('{"as_of": "2026-03-31"}', encoding="utf-8")
    loans = demo_copy / "loans.csv"
    loans.write_bytes(loans.read_bytes().replace(b"normal", b"substandard", 1))
    assert not snapshot_status(store).stale
    ingest(demo_copy, store)
    assert store_periods(store) == ["2025-12-31", "2026-03-31"]
    assert open_snapshot(store, period="2025-12-31").as_of == "2025-12-31"
