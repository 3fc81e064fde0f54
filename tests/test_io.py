"""Reading: encodings, headers, normalisation, Excel, line numbers."""

import pytest
from openpyxl import Workbook

from graphrisk.errors import DatasetError
from graphrisk.io.dataset import LoadOptions
from graphrisk.io.load import load_dataset
from graphrisk.io.read import detect_encoding, read_tables

from .conftest import SMALL, write_tables

ZH_ENTERPRISES = """
    统一社会信用代码,企业名称,净资产,状态,标签
    E1,甲公司,100,正常,房地产;地方政府融资平台
    E2,乙公司,50,违约,
    """
ZH_GUARANTEES = """
    担保合同号,担保人,被担保人,担保金额,担保方式
    G1,E1,E2,"1,200",连带责任保证
    """


def test_small_loads(small):
    ds = load_dataset(small)
    assert ds.counts()["enterprises"] == 4
    assert ds.counts()["guarantees"] == 4
    assert ds.warnings == []
    assert ds.kind("P1") == "Person"
    assert ds.encodings["loans"] == "utf-8"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
])
def test_encodings_detected(make_dataset, encoding, expected):
    path = make_dataset(encoding, enterprises=ZH_ENTERPRISES, guarantees=ZH_GUARANTEES)
    ds = load_dataset(path)
    assert ds.encodings["enterprises"] == expected
    e = ds.enterprises.set_index("id")
    assert e.loc["E1", "name"] == "甲公司"
    assert e.loc["E1", "tags"] == "real_estate;lgfv"
    assert e.loc["E2", "status"] == "defaulted"
    assert ds.guarantees["amount"].tolist() == [1200.0]
    assert ds.guarantees["type"].tolist() == ["joint_several"]


def test_detect_encoding():
    assert detect_encoding("\ufeffid".encode("utf-8")) == "utf-8-sig"
    assert detect_encoding("担保".encode("gbk")) == "gb18030"


def test_forced_wrong_encoding_reports_line(make_dataset):
    path = make_dataset("gbk", enterprises=ZH_ENTERPRISES)
    with pytest.raises(DatasetError) as e:
        load_dataset(path, LoadOptions(encoding="utf-8"))
    assert "enterprises.csv:1: cannot be decoded as utf-8" in str(e.value)


def test_forced_encoding_used(make_dataset):
    path = make_dataset("gbk", enterprises=ZH_ENTERPRISES)
    ds = load_dataset(path, LoadOptions(encoding="gbk"))
    assert ds.encodings["enterprises"] == "gbk"


def test_fullwidth_and_spaces_normalised(make_dataset):
    path = make_dataset(
        enterprises="id,name\nＥ１ , 甲公司 \nE2,乙\n",
        shareholdings="holder_id,company_id,share_pct\nE1,E2,３５％\n",
    )
    ds = load_dataset(path)
    assert ds.enterprises["id"].tolist() == ["E1", "E2"]
    assert ds.enterprises["name"].tolist() == ["甲公司", "乙"]
    assert ds.shareholdings["share_pct"].tolist() == [35.0]


@pytest.mark.parametrize("text", ["35", "35%", "35.0", " 35 % ", "３５"])
def test_share_pct_forms(make_dataset, text):
    path = make_dataset(enterprises="id,name\nE1,a\nE2,b\n",
                        shareholdings=f'holder_id,company_id,share_pct\nE1,E2,"{text}"\n')
    assert load_dataset(path).shareholdings["share_pct"].iat[0] == 35.0


def test_ids_stay_text(make_dataset):
    path = make_dataset(enterprises="id,name\n007,a\n1e3,b\n")
    assert load_dataset(path).enterprises["id"].tolist() == ["007", "1e3"]


def test_blank_lines_keep_line_numbers(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\n\n,\nE2,b\n",
                        guarantees="id,guarantor_id,borrower_id,amount\n\nG1,E1,E9,1\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert [str(p) for p in e.value.errors] == [
        "guarantees.csv:3: borrower_id 'E9' is not a known entity"]


def test_multiline_quoted_field_line_numbers(make_dataset):
    path = make_dataset(enterprises='id,name\nE1,"甲\n公司"\nE2,b,\n')
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    # the CSV parser rejects the extra field on line 4
    assert "enterprises.csv" in str(e.value)
    path = make_dataset(enterprises='id,name,pd\nE1,"甲\n公司",0.1\nE2,b,7\n')
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert [str(p) for p in e.value.errors] == ["enterprises.csv:4: pd '7' is outside [0, 1]"]


def test_missing_enterprises(make_dataset):
    path = make_dataset(persons="id,name\nP1,a\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert "mandatory table 'enterprises'" in str(e.value)


def test_missing_required_column(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\n", guarantees="id,guarantor_id,amount\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert str(e.value.errors[0]) == ("guarantees.csv:1: required column 'borrower_id' (被担保人) "
                                      "is missing")


def test_unknown_column_and_file_warn(make_dataset, tmp_path):
    path = make_dataset(enterprises="id,name,备注\nE1,a,x\n")
    (path / "notes.csv").write_text("a\n1\n")
    ds = load_dataset(path)
    texts = [str(w) for w in ds.warnings]
    assert any("'备注' is not part of enterprises" in t for t in texts)
    assert any(t.startswith("notes.csv: file ignored") for t in texts)


def test_two_headers_same_meaning(make_dataset):
    path = make_dataset(enterprises="id,统一社会信用代码,name\nE1,E1,a\n")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert "both mean 'id'" in str(e.value)


def test_not_a_dataset(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(DatasetError):
        load_dataset(tmp_path / "x.txt")


def test_empty_file(make_dataset):
    path = make_dataset(enterprises="id,name\nE1,a\n")
    (path / "loans.csv").write_text("")
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert "loans.csv:1: the file is empty" in str(e.value)


def _workbook(path, sheets):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    return wb


def test_xlsx_chinese_sheets(tmp_path):
    wb = _workbook(tmp_path, {
        "企业": [["统一社会信用代码", "企业名称", "净资产"], ["E1", "甲", 100], ["E2", "乙", 7.5],
                 [None, None, None]],
        "持股": [["股东", "被投资企业", "持股比例"], ["E1", "E2", 0.35]],
        "担保": [["担保合同号", "担保人", "被担保人", "担保金额"], ["G1", "E1", "E99", 10]],
    })
    wb["持股"]["C2"].number_format = "0%"
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    assert [str(p) for p in e.value.errors] == [
        "x.xlsx[担保]:2: borrower_id 'E99' is not a known entity"]
    wb["担保"]["C2"] = "E2"
    wb.save(path)
    ds = load_dataset(path)
    assert ds.shareholdings["share_pct"].tolist() == [35.0]
    assert ds.enterprises["net_assets"].tolist() == [100.0, 7.5]
    assert ds.files["guarantees"] == "x.xlsx[担保]"
    assert ds.encodings["enterprises"] is None


def test_read_tables_maps_headers(small):
    raw, problems = read_tables(small)
    assert problems == []
    assert list(raw["guarantees"].frame.columns)[:4] == ["id", "guarantor_id", "borrower_id",
                                                          "amount"]


def test_same_graph_from_gbk_and_utf8(tmp_path):
    a = write_tables(tmp_path / "a", SMALL)
    b = write_tables(tmp_path / "b", SMALL, "gbk")
    da, db = load_dataset(a), load_dataset(b)
    for name in da.tables:
        assert da.tables[name].equals(db.tables[name]), name
