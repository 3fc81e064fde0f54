"""Every validation rule of SPEC §1, each with its file:line message."""

import pandas as pd
import pytest

from graphrisk.errors import DatasetError
from graphrisk.io.dataset import LoadOptions
from graphrisk.io.load import load_dataset
from graphrisk.io.validate import uscc_mask

from .conftest import SMALL

E = "id,name\nE1,a\nE2,b\nE3,c\n"
GOOD_CODE = "91350100M000100Y43"
BAD_CODE = "91350100M000100Y44"

CASES = [
    # (tables, expected error)
    (dict(enterprises=E + "E2,dup\n"), "enterprises.csv:5: id 'E2' is already declared at enterprises.csv:3"),
    (dict(enterprises=E, persons="id,name\nE1,p\n"),
     "persons.csv:2: id 'E1' is already declared at enterprises.csv:2"),
    (dict(enterprises=E, institutions="id,name\nE3,bank\n"),
     "institutions.csv:2: id 'E3' is already declared at enterprises.csv:4"),
    (dict(enterprises="id,name\nE1,a\n,b\n"), "enterprises.csv:3: id is empty but required (统一社会信用代码)"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nX,E1,10\n"),
     "shareholdings.csv:2: holder_id 'X' is not a known entity"),
    (dict(enterprises=E, persons="id,name\nP1,p\n", shareholdings="holder_id,company_id,share_pct\nE1,P1,10\n"),
     "shareholdings.csv:2: company_id 'P1' is a Person, expected Enterprise"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E1,10\n"),
     "shareholdings.csv:2: holder_id 'E1' holds shares in itself"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E2,0\n"),
     "shareholdings.csv:2: share_pct '0' is outside (0, 100]"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E2,100.1\n"),
     "shareholdings.csv:2: share_pct '100.1' is outside (0, 100]"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E2,abc\n"),
     "shareholdings.csv:2: share_pct 'abc' is not a number"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E3,60\nE2,E3,40.6\n"),
     "shareholdings.csv:3: share_pct: the shares held in 'E3' sum to 100.60 % (> 100 + 0.5) over lines 2, 3"),
    (dict(enterprises=E, persons="id,name\nP1,p\n", positions="person_id,company_id,role\nP1,E1,boss\n"),
     "positions.csv:2: role 'boss' is not one of: legal_representative 法定代表人, chairman 董事长, "
     "director 董事, general_manager 总经理, cfo 财务负责人, supervisor 监事, actual_controller 实际控制人"),
    (dict(enterprises=E, positions="person_id,company_id,role\nE2,E1,director\n"),
     "positions.csv:2: person_id 'E2' is a Enterprise, expected Person"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n", loans="id,borrower_id,lender_id,balance\nL1,E1,B1,-1\n"),
     "loans.csv:2: balance '-1' is negative"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n", loans="id,borrower_id,lender_id,balance\nL1,B1,E1,1\n"),
     "loans.csv:2: borrower_id 'B1' is a Institution, expected Enterprise or Person"),
    (dict(enterprises=E, loans="id,borrower_id,lender_id,balance\nL1,E1,E1,1\n"),
     "loans.csv:2: lender_id 'E1' lends to itself"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n",
          loans="id,borrower_id,lender_id,balance\nL1,E1,B1,1\nL1,E2,B1,1\n"),
     "loans.csv:3: id 'L1' is already used at loans.csv:2"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n",
          loans="id,borrower_id,lender_id,balance,classification\nL1,E1,B1,1,bad\n"),
     "loans.csv:2: classification 'bad' is not one of: normal 正常, special_mention 关注, "
     "substandard 次级, doubtful 可疑, loss 损失"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n",
          loans="id,borrower_id,lender_id,balance,start_date\nL1,E1,B1,1,2025-02-30\n"),
     "loans.csv:2: start_date '2025-02-30' is not a date (use YYYY-MM-DD)"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n",
          loans="id,borrower_id,lender_id,balance,overdue_days\nL1,E1,B1,1,2.5\n"),
     "loans.csv:2: overdue_days '2.5' is not a whole number >= 0"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E9,1\n"),
     "guarantees.csv:2: borrower_id 'E9' is not a known entity"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E1,1\n"),
     "guarantees.csv:2: guarantor_id 'E1' guarantees itself"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,-3\n"),
     "guarantees.csv:2: amount '-3' is negative"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount,loan_id\nG1,E1,E2,3,L9\n"),
     "guarantees.csv:2: loan_id 'L9' is not a known loan"),
    (dict(enterprises=E, institutions="id,name\nB1,b\n", loans="id,borrower_id,lender_id,balance\nL1,E3,B1,1\n",
          guarantees="id,guarantor_id,borrower_id,amount,loan_id\nG1,E1,E2,3,L1\n"),
     "guarantees.csv:2: loan_id 'L1' belongs to 'E3', not to the borrower 'E2'"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount,type\nG1,E1,E2,3,担保\n"),
     "guarantees.csv:2: type '担保' is not one of: joint_several 连带责任保证, general 一般保证, "
     "collateral 抵押, pledge 质押"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,\n"),
     "guarantees.csv:2: amount is empty but required (担保金额)"),
    (dict(enterprises="id,name,status\nE1,a,bankrupt\n"),
     "enterprises.csv:2: status 'bankrupt' is not one of: normal 正常, distressed 困难, defaulted 违约"),
    (dict(enterprises="id,name,pd\nE1,a,1.5\n"), "enterprises.csv:2: pd '1.5' is outside [0, 1]"),
    (dict(enterprises="id,name,registered_capital\nE1,a,-1\n"),
     "enterprises.csv:2: registered_capital '-1' is negative"),
    (dict(enterprises=E, events="enterprise_id,date,category,severity\nE1,2025-01-01,credit,5\n"),
     "events.csv:2: severity '5' is not a whole number from 1 to 4"),
    (dict(enterprises=E, events="enterprise_id,date,category\nE1,2025-01-01,weather\n"),
     "events.csv:2: category 'weather' is not one of: operating 经营风险, credit 信用风险, "
     "related 关联风险, public_opinion 舆情风险, other 其他"),
    (dict(enterprises=E, events="enterprise_id,date,category\nE1,,credit\n"),
     "events.csv:2: date is empty but required (日期)"),
    # SPEC §1: events.enterprise_id is "an enterprise or a person id" — not an institution
    (dict(enterprises=E, institutions="id,name\nB1,b\n",
          events="enterprise_id,date,category\nB1,2025-01-01,credit\n"),
     "events.csv:2: enterprise_id 'B1' is a Institution, expected Enterprise or Person"),
    (dict(enterprises=E, events="enterprise_id,date,category\nP9,2025-01-01,related\n"),
     "events.csv:2: enterprise_id 'P9' is not a known entity"),
]


@pytest.mark.parametrize("tables,expected", CASES, ids=[c[1].split(":")[0] + ":" + c[1].split(": ")[1][:30] for c in CASES])
def test_rule(make_dataset, tables, expected):
    with pytest.raises(DatasetError) as e:
        load_dataset(make_dataset(**tables))
    assert expected in [str(p) for p in e.value.errors]


def test_every_problem_reported_at_once(make_dataset):
    tables = dict(enterprises=E + "E2,dup\n",
                  guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E9,1\nG2,E2,E2,x\n",
                  shareholdings="holder_id,company_id,share_pct\nE1,E2,120\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(make_dataset(**tables))
    files = sorted({p.file for p in e.value.errors})
    assert files == ["enterprises.csv", "guarantees.csv", "shareholdings.csv"]
    assert len(e.value.errors) == 5


@pytest.mark.parametrize("text,expected", [
    ("2025-03-01", "2025-03-01"), ("2025/3/1", "2025-03-01"), ("20250301", "2025-03-01"),
    ("2025年3月1日", "2025-03-01"), ("", ""),
])
def test_date_forms(make_dataset, text, expected):
    path = make_dataset(enterprises=E, events=f"enterprise_id,date,category\nE1,{text or '2025-01-01'},credit\n",
                        institutions="id,name\nB1,b\n",
                        loans=f"id,borrower_id,lender_id,balance,start_date\nL1,E1,B1,1,{text}\n")
    assert load_dataset(path).loans["start_date"].iat[0] == expected


def test_amount_forms(make_dataset):
    path = make_dataset(enterprises='id,name,registered_capital\nE1,a,"1,234.5"\nE2,b,500万元\nE3,c,\n')
    v = load_dataset(path).enterprises["registered_capital"]
    assert v.iloc[:2].tolist() == [1234.5, 500.0] and pd.isna(v.iat[2])


def test_events_accept_a_person_id(make_dataset):
    """SPEC §1: ``events.csv`` ``enterprise_id`` is "an enterprise or a person id" (a person
    event: 主要股东、高管失联、外逃、被采取强制措施)."""
    path = make_dataset(enterprises=E, persons="id,name\nP1,马超\n",
                        events="enterprise_id,date,category,severity,description\n"
                               "P1,2025-09-02,related,4,实际控制人失联\n"
                               "E1,2025-09-03,credit,2,逾期\n")
    # dated at a day after both events, so that no "dates were not applied" warning
    # hides what is checked: a person id raises no warning
    ds = load_dataset(path, as_of="2025-12-31")
    assert ds.tables["events"]["enterprise_id"].tolist() == ["P1", "E1"]
    assert not ds.warnings


def test_person_events_unchecked_when_persons_unreadable(make_dataset):
    """A person id in events cannot be checked when persons.csv could not be read: one
    summary problem, not one per row (as for every reference)."""
    path = make_dataset(enterprises=E, persons="id,name\n\"P1,x\n",
                        events="enterprise_id,date,category\nP1,2025-01-01,related\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    msgs = [str(p) for p in e.value.errors]
    assert "events.csv: 1 reference to persons (enterprise_id) not checked because " \
        "persons.csv could not be read" in msgs
    assert not any("'P1' is not a known entity" in m for m in msgs), msgs


def test_negative_net_assets_allowed(make_dataset):
    path = make_dataset(enterprises="id,name,net_assets\nE1,a,-50\n")
    assert load_dataset(path).enterprises["net_assets"].iat[0] == -50


def test_defaults(small):
    ds = load_dataset(small)
    assert set(ds.loans["classification"]) <= {"normal", "substandard", "loss"}
    assert ds.guarantees.set_index("id").loc["G1", "type"] == "joint_several"
    assert ds.institutions["type"].tolist() == ["bank", "bank", "microloan"]


def test_pd_percent(make_dataset):
    assert load_dataset(make_dataset(enterprises="id,name,pd\nE1,a,5%\n")).enterprises["pd"].iat[0] == 0.05


def test_uscc_warning_and_strict(make_dataset):
    path = make_dataset(enterprises=f"id,name\n{GOOD_CODE},a\n{BAD_CODE},b\n")
    ds = load_dataset(path)
    assert [str(w) for w in ds.warnings] == [
        f"enterprises.csv:3: id '{BAD_CODE}' looks like a unified social credit code but its "
        "check character is wrong (GB 32100-2015)"]
    with pytest.raises(DatasetError) as e:
        load_dataset(path, LoadOptions(strict=True))
    assert len(e.value.errors) == 1 and e.value.errors[0].line == 3


def test_uscc_mask_vectorised():
    shaped, wrong = uscc_mask(pd.Series([GOOD_CODE, BAD_CODE, "E1", "91350100M000100YI3"]))
    assert shaped.tolist() == [True, True, False, True]
    assert wrong.tolist() == [False, True, False, True]


def test_soft_problems_are_warnings(make_dataset):
    path = make_dataset(
        enterprises="id,name,tags\nE1,a,real_estate;新兴产业\nE2,b,\n",
        shareholdings="holder_id,company_id,share_pct\nE1,E2,10\nE1,E2,20\n",
        institutions="id,name\nB1,b\n",
        loans="id,borrower_id,lender_id,balance,start_date,maturity_date\nL1,E1,B1,1,2025-05-01,2025-01-01\n",
    )
    ds = load_dataset(path)
    text = "\n".join(str(w) for w in ds.warnings)
    assert "unknown tag '新兴产业'" in text
    assert "shareholdings.csv:3: holder_id 'E1' holds 'E2' on an earlier line too" in text
    assert "loans.csv:2: maturity_date '2025-01-01' is before start_date '2025-05-01'" in text
    assert ds.enterprises["tags"].iat[0] == "real_estate;新兴产业"


def test_all_valid_small_has_no_problems(small):
    assert load_dataset(small).warnings == []


def test_error_listing_capped_per_rule(make_dataset):
    rows = "\n".join(f"G{i},E1,E9,1" for i in range(1200))
    with pytest.raises(DatasetError) as e:
        load_dataset(make_dataset(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\n" + rows))
    assert len(e.value.errors) == 1001
    assert "only the first 1000 are listed" in str(e.value.errors[-1])


def test_small_fixture_tables_are_valid():
    assert set(SMALL) >= {"enterprises", "guarantees"}
