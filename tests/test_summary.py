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


def test_demo_summary_counts_only_live_guarantees():
    """The demo at its declared date 2026-03-31: the six guarantees that had ended (G005
    700, G006 600, G012 700, G014 1,000, G027 200, G031 600 — 3,800 万元, each on a loan)
    are neither counted nor summed, and are listed as excluded."""
    from .conftest import DEMO

    full = summarize(load_dataset(DEMO, dated=False))
    assert full["guarantees"]["count"] == 33 and full["guarantees"]["amount"] == 27120
    s = summarize(load_dataset(DEMO))
    assert s["as_of"] == "2026-03-31" and s["excluded"] == {"guarantees": {"ended": 6}}
    assert {r["id"] for r in s["excluded_rows"]} == {"G005", "G006", "G012", "G014", "G027",
                                                     "G031"}
    assert s["guarantees"]["count"] == s["relationships"]["GUARANTEES"] == 27
    assert s["guarantees"]["amount"] == 27120 - 3800
    assert s["guarantees"]["amount_with_loan"] == full["guarantees"]["amount_with_loan"] - 3800
    by, was = ({r["lender_id"]: r["guaranteed_amount"] for r in x["by_lender"]} for x in (s, full))
    # I01 lent L051, L053, L044, L080 and L068 (G005, G006, G012, G027, G031); I03 L039 (G014)
    assert by["I01"] == was["I01"] - 2800 and by["I03"] == was["I03"] - 1000
    assert by["I02"] == was["I02"] and by["I04"] == was["I04"]
    # loans are all live at that date
    assert s["loans"] == full["loans"]
