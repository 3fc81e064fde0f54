"""The maturity ledger (graphrisk.watch.maturities): 每月到期贷款台账, 到期前30天.

Issue 16: "Maturity ledger (``graphrisk maturities DATASET --within 30``): loans falling
due in the window, with borrower, lender, guarantors, circle and warning level, sorted
by date."
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.watch.maturities import (
    MATURITY_FIELDS,
    ledger_summary,
    maturities,
    maturity_ledger,
    maturity_window,
)
from graphrisk.watch.watchlist import watchlist

from .conftest import DEMO, run

# A and D guarantee each other (a circle); B and C guarantee loan M1 of A; D backs A
# without naming a loan; E's guarantee of M1 ended on 2026-03-01, before the as-of date.
CASE = dict(
    enterprises="""
        id,name
        A,甲公司
        B,乙公司
        C,丙公司
        D,丁公司
        E,戊公司
        """,
    persons="id,name\nP1,张三\n",
    institutions="id,name,type\nB1,青山银行,bank\nB2,青山小贷,microloan\n",
    loans="""
        id,borrower_id,lender_id,balance,classification,maturity_date,overdue_days
        M1,A,B1,500,normal,2026-04-10,
        M2,A,B2,100,special_mention,2026-04-30,12
        M3,E,B1,200,normal,2026-05-01,
        M4,E,B1,300,normal,2026-03-31,
        M5,B,B2,400,substandard,2026-01-31,59
        M6,C,B1,0,normal,2026-04-05,
        M7,C,B1,50,normal,,
        M8,P1,B1,80,normal,2026-04-20,
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id,start_date,end_date
        G1,B,A,300,M1,2025-01-01,2027-01-01
        G2,C,A,200,M1,,
        G3,D,A,400,,,
        G4,E,A,250,M1,2025-01-01,2026-03-01
        G5,A,D,100,,,
        """,
)


@pytest.fixture
def case(make_dataset):
    folder = make_dataset(**CASE)
    (folder / "dataset.json").write_text('{"as_of": "2026-03-31"}', encoding="utf-8")
    return folder


def _ids(rows):
    return [(r["loan_id"], r["status"], r["days_left"]) for r in rows]


def test_window_and_past_due(case):
    """(D, D + 30] with D = 2026-03-31: M1 (04-10), M8 (04-20) and M2 (04-30, the last day
    counts); M3 (05-01) is outside; M4 (matures on D) and M5 are past maturity with a
    balance: listed first, flagged; M6 has no balance, M7 no maturity date."""
    rows = maturity_ledger(load_dataset(case), within=30)
    assert _ids(rows) == [("M5", "past_due", -59), ("M4", "past_due", 0), ("M1", "due", 10),
                          ("M8", "due", 20), ("M2", "due", 30)]
    assert list(rows[0]) == [f[0] for f in MATURITY_FIELDS]
    rows = maturity_ledger(load_dataset(case), within=30, past_due=False)
    assert [r["loan_id"] for r in rows] == ["M1", "M8", "M2"]
    rows = maturity_ledger(load_dataset(case), within=20, start="2026-04-10")
    assert _ids(rows) == [("M5", "past_due", -69), ("M4", "past_due", -10),
                          ("M1", "past_due", 0), ("M8", "due", 10), ("M2", "due", 20)]
    assert [r["loan_id"] for r in maturity_ledger(load_dataset(case), within=0)] == ["M5", "M4"]


def test_row_fields(case):
    ds = load_dataset(case)
    row = {r["loan_id"]: r for r in maturity_ledger(ds, within=30)}
    m1 = row["M1"]
    assert (m1["borrower_id"], m1["borrower"], m1["lender_id"], m1["lender"]) == (
        "A", "甲公司", "B1", "青山银行")
    assert (m1["balance"], m1["classification"], m1["overdue_days"]) == (500.0, "normal", None)
    # the live guarantees of M1, largest first; G4 ended before the as-of date
    assert (m1["guarantee_ids"], m1["guarantor_ids"], m1["guarantors"], m1["guaranteed"]) == (
        ["G1", "G2"], ["B", "C"], ["乙公司", "丙公司"], 500.0)
    # D's guarantee names no loan: it backs every loan of A
    assert (m1["borrower_guarantee_ids"], m1["borrower_guarantor_ids"],
            m1["borrower_guarantors"]) == (["G3"], ["D"], ["丁公司"])
    assert (row["M2"]["guarantee_ids"], row["M2"]["borrower_guarantee_ids"]) == ([], ["G3"])
    assert row["M2"]["overdue_days"] == 12 and row["M2"]["classification"] == "special_mention"
    # A and D guarantee each other: circle C001; E and the person are in none
    assert (m1["circle"], row["M4"]["circle"], row["M8"]["circle"]) == ("C001", None, None)
    levels = watchlist(ds).levels["level"]
    assert m1["level"] == levels["A"] and row["M5"]["level"] == levels["B"]
    assert row["M8"]["level"] == "none"  # a person has no warning level


def test_levels_given_or_left_out(case):
    ds = load_dataset(case)
    given = pd.DataFrame({"level": ["red"]}, index=pd.Index(["A"], name="id"))
    rows = maturity_ledger(ds, levels=given)
    assert {r["loan_id"]: r["level"] for r in rows} == {
        "M5": "none", "M4": "none", "M1": "red", "M8": "none", "M2": "red"}
    assert {r["level"] for r in maturity_ledger(ds, levels=False)} == {None}
    wl = watchlist(ds)
    assert maturity_ledger(ds, levels=wl) == maturity_ledger(ds)


def test_summary_and_document(case):
    doc = maturities(build_network(load_dataset(case)), within=30)
    assert (doc["as_of"], doc["within"], doc["start"], doc["end"]) == (
        "2026-03-31", 30, "2026-03-31", "2026-04-30")
    s = doc["summary"]
    assert s["due"] == {"loans": 3, "balance": 680.0, "borrowers": 2, "guaranteed": 500.0}
    assert s["past_due"] == {"loans": 2, "balance": 700.0, "borrowers": 2, "guaranteed": 0.0}
    assert s["undated"] == 1  # M7
    assert s["by_lender"] == [
        {"lender_id": "B1", "lender": "青山银行", "loans": 3, "balance": 880.0,
         "past_due_loans": 1, "past_due_balance": 300.0},
        {"lender_id": "B2", "lender": "青山小贷", "loans": 2, "balance": 500.0,
         "past_due_loans": 1, "past_due_balance": 400.0}]
    assert sum(v["loans"] for v in s["by_level"].values()) == 5
    json.dumps(doc)  # JSON-ready
    empty = ledger_summary([])
    assert empty["due"]["loans"] == 0 and empty["by_lender"] == [] and empty["by_level"] == {}


def test_bad_input(case, make_dataset):
    ds = load_dataset(case)
    for bad in (-1, 2.5, True):
        with pytest.raises(ParameterError, match="within"):
            maturity_window(ds, within=bad)
    with pytest.raises(ParameterError, match="not a date"):
        maturity_ledger(ds, start="2026-02-30")
    undated = load_dataset(make_dataset(**CASE))
    with pytest.raises(ParameterError, match="--as-of DATE or --from DATE"):
        maturity_ledger(undated)
    assert [r["loan_id"] for r in maturity_ledger(undated, start="2026-03-31",
                                                  past_due=False)] == ["M1", "M8", "M2"]
    assert maturity_ledger(load_dataset(make_dataset(enterprises="id,name\nE1,甲\n")),
                           start="2026-01-01") == []


def test_demo_ledger():
    """datasets/demo at 2026-03-31: L056 (青山包装, 500, 04-15, guaranteed by 青山纸业 under
    G003 until 04-15) and L024 (青山服装, 400 关注, 04-24, 青山融资担保 under G025) fall due
    within 30 days; eleven loans are past maturity with a balance (L039, L044, L045, L051,
    L053, L054, L078, L079 non-performing; L018 and L068 关注; L080, 马超's)."""
    doc = maturities(load_dataset(DEMO), within=30)
    due = [r for r in doc["loans"] if r["status"] == "due"]
    assert [(r["loan_id"], r["maturity_date"], r["days_left"], r["borrower"], r["balance"],
             r["guarantee_ids"], r["guarantors"], r["circle"], r["level"]) for r in due] == [
        ("L056", "2026-04-15", 15, "青山包装有限公司", 500.0, ["G003"], ["青山纸业有限公司"],
         "C003", "yellow"),
        ("L024", "2026-04-24", 24, "青山服装有限公司", 400.0, ["G025"], ["青山融资担保有限公司"],
         None, "yellow")]
    late = [r["loan_id"] for r in doc["loans"] if r["status"] == "past_due"]
    assert late == ["L054", "L078", "L053", "L045", "L079", "L044", "L051", "L039", "L080",
                    "L068", "L018"]
    assert doc["summary"]["due"]["balance"] == 900.0
    assert doc["summary"]["past_due"]["balance"] == 5900.0
    # 青山五金 (L044, L045) is backed by 青山水泥's G015, which names no loan
    l044 = next(r for r in doc["loans"] if r["loan_id"] == "L044")
    assert (l044["guarantee_ids"], l044["borrower_guarantee_ids"]) == ([], ["G015"])
    # the quarter ahead, to 2026-06-30 (L013 matures on the last day)
    quarter = maturities(load_dataset(DEMO), within=91, past_due=False)
    assert quarter["end"] == "2026-06-30"
    assert sorted(r["loan_id"] for r in quarter["loans"]) == [
        "L007", "L009", "L013", "L017", "L024", "L025", "L026", "L034", "L037", "L043",
        "L052", "L056", "L057", "L061", "L062", "L069", "L077", "L082"]


def test_cli_formats(case, tmp_path):
    r = run("maturities", case)
    assert r.exit_code == 0, r.output
    assert "maturity date 到期日" in r.stdout and "已到期未还" in r.stdout
    assert "乙公司(B)、丙公司(C)、丁公司(D，未指定借据)" in r.stdout
    r = run("maturities", case, "--format", "json", "--no-past-due")
    doc = json.loads(r.stdout)
    assert set(doc) >= {"as_of", "within", "loans", "summary"}
    assert [x["loan_id"] for x in doc["loans"]] == ["M1", "M8", "M2"]
    out = tmp_path / "m.csv"
    r = run("maturities", case, "--format", "csv", "-o", out, "--within", "10", "--no-levels")
    assert r.exit_code == 0, r.output
    text = out.read_bytes().decode("utf-8-sig").splitlines()
    assert text[0].split(",")[:3] == ["maturity date 到期日", "days left 剩余天数",
                                      "status 到期状态"]
    assert len(text) == 1 + 3 and text[3].startswith("2026-04-10,10,due,M1")
    r = run("maturities", case, "--from", "2026-04-10", "--within", "20", "--format", "json")
    assert json.loads(r.stdout)["start"] == "2026-04-10"


def test_cli_errors(make_dataset, case):
    undated = make_dataset(**CASE)
    r = run("maturities", undated)
    assert r.exit_code == 1 and "--as-of DATE or --from DATE" in r.output
    assert "Traceback" not in r.output
    r = run("maturities", undated, "--as-of", "2026-03-31", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["as_of"] == "2026-03-31"
    r = run("maturities", case, "--within", "-3")
    assert r.exit_code == 2
    r = run("maturities", case, "--from", "tomorrow")
    assert r.exit_code == 1 and "not a date" in r.output


def test_cli_demo():
    r = run("maturities", DEMO, "--within", "30")
    assert r.exit_code == 0, r.output
    assert "2 loans falling due in (2026-03-31, 2026-04-30]" in r.stdout
    assert "11 past maturity" in r.stdout and "青山融资担保有限公司(I06)" in r.stdout
