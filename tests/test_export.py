import pytest

from graphrisk.errors import ParameterError
from graphrisk.io.export import write_dataset
from graphrisk.io.load import load_dataset

from .conftest import run


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
