"""``report.xlsx``: every table of the report on its own sheet, Chinese headers.

The one workbook writer of graphrisk (the report's ``report.xlsx`` and ``graphrisk
watchlist --format xlsx``).  Numbers stay numbers (amounts formatted ``#,##0.00``,
shares ``0.0%``), lists are joined with ``、``, a warning level is written 红/橙/黄/蓝 on
its colour, and every text cell is an inline string, never a formula, so a hostile name
such as ``=HYPERLINK(…)`` is inert when the workbook is opened.  Every row is written: a
table longer than Excel's 1,048,576 rows goes on as many sheets as it needs
(``名称 (2)`` …) and the ``说明`` sheet lists each sheet with its table and rows.  A
caller may keep only the first rows of each table (``cap``; the report keeps 100,000
and says where the others are).

The file is the SpreadsheetML of ECMA-376 written directly (``xl/worksheets/sheetN.xml``
streamed into the zip, one style per number format): about ten times faster than
openpyxl's write-only mode, which matters at a million rows.  The file is written
whole or not at all (:func:`graphrisk.io.output.atomic_file`).
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import numpy as np
from openpyxl.utils import get_column_letter

from graphrisk.domain.glossary import WARNING_LEVELS
from graphrisk.io.output import atomic_file
from graphrisk.report.tables import Table, col

__all__ = ["write_workbook", "sheet_name", "LEVEL_FILLS", "EXCEL_ROWS", "CELL_CHARS"]

_BAD = re.compile(r"[\[\]:*?/\\]")
#: rows of an Excel sheet (the header takes one)
EXCEL_ROWS = 1_048_576
#: characters an Excel cell holds; longer text is cut with " …"
CELL_CHARS = 32_767
# characters XML 1.0 cannot hold (C0 controls but tab, newline, return; U+FFFE/FFFF; surrogates)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


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
#: style index (``cellXfs``) of each column kind; header = 1, levels from 6
_STYLE = {"amount": 2, "pct": 3, "share": 4, "int": 5}
_LEVEL_STYLE = {v: 6 + k for k, v in enumerate(LEVEL_FILLS)}

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"


def _styles() -> str:
    fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/>'
                    '</patternFill></fill>' for c in ["DCE6F1", *LEVEL_FILLS.values()])
    xf = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" applyFont="1" applyFill="1"/>'
          '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
          + "".join(f'<xf numFmtId="0" fontId="0" fillId="{3 + k}" borderId="0" '
                    'applyFill="1"/>' for k in range(len(LEVEL_FILLS))))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/>'
            '</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="{3 + len(LEVEL_FILLS)}"><fill><patternFill patternType="none"/>'
            f'</fill><fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{6 + len(LEVEL_FILLS)}">{xf}'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles></styleSheet>')


_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    if len(value) > CELL_CHARS:
        value = value[:CELL_CHARS - 2] + " …"
    if _SPECIAL.search(value) is None:
        return value
    return escape(_ILLEGAL.sub("", value))


def _str_cell(value: str, style: str = "") -> str:
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{_text(value)}</t></is></c>'


def _cell(v: Any, kind: str) -> str:
    """Return the XML of one cell of the column *kind* (``<c/>``: an empty cell)."""
    if kind == "level":
        return _str_cell(WARNING_LEVELS.get(v, "无"),
                         f' s="{_LEVEL_STYLE[v]}"' if v in _LEVEL_STYLE else "")
    if type(v) is str:
        return _str_cell(v)
    if v is None:
        return "<c/>"
    if isinstance(v, (list, tuple, set)):
        return _str_cell("、".join(str(x) for x in v))
    if kind == "bool" or isinstance(v, (bool, np.bool_)):
        return _str_cell("是" if v else "否")
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if not math.isfinite(v):
            return "<c/>"
    elif not isinstance(v, int):
        return _str_cell(str(v))
    style = f' s="{_STYLE[kind]}"' if kind in _STYLE else ""
    return f"<c{style}><v>{v!r}</v></c>"


def _column(values: tuple[Any, ...], kind: str) -> list[str]:
    """Return the cells of one column (a fast path for text and plain numbers)."""
    if kind == "level":
        return [_cell(v, kind) for v in values]
    style = f' s="{_STYLE[kind]}"' if kind in _STYLE else ""
    num = f"<c{style}><v>"
    return [_str_cell(v) if type(v) is str else
            (f"{num}{v!r}</v></c>" if type(v) is int or (type(v) is float and math.isfinite(v))
             else _cell(v, kind)) for v in values]


def _sheet(fh: IO[bytes], table: Table, rows: list[list[Any]]) -> None:
    """Write one worksheet: frozen header, column widths, the header and *rows*.

    Cells carry no ``r`` reference (they follow each other, an empty one is ``<c/>``),
    rows do; the rows are encoded column by column, in blocks.
    """
    kinds = [c.kind for c in table.columns]
    widths = "".join(f'<col min="{i + 1}" max="{i + 1}" width="'
                     f'{14 if c.numeric else (30 if c.kind == "list" else 18)}" customWidth="1"/>'
                     for i, c in enumerate(table.columns))
    head = "".join(_str_cell(c.header("zh"), ' s="1"') for c in table.columns)
    last = f"{get_column_letter(max(len(kinds), 1))}{len(rows) + 1}"
    fh.write((f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
              f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
              'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
              f'<cols>{widths}</cols><sheetData><row r="1">{head}</row>').encode())
    block = 5000
    for start in range(0, len(rows), block):
        part = rows[start:start + block]
        cols = [_column(c, k) for c, k in zip(zip(*part, strict=True), kinds, strict=True)] \
            if part and kinds else [[] for _ in kinds]
        lines = [f'<row r="{r}">{"".join(cells)}</row>'
                 for r, cells in enumerate(zip(*cols, strict=True), start=start + 2)]
        fh.write("".join(lines).encode("utf-8"))
    fh.write(b"</sheetData></worksheet>")


def _parts(tables: list[Table], max_rows: int, cap: int | None
           ) -> Iterator[tuple[Table, list[list[Any]], int]]:
    """Yield (table, rows of one sheet, part number from 1) for every sheet to write.

    The first *cap* rows of each table, split every *max_rows*.
    """
    for table in tables:
        rows = table.rows if cap is None else table.rows[:cap]
        for k, start in enumerate(range(0, max(len(rows), 1), max_rows)):
            yield table, rows[start:start + max_rows], k + 1


def write_workbook(tables: list[Table], path: str | Path, *,
                   max_rows: int = EXCEL_ROWS - 1, cap: int | None = None,
                   full: Mapping[str, str] | None = None) -> Path:
    """Write *tables* (one sheet each, Chinese headers and titles) to *path*.

    Parameters
    ----------
    tables : list of Table
    path : path
    max_rows : int
        Data rows per sheet (Excel's limit less the header); a longer table continues
        on the next sheets.
    cap : int, optional
        Rows kept of each table (its first rows); the ``说明`` sheet says how many a
        cut table has and, from *full* (table name → file), where they all are.
    full : mapping, optional
        Table name → the file that holds every row of it (named in the note).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> t = Table("t", "贷款", "loans", [col("id", "编号", "id"), col("x", "余额", "x", "amount")],
    ...           [["=1+1", 2.5], ["E2", None]])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     wb = load_workbook(write_workbook([t], f"{tmp}/a.xlsx", max_rows=1))
    ...     wb.sheetnames, [c.value for c in wb["贷款 (2)"]["A"]], wb["贷款"]["B2"].number_format
    (['贷款', '贷款 (2)', '说明'], ['编号', 'E2'], '#,##0.00')

    Notes
    -----
    O(cells), streamed: memory stays that of one block of rows.
    """
    path = Path(path)
    full = full or {}
    used: set[str] = set()
    sheets: list[list[Any]] = []  # sheet name, table title, rows, note
    with atomic_file(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED,
                                                   compresslevel=6) as zf:
        for table, rows, part in _parts(tables, max_rows, cap):
            title = table.zh if part == 1 else f"{table.zh[:24]} ({part})"
            name = sheet_name(title, used)
            with zf.open(f"xl/worksheets/sheet{len(sheets) + 1}.xml", "w",
                         force_zip64=True) as fh:
                _sheet(fh, table, rows)
            remark = ""
            if cap is not None and len(table.rows) > cap:
                remark = f"前 {cap:,} 行（共 {len(table.rows):,} 行）" + (
                    f"；全部见 {full[table.name]}" if table.name in full else "")
            sheets.append([name, table.zh, len(rows), remark or None])
        note = Table("note", "说明", "notes", [_col("sheet", "工作表"), _col("table", "表"),
                                               _col("rows", "行数", "int"),
                                               _col("note", "备注")],
                     sheets or [["—", "无数据", 0, ""]])
        with zf.open(f"xl/worksheets/sheet{len(sheets) + 1}.xml", "w") as fh:
            _sheet(fh, note, note.rows)
        sheets.append([sheet_name("说明", used), "说明", len(note.rows), None])
        _package(zf, [s[0] for s in sheets])
    return path


def _col(key: str, zh: str, kind: str = "text") -> Any:
    return col(key, zh, zh, kind)


def _package(zf: zipfile.ZipFile, names: list[str]) -> None:
    """Write the workbook, relationships, content types and styles for sheets *names*."""
    k = len(names)
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="'
                   'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   for i in range(k))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    zf.writestr("[Content_Types].xml", (
        f'{head}<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f'{over}</Types>'))
    zf.writestr("_rels/.rels", (
        f'{head}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
    sheets = "".join(f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i + 1}" '
                     f'r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    zf.writestr("xl/workbook.xml", (
        f'{head}<workbook {_NS} xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f'<sheets>{sheets}</sheets></workbook>'))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" '
                   f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(k))
    zf.writestr("xl/_rels/workbook.xml.rels", (
        f'{head}<Relationships xmlns="{_PKG}/relationships">{rels}<Relationship '
        f'Id="rId{k + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'))
    zf.writestr("xl/styles.xml", _styles())
