"""Related parties (SPEC §4): one fixture per rule at and just below its threshold,
evidence, groups against networkx, warnings, and a differential test against a
pairwise Python reference on random datasets."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest

from graphrisk.domain.glossary import MANAGEMENT_ROLES, SENIOR_ROLES
from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.ownership._rules import DIRECTOR_ROLES, MANAGER_ROLES, seat_groups
from graphrisk.ownership.related import (
    iter_related_pairs,
    parse_rules,
    related_pairs_frame,
    related_parties,
)
from graphrisk.params import OwnershipParams, RelatedParams

from .conftest import write_tables
from .test_ownership import brute, python_fixed_point


def ents(n, capital=""):
    rows = [f"E{i},企业{i},{capital}" for i in range(1, n + 1)]
    return "id,name,paid_in_capital\n" + "\n".join(rows) + "\n"


def pairs_of(ds, **kw):
    rp = related_parties(ds, **kw)
    return rp, {(p["a"], p["b"]): p for p in rp.pairs()}


# ------------------------------------------------------------------ one rule each
def test_equity_at_and_below_threshold(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(6),
        shareholdings="holder_id,company_id,share_pct\nE1,E2,25\nE3,E4,24.99\nE6,E5,30\n"))
    rp, got = pairs_of(ds, rules="equity")
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["equity"]
    assert ev["a_in_b_pct"] == 25 and ev["b_in_a_pct"] == 0
    assert ev["paths"] == [{"nodes": ["E1", "E2"], "hops": [25.0], "share_pct": 25.0}]
    # the holder is b: a < b is by id, not by direction
    ev = got["E5", "E6"]["evidence"]["equity"]
    assert ev["a_in_b_pct"] == 0 and ev["b_in_a_pct"] == 30
    assert ev["paths"][0]["nodes"] == ["E6", "E5"]


def test_equity_through_the_ownership_mode(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(3),
        shareholdings="holder_id,company_id,share_pct\nE1,E2,30\nE2,E3,40\n"))
    _, got = pairs_of(ds, rules="equity")
    assert ("E1", "E3") in got  # passthrough: 40 %
    path = got["E1", "E3"]["evidence"]["equity"]["paths"][0]
    assert path["nodes"] == ["E1", "E2", "E3"] and path["via"] == "E2"
    params = RelatedParams(ownership=OwnershipParams("multiply"))
    _, got = pairs_of(ds, rules="equity", params=params)
    assert ("E1", "E3") not in got  # multiply: 12 %


def test_common_owner_at_and_below_threshold(make_dataset):
    ds = load_dataset(make_dataset(
        enterprises=ents(5), persons="id,name\nP1,甲\nP2,乙\n",
        shareholdings="holder_id,company_id,share_pct\n"
                      "P1,E1,25\nP1,E2,25\nP1,E5,60\nP2,E3,25\nP2,E4,24.9\n"))
    rp, got = pairs_of(ds, rules="common_owner")
    assert set(got) == {("E1", "E2"), ("E1", "E5"), ("E2", "E5")}
    assert got["E1", "E5"]["evidence"]["common_owner"]["owners"] == [
        {"owner_id": "P1", "name": "甲", "a_pct": 25.0, "b_pct": 60.0}]
    assert rp.groups == [["E1", "E2", "E5"]]
    assert rp.pair_count == 3 and rp.rule_counts == {"common_owner": 3}


def test_common_owner_is_a_third_party(make_dataset):
    # E1 holds 60 % of E2 and 60 % of E3: E2–E3 share an owner; E1–E2 is equity, not
    # common_owner (E1 would have to hold 25 % of itself)
    ds = load_dataset(make_dataset(
        enterprises=ents(3), shareholdings="holder_id,company_id,share_pct\nE1,E2,60\nE1,E3,60\n"))
    _, got = pairs_of(ds)
    assert got["E1", "E2"]["rules"] == ["equity"]
    assert got["E2", "E3"]["rules"] == ["common_owner"]


LENDING = dict(
    enterprises="id,name,paid_in_capital,registered_capital\n"
                "E1,甲,,\nE2,乙,100,\nE3,丙,100,\nE4,丁,100,\nE5,戊,,200\nE6,己,,\nE7,庚,,\nE8,辛,,\n",
    institutions="id,name\nB1,银行\n",
    loans="id,borrower_id,lender_id,balance\n"
          "L1,E2,E1,30\nL2,E1,E2,20\nL3,E4,E3,49.99\nL4,E6,E5,100\nL5,E8,E7,10\nL6,E2,B1,500\n")


def test_lending_at_and_below_ratio(make_dataset):
    ds = load_dataset(make_dataset(**LENDING))
    rp, got = pairs_of(ds, rules="lending")
    # E1–E2: 30 + 20 = 50 = 50 % of E2's 100; E3–E4: 49.99 < 50; E5–E6: 100 = 50 % of
    # E5's registered 200; E7–E8: neither has capital; the bank loan does not count
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["lending"]
    assert ev["balance"] == 50 and ev["capital_a"] is None and ev["capital_b"] == 100
    assert ev["ratio_b_pct"] == 50 and ev["ratio_a_pct"] is None
    assert sorted(x["id"] for x in ev["loans"]) == ["L1", "L2"]
    assert got["E5", "E6"]["evidence"]["lending"]["capital_a"] == 200
    assert any(w.startswith("lending:") and "E7–E8" in w for w in rp.warnings)


GUARANTEE = dict(
    enterprises=ents(8), institutions="id,name\nB1,银行\n", persons="id,name\nP1,甲\n",
    loans="id,borrower_id,lender_id,balance\nL1,E2,B1,100\nL2,E4,B1,100\nL3,E1,B1,50\n",
    guarantees="id,guarantor_id,borrower_id,amount\n"
               "G1,E1,E2,6\nG2,E1,E2,4\nG3,E3,E4,9.99\nG4,E5,E6,100\nG5,P1,E1,100\n")


def test_guarantee_at_and_below_ratio(make_dataset):
    ds = load_dataset(make_dataset(**GUARANTEE))
    rp, got = pairs_of(ds, rules="guarantee")
    assert set(got) == {("E1", "E2")}  # 6 + 4 = 10 % of 100; 9.99 % is not
    (d,) = got["E1", "E2"]["evidence"]["guarantee"]["directions"]
    assert d == {"guarantor_id": "E1", "borrower_id": "E2", "guarantees": ["G1", "G2"],
                 "amount": 10.0, "borrowings": 100.0, "ratio_pct": 10.0, "qualifies": True}
    # E6 has no loans: the E5 → E6 guarantee cannot be tested, and we say so
    (w,) = [w for w in rp.warnings if w.startswith("guarantee:")]
    assert "E5 for E6" in w and "1 guarantee relation" in w


def test_guarantee_without_any_loans_warns(make_dataset):
    ds = load_dataset(make_dataset(enterprises=ents(2),
                                   guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,5\n"))
    rp, got = pairs_of(ds, rules="guarantee")
    assert not got
    assert any("no loans" in w and w.startswith("guarantee:") for w in rp.warnings)


MANAGEMENT = dict(
    enterprises=ents(10),
    persons="id,name\n" + "".join(f"P{i},人{i}\n" for i in range(1, 15)),
    positions="person_id,company_id,role\n"
              # key posts: P1 chairman of E1 and general manager of E2 → related
              # (one senior manager of three in E1, of two in E2: no majority)
              "P1,E1,chairman\nP1,E2,general_manager\nP12,E1,director\nP13,E1,cfo\n"
              "P14,E2,director\n"
              # supervisors and directors alone are not key posts
              "P2,E3,supervisor\nP2,E4,supervisor\n"
              # majority: E5 has 3 seniors, 2 of them directors of E6 (2 > 1.5)
              "P3,E5,director\nP4,E5,director\nP5,E5,cfo\nP3,E6,director\nP4,E6,director\n"
              "P9,E6,director\nP10,E6,director\n"
              # exactly half is not more than half: E7 and E8 have 4 each, 2 shared
              "P6,E7,director\nP7,E7,director\nP8,E7,cfo\nP11,E7,director\n"
              "P6,E8,director\nP7,E8,director\nP8,E8,supervisor\nP5,E8,director\nP2,E8,director\n")


def test_management_rules(make_dataset):
    """Both readings of the "more than half" test on one fixture, worked out by hand.

    ``combined`` (graphrisk 0.1.0's reading) counts the directors and senior managers
    together: E5 has 3 (P3, P4, P5), 2 of them directors of E6 (2 > 1.5); E7 and E8
    have 4 each with 2 shared (exactly half is not more than half); E1–E2 share only P1
    (1 of 3, 1 of 2).  ``separately`` (the default, 42号公告 第二条) counts each group on
    its own: E2's only senior manager P1 is chairman of E1 (1 > 0.5); 2 of E7's 3
    directors (P6, P7) are directors of E8 (2 > 1.5); E5's only senior manager P5 is a
    director of E8 (1 > 0.5); E5's 2 directors are both directors of E6 (2 > 1).
    """
    ds = load_dataset(make_dataset(**MANAGEMENT))
    _, got = pairs_of(ds, rules="management", params=RelatedParams(management_majority="combined"))
    assert set(got) == {("E1", "E2"), ("E5", "E6")}
    ev = got["E1", "E2"]["evidence"]["management"]
    assert ev["criteria"] == ["key_post"] and ev["majority"] == "combined"
    assert ev["people"] == [{"person_id": "P1", "name": "人1", "posts_a": ["chairman"],
                             "posts_b": ["general_manager"]}]
    ev = got["E5", "E6"]["evidence"]["management"]
    assert ev["criteria"] == ["senior_majority"]
    assert (ev["senior_a"], ev["senior_b"], ev["shared_senior"]) == (3, 4, 2)
    assert [p["person_id"] for p in ev["people"]] == ["P3", "P4"]

    _, got = pairs_of(ds, rules="management")  # the default: separately
    assert {k: v["evidence"]["management"]["criteria"] for k, v in got.items()} == {
        ("E1", "E2"): ["key_post", "manager_majority"],
        ("E5", "E6"): ["director_majority"],
        ("E5", "E8"): ["manager_majority"],
        ("E7", "E8"): ["director_majority"]}
    ev = got["E7", "E8"]["evidence"]["management"]
    assert ev["majority"] == "separately"
    assert (ev["directors_a"], ev["directors_a_in_b"], ev["managers_a"], ev["managers_a_in_b"]) \
        == (3, 2, 1, 0)  # P8 is only a supervisor of E8: not a seat
    assert (ev["directors_b"], ev["directors_b_in_a"], ev["managers_b"]) == (4, 2, 0)


#: 42号公告 第二条(五), the management test of the related-party rules (SPEC §4)
RULE_42 = ("一方半数以上董事或者半数以上高级管理人员（包括上市公司董事会秘书、经理、副经理、"
           "财务负责人和公司章程规定的其他人员）由另一方任命或者委派，或者同时担任另一方的"
           "董事或者高级管理人员")

READINGS = dict(
    enterprises=ents(10),
    persons="id,name\n" + "".join(f"{p},{p}\n" for p in (
        "D1", "D2", "M1", "M2", "Y1", "Y2", "A", "B", "C", "Z1", "Z2", "Z3",
        "Q1", "Q2", "Q3", "Q4", "R1", "S1")),
    positions="person_id,company_id,role\n"
              # E1: 2 directors and 2 senior managers; both directors sit on E2's board
              "D1,E1,director\nD2,E1,director\nM1,E1,general_manager\nM2,E1,cfo\n"
              "D1,E2,director\nD2,E2,director\nY1,E2,director\nY2,E2,director\n"
              # E3: A (director and general manager), B (director), C (cfo); B and C
              # are directors of E4, with Z1–Z3
              "A,E3,director\nA,E3,general_manager\nB,E3,director\nC,E3,cfo\n"
              "B,E4,director\nC,E4,director\nZ1,E4,director\nZ2,E4,director\nZ3,E4,director\n"
              # E5: 1 of its 2 directors is E6's general manager (exactly half)
              "Q1,E5,director\nQ2,E5,director\nQ1,E6,general_manager\nQ3,E6,cfo\n"
              "Q4,E6,director\n"
              # E7's only director is E8's only senior manager (a seat of the other kind)
              "R1,E7,director\nR1,E8,cfo\n"
              # E9's only director is a supervisor of E10: not a seat
              "S1,E9,director\nS1,E10,supervisor\n")


def test_management_majority_of_the_directors_or_of_the_senior_managers(make_dataset):
    """42号公告 第二条(五): "一方半数以上董事或者半数以上高级管理人员 … 同时担任另一方的董事或者
    高级管理人员"; SPEC §4: "more than half of one's directors, or more than half of one's
    senior managers (counted separately, 42号公告 第二条), hold such posts in the other".

    Read ``separately`` (the default) — by hand:

    * E1–E2: both of E1's 2 directors are directors of E2 (2 > 1) → related, although
      together they are only 2 of E1's 4 directors and senior managers, 2 of E2's 4;
    * E3–E4: of E3's directors {A, B} one (B) sits on E4's board (1 of 2), of its senior
      managers {A, C} one (C) (1 of 2); of E4's 5 directors 2 sit in E3 → not related,
      although together B and C are 2 of E3's 3 seats (A, B, C) — related ``combined``;
    * E5–E6: 1 of E5's 2 directors (Q1) is E6's general manager: exactly half is not more
      than half; of E6's senior managers {Q1, Q3} one, of its directors {Q4} none;
    * E7–E8: E7's only director R1 is E8's only senior manager (a seat of the other
      kind counts: "董事或者高级管理人员") → director_majority, and from E8's side
      manager_majority;
    * E9–E10: a supervisor (监事) is neither a director nor a senior manager.
    """
    assert "半数以上董事或者半数以上高级管理人员" in RULE_42
    ds = load_dataset(make_dataset(**READINGS))
    rp, got = pairs_of(ds, rules="management")
    assert rp.params.management_majority == "separately"
    assert {k: v["evidence"]["management"]["criteria"] for k, v in got.items()} == {
        ("E1", "E2"): ["director_majority"],
        ("E7", "E8"): ["director_majority", "manager_majority"]}
    ev = got["E1", "E2"]["evidence"]["management"]
    assert {k: ev[k] for k in ("directors_a", "managers_a", "directors_a_in_b", "managers_a_in_b",
                               "directors_b", "managers_b", "directors_b_in_a", "managers_b_in_a",
                               "senior_a", "senior_b", "shared_senior")} == {
        "directors_a": 2, "managers_a": 2, "directors_a_in_b": 2, "managers_a_in_b": 0,
        "directors_b": 4, "managers_b": 0, "directors_b_in_a": 2, "managers_b_in_a": 0,
        "senior_a": 4, "senior_b": 4, "shared_senior": 2}
    assert rp.groups == [["E1", "E2"], ["E7", "E8"]]  # majority pairs without a key post

    rp, got = pairs_of(ds, rules="management",
                       params=RelatedParams(management_majority="combined"))
    # combined: E3–E4 (B, C: 2 of E3's 3 seats > 1.5), E7–E8 (1 of 1); E1–E2 2 of 4 is not
    assert {k: v["evidence"]["management"]["criteria"] for k, v in got.items()} == {
        ("E3", "E4"): ["senior_majority"], ("E7", "E8"): ["senior_majority"]}
    ev = got["E3", "E4"]["evidence"]["management"]
    assert (ev["senior_a"], ev["senior_b"], ev["shared_senior"]) == (3, 5, 2)
    assert rp.rule_counts == {"management": 2}


def test_legal_representative_seats(make_dataset):
    """The legal representative is a director or the manager (公司法 第十条: "由代表公司执行
    公司事务的董事或者经理担任"): a seat of the majority test; recorded without a director
    or senior-manager post in that firm, it counts among the firm's directors.

    By hand: E1's only seat is its legal representative L1, a director of E2 (of 3) →
    E1's directors {L1}: 1 > 0.5, director_majority; L1 is no key post of E2 (director).
    E3's legal representative L2 is also its cfo: a senior manager, not a director; L2 is
    a director of E4 (of 3) → manager_majority.  E5's only director K is the (unplaced)
    legal representative of E6: director_majority both ways.
    """
    ds = load_dataset(make_dataset(
        enterprises=ents(6), persons="id,name\nL1,l\nL2,l\nK,k\nX1,x\nX2,x\nX3,x\nX4,x\n",
        positions="person_id,company_id,role\n"
                  "L1,E1,legal_representative\nL1,E2,director\nX1,E2,director\nX2,E2,director\n"
                  "L2,E3,legal_representative\nL2,E3,cfo\nL2,E4,director\nX3,E4,director\n"
                  "X4,E4,director\n"
                  "K,E5,director\nK,E6,legal_representative\n"))
    _, got = pairs_of(ds, rules="management")
    assert {k: v["evidence"]["management"]["criteria"] for k, v in got.items()} == {
        ("E1", "E2"): ["director_majority"], ("E3", "E4"): ["manager_majority"],
        ("E5", "E6"): ["director_majority"]}
    ev = got["E3", "E4"]["evidence"]["management"]
    assert (ev["directors_a"], ev["managers_a"], ev["managers_a_in_b"]) == (0, 1, 1)
    assert seat_groups({"legal_representative"}) == (True, False, True)
    assert seat_groups({"legal_representative", "general_manager"}) == (False, True, True)
    assert seat_groups({"supervisor", "actual_controller"}) == (False, False, False)


def test_the_seats_come_from_the_glossary():
    """Directors 董事 (chairman 董事长, director 董事) and senior managers 高级管理人员
    (general manager 经理, cfo 财务负责人) are the glossary's SENIOR_ROLES with the legal
    representative; supervisors 监事 and actual controllers 实际控制人 hold no seat."""
    assert DIRECTOR_ROLES == {"chairman", "director"}
    assert MANAGER_ROLES == {"general_manager", "cfo"}
    assert DIRECTOR_ROLES | MANAGER_ROLES | {"legal_representative"} == SENIOR_ROLES
    assert not {"supervisor", "actual_controller"} & SENIOR_ROLES


def test_key_post_is_any_key_post_in_each(make_dataset):
    """SPEC §4: "the same person is legal_representative, chairman, general_manager or
    actual_controller of both" — any of these posts in each; a director, cfo or
    supervisor post is no key post.

    By hand: P1 is actual controller of E1 and general manager of E2 → key_post (no
    majority: an actual controller holds no seat, and E2's manager P1 has none in E1);
    P4 is actual controller of both E7 and E8 → key_post.  P2 is one of 3 directors of
    E3 and of E4; P3 one of 3 senior managers of E5 and of E6 → not related.
    """
    ds = load_dataset(make_dataset(
        enterprises=ents(8),
        persons="id,name\n" + "".join(f"{p},{p}\n" for p in (
            "P1", "P2", "P3", "P4", "X1", "X2", "X3", "X4", "X5", "X6", "X7", "X8")),
        positions="person_id,company_id,role\n"
                  "P1,E1,actual_controller\nP1,E2,general_manager\n"
                  "P2,E3,director\nX1,E3,director\nX2,E3,director\n"
                  "P2,E4,director\nX3,E4,director\nX4,E4,director\n"
                  "P3,E5,cfo\nX5,E5,general_manager\nX6,E5,cfo\n"
                  "P3,E6,cfo\nX7,E6,general_manager\nX8,E6,cfo\n"
                  "P4,E7,actual_controller\nP4,E8,actual_controller\n"))
    for reading in ("separately", "combined"):
        _, got = pairs_of(ds, rules="management",
                          params=RelatedParams(management_majority=reading))
        assert {k: v["evidence"]["management"]["criteria"] for k, v in got.items()} == {
            ("E1", "E2"): ["key_post"], ("E7", "E8"): ["key_post"]}, reading


def test_management_majority_is_checked():
    with pytest.raises(ParameterError):
        RelatedParams(management_majority="jointly")


def test_missing_tables_give_warnings(make_dataset):
    ds = load_dataset(make_dataset(enterprises=ents(3)))
    rp, got = pairs_of(ds)
    assert not got and rp.pair_count == 0 and rp.groups == []
    text = "\n".join(rp.warnings)
    for rule in ("equity", "lending", "guarantee", "management"):
        assert f"{rule}" in text
    assert "no positions" in text and "no shareholdings" in text and "no loans" in text


# ------------------------------------------------------------------ the small set
def test_small_dataset_pairs_groups_and_order(small):
    ds = load_dataset(small)
    rp, got = pairs_of(ds)
    assert list(got) == sorted(got) and all(a < b for a, b in got)
    assert got["E1", "E2"]["rules"] == ["equity", "common_owner", "guarantee", "management"]
    assert got["E1", "E4"]["rules"] == ["lending"]  # L5: 120 ≥ 50 % of E1's 200
    assert rp.groups == [["E1", "E2", "E3", "E4"]]
    assert rp.pair_count == len(got) == 4
    assert rp.rule_counts["equity"] == 3
    assert rp.as_dict()["pairs"] == list(got.values())
    assert list(iter_related_pairs(ds)) == list(got.values())
    assert len(list(rp.pairs(max_pairs=2))) == 2 and rp.as_dict(max_pairs=1)["truncated"]


def test_rules_selection_and_errors(small):
    ds = load_dataset(small)
    assert parse_rules(" guarantee ,equity") == ("equity", "guarantee")
    rp = related_parties(ds, rules=["lending"])
    assert rp.rules == ("lending",) and rp.pair_count == 1
    with pytest.raises(ParameterError):
        related_parties(ds, rules="equity,friendship")
    with pytest.raises(ParameterError):
        related_parties(ds, rules="")


def test_pairs_frame(small):
    ds = load_dataset(small)
    f = related_pairs_frame(ds)
    assert list(zip(f["a_id"], f["b_id"], strict=True)) == [("E1", "E2"), ("E1", "E3"),
                                                             ("E1", "E4"), ("E2", "E3")]
    assert f["rules"].iloc[2] == ["lending"]
    from graphrisk.network.graph import build_network
    net = build_network(ds)
    e4 = int(net.positions("E4")[0])
    assert list(related_pairs_frame(net, among=[e4])["b_id"]) == ["E4"]


SUBSETS = [("equity",), ("common_owner", "lending"), ("guarantee",), ("management",),
           ("equity", "common_owner", "lending", "guarantee")]


@pytest.mark.parametrize("seed", range(6))
def test_one_pass_selects_what_separate_passes_find(seed, tmp_path):
    """One pass over every rule and a union of firms gives, for each subset of the rules
    and each set of firms, the pairs, rules and warnings of a pass of its own."""
    from graphrisk.network.graph import build_network
    from graphrisk.ownership.related import related_pair_masks

    rng = random.Random(seed)
    tables, _ = random_dataset(rng)
    if seed % 2:  # no shareholdings, no loans: the warnings of the rules that need them
        tables = {k: v for k, v in tables.items() if k not in ("shareholdings", "loans")}
    net = build_network(load_dataset(write_tables(tmp_path / "ds", tables)))
    ents_ = [i for i in range(net.n) if net.kind[i] == 0]
    around = rng.sample(ents_, k=max(1, len(ents_) // 2))
    both = related_pair_masks(net, among=ents_)
    for rules in SUBSETS:
        for among in (None, around):
            alone = related_pairs_frame(net, rules=rules, among=among)
            got = both.select(rules, among)
            assert (net.ids[got.a].tolist(), net.ids[got.b].tolist(), got.rule_lists()) == (
                alone["a_id"].tolist(), alone["b_id"].tolist(), alone["rules"].tolist())
            assert got.warnings() == alone.attrs["warnings"]
    with pytest.raises(ParameterError):
        related_pair_masks(net, rules="equity").select("lending")


# --------------------------------------------------------- random: vs reference
def random_dataset(rng: random.Random):
    ne, npers = rng.randint(4, 9), rng.randint(1, 4)
    E = [f"E{i}" for i in range(ne)]
    P = [f"P{i}" for i in range(npers)]
    cap = [str(rng.choice([0, 50, 100, 200, ""])) for _ in E]
    left = dict.fromkeys(E, 100.0)
    sh, seen = [], set()
    for _ in range(rng.randint(0, 3 * ne)):
        a, b = rng.choice(E + P), rng.choice(E)
        if a == b or (a, b) in seen or left[b] < 1:
            continue
        p = round(rng.uniform(1, min(left[b], 70)), 1)
        left[b] -= p
        seen.add((a, b))
        sh.append((a, b, p))
    roles = ["chairman", "director", "general_manager", "cfo", "legal_representative",
             "supervisor", "actual_controller"]
    pos = {(rng.choice(P), rng.choice(E), rng.choice(roles)) for _ in range(rng.randint(0, 3 * ne))}
    loans = []
    for i in range(rng.randint(0, 2 * ne)):
        b = rng.choice(E)
        lender = rng.choice(["B1"] + [e for e in E if e != b])
        loans.append((f"L{i}", b, lender, rng.choice([10, 25, 50, 100])))
    gs = []
    for i in range(rng.randint(0, 2 * ne)):
        g, b = rng.sample(E, 2)
        gs.append((f"G{i}", g, b, rng.choice([1, 5, 10, 30])))
    tables = dict(
        enterprises="id,name,paid_in_capital\n" + "".join(f"{e},{e},{c}\n" for e, c in zip(E, cap, strict=True)),
        persons="id,name\n" + "".join(f"{p},{p}\n" for p in P),
        institutions="id,name\nB1,bank\n",
        shareholdings="holder_id,company_id,share_pct\n" + "".join(f"{a},{b},{p}\n" for a, b, p in sh),
        positions="person_id,company_id,role\n" + "".join(f"{a},{b},{r}\n" for a, b, r in sorted(pos)),
        loans="id,borrower_id,lender_id,balance\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in loans),
        guarantees="id,guarantor_id,borrower_id,amount\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in gs),
    )
    return tables, dict(E=E, cap=cap, sh=sh, pos=pos, loans=loans, gs=gs)


def majority(rx, ry, reading):
    """More than half of x's directors or of its senior managers (separately), or of
    both counted together (combined), hold a seat in y (reference of the rule)."""
    seats_y = {p for p, r in ry.items() if r & SENIOR_ROLES}
    if reading == "combined":
        group = {p for p, r in rx.items() if r & SENIOR_ROLES}
        return len(group & seats_y) > len(group) / 2
    placed = DIRECTOR_ROLES | MANAGER_ROLES
    directors = {p for p, r in rx.items()
                 if r & DIRECTOR_ROLES or ("legal_representative" in r and not r & placed)}
    managers = {p for p, r in rx.items() if r & MANAGER_ROLES}
    return any(len(g & seats_y) > len(g) / 2 for g in (directors, managers))


def reference(raw, mode, reading="separately"):
    E, T = raw["E"], 25.0
    H = python_fixed_point(raw["sh"], T) if mode == "passthrough" else brute(raw["sh"], mode)
    h = lambda a, b: H.get((a, b), 0.0)  # noqa: E731
    owners = {a for a, _, _ in raw["sh"]}
    cap = {e: (float(c) if c not in ("", "0") else None) for e, c in zip(E, raw["cap"], strict=True)}
    borrow = {e: sum(b for _, x, _, b in raw["loans"] if x == e) for e in E}
    roles = {}
    for p, c, r in raw["pos"]:
        roles.setdefault(c, {}).setdefault(p, set()).add(r)
    out = {}
    for x, y in itertools.combinations(sorted(E), 2):
        rules = []
        if h(x, y) >= T or h(y, x) >= T:
            rules.append("equity")
        if any(h(p, x) >= T and h(p, y) >= T for p in owners if p not in (x, y)):
            rules.append("common_owner")
        bal = sum(b for _, bo, le, b in raw["loans"] if {bo, le} == {x, y})
        if bal > 0 and any(cap[e] is not None and bal >= 0.5 * cap[e] for e in (x, y)):
            rules.append("lending")
        for g, b in ((x, y), (y, x)):
            amt = sum(a for _, gg, bb, a in raw["gs"] if (gg, bb) == (g, b))
            if amt > 0 and borrow[b] > 0 and amt >= 0.1 * borrow[b]:
                rules.append("guarantee")
                break
        rx, ry = roles.get(x, {}), roles.get(y, {})
        key = any(rx[p] & MANAGEMENT_ROLES and ry.get(p, set()) & MANAGEMENT_ROLES for p in rx)
        if key or majority(rx, ry, reading) or majority(ry, rx, reading):
            rules.append("management")
        if rules:
            out[x, y] = rules
    return out


@pytest.mark.parametrize("mode", ["passthrough", "multiply", "weakest_link"])
@pytest.mark.parametrize("seed", range(15))
def test_random_datasets_match_pairwise_reference(make_dataset, seed, mode):
    rng = random.Random(seed)
    tables, raw = random_dataset(rng)
    ds = load_dataset(make_dataset(**tables))
    reading = ("separately", "combined")[seed % 2]
    params = RelatedParams(ownership=OwnershipParams(mode, floor=0, max_depth=20),
                           management_majority=reading)
    rp = related_parties(ds, params=params, block_budget=rng.choice([1, 3, 10**6]))
    got = {(p["a"], p["b"]): p["rules"] for p in rp.pairs()}
    assert got == reference(raw, mode, reading)
    assert rp.pair_count == len(got)
    assert rp.rule_counts == {r: sum(r in v for v in got.values()) for r in rp.rules}
    G = nx.Graph(list(got))
    want = sorted((sorted(c) for c in nx.connected_components(G)), key=lambda g: (-len(g), g[0]))
    assert rp.groups == want


def test_a_state_holder_is_counted_without_listing_all_pairs(make_dataset):
    k = 300
    tables = dict(
        enterprises="id,name\nS,国资\n" + "".join(f"F{i:03d},f\n" for i in range(k)),
        shareholdings="holder_id,company_id,share_pct\n" + "".join(f"S,F{i:03d},30\n" for i in range(k)))
    ds = load_dataset(make_dataset(**tables))
    rp = related_parties(ds, rules="common_owner", block_budget=5000)
    assert rp.pair_count == k * (k - 1) // 2
    assert len(rp.groups) == 1 and len(rp.groups[0]) == k
    first = list(rp.pairs(max_pairs=5))
    assert [(p["a"], p["b"]) for p in first] == [("F000", f"F00{i}") for i in range(1, 6)]
