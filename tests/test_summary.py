import pytest

from graphrisk.io.load import load_dataset
from graphrisk.io.summary import summarize


def test_summary_totals(small):
    s = summarize(load_dataset(small))
    assert s["nodes"] == {"Enterprise": 4, "Person": 1, "Institution": 3, "Loan": 5}
    assert s["relationships"]["GUARANTEES"] == 4
    assert s["loans"]["balance"] == 1970.0
    assert s["loans"]["npl_balance"] == 800.0
    assert s["loans"]["npl_ratio"] == pytest.approx(800 / 1970)
    assert s["guarantees"]["amount"] == 1600.0
    assert s["guarantees"]["amount_with_loan"] == 1500.0
    by = {r["lender_id"]: r for r in s["by_lender"]}
    assert by["B1"]["balance"] == 1500.0 and by["B1"]["loans"] == 2
    assert by["B1"]["guaranteed_amount"] == 1200.0  # G1 on L1 + G2 on L2
    assert by["B2"]["npl_balance"] == 300.0
    assert by["E1"]["type"] == "enterprise"
    assert [r["lender_id"] for r in s["by_lender"]][0] == "B1"
    # totals per lender add up to the overall totals
    assert sum(r["balance"] for r in s["by_lender"]) == s["loans"]["balance"]


def test_summary_empty(make_dataset):
    s = summarize(load_dataset(make_dataset(enterprises="id,name\nE1,a\n")))
    assert s["loans"] == {"count": 0, "balance": 0.0, "npl_balance": 0.0, "npl_ratio": 0.0}
    assert s["by_lender"] == []
