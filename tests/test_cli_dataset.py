import json

from graphrisk.cli import main

from .conftest import run


def test_validate_ok_json(small):
    r = run("validate", small, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["valid"] is True and data["errors"] == []
    assert data["counts"]["guarantees"] == 4


def test_validate_broken_lists_every_problem(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\nE1,b\n",
                        guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E9,x\n")
    r = run("validate", path)
    assert r.exit_code == 1
    assert "enterprises.csv:3: id 'E1' is already declared at enterprises.csv:2" in r.output
    assert "guarantees.csv:2: borrower_id 'E9' is not a known entity" in r.output
    assert "guarantees.csv:2: amount 'x' is not a number" in r.output
    assert "Traceback" not in r.output
    r = run("validate", path, "--format", "json")
    data = json.loads(r.stdout)
    assert data["valid"] is False and len(data["errors"]) == 3
    assert {e["file"] for e in data["errors"]} == {"enterprises.csv", "guarantees.csv"}
    assert all(e["line"] > 1 and e["column"] for e in data["errors"])


def test_summary_table_and_json(small, tmp_path):
    r = run("summary", small)
    assert r.exit_code == 0, r.output
    assert "青山农商银行" in r.stdout and "1,500.00" in r.stdout
    out = tmp_path / "s.json"
    r = run("summary", small, "--format", "json", "-o", out)
    assert r.exit_code == 0
    assert json.loads(out.read_text("utf-8"))["loans"]["count"] == 5


def test_summary_csv_has_bom_in_file(small, tmp_path):
    out = tmp_path / "s.csv"
    assert run("summary", small, "--format", "csv", "-o", out).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "青山农商银行" in raw.decode("utf-8-sig")


def test_summary_on_broken_data_fails_cleanly(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\n", loans="id,borrower_id,lender_id,balance\nL1,E1,X,1\n")
    r = run("summary", path)
    assert r.exit_code == 1
    assert "loans.csv:2: lender_id 'X' is not a known entity" in r.output
    assert "Traceback" not in r.output


def test_missing_path():
    r = run("summary", "/nonexistent/dataset")
    assert r.exit_code == 2 and "does not exist" in r.output


def test_version_and_help():
    assert run("--version").output.startswith("graphrisk, version")
    r = run("-h")
    assert r.exit_code == 0 and "validate" in r.output


def test_every_command_has_help_with_example():
    for name, cmd in main.commands.items():
        if hasattr(cmd, "commands"):
            subs = cmd.commands.values()
        else:
            subs = [cmd]
        for c in subs:
            assert c.help and "Example" in c.help, name


def test_bundled_broken_dataset_lists_every_problem():
    from .conftest import REPO

    r = run("validate", REPO / "datasets" / "broken", "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    texts = [e["text"] for e in data["errors"]]
    assert len(texts) == 8
    assert "guarantees.csv:4: guarantor_id '91331122MA2HX3K417' guarantees itself" in texts
    assert "shareholdings.csv:3: holder_id 'P009' is not a known entity" in texts
    assert [w["line"] for w in data["warnings"]] == [5]
