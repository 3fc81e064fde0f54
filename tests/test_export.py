import json

import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.export import write_dataset
from graphrisk.io.load import load_dataset

from .conftest import DEMO, run


@pytest.mark.parametrize("target,lang,encoding", [
    ("out", "en", "utf-8"), ("out", "zh", "gbk"), ("out.xlsx", "zh", "utf-8"),
    ("out.xlsx", "en", "utf-8"),
])
def test_round_trip(small, tmp_path, target, lang, encoding):
    ds = load_dataset(small)
    out = write_dataset(ds, tmp_path / target, lang=lang, encoding=encoding)
    back = load_dataset(out)
    for name, frame in ds.tables.items():
        a = frame.drop(columns="line").reset_index(drop=True)
        b = back.tables[name].drop(columns="line").reset_index(drop=True)
        assert a.equals(b), name


def test_float_precision_survives(make_dataset, tmp_path):
    ds = load_dataset(make_dataset(enterprises="id,name,net_assets\nE1,a,0.1\nE2,b,12345678.123456789\n",
                                   shareholdings="holder_id,company_id,share_pct\nE1,E2,33.333333333333336\n"))
    back = load_dataset(write_dataset(ds, tmp_path / "o"))
    assert back.enterprises["net_assets"].tolist() == ds.enterprises["net_assets"].tolist()
    assert back.shareholdings["share_pct"].iat[0] == 33.333333333333336


def test_refuses_non_empty_folder(small, tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep")
    with pytest.raises(ParameterError):
        write_dataset(load_dataset(small), tmp_path / "o")
    assert (tmp_path / "o" / "x").read_text() == "keep"


def test_cli_export(small, tmp_path):
    r = run("export", small, "-o", tmp_path / "x.xlsx", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert load_dataset(tmp_path / "x.xlsx").counts() == load_dataset(small).counts()


def test_export_keeps_the_period(tmp_path):
    """dataset.json (a folder) and the 数据集 sheet (a workbook) carry as_of and region."""
    folder, book = tmp_path / "f", tmp_path / "b.xlsx"
    assert run("export", DEMO, "-o", folder).exit_code == 0
    assert json.loads((folder / "dataset.json").read_text(encoding="utf-8")) == \
        {"as_of": "2026-03-31", "region": "青山县"}
    assert run("export", DEMO, "-o", book, "--lang", "zh").exit_code == 0
    back = load_dataset(book, dated=False)
    assert (back.as_of, back.region, back.counts()["guarantees"]) == ("2026-03-31", "青山县", 33)
    assert not back.warnings  # the 数据集 sheet is read, not "ignored"
