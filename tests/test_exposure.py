"""Bank exposure through the guarantee network: a lender's book, a borrower's lenders."""

import pytest

from graphrisk.errors import ParameterError, UnknownEntityError
from graphrisk.io.load import load_dataset
from graphrisk.network.exposure import borrower_exposure, lender_exposure
from graphrisk.network.graph import build_network
from graphrisk.params import ChainParams

from .conftest import DEMO


@pytest.fixture
def small_net(small):
    ds = load_dataset(small)
    return ds, build_network(ds)


# SMALL (tests/conftest.py): loans L1 E1←B1 1000, L2 E2←B1 500 (substandard),
# L3 E3←B2 300 (loss), L4 E3←M1 50, L5 E4←E1 120; guarantees G1 E2→E1 800 (L1),
# G2 E1→E2 400 (L2), G3 E3→E2 100, G4 P1→E3 300 (L3).  E1↔E2 is the only circle.

def test_lender_book_hand_worked(small_net):
    ds, net = small_net
    doc = lender_exposure(net, "B1")
    assert doc["lender"] == {"id": "B1", "name": "青山农商银行", "type": "bank"}
    b = doc["book"]
    assert (b["loans"], b["borrowers"], b["balance"], b["npl_balance"]) == (2, 2, 1500, 500)
    assert b["guaranteed"] == 800 + 400 and b["in_circles_share"] == 1.0
    assert doc["by_circle"] == [{"id": "C001", "balance": 1500.0, "share": 1.0,
                                 "npl_balance": 500.0, "loans": 2, "borrowers": 2}]
    e1 = next(r for r in doc["borrowers"] if r["id"] == "E1")
    assert e1["loans"][0]["guarantees"] == [{"guarantee_id": "G1", "guarantor_id": "E2",
                                             "amount": 800.0}]
    chain = {c["id"]: c for c in e1["chain"]}
    # E1 ← E2 (800) ← E3 (100) ← P1 (300): widest chains 800, 100, 100
    assert {k: (c["hops"], c["amount_at_stake"]) for k, c in chain.items()} == {
        "E2": (1, 800.0), "E3": (2, 100.0), "P1": (3, 100.0)}
    assert chain["E2"]["debt"] == 500 and chain["E2"]["debt_to_lender"] == 500
    assert chain["E3"]["debt"] == 350 and chain["E3"]["npl_balance"] == 300
    assert e1["chain_debt"] == 850 and e1["lender_balance"] == 1500
    assert doc["largest_chains"][0]["lender_balance"] == 1500


def test_lender_depth_limits_the_chain(small_net):
    ds, net = small_net
    doc = lender_exposure(net, "B1", params=ChainParams(exposure_depth=1))
    e1 = next(r for r in doc["borrowers"] if r["id"] == "E1")
    assert [c["id"] for c in e1["chain"]] == ["E2"]


def test_enterprise_lender_and_no_groups(small_net):
    ds, net = small_net
    doc = lender_exposure(net, "E1")           # inter-company loan L5 to E4
    assert doc["lender"]["type"] == "enterprise" and doc["book"]["balance"] == 120
    assert doc["by_group"] == [] and doc["borrowers"][0]["group"] is None
    assert doc["borrowers"][0]["chain"] == []


def test_lender_errors(small_net):
    ds, net = small_net
    with pytest.raises(UnknownEntityError):
        lender_exposure(net, "NOPE")
    with pytest.raises(ParameterError, match="lends nothing"):
        lender_exposure(net, "E2")


def test_borrower_exposure_hand_worked(small_net):
    ds, net = small_net
    doc = borrower_exposure(net, "E2")
    assert doc["borrower"]["circle"] == "C001" and doc["borrower"]["loan_balance"] == 500
    rows = {r["lender_id"]: r for r in doc["lenders"]}
    b1 = rows["B1"]
    assert b1["direct"] == {"loans": ["L2"], "balance": 500.0, "npl_balance": 500.0}
    # E2 backs E1 (800); B1 lends E1 1000 → at stake min(1000, 800)
    assert b1["guarantees_given"]["amount_at_stake"] == 800
    # E1 backs E2 (400): when E2 defaults E1 is called up to 400; B1 lends E1 1000
    assert b1["guarantees_received"]["amount_at_stake"] == 400
    assert b1["total_exposure"] == 1700
    # E3 backs E2 (100): its lenders B2 (300) and M1 (50)
    assert rows["B2"]["guarantees_received"]["amount_at_stake"] == 100
    assert rows["M1"]["guarantees_received"]["amount_at_stake"] == 50
    assert [r["lender_id"] for r in doc["lenders"]] == ["B1", "B2", "M1"]
    s = doc["summary"]
    assert s["total_exposure"] == 1850 and s["entities_upstream"] == 3


def test_borrower_without_links(small_net):
    ds, net = small_net
    doc = borrower_exposure(net, "E4")
    assert [r["lender_id"] for r in doc["lenders"]] == ["E1"]
    assert doc["lenders"][0]["total_exposure"] == 120
    with pytest.raises(UnknownEntityError):
        borrower_exposure(net, "E404")


def test_demo_lender_book_adds_up():
    ds = load_dataset(DEMO)
    net = build_network(ds)
    loans = ds.tables["loans"]
    for lender in ds.tables["institutions"]["id"]:
        if not (loans["lender_id"] == lender).any():
            continue
        doc = lender_exposure(net, lender)
        mine = loans[loans["lender_id"] == lender]
        assert doc["book"]["balance"] == pytest.approx(mine["balance"].sum())
        assert sum(r["balance"] for r in doc["borrowers"]) == pytest.approx(mine["balance"].sum())
        assert sum(r["share"] for r in doc["by_group"]) == pytest.approx(
            doc["book"]["in_groups_share"])
        assert sum(r["balance"] for r in doc["by_circle"]) == pytest.approx(
            doc["book"]["in_circles"])
    # the big circle owes I01–I04: each of them sees C001 in its book
    for bank in ("I01", "I02", "I03", "I04"):
        assert "C001" in [r["id"] for r in lender_exposure(net, bank)["by_circle"]]
