"""No output of graphrisk opens as a live formula in a spreadsheet.

Issue: "`graphrisk watchlist --format xlsx` writes an enterprise named
`=HYPERLINK("http://x","x")` as a live formula … Every workbook and CSV that graphrisk
writes neutralises cells starting with `=`, `+`, `-`, `@`, tab or CR (OWASP CSV
injection) while numbers stay numbers."
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from .conftest import SMALL, run

HOSTILE = {"E1": '=HYPERLINK("http://x","x")', "E2": "+SUM(1,2)", "E3": "-2+3",
           "E4": "@cmd", "P1": "\t=1", "B1": "\r=2"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(make_dataset):
    tables = dict(SMALL)
    for key in ("enterprises", "persons", "institutions"):
        lines = tables[key].strip("\n").splitlines()
        out = [lines[0]]
        for line in lines[1:]:
            cells = line.strip().split(",")
            if cells[0] in HOSTILE:
                cells[1] = '"' + HOSTILE[cells[0]].replace('"', '""') + '"'
            out.append(",".join(cells))
        tables[key] = "\n".join(out) + "\n"
    return make_dataset(**tables)


def _cells(path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


@pytest.mark.parametrize("args", [
    ["circles"], ["related"], ["watchlist", "--all"], ["summary"],
    ["chains", "E2", "--direction", "down"], ["holdings", "P1"], ["owners", "E1"],
    ["simulate", "--default", "E3"], ["exposure", "--lender", "B1"],
    ["recommend", "--budget", "1", "--runs", "50"],
])
def test_every_csv_output_is_free_of_live_formulas(hostile, tmp_path, args):
    out = tmp_path / "out.csv"
    r = run(args[0], hostile, *args[1:], "--format", "csv", "-o", out)
    assert r.exit_code == 0, r.output
    cells = _cells(out)
    assert cells, "no CSV written"
    live = [c for c in cells if c.startswith(FORMULA_START)]
    assert not live, live
    # numbers stay numbers: a negative amount would be the only "-" cell, and no amount
    # of the demo is negative; every numeric-looking cell parses as a number
    assert any(c.replace(".", "", 1).isdigit() for c in cells)


def test_a_hostile_name_is_kept_as_text_not_dropped(hostile, tmp_path):
    out = tmp_path / "wl.csv"
    assert run("watchlist", hostile, "--all", "--format", "csv", "-o", out).exit_code == 0
    assert "'" + HOSTILE["E1"] in _cells(out)


def test_watchlist_workbook_has_no_formula(hostile, tmp_path):
    out = tmp_path / "wl.xlsx"
    r = run("watchlist", hostile, "--all", "--format", "xlsx", "-o", out)
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    texts = [(c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows()
             for c in row if c.value is not None]
    assert not [v for v, t in texts if t == "f"], "a cell is a formula"
    assert (HOSTILE["E1"], "s") in texts  # the name itself, stored as text
    numbers = [v for v, t in texts if t == "n"]
    assert numbers and all(isinstance(v, (int, float)) for v in numbers)


def test_report_workbook_has_no_formula(hostile, tmp_path):
    r = run("report", hostile, "-o", tmp_path / "r", "-q")
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "r" / "report.xlsx")
    kinds = {c.data_type for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert "f" not in kinds and "n" in kinds
