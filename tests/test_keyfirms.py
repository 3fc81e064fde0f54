"""Key-enterprise selection (SPEC §8): one hand-built case per criterion, thresholds,
parameters, the credit basis (used, or the credit line when asked) and the demo.

SPEC §8: "Key enterprises (重点企业) are selected by documented, parameterised criteria,
on credit *used* (用信, on and off balance: loan balances plus guarantees given;
`credit_line` only when asked) …"
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from graphrisk.params import KeyFirmParams
from graphrisk.watch.key_enterprises import CREDIT_SOURCES, CRITERIA, credit_usage, key_enterprises

from .conftest import DEMO

NO_TOP = KeyFirmParams(top_n=0, related=False, circle_members=False)

# credit_line is deliberately different from the credit used, to show which one counts
TAGS = """
    id,name,credit_line,tags
    A,甲,,overcapacity
    B,乙,9000,real_estate
    C,丙,,
    C2,丙二,,
    D,丁,,key_project
    E,戊,,key_project
    F,己,,agri_leader
    G,庚,,agri_leader
    H,辛,,cross_region
    H2,辛二,,cross_region
    I,壬,,lgfv
    J,癸,100,lgfv;agri_leader
    T,税,,tax_livelihood
    T2,税二,,税收民生重要企业
    """
TAG_LOANS = """
    id,borrower_id,lender_id,balance
    LA,A,B1,2000
    LB,B,B1,2999.99
    LC,C,B1,5000
    LC2,C2,B1,4999
    LD,D,B1,2000
    LE,E,B1,1999
    LF,F,B1,1000
    LG,G,B1,999
    LH,H,B1,2000
    LH2,H2,B1,1500
    LI1,I,B1,2000
    LI2,I,B1,1500
    LJ,J,B1,3500
    """
# A's guarantee for C2 is off-balance credit used by A (not by C2)
TAG_GUARANTEES = "id,guarantor_id,borrower_id,amount\nGA,A,C2,1000\n"
BANK = "id,name\nB1,青山银行\n"


def criteria_of(result) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for eid, code in zip(result.criteria["id"], result.criteria["code"], strict=True):
        out.setdefault(eid, set()).add(code)
    return out


def figures(result, eid: str, code: str) -> dict:
    c = result.criteria
    return c[(c["id"] == eid) & (c["code"] == code)]["figures"].iat[0]


@pytest.fixture
def tagged(make_dataset):
    return load_dataset(make_dataset(enterprises=TAGS, loans=TAG_LOANS,
                                     guarantees=TAG_GUARANTEES, institutions=BANK))


def test_each_credit_and_tag_criterion_at_its_threshold(tagged):
    """SPEC §8: "≥ 3,000 万元 in a key sector …; … ≥ 5,000 万元; `key_project` … with
    ≥ 2,000 万元; `agri_leader` … with ≥ 1,000 万元; `cross_region` … with ≥ 2,000 万元;
    `tax_livelihood` (important to local taxes or livelihoods)" — on the credit used."""
    got = criteria_of(key_enterprises(tagged, params=NO_TOP))
    assert got == {
        "A": {"key_sector"},            # loans 2,000 + guarantee given 1,000 = 3,000 (inclusive)
        "C": {"large_credit"},          # 5,000
        "D": {"key_project"},           # 2,000
        "F": {"agri_leader"},           # 1,000
        "H": {"cross_region"},          # 2,000
        "I": {"key_sector"},            # two loans 2,000 + 1,500
        "J": {"key_sector", "agri_leader"},  # 3,500 used; its credit_line 100 is ignored
        "T": {"tax_livelihood"},        # whatever its credit (none here)
        "T2": {"tax_livelihood"},       # the Chinese label of the tag
    }
    # B: credit_line 9,000 but only 2,999.99 used; C2: 4,999 (A's guarantee is A's credit)


def test_credit_is_used_by_default_and_the_line_only_when_asked(tagged):
    """SPEC §8: "on credit *used* (用信, on and off balance: loan balances plus guarantees
    given; `credit_line` only when asked)"; policy: "用信额度(含表内外)"."""
    cu = credit_usage(tagged)
    assert cu.loc["A", ["loan_balance", "guarantees_given", "used", "credit"]].tolist() == [
        2000, 1000, 3000, 3000]
    assert set(cu["credit_source"]) == {"used"}
    assert cu.loc["B", "credit"] == 2999.99 and cu.loc["B", "credit_line"] == 9000
    assert cu.loc["C2", "credit"] == 4999  # the guarantee A gave for it is not C2's credit
    assert figures(key_enterprises(tagged, params=NO_TOP), "I", "key_sector") == {
        "credit": 3500.0, "credit_source": "used", "tags": ["lgfv"]}

    line = KeyFirmParams(top_n=0, related=False, circle_members=False, credit_basis="line")
    cu = credit_usage(tagged, params=line)
    assert cu.loc["B", "credit"] == 9000 and cu.loc["B", "credit_source"] == "credit_line"
    assert cu.loc["J", "credit"] == 100
    # no credit_line: the credit used stands in, and the figures say so
    assert cu.loc["A", "credit"] == 3000 and cu.loc["A", "credit_source"] == "used"
    res = key_enterprises(tagged, params=line)
    got = criteria_of(res)
    assert got["B"] == {"key_sector", "large_credit"} and "J" not in got
    assert figures(res, "B", "large_credit") == {"credit": 9000.0,
                                                 "credit_source": "credit_line"}
    assert set(CREDIT_SOURCES) == {"used", "credit_line"}


def test_thresholds_are_parameters(tagged):
    p = KeyFirmParams(top_n=0, related=False, circle_members=False, sector_credit=2999,
                      large_credit=4999, key_project_credit=1999, agri_leader_credit=999,
                      cross_region_credit=1500)
    got = criteria_of(key_enterprises(tagged, params=p))
    assert "key_sector" in got["B"] and "large_credit" in got["C2"]
    assert "key_project" in got["E"] and "agri_leader" in got["G"] and "cross_region" in got["H2"]
    # a sector list without lgfv drops I and J's sector criterion
    p = KeyFirmParams(top_n=0, related=False, circle_members=False,
                      sector_tags=("overcapacity",))
    got = criteria_of(key_enterprises(tagged, params=p))
    assert "I" not in got and got["J"] == {"agri_leader"}
    # another livelihood tag, or none
    p = KeyFirmParams(top_n=0, related=False, circle_members=False, livelihood_tag="lgfv")
    got = criteria_of(key_enterprises(tagged, params=p))
    assert "T" not in got and "tax_livelihood" in got["I"] and "tax_livelihood" in got["J"]
    p = KeyFirmParams(top_n=0, related=False, circle_members=False, livelihood_tag="")
    assert "T" not in criteria_of(key_enterprises(tagged, params=p))


def test_top_credit_ranks_by_credit_used_then_id(make_dataset):
    """SPEC §8: "the 10 largest credit users" — ranked by credit used."""
    rows = "\n".join(f"E{i:02d},企业{i}" for i in range(1, 15))
    loans = "\n".join(f"L{i:02d},E{i:02d},B1,{100 * (i % 7) + 1}" for i in range(1, 15))
    ds = load_dataset(make_dataset(enterprises="id,name\n" + rows + "\nZ,无用信\n",
                                   institutions=BANK,
                                   loans="id,borrower_id,lender_id,balance\n" + loans))
    res = key_enterprises(ds, params=KeyFirmParams(related=False))
    top = res.criteria[res.criteria["code"] == "top_credit"]
    credit = credit_usage(ds)["credit"]
    expected = sorted(credit.index, key=lambda i: (-credit[i], i))[:10]
    # by hand: 601 for E06 and E13, 501 for E05 and E12, … 201 for E02 and E09
    assert expected == ["E06", "E13", "E05", "E12", "E04", "E11", "E03", "E10", "E02", "E09"]
    assert sorted(top["id"]) == sorted(expected)
    ranks = {r["id"]: r["figures"]["rank"] for _, r in top.iterrows()}
    assert [ranks[i] for i in expected] == list(range(1, 11))
    res = key_enterprises(ds, params=KeyFirmParams(related=False, top_n=3))
    assert len(res.criteria[res.criteria["code"] == "top_credit"]) == 3


def test_top_credit_skips_firms_without_credit(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name,credit_line\nA,a,\nB,b,5000\nC,c,\n",
                                   institutions=BANK,
                                   loans="id,borrower_id,lender_id,balance\nL1,A,B1,10\n"
                                         "L2,C,B1,0\n"))
    res = key_enterprises(ds, params=KeyFirmParams(related=False))
    assert list(res.criteria["id"]) == ["A"]  # B's 5,000 is a line, not credit used


# K is key by its credit used (a loan of 6,000); around it one firm per test of the text
GROUP = dict(
    enterprises="""
        id,name,paid_in_capital
        K,核心企业,10000
        S,参股25%,
        T,参股24.9%,
        X,同一股东,
        L,借款企业,1000
        M,借款不足,1000
        Z,担保人,
        Z2,担保不足,
        Y,同一法人企业,
        W,无关企业,
        """,
    persons="id,name\nP,张三\nQ,李四\n",
    shareholdings="""
        holder_id,company_id,share_pct
        K,S,25
        K,T,24.9
        P,K,30
        P,X,25
        """,
    positions="""
        person_id,company_id,role
        Q,K,legal_representative
        Q,Y,legal_representative
        """,
    institutions=BANK,
    loans="""
        id,borrower_id,lender_id,balance
        LK,K,B1,6000
        LL,L,K,500
        LM,M,K,499
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id
        GZ,Z,K,600,LK
        GZ2,Z2,K,599,LK
        """,
)


def test_important_related_parties_by_the_four_tests_of_the_text(make_dataset):
    """Issue 14 (重要关联, 7th criterion): "the text's four tests are ≥ 25 % holding either
    way, a common owner with ≥ 25 % of both, loans between them ≥ 50 % of either's
    capital, guarantees ≥ 10 % of the other's borrowings"; SPEC §8: "important related
    parties of any of these, by the four tests of the text"."""
    ds = load_dataset(make_dataset(**GROUP))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    got = criteria_of(res)
    assert got == {"K": {"large_credit"}, "S": {"related"}, "X": {"related"},
                   "L": {"related"}, "Z": {"related"}}
    figs = res.criteria.set_index("id")["figures"]
    # K holds 25 % of S; P holds 30 % of K, so (passthrough) also K's 25 % of S
    assert figs["S"] == {"key_firms": ["K"], "rules": [["common_owner", "equity"]]}
    assert figs["X"] == {"key_firms": ["K"], "rules": [["common_owner"]]}  # P: 30 % and 25 %
    assert figs["L"] == {"key_firms": ["K"], "rules": [["lending"]]}  # 500 = 50 % of 1,000
    assert figs["Z"] == {"key_firms": ["K"], "rules": [["guarantee"]]}  # 600 = 10 % of 6,000
    # not reached: T 24.9 %; M 499 (49.9 % of its 1,000); Z2 599 (9.98 %);
    # Y shares K's legal representative: management is not one of the four tests


def test_management_is_an_option(make_dataset):
    """Issue 14: "Default to the four tests; management stays available as an option"."""
    ds = load_dataset(make_dataset(**GROUP))
    p = KeyFirmParams(top_n=0, related_rules=("equity", "common_owner", "lending", "guarantee",
                                              "management"))
    res = key_enterprises(ds, params=p)
    assert criteria_of(res)["Y"] == {"related"}
    assert res.criteria.set_index("id")["figures"]["Y"] == {"key_firms": ["K"],
                                                            "rules": [["management"]]}


def test_related_thresholds_and_rules_are_parameters(make_dataset):
    ds = load_dataset(make_dataset(**GROUP))
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0, related_equity=24.9)))
    assert "related" in got["T"]  # 24.9 % now counts
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0,
                                                               related_rules=("equity",))))
    assert set(got) == {"K", "S"}
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0, related=False)))
    assert set(got) == {"K"}


def test_related_is_one_step_only(make_dataset):
    """SPEC §8: "important related parties of any of these" — of the firms selected by
    credit and tags, not of the related parties themselves."""
    tables = dict(GROUP)
    # S lends W 600 (60 % of W's capital): W is related to S, which is key only as a
    # related party, so W stays off the list
    tables["enterprises"] = tables["enterprises"].replace("W,无关企业,", "W,无关企业,1000")
    tables["loans"] += "LW,W,S,600\n"
    ds = load_dataset(make_dataset(**tables))
    got = criteria_of(key_enterprises(ds, params=KeyFirmParams(top_n=0)))
    assert "S" in got and "W" not in got


def test_related_parties_of_a_livelihood_firm(make_dataset):
    """SPEC §8: `tax_livelihood` is one of the criteria whose important related parties
    are key too."""
    ds = load_dataset(make_dataset(enterprises="id,name,tags\nT,税,tax_livelihood\nU,子,\n",
                                   shareholdings="holder_id,company_id,share_pct\nT,U,30\n"))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    assert criteria_of(res) == {"T": {"tax_livelihood"}, "U": {"related"}}
    assert figures(res, "T", "tax_livelihood") == {"credit": 0.0, "credit_source": "used"}


CIRCLES = dict(
    enterprises="id,name\nA,甲\nB,乙\nC,丙\nD,丁\nE,戊\nF,己\nG,庚\nH,辛\nX,子公司\n",
    persons="id,name\nP,张三\n",
    shareholdings="holder_id,company_id,share_pct\nA,X,60\n",
    guarantees="""
        id,guarantor_id,borrower_id,amount
        g1,A,B,100
        g2,B,A,100
        g3,C,D,100
        g4,D,C,100
        g5,D,E,100
        g6,E,C,100
        g7,F,G,100
        g8,P,H,100
        g9,H,P,100
        """,
)


def test_members_of_a_guarantee_circle_or_mutual_pair(make_dataset):
    """SPEC §8: "members of a guarantee circle or mutual pair (涉及互联互保)" are key;
    a circle is a strongly connected component of >= 2 (SPEC §5), a mutual pair (互保)
    the smallest."""
    ds = load_dataset(make_dataset(**CIRCLES))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    # F → G is a chain, not a circle; P is a person; X is related to A, but A is key
    # only as a circle member, whose related parties are not added
    assert criteria_of(res) == {k: {"mutual_guarantee"} for k in "ABCDEH"}
    # by hand, without loans the circles rank by size, then by first member:
    # {C, D, E} C001, {A, B} C002, {H, P} C003
    assert figures(res, "C", "mutual_guarantee") == {"circle": "C001", "members": 3,
                                                     "mutual": ["D"]}
    assert figures(res, "E", "mutual_guarantee") == {"circle": "C001", "members": 3,
                                                     "mutual": []}
    assert figures(res, "A", "mutual_guarantee") == {"circle": "C002", "members": 2,
                                                     "mutual": ["B"]}
    assert figures(res, "H", "mutual_guarantee") == {"circle": "C003", "members": 2,
                                                     "mutual": ["P"]}
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0, circle_members=False))
    assert len(res.criteria) == 0


def test_private_lending_by_tag_and_by_private_debt_words_only(make_dataset):
    """SPEC §8: "firms with heavy private borrowing or disputes about it
    (`private_lending`, or events about 民间借贷)"; issue 14: "`private_lending` from
    events only by … explicit keywords about private debt (民间借贷, 高利贷, 非法集资),
    not any 诉讼/纠纷"."""
    ds = load_dataset(make_dataset(
        enterprises="id,name,tags\nA,a,private_lending\nB,b,\nC,c,\nD,d,\nE,e,民间借贷\n"
                    "F,f,\nG,g,\nH,h,\n",
        events="""
            enterprise_id,date,category,severity,description
            B,2025-01-02,credit,3,涉及多起民间借贷纠纷
            C,2025-02-03,other,2,Contract DISPUTE with a supplier
            D,2025-03-04,operating,2,停产检修
            F,2025-03-05,other,2,涉及矿权纠纷诉讼
            G,2025-03-06,public_opinion,3,网传非法集资，出借人聚集讨债
            H,2025-03-07,related,2,Owner harassed by a LOAN SHARK
            """))
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0))
    assert criteria_of(res) == {k: {"private_lending"} for k in "ABEGH"}
    figs = res.criteria.set_index("id")["figures"]
    assert figs["A"] == {"tag": True, "events": []}
    assert figs["B"] == {"tag": False, "events": [{"date": "2025-01-02",
                                                   "description": "涉及多起民间借贷纠纷"}]}
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0, dispute_keywords=()))
    assert set(res.criteria["id"]) == {"A", "E"}
    # the old, wider reading is still available as a parameter
    res = key_enterprises(ds, params=KeyFirmParams(top_n=0, dispute_keywords=("纠纷",)))
    assert set(res.criteria["id"]) == {"A", "B", "E", "F"}


def test_empty_and_no_key(make_dataset):
    ds = load_dataset(make_dataset(enterprises="id,name\nA,a\n"))
    res = key_enterprises(ds)
    assert len(res.criteria) == 0 and res.ids == []
    assert not res.mask(build_network(ds).n).any()
    assert list(credit_usage(ds)["credit"]) == [0.0]


def test_parameter_errors():
    with pytest.raises(ParameterError):
        KeyFirmParams(top_n=-1)
    with pytest.raises(ParameterError):
        KeyFirmParams(related_rules=("friendship",))
    with pytest.raises(ParameterError):
        KeyFirmParams(related_equity=0)
    with pytest.raises(ParameterError):
        KeyFirmParams(large_credit=-5)
    with pytest.raises(ParameterError):
        KeyFirmParams(credit_basis="limit")


def test_every_criterion_has_labels():
    assert all(zh and en for zh, en in CRITERIA.values())
    assert list(CRITERIA)[-4:] == ["tax_livelihood", "related", "mutual_guarantee",
                                   "private_lending"]


def test_demo_key_enterprises():
    ds = load_dataset(DEMO)
    net = build_network(ds)
    res = key_enterprises(net)
    got = criteria_of(res)
    names = ds.names()
    e = ds.tables["enterprises"].set_index("id")
    # independent check of the credit criteria on the raw tables: loans + guarantees given
    used = (ds.tables["loans"].groupby("borrower_id")["balance"].sum()
            .add(ds.tables["guarantees"].groupby("guarantor_id")["amount"].sum(), fill_value=0)
            .reindex(e.index).fillna(0))
    for eid, c in used.items():
        tags = set(str(e.loc[eid, "tags"]).split(";"))
        assert ("large_credit" in got.get(eid, set())) == (c >= 5000), names[eid]
        assert ("key_sector" in got.get(eid, set())) == (
            c >= 3000 and bool(tags & {"overcapacity", "real_estate", "lgfv"})), names[eid]
    assert len(res.criteria[res.criteria["code"] == "top_credit"]) == 10
    # at the demo's date, 2026-03-31, G005 (酒业 → 饮料) and G006 (饮料 → 玻璃制品) have
    # ended: the circle 饮料 / 玻璃制品 / 酒业 is gone, and so are the three firms, key only
    # as its members (SPEC §1: "what is not live at D is excluded from every analysis")
    assert Counter(res.criteria["code"]) == {
        "related": 27, "mutual_guarantee": 10, "top_credit": 10, "key_sector": 4,
        "large_credit": 4, "cross_region": 3, "agri_leader": 1, "private_lending": 1,
        "key_project": 1, "tax_livelihood": 1}  # 青山县水务 is tagged tax_livelihood
    assert len(got) == 33 and res.mask(net.n).sum() == len(got)
    for firm in ("青山饮料有限公司", "青山玻璃制品有限公司", "青山酒业有限公司"):
        assert firm not in {names[k] for k in got}, firm
    assert np.all(res.criteria["pos"].to_numpy() == net.positions(res.criteria["id"]))
    by_name = {names[k]: v for k, v in got.items()}
    # the five related firms the 50 % control reading missed (issue 14, item 1)
    for firm in ("青山建材有限公司", "青山机械制造有限公司", "青山电器有限公司",
                 "青山冷链仓储有限公司", "青山五金有限公司"):
        assert "related" in by_name[firm], firm
    # related to 农业发展 only through 黄志明's posts: management is an option now
    assert "青山县东岭中药材种植专业合作社" not in by_name
    # 涉及矿权纠纷诉讼 is a dispute, not private borrowing
    assert "青山石材有限公司" not in by_name
    # the 10 enterprises of the three live demo circles (6 + 2 + 2): C001 (置业, 建工, 水泥,
    # 商砼, 机械制造, 五金), C002 (钢铁, 建材), C003 (纸业, 包装)
    circles = res.criteria[res.criteria["code"] == "mutual_guarantee"]
    assert Counter(f["circle"] for f in circles["figures"]) == {"C001": 6, "C002": 2,
                                                                "C003": 2}
    assert {names[i] for i, f in zip(circles["id"], circles["figures"], strict=True)
            if f["circle"] == "C003"} == {"青山纸业有限公司", "青山包装有限公司"}


def _related_reference(pairs, primary, net):
    """The related criterion, pair by pair (the original reading of the rule)."""
    is_key = set(primary)
    found: dict[str, dict[str, set[str]]] = {}
    for a, b, rules in zip(pairs["a"], pairs["b"], pairs["rules"], strict=True):
        for x, y in ((a, b), (b, a)):
            if y in is_key and net.kind[x] == 0:
                found.setdefault(net.ids[x], {}).setdefault(net.ids[y], set()).update(rules)
    return {x: {"key_firms": sorted(p), "rules": [sorted(p[k]) for k in sorted(p)]}
            for x, p in found.items()}


def test_related_criterion_against_a_pairwise_reference():
    """SPEC §8: "important related parties of any of these, by the four tests"; each
    firm lists its key partners (by id) and the tests relating it to each."""
    from graphrisk.watch._facts import related_pairs
    from graphrisk.watch.key_enterprises import primary_firms

    net = build_network(load_dataset(DEMO))
    primary = primary_firms(net).tolist()
    pairs, _ = related_pairs(net, primary, KeyFirmParams())
    res = key_enterprises(net, related_pairs=pairs)
    rows = res.criteria[res.criteria["code"] == "related"]
    assert dict(zip(rows["id"], rows["figures"], strict=True)) == _related_reference(
        pairs, primary, net)
    # the firms selected by credit and tags are the ones primary_firms names
    credit = {"key_sector", "top_credit", "large_credit", "key_project", "agri_leader",
              "cross_region", "tax_livelihood"}
    chosen = res.criteria[res.criteria["code"].isin(credit)]["pos"]
    assert sorted(set(chosen)) == primary
    # pairs given with their notes: the notes are kept
    res = key_enterprises(net, related_pairs=pairs, related_notes=["related parties: x"])
    assert res.notes == ["related parties: x"]
