"""The pyarrow CSV path of graphrisk.io.read gives exactly what the pandas path gives."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from graphrisk.io.load import load_dataset
from graphrisk.io.read import _arrow_frame, _csv_frame
from tests.conftest import DEMO


def _pandas_frame(text: str):
    """The reference: pandas' C parser, every cell as text, as the loader had it."""
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                     skip_blank_lines=False, na_filter=False)
    return df


CELL = st.text(alphabet=st.sampled_from(list("ab1 ,\"\n\r\t甲乙　%=-") + ["\u200b", "\x1f"]),
               max_size=6)


def _csv_line(cells):
    out = []
    for c in cells:
        if any(ch in c for ch in ',"\n\r') or c != c.strip(" "):
            out.append('"' + c.replace('"', '""') + '"')
        else:
            out.append(c)
    return ",".join(out)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.sampled_from(["id", "name", "x", "名称", "a b"]), min_size=k, max_size=k,
             unique=True),
    st.lists(st.lists(CELL, min_size=k, max_size=k), max_size=6),
    st.sampled_from(["\n", "\r\n"]), st.booleans())))
def test_arrow_path_equals_pandas_path(case):
    header, rows, eol, final_eol = case
    text = eol.join([",".join(header)] + [_csv_line(r) for r in rows]) + (eol if final_eol else "")
    fast = _arrow_frame(text)
    if fast is None:
        return  # the pandas path reads it (blank lines, values spanning lines …)
    frame, lines = fast
    ref = _pandas_frame(text)
    assert list(frame.columns) == list(ref.columns)
    assert len(frame) == len(ref)
    for c in frame.columns:
        assert frame[c].tolist() == ref[c].tolist(), c
    assert lines.tolist() == list(range(2, len(frame) + 2))


def test_files_the_fast_path_leaves_to_pandas():
    assert _arrow_frame('"id",name\nE1,甲\n') is None  # quoted header
    assert _arrow_frame("id,id\nE1,E2\n") is None  # duplicate names: pandas renames
    assert _arrow_frame('id,name\nE1,"甲\n乙"\n') is None  # a value spanning two lines
    assert _arrow_frame("id,name\nE1\n") is None  # a ragged row
    assert _arrow_frame("id,name\rE1,甲\r") is None  # lone CR line ends
    df, lines, problems = _csv_frame('id,name\nE1,"甲\n乙"\nE2,丙\n', "x.csv")
    assert df["name"].tolist() == ["甲\n乙", "丙"] and lines.tolist() == [2, 4] and not problems


def test_demo_loads_the_same_either_way(monkeypatch):
    fast = load_dataset(DEMO)
    import graphrisk.io.read as read

    monkeypatch.setattr(read, "_arrow_frame", lambda text, utf8=None: None)
    slow = load_dataset(DEMO)
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name], check_exact=True)
    assert fast.warnings == slow.warnings
    assert np.array_equal(fast.entity_kind.index.to_numpy(), slow.entity_kind.index.to_numpy())
