"""Writing a dataset back to files: a folder of CSVs or one ``.xlsx`` workbook.

Headers and enum labels are English or Chinese, in the format of SPEC §1, so that what
is written loads again to the same dataset.

Writing is atomic: files go to a temporary sibling folder (or file) that is renamed
into place only when everything is written, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from graphrisk.domain.glossary import ENUMS, TABLE_ORDER, TABLES
from graphrisk.errors import ParameterError
from graphrisk.io.asof import DATASET_JSON, PERIOD_SHEETS
from graphrisk.io.dataset import Dataset
from graphrisk.io.output import atomic_dir, atomic_file

__all__ = ["table_for_output", "write_dataset"]


def _text(col: pd.Series, kind: str) -> pd.Series:
    if kind in ("amount", "signed_amount", "pct", "prob"):
        # repr() of a float is the shortest text that reads back to the same float
        return col.map(lambda v: "" if pd.isna(v) else repr(float(v)).removesuffix(".0"))
    if kind in ("int", "severity"):
        return col.map(lambda v: "" if pd.isna(v) else str(int(v)))
    return col.fillna("").astype(str)


def table_for_output(frame: pd.DataFrame, name: str, *, lang: str = "en") -> pd.DataFrame:
    """Return a table as text cells with English (``lang='en'``) or Chinese headers and labels.

    >>> f = pd.DataFrame({"id": ["G1"], "guarantor_id": ["E1"], "borrower_id": ["E2"],
    ...                   "amount": [10.5], "type": ["general"]})
    >>> table_for_output(f, "guarantees", lang="zh").iloc[0].to_dict()["担保方式"]
    '一般保证'
    """
    if lang not in ("en", "zh"):
        raise ParameterError("lang must be 'en' or 'zh'")
    table = TABLES[name]
    out: dict[str, np.ndarray] = {}
    for c in table.columns:
        if c.name not in frame.columns:
            continue
        s = _text(frame[c.name], c.kind)
        if lang == "zh" and c.kind == "enum" and c.enum is not None:
            s = s.map(lambda v, e=ENUMS[c.enum]: e.get(v, v))
        if lang == "zh" and c.kind == "tags":
            s = s.map(lambda v: ";".join(ENUMS["tag"].get(t, t) for t in v.split(";"))
                      if v else "")
        out[c.zh if lang == "zh" else c.name] = s.to_numpy(dtype=object)
    return pd.DataFrame(out)


def write_dataset(ds: Dataset | dict[str, pd.DataFrame], out: str | Path, *, lang: str = "en",
                  encoding: str = "utf-8", skip_empty: bool = True) -> Path:
    """Write a dataset as CSV files (``out`` a folder) or a workbook (``out`` ends in .xlsx).

    Parameters
    ----------
    ds : Dataset or dict of DataFrames
        Tables with canonical column names; a dataset's period (``as_of``,
        ``region``) goes into ``dataset.json`` or the workbook's ``数据集`` sheet.
    out : path
        Folder (created; must not exist or be empty) or ``.xlsx`` file (replaced).
    lang : {"en", "zh"}
        Header and enum language.  Sheets are named with the Chinese table names
        when ``lang='zh'``.
    encoding : str
        CSV encoding (``utf-8``, ``utf-8-sig`` for Excel, ``gbk``).
    skip_empty : bool
        Leave out optional tables without rows.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_dataset(ds, f"{tmp}/small", lang="zh")  # Chinese headers and labels
    ...     sorted(p.name for p in out.iterdir())
    ...     load_dataset(out).counts() == ds.counts()
    ['enterprises.csv', 'guarantees.csv', 'institutions.csv', 'loans.csv', 'persons.csv',
     'positions.csv', 'shareholdings.csv']
    True
    """
    tables = ds.tables if isinstance(ds, Dataset) else ds
    period = {k: v for k, v in (("as_of", getattr(ds, "as_of", "")),
                                ("region", getattr(ds, "region", ""))) if v}
    target = Path(out)
    frames = {}
    for name in TABLE_ORDER:
        frame = tables.get(name)
        if frame is None or (skip_empty and len(frame) == 0 and name != "enterprises"):
            continue
        frames[name] = table_for_output(frame, name, lang=lang)
    if target.suffix.lower() == ".xlsx":
        return _write_workbook(frames, target, lang, period)
    return _write_folder(frames, target, encoding, period)


def _write_workbook(frames: dict[str, pd.DataFrame], out: Path, lang: str,
                    period: dict[str, str]) -> Path:
    """Write *frames* as the sheets of the workbook *out* (replaced atomically).

    Values are kept exactly (a data round trip); text cells are stored as text, so a
    value such as ``=1+1`` is a string when read back, never a formula.  The period
    (as_of, region) goes into a last sheet ``数据集``.
    """
    wb = Workbook(write_only=True)
    for name, f in frames.items():
        ws = wb.create_sheet(TABLES[name].zh if lang == "zh" else name)
        ws.append([str(c) for c in f.columns])
        for row in f.itertuples(index=False, name=None):
            cells = []
            for v in row:
                if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                    v = None
                elif hasattr(v, "item"):  # numpy scalar
                    v = v.item()
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"
                cells.append(cell)
            ws.append(cells)
    if period:
        ws = wb.create_sheet(PERIOD_SHEETS[0] if lang == "zh" else PERIOD_SHEETS[1])
        heads = {"as_of": "截止日期", "region": "地区"} if lang == "zh" else {}
        ws.append([heads.get(k, k) for k in period])
        row = []
        for v in period.values():
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            row.append(cell)
        ws.append(row)
    with atomic_file(out) as tmp:
        wb.save(tmp)
    return out


def _write_folder(frames: dict[str, pd.DataFrame], out: Path, encoding: str,
                  period: dict[str, str]) -> Path:
    """Write *frames* as ``NAME.csv`` files of the folder *out* (created atomically).

    The period (as_of, region), when known, goes into ``dataset.json``.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ParameterError(f"{out} exists and is not an empty folder")
    with atomic_dir(out) as tmp:
        for name, f in frames.items():
            f.to_csv(tmp / f"{name}.csv", index=False, encoding=encoding)
        if period:
            (tmp / DATASET_JSON).write_text(json.dumps(period, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    return out
