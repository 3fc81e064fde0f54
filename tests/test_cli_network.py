"""The circles, chains and exposure commands (SPEC §9)."""




from .conftest import DEMO, DEMO_GBK, DEMO_XLSX, run, run_json


def test_circles_json_keys(small):
    data = run_json("circles", small)
    assert set(data) >= {"groups", "circles", "edges", "summary"}
    assert set(data["groups"][0]) >= {"id", "members", "size"}
    c = data["circles"][0]
    assert set(c) >= {"id", "members", "size", "creditor_committee", "cycles",
                      "cycles_truncated", "loan_total", "guarantee_total", "npl_share",
                      "creditors", "focus_members"}
    assert c["members"] == ["E1", "E2"] and c["cycles"] == [["E1", "E2"]]
    e = {x["id"]: x for x in data["edges"]}
    assert set(e["G1"]) >= {"id", "guarantor_id", "borrower_id", "amount", "patterns"}
    assert e["G1"]["patterns"] == ["mutual"] and e["G4"]["patterns"] == ["chain"]


def test_circles_table_and_csv(small, tmp_path):
    r = run("circles", small)
    assert r.exit_code == 0, r.output
    assert "担保圈" in r.stdout and "C001" in r.stdout and "甲公司" in r.stdout
    out = tmp_path / "c.csv"
    assert run("circles", small, "--format", "csv", "-o", out).exit_code == 0
    text = out.read_text("utf-8-sig")
    assert text.splitlines()[0].startswith("circle 担保圈,size 成员数") and "C001" in text


def test_circles_options(small):
    data = run_json("circles", small, "--max-cycles", "1", "--max-cycle-length", "2",
                    "--committee-banks", "1")
    # --committee-banks is the watch threshold (SPEC §5); the committee needs a debtor
    assert data["circles"][0]["watch"] is True
    assert data["circles"][0]["creditor_committee"] is False
    assert data["params"]["max_cycles"] == 1
    r = run("circles", small, "--max-cycle-length", "1")
    assert r.exit_code == 1 and "max_cycle_length" in r.output and "Traceback" not in r.output


def test_committees_json(small):
    """SPEC §9: ``committees DATASET`` gives ``{"committees": [{"debtor", "debt", "banks",
    "microloans", "others", "mixed", "reasons"}], ...}``.  The tiny dataset: E2 distressed
    (500 from B1, substandard), E3 defaulted (300 from B2, loss; 50 from M1) — below 5,000
    万元 by default; with --min-debt 300 --banks 1 both need a committee."""
    data = run_json("committees", small)
    assert set(data) >= {"committees", "debtors", "circles", "groups", "summary", "params"}
    assert data["committees"] == [] and data["summary"]["below_min_debt"] == 2
    data = run_json("committees", small, "--min-debt", "300", "--banks", "1")
    assert [c["debtor"] for c in data["committees"]] == ["E2", "E3"]
    c = data["committees"][1]
    assert set(c) >= {"debtor", "debt", "banks", "microloans", "others", "mixed", "reasons"}
    assert (c["debt"], c["banks"], c["microloans"], c["others"], c["mixed"]) == (350, 1, 1, 0,
                                                                                 False)
    assert {"code", "zh", "en"} <= set(c["reasons"][0])
    assert data["circles"][0]["committee_debtors"] == ["E2"]
    data = run_json("committees", small, "--min-debt", "300", "--banks", "2",
                    "--microloans", "1")
    assert [c["debtor"] for c in data["committees"]] == ["E3"]     # one microloan company
    assert run_json("committees", small, "--watch-banks", "1")["summary"]["circles_watch"] == 1


def test_committees_table_csv_and_errors(small, tmp_path):
    r = run("committees", small, "--min-debt", "300", "--banks", "1")
    assert r.exit_code == 0, r.output
    assert "需组建债委会: 2" in r.stdout and "乙公司" in r.stdout and "债权银行 1 家" in r.stdout
    out = tmp_path / "c.csv"
    assert run("committees", small, "--min-debt", "300", "--banks", "1", "--format", "csv",
               "-o", out).exit_code == 0
    lines = out.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("debtor 债务人编号,name 债务人") and len(lines) == 3
    r = run("committees", small, "--banks", "0")
    assert r.exit_code == 1 and "banks" in r.output and "Traceback" not in r.output


def test_committees_on_the_demo():
    data = run_json("committees", DEMO)
    assert data["summary"]["committees"] == 1 and data["summary"]["circles_watch"] == 1
    assert data["committees"][0]["banks"] == 4 and data["committees"][0]["debt"] == 5600
    data = run_json("committees", DEMO, "--min-debt", "1000", "--banks", "2")
    assert data["summary"]["committees"] == 4


def test_chains_json(small):
    data = run_json("chains", small, "P1", "--direction", "down", "--depth", "2")
    assert data["root"] == "P1" and data["direction"] == "down"
    assert [(e["id"], e["hops"]) for e in data["entities"]] == [("E3", 1), ("E2", 2)]
    assert set(data["entities"][0]) >= {"id", "name", "hops", "paths", "amount_at_stake"}
    step = data["entities"][1]["paths"][0][1]
    assert step == {"guarantee_id": "G3", "guarantee_ids": ["G3"], "from": "E3", "to": "E2",
                    "amount": 100.0}


def test_chains_table(small):
    r = run("chains", small, "E2", "--direction", "up")
    assert r.exit_code == 0 and "乙公司←丙公司←张三" in r.stdout


def test_chains_errors(small):
    r = run("chains", small, "NOPE", "--direction", "up")
    assert r.exit_code == 1 and "NOPE" in r.output and "Traceback" not in r.output
    assert run("chains", small, "E1").exit_code == 2                    # --direction missing
    assert run("chains", small, "E1", "--direction", "left").exit_code == 2
    r = run("chains", small, "E1", "--direction", "up", "--depth", "0")
    assert r.exit_code == 1 and "depth" in r.output


def test_exposure_lender_and_borrower(small):
    data = run_json("exposure", small, "--lender", "B1")
    assert set(data) >= {"lender", "book", "by_group", "by_circle", "borrowers",
                         "largest_chains"}
    assert data["book"]["balance"] == 1500
    data = run_json("exposure", small, "--borrower", "E2", "--depth", "1")
    assert data["depth"] == 1 and data["lenders"][0]["lender_id"] == "B1"
    r = run("exposure", small, "--lender", "B1")
    assert r.exit_code == 0 and "最大担保链" in r.stdout


def test_exposure_errors(small):
    assert run("exposure", small).exit_code == 2
    assert run("exposure", small, "--lender", "B1", "--borrower", "E1").exit_code == 2
    r = run("exposure", small, "--lender", "E3")
    assert r.exit_code == 1 and "lends nothing" in r.output and "Traceback" not in r.output


def test_demo_all_forms_agree():
    ref = run_json("circles", DEMO)
    # at 2026-03-31 (every form declares it): the 酒业 circle broke with G005/G006 and
    # the 矿业 – 石材 group went with G031
    assert len(ref["circles"]) == 3 and len(ref["groups"]) == 9
    for other in (DEMO_XLSX, DEMO_GBK):
        if other.exists():
            assert run_json("circles", other) == ref
    chains = run_json("chains", DEMO, "I06", "--direction", "down")
    # the guarantee company's star: 家具, 服装, 印刷; G027 (for 马超) ended 2025-12-31
    assert len(chains["entities"]) == 3
    if DEMO_XLSX.exists():
        assert run_json("chains", DEMO_XLSX, "I06", "--direction", "down") == chains
    book = run_json("exposure", DEMO, "--lender", "I01")
    if DEMO_GBK.exists():
        assert run_json("exposure", DEMO_GBK, "--lender", "I01") == book
