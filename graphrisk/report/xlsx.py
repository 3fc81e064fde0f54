"""``report.xlsx``: every table of the report on its own sheet, Chinese headers.

The one workbook writer of graphrisk (the report's ``report.xlsx`` and ``graphrisk
watchlist --format xlsx``).  Numbers stay numbers (amounts formatted ``#,##0.00``,
shares ``0.0%``), lists are joined with ``、``, a warning level is written 红/橙/黄/蓝 on
its colour, and every text cell is stored as text, so a hostile name such as
``=HYPERLINK(…)`` is never a formula when the workbook is opened.  The file is written
whole or not at all (:func:`graphrisk.io.output.atomic_file`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from graphrisk.domain.glossary import WARNING_LEVELS
from graphrisk.io.output import atomic_file
from graphrisk.report.tables import Table

__all__ = ["write_workbook", "sheet_name", "LEVEL_FILLS"]

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, used: set[str]) -> str:
    """Return a valid, unique Excel sheet name (at most 31 characters); add it to *used*.

    >>> sheet_name("担保圈/担保群", set())
    '担保圈_担保群'
    """
    base = _BAD.sub("_", title).strip("'") or "sheet"
    name = base[:31]
    k = 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"_{k}"
        name = base[:31 - len(suffix)] + suffix
        k += 1
    used.add(name)
    return name


#: fill colour of each warning level
LEVEL_FILLS = {"red": "F4B6B6", "orange": "F9D3A8", "yellow": "FCEFA6", "blue": "BBD7F2"}


def _value(v: Any, kind: str) -> Any:
    """Return the workbook value of a cell of the column *kind*."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "level":
        return WARNING_LEVELS.get(v, "无")
    if isinstance(v, (list, tuple, set)):
        return "、".join(str(x) for x in v)
    if kind == "bool":
        return "是" if v else "否"
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    return v


def write_workbook(tables: list[Table], path: str | Path) -> Path:
    """Write *tables* (one sheet each, Chinese headers and titles) to *path*.

    Notes
    -----
    O(cells); openpyxl in write-only mode streams rows, so memory stays small.
    """
    path = Path(path)
    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F1")
    formats = {"amount": "#,##0.00", "pct": "0.0%", "share": "0.00", "int": "#,##0"}
    for table in tables:
        ws = wb.create_sheet(sheet_name(table.zh, used))
        ws.freeze_panes = "A2"
        for i, c in enumerate(table.columns):
            width = 14 if c.numeric else (30 if c.kind == "list" else 18)
            ws.column_dimensions[_letter(i)].width = width
        header = []
        for c in table.columns:
            cell = WriteOnlyCell(ws, value=c.header("zh"))
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in table.rows:
            out = []
            for c, v in zip(table.columns, row, strict=True):
                value = _value(v, c.kind)
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                if c.kind == "level" and v in LEVEL_FILLS:
                    cell.fill = PatternFill("solid", fgColor=LEVEL_FILLS[v])
                elif c.kind in formats and value is not None:
                    cell.number_format = formats[c.kind]
                out.append(cell)
            ws.append(out)
    if not tables:
        wb.create_sheet("说明").append(["无数据"])
    with atomic_file(path) as tmp:
        wb.save(tmp)
    return path


def _letter(i: int) -> str:
    return get_column_letter(i + 1)
