"""Hardening of reading and validation: non-finite and absurd numbers, invisible
characters in ids and codes, and the first cause first when a table cannot be read."""

from __future__ import annotations

import json
import math
import os

import pandas as pd
import pytest
from openpyxl import Workbook

from graphrisk.cli import main
from graphrisk.domain.glossary import TABLES
from graphrisk.errors import DatasetError, ParameterError, Problem
from graphrisk.io.dataset import LoadOptions
from graphrisk.io.load import load_dataset
from graphrisk.io.read import read_tables
from graphrisk.io.validate import invisible_mask

from .conftest import SMALL, run

E = "id,name\nE1,a\nE2,b\nE3,c\n"
B = "id,name\nB1,bank\n"
NON_FINITE = ["inf", "-inf", "nan", "NaN", "Infinity", "-Infinity", "+inf", "INF", "1e999"]


def _errors(path, options=None) -> list[str]:
    with pytest.raises(DatasetError) as e:
        load_dataset(path, options)
    return [str(p) for p in e.value.errors]


# ------------------------------------------------------------ 1. non-finite and absurd numbers

#: (table texts with {v} where the number goes, file:line, column)
NUMBER_CELLS = [
    (dict(enterprises=E, institutions=B, loans="id,borrower_id,lender_id,balance\nL1,E1,B1,{v}\n"),
     "loans.csv:2", "balance"),
    (dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,E2,{v}\n"),
     "guarantees.csv:2", "amount"),
    (dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,E2,{v}\n"),
     "shareholdings.csv:2", "share_pct"),
    (dict(enterprises="id,name,pd\nE1,a,{v}\n"), "enterprises.csv:2", "pd"),
    (dict(enterprises="id,name,net_assets\nE1,a,{v}\n"), "enterprises.csv:2", "net_assets"),
    (dict(enterprises="id,name,credit_line\nE1,a,{v}\n"), "enterprises.csv:2", "credit_line"),
    (dict(enterprises=E, institutions=B,
          loans="id,borrower_id,lender_id,balance,overdue_days\nL1,E1,B1,1,{v}\n"),
     "loans.csv:2", "overdue_days"),
    (dict(enterprises=E, events="enterprise_id,date,category,severity\nE1,2025-01-01,credit,{v}\n"),
     "events.csv:2", "severity"),
]


@pytest.mark.parametrize("text", NON_FINITE)
@pytest.mark.parametrize("tables,where,column", NUMBER_CELLS,
                         ids=[c[2] for c in NUMBER_CELLS])
def test_non_finite_numbers_are_errors(make_dataset, tables, where, column, text):
    """Issue: "Non-finite and absurd numbers are accepted. A loan balance `inf` or `1e308`
    validates … Every amount, share, PD and capacity must be finite"."""
    path = make_dataset(**{k: v.format(v=text) for k, v in tables.items()})
    errors = _errors(path)
    # one error for the cell, not a second one from a range check
    assert errors == [f"{where}: {column} {text!r} is not a finite number"]


def test_plain_nan_text_is_not_a_finite_number_but_words_are_not_numbers(make_dataset):
    """Issue: "Every amount, share, PD and capacity must be finite"."""
    path = make_dataset(enterprises=E, institutions=B,
                        loans="id,borrower_id,lender_id,balance\nL1,E1,B1,nan万元\nL2,E1,B1,abc\n")
    assert _errors(path) == ["loans.csv:2: balance 'nan万元' is not a finite number",
                             "loans.csv:3: balance 'abc' is not a number"]


def _amount_columns():
    """Every amount column of every table, found through the glossary's column kinds."""
    return [(t.name, c.name) for t in TABLES.values() for c in t.columns
            if c.kind in ("amount", "signed_amount")]


def _one_row(table: str, column: str, value: str) -> dict[str, str]:
    """A dataset whose *table* has one row with *value* in *column* (line 2)."""
    base = dict(enterprises=E, institutions=B)
    rows = {
        "enterprises": ("id,name", "E9,x"),
        "loans": ("id,borrower_id,lender_id,balance", "L1,E1,B1,1"),
        "guarantees": ("id,guarantor_id,borrower_id,amount", "G1,E1,E2,1"),
    }
    head, row = rows[table]
    cols = head.split(",")
    cells = row.split(",")
    if column in cols:
        cells[cols.index(column)] = value
    else:
        cols.append(column)
        cells.append(value)
    if table == "enterprises":
        base["enterprises"] = ",".join(cols) + "\n" + ",".join(cells) + "\nE1,a\nE2,b\n"
    else:
        base[table] = ",".join(cols) + "\n" + ",".join(cells) + "\n"
    return base


def test_the_amount_columns_are_the_ones_of_the_spec():
    assert sorted(_amount_columns()) == sorted([
        ("enterprises", "registered_capital"), ("enterprises", "paid_in_capital"),
        ("enterprises", "net_assets"), ("enterprises", "total_assets"),
        ("enterprises", "total_liabilities"), ("enterprises", "credit_line"),
        ("loans", "balance"), ("guarantees", "amount")])


@pytest.mark.parametrize("table,column", _amount_columns())
def test_absurd_amounts_are_errors_with_file_line_and_column(make_dataset, table, column):
    """Issue: "amounts above a documented sanity bound (e.g. 10^9 万元) are errors with
    file, line and column, overridable by a parameter"."""
    path = make_dataset(**_one_row(table, column, "1e308"))
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    [p] = e.value.errors
    assert (p.file, p.line, p.column) == (f"{table}.csv", 2, column)
    assert str(p) == (f"{table}.csv:2: {column} '1e308' exceeds the largest amount accepted, "
                      f"1,000,000,000 万元{' in absolute value' if column == 'net_assets' else ''} "
                      "(if it is right, raise the bound with --max-amount or "
                      "LoadOptions(max_amount=…))")
    # overridable: a larger bound accepts it
    ds = load_dataset(path, LoadOptions(max_amount=1.5e308))
    assert ds.tables[table][column].max() == 1e308


def test_the_bound_itself_is_accepted_and_net_assets_use_the_absolute_value(make_dataset):
    """Issue: "amounts above a documented sanity bound (e.g. 10^9 万元) are errors"."""
    ok = make_dataset(enterprises="id,name,net_assets,total_assets\nE1,a,-1e9,1000000000\n")
    ds = load_dataset(ok)
    assert ds.enterprises["net_assets"].iat[0] == -1e9
    bad = make_dataset(enterprises="id,name,net_assets\nE1,a,-1000000001\nE2,b,-50\n")
    assert _errors(bad) == [
        "enterprises.csv:2: net_assets '-1000000001' exceeds the largest amount accepted, "
        "1,000,000,000 万元 in absolute value (if it is right, raise the bound with "
        "--max-amount or LoadOptions(max_amount=…))"]
    small = make_dataset(enterprises="id,name,registered_capital\nE1,a,5000\n")
    assert _errors(small, LoadOptions(max_amount=1000)) == [
        "enterprises.csv:2: registered_capital '5000' exceeds the largest amount accepted, "
        "1,000 万元 (if it is right, raise the bound with --max-amount or "
        "LoadOptions(max_amount=…))"]


def test_amount_forms_count_against_the_bound(make_dataset):
    """Issue: "amounts above a documented sanity bound … are errors"."""
    path = make_dataset(enterprises=E, institutions=B,
                        loans='id,borrower_id,lender_id,balance\nL1,E1,B1,"2,000,000,000万元"\n')
    assert len(_errors(path)) == 1
    assert load_dataset(path, LoadOptions(max_amount=3e9)).loans["balance"].iat[0] == 2e9


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_max_amount_must_be_positive(bad):
    """Issue: "… overridable by a parameter" (a bound that accepts nothing is refused)."""
    with pytest.raises(ParameterError, match="max_amount must be > 0"):
        LoadOptions(max_amount=bad)
    assert LoadOptions().max_amount == 1e9
    assert math.isinf(LoadOptions(max_amount=float("inf")).max_amount)


def test_summary_no_longer_prints_an_infinite_balance(make_dataset):
    """Issue: "A loan balance `inf` or `1e308` validates, and `summary` then prints
    `balance inf 万元`"."""
    for text in ("inf", "1e308"):
        path = make_dataset(enterprises=E, institutions=B,
                            loans=f"id,borrower_id,lender_id,balance\nL1,E1,B1,{text}\n")
        r = run("summary", path)
        assert r.exit_code == 1, r.output
        assert "balance inf" not in r.output and "Traceback" not in r.output
        assert "loans.csv:2: balance" in r.output


def test_max_amount_option_on_the_command_line(make_dataset):
    """Issue: "amounts above a documented sanity bound … overridable by a parameter"."""
    path = make_dataset(enterprises=E, institutions=B,
                        loans="id,borrower_id,lender_id,balance\nL1,E1,B1,5e9\n")
    r = run("validate", path, "--format", "json")
    assert r.exit_code == 1
    [err] = json.loads(r.stdout)["errors"]
    assert err["column"] == "balance" and "--max-amount" in err["message"]
    r = run("validate", path, "--max-amount", "1e10", "--format", "json")
    assert r.exit_code == 0, r.output
    assert run("summary", path, "--max-amount", "1e10").exit_code == 0
    assert run("summary", path).exit_code == 1
    r = run("validate", path, "--max-amount", "0")
    assert r.exit_code == 2 and "--max-amount" in r.output
    r = run("validate", path, "--max-amount", "1000", "--format", "json")
    assert "1,000 万元" in json.loads(r.stdout)["errors"][0]["message"]


def test_every_command_that_reads_a_dataset_has_max_amount():
    """Issue: the bound is "overridable by a parameter" — for every command that reads."""
    seen = 0
    for name, cmd in main.commands.items():
        for c in getattr(cmd, "commands", {name: cmd}).values():
            opts = {o for p in c.params for o in getattr(p, "opts", [])}
            if "--encoding" in opts:
                seen += 1
                assert "--max-amount" in opts, c.name
                [p] = [p for p in c.params if "--max-amount" in p.opts]
                assert p.help == "Largest amount accepted in any cell, in 万元 (default 1e9)"
    assert seen >= 5


# ------------------------------------------------------------- 2. invisible characters in ids

ZWSP = "\u200b"
CODE = "91331122704512863R"


def test_zero_width_space_in_an_enterprise_id(make_dataset):
    """Issue: "An enterprise id with a zero-width space (`91331122704512863R` + U+200B) is
    accepted in `enterprises.csv`; the 16 errors that follow all point elsewhere … Ids and
    codes with control or format characters (Unicode Cc, Cf) are errors at the cell where
    they stand, showing the character as `U+200B`"."""
    path = make_dataset(
        enterprises=f"id,name\nE1,a\nE2,b\nE3,c\n{CODE}{ZWSP},d\n",
        guarantees=f"id,guarantor_id,borrower_id,amount\nG1,{CODE},E1,1\n")
    errors = _errors(path)
    assert errors[0] == (f"enterprises.csv:5: id '{CODE}<U+200B>' contains an invisible "
                         "character U+200B")
    # the error that follows points back at the cause
    assert errors[1:] == [f"guarantees.csv:2: guarantor_id '{CODE}' is not a known entity "
                          "(enterprises.csv:5 declares it with an invisible character)"]


def test_nul_byte_inside_a_loan_id(make_dataset):
    """Issue: "A NUL byte inside a loan id validates silently"."""
    path = make_dataset(enterprises=E, institutions=B,
                        loans="id,borrower_id,lender_id,balance\nL1,E1,B1,1\nL\x002,E2,B1,1\n")
    assert _errors(path) == ["loans.csv:3: id 'L<U+0000>2' contains an invisible character U+0000"]


#: every id, reference and code column, with a row to put the invisible character in
CODE_CELLS = [
    ("enterprises", "id", dict(enterprises="id,name\n{v},a\n")),
    ("enterprises", "status", dict(enterprises="id,name,status\nE1,a,{v}\n")),
    ("enterprises", "tags", dict(enterprises="id,name,tags\nE1,a,{v}\n")),
    ("persons", "id", dict(enterprises=E, persons="id,name\n{v},p\n")),
    ("institutions", "id", dict(enterprises=E, institutions="id,name\n{v},b\n")),
    ("institutions", "type", dict(enterprises=E, institutions="id,name,type\nB1,b,{v}\n")),
    ("shareholdings", "holder_id", dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\n{v},E2,1\n")),
    ("shareholdings", "company_id", dict(enterprises=E, shareholdings="holder_id,company_id,share_pct\nE1,{v},1\n")),
    ("positions", "person_id", dict(enterprises=E, persons="id,name\nP1,p\n",
                                    positions="person_id,company_id,role\n{v},E1,director\n")),
    ("positions", "company_id", dict(enterprises=E, persons="id,name\nP1,p\n",
                                     positions="person_id,company_id,role\nP1,{v},director\n")),
    ("positions", "role", dict(enterprises=E, persons="id,name\nP1,p\n",
                               positions="person_id,company_id,role\nP1,E1,{v}\n")),
    ("loans", "id", dict(enterprises=E, institutions=B, loans="id,borrower_id,lender_id,balance\n{v},E1,B1,1\n")),
    ("loans", "borrower_id", dict(enterprises=E, institutions=B, loans="id,borrower_id,lender_id,balance\nL1,{v},B1,1\n")),
    ("loans", "lender_id", dict(enterprises=E, institutions=B, loans="id,borrower_id,lender_id,balance\nL1,E1,{v},1\n")),
    ("loans", "classification", dict(enterprises=E, institutions=B,
                                     loans="id,borrower_id,lender_id,balance,classification\nL1,E1,B1,1,{v}\n")),
    ("guarantees", "id", dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\n{v},E1,E2,1\n")),
    ("guarantees", "guarantor_id", dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,{v},E2,1\n")),
    ("guarantees", "borrower_id", dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount\nG1,E1,{v},1\n")),
    ("guarantees", "loan_id", dict(enterprises=E, institutions=B,
                                   loans="id,borrower_id,lender_id,balance\nL1,E2,B1,1\n",
                                   guarantees="id,guarantor_id,borrower_id,amount,loan_id\nG1,E1,E2,1,{v}\n")),
    ("guarantees", "type", dict(enterprises=E, guarantees="id,guarantor_id,borrower_id,amount,type\nG1,E1,E2,1,{v}\n")),
    ("events", "enterprise_id", dict(enterprises=E, events="enterprise_id,date,category\n{v},2025-01-01,credit\n")),
    ("events", "category", dict(enterprises=E, events="enterprise_id,date,category\nE1,2025-01-01,{v}\n")),
]
VALID = {"id": "X1", "holder_id": "E1", "company_id": "E2", "person_id": "P1", "borrower_id": "E2",
         "lender_id": "B1", "guarantor_id": "E1", "loan_id": "L1", "enterprise_id": "E1",
         "status": "normal", "tags": "lgfv", "type": "bank", "role": "director",
         "classification": "loss", "category": "credit"}


def test_the_code_cells_cover_every_code_column():
    covered = {(t, c) for t, c, _ in CODE_CELLS}
    codes = {(t.name, c.name) for t in TABLES.values() for c in t.columns if c.is_code}
    assert covered == codes


@pytest.mark.parametrize("char", ["\u200b", "\x00", "\ufeff", "\u202e", "\u00ad", "\x1f", "\x07"])
@pytest.mark.parametrize("table,column,tables", CODE_CELLS, ids=[f"{t}.{c}" for t, c, _ in CODE_CELLS])
def test_invisible_characters_in_every_id_and_code_column(make_dataset, table, column, tables,
                                                          char):
    """Issue: "Ids and codes with control or format characters (Unicode Cc, Cf) are errors
    at the cell where they stand, showing the character as `U+200B`"."""
    value = VALID[column]
    if table == "guarantees" and column == "type":
        value = "general"
    good = make_dataset(**{k: v.format(v=value) for k, v in tables.items()})
    load_dataset(good)  # the row is valid without the character
    cell = value[:1] + char + value[1:]
    path = make_dataset(**{k: v.format(v=cell) for k, v in tables.items()})
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    shown = value[:1] + f"<U+{ord(char):04X}>" + value[1:]
    mine = [p for p in e.value.errors if p.file == f"{table}.csv"]
    assert [(p.line, p.column, p.message) for p in mine] == [
        (2, column, f"{column} '{shown}' contains an invisible character U+{ord(char):04X}")]


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85",
                                  "\u200b", "\ufeff"])
@pytest.mark.parametrize("end", ["start", "end"])
def test_invisible_characters_at_the_ends_are_reported_although_cells_are_stripped(
        make_dataset, char, end):
    """Issue: "Ids and codes with control or format characters (Unicode Cc, Cf) are errors
    at the cell where they stand" — also where stripping the cell would remove them."""
    cell = char + "E4" if end == "start" else "E4" + char
    path = make_dataset(enterprises=E + f"{cell},d\n")
    shown = f"<U+{ord(char):04X}>E4" if end == "start" else f"E4<U+{ord(char):04X}>"
    assert _errors(path) == [
        f"enterprises.csv:5: id '{shown}' contains an invisible character U+{ord(char):04X}"]


def test_tab_and_spaces_around_an_id_are_stripped_as_before(make_dataset):
    """SPEC §1: "Cells are stripped" — a tab before a long id (how exports keep Excel from
    reading it as a number) and spaces are white space, not invisible characters."""
    path = make_dataset(enterprises=f"id,name\n\t{CODE},a\n E2\u3000,b\n\"E3\t\",c\n")
    assert load_dataset(path).enterprises["id"].tolist() == [CODE, "E2", "E3"]


def test_several_invisible_characters_are_all_named(make_dataset):
    """Issue: "… showing the character as `U+200B`"."""
    path = make_dataset(enterprises=E + "E\u200b4\ufeff\u200b,d\n")
    assert _errors(path) == ["enterprises.csv:5: id 'E<U+200B>4<U+FEFF><U+200B>' contains "
                             "invisible characters U+200B, U+FEFF"]


def test_names_and_descriptions_keep_invisible_characters(make_dataset):
    """Issue: "… names keep them"."""
    path = make_dataset(enterprises=f"id,name\nE1,甲{ZWSP}公司\nE2,b\x00c\n",
                        events=f"enterprise_id,date,category,description\nE1,2025-01-01,credit,x{ZWSP}\u202ey\n")
    ds = load_dataset(path)
    assert ds.enterprises["name"].tolist() == [f"甲{ZWSP}公司", "b\x00c"]
    assert ds.events["description"].iat[0] == f"x{ZWSP}\u202ey"


def test_a_unit_separator_in_a_name_keeps_the_columns_aligned(make_dataset):
    """Issue: "Ids and codes with control or format characters … are errors at the cell
    where they stand … names keep them" (U+001F is also what reading joins cells with)."""
    path = make_dataset(enterprises="id,name,region\nE1,a\x1fb,东区\nE2,c,西区\n")
    ds = load_dataset(path)
    assert ds.enterprises["name"].tolist() == ["a\x1fb", "c"]
    assert ds.enterprises["region"].tolist() == ["东区", "西区"]


def test_invisible_character_in_an_excel_sheet(tmp_path):
    """Issue: "Ids and codes with control or format characters (Unicode Cc, Cf) are errors
    at the cell where they stand"."""
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("企业")
    for row in (["统一社会信用代码", "企业名称"], ["E1", "甲"], [f"E2{ZWSP}", "乙"]):
        ws.append(row)
    wb.save(tmp_path / "x.xlsx")
    assert _errors(tmp_path / "x.xlsx") == [
        "x.xlsx[企业]:3: id 'E2<U+200B>' contains an invisible character U+200B"]


def test_invisible_mask():
    s = pd.Series(["E1", f"E2{ZWSP}", "L\x001", "甲", "正常", "", "\u202e"])
    assert invisible_mask(s).tolist() == [False, True, True, False, False, False, True]
    assert invisible_mask(pd.Series([], dtype=object)).tolist() == []
    assert invisible_mask(pd.Series(["甲", "乙"])).tolist() == [False, False]


def test_small_and_its_ids_stay_valid(small):
    """Nothing changes for clean data."""
    assert load_dataset(small).warnings == []


# ------------------------------------------------------------- 3. the first cause first

def _guarantees_of_missing_loans(n: int = 30) -> str:
    rows = "\n".join(f"G{i},E1,E2,1,L{i:03d}" for i in range(1, n + 1))
    return "id,guarantor_id,borrower_id,amount,loan_id\n" + rows + "\n"


def _dataset_without_readable_loans(make_dataset):
    return make_dataset(enterprises=E, institutions=B, guarantees=_guarantees_of_missing_loans())


def _directory(path):
    (path / "loans.csv").mkdir()


def _dangling(path):
    os.symlink(path / "old" / "loans.csv", path / "loans.csv")


def _loop(path):
    os.symlink(path / "loans.csv", path / "loans.csv")


@pytest.mark.parametrize("make_unreadable,why", [
    (_directory, "is a directory"), (_dangling, "dangling symbolic link"),
    (_loop, "symbolic link loop"),
], ids=["directory", "dangling", "loop"])
def test_an_unreadable_table_is_named_first_and_its_follow_on_errors_counted(
        make_dataset, make_unreadable, why):
    """Issue: "The first cause first. When a table cannot be read (its path is a directory,
    a dangling or looping symlink, unreadable), the messages must start with that table and
    why (`loans.csv: is a directory`), not with 30 `loan_id 'L007' is not a known loan`
    errors that follow from it; the follow-on errors are counted in one line"."""
    path = _dataset_without_readable_loans(make_dataset)
    make_unreadable(path)
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert [str(p) for p in e.value.errors] == [
        f"loans.csv: {why}",
        "guarantees.csv: 30 references to loans (loan_id) not checked because loans.csv "
        "could not be read"]
    assert str(e.value).splitlines()[1] == f"  loans.csv: {why}"


def test_permission_denied(make_dataset, monkeypatch):
    """Issue: "When a table cannot be read (… unreadable), the messages must start with
    that table and why".  Tests run as root, where chmod 000 does not stop reading, so the
    refusal of the operating system is simulated."""
    import pathlib

    path = _dataset_without_readable_loans(make_dataset)
    (path / "loans.csv").write_text("id,borrower_id,lender_id,balance\n")
    real = pathlib.Path.read_bytes

    def refuse(self):
        if self.name == "loans.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    assert _errors(path) == [
        "loans.csv: permission denied",
        "guarantees.csv: 30 references to loans (loan_id) not checked because loans.csv "
        "could not be read"]


def test_validate_prints_the_cause_first(make_dataset):
    """Issue: "the messages must start with that table and why (`loans.csv: is a
    directory`)" — also before the errors of files sorted earlier."""
    path = make_dataset(enterprises=E + "E1,dup\n", institutions=B,
                        guarantees=_guarantees_of_missing_loans())
    (path / "loans.csv").mkdir()
    r = run("validate", path)
    assert r.exit_code == 1
    rows = [line for line in r.output.splitlines() if line.startswith("error")]
    assert rows[0].split(None, 1)[1] == "loans.csv: is a directory"
    assert len(rows) == 3
    data = json.loads(run("validate", path, "--format", "json").stdout)
    assert [e["text"] for e in data["errors"]] == [
        "loans.csv: is a directory",
        "enterprises.csv:5: id 'E1' is already declared at enterprises.csv:2",
        "guarantees.csv: 30 references to loans (loan_id) not checked because loans.csv "
        "could not be read"]
    r = run("summary", path)
    assert r.output.splitlines()[1] == "  loans.csv: is a directory"


def test_unreadable_enterprises_does_not_also_say_missing(make_dataset):
    """Issue: "… not with 30 … errors that follow from it; the follow-on errors are counted
    in one line"."""
    path = make_dataset(persons="id,name\nP1,p\n", institutions=B,
                        shareholdings="holder_id,company_id,share_pct\nP1,E1,10\nP9,E2,10\n",
                        loans="id,borrower_id,lender_id,balance\nL1,E1,B1,1\nL2,E2,P1,1\n")
    (path / "enterprises.csv").mkdir()
    assert _errors(path) == [
        "enterprises.csv: is a directory",
        "loans.csv: 2 references to enterprises (borrower_id) not checked because "
        "enterprises.csv could not be read",
        # a known id of the wrong kind is still an error: it does not follow from the cause
        "loans.csv:3: lender_id 'P1' is a Person, expected Institution or Enterprise",
        "shareholdings.csv: 3 references to enterprises (holder_id, company_id) not checked "
        "because enterprises.csv could not be read"]


def test_a_table_that_cannot_be_decoded_is_a_first_cause_too(make_dataset):
    """Issue: "When a table cannot be read …, the messages must start with that table and
    why"."""
    path = _dataset_without_readable_loans(make_dataset)
    (path / "loans.csv").write_bytes("id,borrower_id,lender_id,balance\nL001,E1,甲,1\n"
                                     .encode("gbk"))
    errors = _errors(path, LoadOptions(encoding="utf-8"))
    assert errors[0].startswith("loans.csv:2: cannot be decoded as utf-8")
    assert errors[1:] == ["guarantees.csv: 30 references to loans (loan_id) not checked "
                          "because loans.csv could not be read"]


def test_read_tables_reports_the_unreadable_tables(make_dataset):
    """Issue: "When a table cannot be read … the follow-on errors are counted"."""
    path = _dataset_without_readable_loans(make_dataset)
    (path / "loans.csv").mkdir()
    (path / "archive.csv").mkdir()  # not a table name: ignored as before, silently
    unreadable: dict[str, str] = {}
    tables, problems = read_tables(path, unreadable=unreadable)
    assert unreadable == {"loans": "loans.csv"}
    assert [str(p) for p in problems] == ["loans.csv: is a directory"]
    assert set(tables) == {"enterprises", "institutions", "guarantees"}


def test_causes_sort_before_every_other_problem(make_dataset):
    path = _dataset_without_readable_loans(make_dataset)
    (path / "loans.csv").mkdir()
    _, [cause] = read_tables(path)
    others = [Problem("a.csv", 1, "", "x"), Problem("z.csv", 0, "", "y", "warning")]
    assert sorted([*others, cause]) == [cause, *others]
    assert sorted([cause, *others]) == [cause, *others]
    assert str(DatasetError([*others, cause])).splitlines()[1] == "  loans.csv: is a directory"


def test_demo_and_small_read_without_unreadable_tables(small):
    unreadable: dict[str, str] = {}
    tables, problems = read_tables(small, unreadable=unreadable)
    assert unreadable == {} and problems == [] and set(tables) == set(SMALL)
