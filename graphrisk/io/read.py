"""Reading a dataset: a folder of CSV files or one ``.xlsx`` workbook (SPEC §1).

This stage only *reads*: it finds the files (or sheets), detects the encoding
(UTF-8, UTF-8 with BOM, GBK/GB18030), maps English or Chinese headers to the
canonical column names of :mod:`graphrisk.domain.glossary`, normalises every cell (NFKC,
stripped) and keeps each row's line number as an editor shows it (header = line 1).
Parsing values and checking them is :mod:`graphrisk.io.validate`'s job;
:func:`load_dataset` runs both and returns a :class:`~graphrisk.io.dataset.Dataset`.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl import load_workbook

from graphrisk.domain.glossary import TABLE_ORDER, TABLES, Table
from graphrisk.errors import DatasetError, Problem
from graphrisk.io.asof import PERIOD_SHEETS
from graphrisk.io.dataset import LoadOptions, RawTable

__all__ = ["read_tables", "detect_encoding", "normalise_header"]

_SEP = "\x1f"  # unit separator: NFKC leaves it alone (a cell holding it is split cell by cell)
# whitespace that NFKC leaves as it is (it maps U+3000, U+00A0, U+2000… to a space)
_OTHER_SPACE = ("\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u1680",
                "\u2028", "\u2029")
#: what is stripped from an id or code cell: white space, but of the control characters
#: only tab, line feed and carriage return (exports prefix long ids with a tab to keep
#: Excel from reading them as numbers); any other control or format character stays, so
#: that validation reports it at its cell
_CODE_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace()
                      and (c in "\t\n\r" or unicodedata.category(c) not in ("Cc", "Cf")))


class _Cause(Problem):
    """A problem that explains others (a table that cannot be read): sorted first.

    :class:`~graphrisk.errors.DatasetError` sorts its problems; a cause comes before
    every other problem, so that a listing starts with why a table is missing rather
    than with the errors that follow from it.
    """

    def _key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.line, self.column, self.message, self.severity)

    def __lt__(self, other: object) -> bool:
        """Come before every problem that is not a cause."""
        if isinstance(other, _Cause):
            return self._key() < other._key()
        return True if isinstance(other, Problem) else NotImplemented

    def __gt__(self, other: object) -> bool:
        """Come after no problem that is not a cause."""
        if isinstance(other, _Cause):
            return self._key() > other._key()
        return False if isinstance(other, Problem) else NotImplemented

    def __le__(self, other: object) -> bool:
        """See :meth:`__lt__`."""
        return self == other or self.__lt__(other) is True

    def __ge__(self, other: object) -> bool:
        """See :meth:`__gt__`."""
        return self == other or self.__gt__(other) is True


def normalise_header(text: str) -> str:
    r"""Return the canonical form of a header cell: NFKC, stripped, lower-case, no BOM.

    >>> normalise_header("\ufeff Share_PCT ")
    'share_pct'
    """
    return unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().lower()


def _header_map(table: Table) -> dict[str, str]:
    m: dict[str, str] = {}
    for c in table.columns:
        m[c.name.lower()] = c.name
        for a in c.aliases:
            m[normalise_header(a)] = c.name
    return m


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of a CSV file: ``utf-8-sig`` (BOM), ``utf-8`` or ``gb18030``.

    GB18030 is a superset of GBK.

    >>> detect_encoding("企业".encode("gbk")), detect_encoding("企业".encode("utf-8"))
    ('gb18030', 'utf-8')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # decoding will report where it fails


def _normalise_column(values: pd.Series, code: bool = False) -> list[str]:
    """NFKC + strip every cell, in a few C-level passes instead of one call per cell.

    A *code* column (ids, references, codes) keeps the control characters other than
    tab, line feed and carriage return at its ends (see ``_CODE_SPACE``).
    """
    if len(values) == 0:
        return []
    cells = values.tolist()
    chars = _CODE_SPACE if code else None
    joined = _SEP.join(cells)
    if not joined.isascii():
        joined = unicodedata.normalize("NFKC", joined)
    parts = joined.split(_SEP)
    if len(parts) != len(cells):  # a cell holds the separator itself: one cell at a time
        return [unicodedata.normalize("NFKC", v).strip(chars) for v in cells]
    if _needs_strip(joined):
        return [v.strip(chars) for v in parts]
    return parts


def _needs_strip(joined: str) -> bool:
    """Tell whether any cell of a joined column has leading or trailing white space.

    Substring searches in C: much faster than a regular expression here.
    """
    if not joined:
        return False
    if joined[0].isspace() or joined[-1].isspace():
        return True
    if " " + _SEP in joined or _SEP + " " in joined:
        return True
    return any(ch in joined for ch in _OTHER_SPACE)


def _decode(data: bytes, encoding: str, file: str) -> tuple[str | None, list[Problem]]:
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [Problem(file, line, "", f"cannot be decoded as {encoding} "
                              f"(byte {e.start}); save it as UTF-8 or GBK, or pass --encoding")]
    except LookupError:
        return None, [Problem(file, 0, "", f"unknown encoding {encoding!r}")]


def _arrow_frame(text: str, utf8: bytes | None = None) -> tuple[pd.DataFrame, np.ndarray] | None:
    r"""Parse CSV text with pyarrow's multi-threaded reader, when it gives the pandas answer.

    That is when the header has distinct, unquoted, non-empty names and every line
    after it is one record (no blank line, no value spanning lines, no ragged row):
    then the cells, as text, and the line numbers (``2, 3, …``) are the same as
    :func:`_csv_frame`'s pandas path gives.  Returns None otherwise, and the pandas
    path (which also words the parse errors) reads the file.  *utf8*, when given, is
    *text* as UTF-8 bytes already (the file as read), so it is not encoded again.

    >>> frame, lines = _arrow_frame("id,name\nE1,甲\nE2, 乙 \n")
    >>> frame["name"].tolist(), lines.tolist(), frame["name"].dtype
    (['甲', ' 乙 '], [2, 3], dtype('O'))
    >>> _arrow_frame("id,name\nE1,甲\n\nE2,乙\n") is None  # a blank line: pandas reads it
    True
    """
    end = text.find("\n")
    header = (text if end < 0 else text[:end]).removesuffix("\r")
    names = header.split(",")
    if '"' in header or "\r" in header or any(not n for n in names) or \
            len(set(names)) != len(names):
        return None
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if "\r" in text.replace("\r\n", ""):  # a lone CR ends a line for the parsers, not here
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8 if utf8 is not None else text.encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[], check_utf8=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    if table.num_rows != n_lines - 1 or table.column_names != names:
        return None
    frame = pd.DataFrame({n: pd.Series(c.to_numpy(zero_copy_only=False), dtype=object)
                          for n, c in zip(names, table.columns, strict=True)}, copy=False)
    return frame, np.arange(2, len(frame) + 2, dtype=np.int64)


def _csv_frame(text: str, file: str, utf8: bytes | None = None,
               ) -> tuple[pd.DataFrame | None, np.ndarray | None, list[Problem]]:
    """Parse CSV text; return the frame (all text) and the line number of each row.

    *utf8*: *text* as UTF-8 bytes, when the file was UTF-8 (see :func:`_arrow_frame`).
    """
    fast = _arrow_frame(text, utf8)
    if fast is not None:
        return fast[0], fast[1], []
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                         skip_blank_lines=False, na_filter=False)
    except pd.errors.EmptyDataError:
        return None, None, [Problem(file, 1, "", "the file is empty (no header line)")]
    except pd.errors.ParserError as e:
        msg = str(e).strip()
        line = 0
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
        return None, None, [Problem(file, line, "", f"cannot be parsed as CSV: {msg}")]
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if n_lines == len(df) + 1:
        lines = np.arange(2, len(df) + 2, dtype=np.int64)
    else:  # quoted fields spanning lines: ask the csv module where each record starts
        starts: list[int] = []
        reader = csv.reader(io.StringIO(text, newline=""))
        prev = 0
        try:
            for _ in reader:
                starts.append(prev + 1)
                prev = reader.line_num
        except csv.Error:  # the csv module is stricter than pandas (a lone CR): fall back
            starts = []
        lines = np.asarray(starts[1:], dtype=np.int64)
        if len(lines) != len(df):  # blank lines are skipped by csv: fall back
            lines = np.arange(2, len(df) + 2, dtype=np.int64)
    return df, lines, []


def _xlsx_cell(cell: Any) -> str:
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (int, float)):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            return f"{v * 100:.10g}%"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return f"{v:.15g}" if isinstance(v, float) else str(v)
    return str(v)


def _read_xlsx(path: Path, failed: dict[str, str],
               ) -> tuple[dict[str, tuple[pd.DataFrame, np.ndarray, str]], list[Problem]]:
    problems: list[Problem] = []
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        return {}, [_Cause(path.name, 0, "", "permission denied")]
    except Exception as e:  # openpyxl raises many kinds for a broken file
        return {}, [_Cause(path.name, 0, "", f"cannot be read as an Excel workbook: {e}")]
    names: dict[str, str] = {}
    for t in TABLES.values():
        names[normalise_header(t.name)] = t.name
        names[normalise_header(t.zh)] = t.name
    out: dict[str, tuple[pd.DataFrame, np.ndarray, str]] = {}
    try:
        for ws in wb.worksheets:
            key = names.get(normalise_header(ws.title))
            file = f"{path.name}[{ws.title}]"
            if key is None and ws.title.strip().lower() in PERIOD_SHEETS:
                continue  # the period (as_of, region): graphrisk.io.asof.declared_period
            if key is None:
                problems.append(Problem(file, 0, "", "sheet ignored: not a known table name",
                                        "warning"))
                continue
            if key in out or key in failed:
                problems.append(Problem(file, 0, "", f"a second sheet for table {key!r}"))
                continue
            rows = ws.iter_rows()
            header = next(rows, None)
            if header is None:
                problems.append(Problem(file, 1, "", "the sheet is empty (no header row)"))
                failed[key] = file
                continue
            head = [_xlsx_cell(c) for c in header]
            while head and head[-1] == "":
                head.pop()
            data: list[list[str]] = []
            lines: list[int] = []
            for r in rows:
                vals = [_xlsx_cell(c) for c in r][: len(head)]
                if not any(vals):
                    continue
                vals += [""] * (len(head) - len(vals))
                data.append(vals)
                lines.append(r[0].row if r and hasattr(r[0], "row") and r[0].row
                             else len(lines) + 2)
            df = pd.DataFrame(data, columns=head, dtype=object) if data else \
                pd.DataFrame(columns=head, dtype=object)
            out[key] = (df, np.asarray(lines, dtype=np.int64), file)
    finally:
        wb.close()
    return out, problems


def _map_columns(table: Table, df: pd.DataFrame, lines: np.ndarray, file: str,
                 ) -> tuple[pd.DataFrame | None, list[Problem]]:
    problems: list[Problem] = []
    hmap = _header_map(table)
    rename: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, h in enumerate(df.columns):
        key = hmap.get(normalise_header(h))
        label = str(h).strip()
        if key is None:
            if label and not label.lower().startswith("unnamed:"):
                problems.append(Problem(file, 1, label, f"column {label!r} is not part of "
                                        f"{table.name} and is ignored", "warning"))
            continue
        if key in seen:
            problems.append(Problem(file, 1, key, f"columns {seen[key]!r} and {label!r} both "
                                    f"mean {key!r}"))
            continue
        seen[key] = label
        rename[i] = key
    for c in table.columns:
        if c.required and c.name not in seen:
            problems.append(Problem(file, 1, c.name, f"required column {c.name!r} ({c.zh}) "
                                    "is missing"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    cols: dict[str, list[str]] = {}
    for i, key in rename.items():
        col = df.iloc[:, i]
        cols[key] = _normalise_column(col if col.dtype == object else col.astype(str),
                                      table.column(key).is_code)
    n = len(df)
    for c in table.columns:
        if c.name not in cols:
            cols[c.name] = [""] * n
    frame = pd.DataFrame(cols, columns=[c.name for c in table.columns], dtype=object)
    frame["line"] = lines
    blank = (frame.drop(columns="line") == "").all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
    return frame, problems


#: one table as found: the text frame, the line of each row, the file name, the encoding
_Source: TypeAlias = tuple[pd.DataFrame, np.ndarray, str, str | None]


def read_tables(path: str | Path, options: LoadOptions | None = None, *,
                unreadable: dict[str, str] | None = None,
                ) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every table of a dataset as text, without checking values.

    A table whose file (or sheet) is there but cannot be read -- a directory, a
    dangling symbolic link or a link loop, no permission, undecodable, unparsable,
    empty, a required column missing -- is absent from *tables*; the problems saying
    why are sorted before every other problem (they explain the errors that follow).

    Parameters
    ----------
    path : str or Path
        A folder of ``<table>.csv`` files or an ``.xlsx`` workbook.
    options : LoadOptions, optional
        ``encoding`` forces the CSV encoding.
    unreadable : dict, optional
        When given, filled with table name → file name (``loans.csv``) of every table
        present that could not be read; pass it on to
        :func:`~graphrisk.io.validate.validate_tables`, which then counts the
        references into such a table instead of reporting each as unknown.

    Returns
    -------
    tables : dict
        :class:`RawTable` per table read (missing optional tables are absent).
    problems : list of Problem
        What could not be read (errors) and what was ignored (warnings).

    Examples
    --------
    >>> tables, problems = read_tables(demo.source)
    >>> len(tables["loans"].frame), problems
    (82, [])
    """
    options = options or LoadOptions()
    path = Path(path)
    problems: list[Problem] = []
    found: dict[str, _Source] = {}
    failed: dict[str, str] = {}
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets, probs = _read_xlsx(path, failed)
        problems += probs
        for key, (df, lines, file) in sheets.items():
            found[key] = (df, lines, file, None)
    elif path.is_dir():
        _read_folder(path, options, found, failed, problems)
    else:
        raise DatasetError([Problem(str(path), 0, "", "is neither a folder of CSV files nor "
                                    "an .xlsx workbook")], "cannot read the dataset")
    tables: dict[str, RawTable] = {}
    for key in TABLE_ORDER:
        if key not in found:
            continue
        df, lines, file, enc = found.pop(key)  # free each source frame once mapped
        frame, probs = _map_columns(TABLES[key], df, lines, file)
        problems += probs
        if frame is not None:
            tables[key] = RawTable(TABLES[key], frame, file, enc)
        else:
            failed[key] = file
    if "enterprises" not in tables and "enterprises" not in failed:
        where = path.name if path.is_file() else "enterprises.csv"
        problems.append(Problem(where, 0, "", "the mandatory table 'enterprises' (企业) is "
                                "missing"))
    if unreadable is not None:
        unreadable.update(failed)
    return tables, _causes_first(problems, set(failed.values()))


def _causes_first(problems: list[Problem], files: set[str]) -> list[Problem]:
    """Mark the errors of the tables that could not be read as causes (sorted first)."""
    return [_Cause(p.file, p.line, p.column, p.message, p.severity)
            if p.severity == "error" and p.file in files and not isinstance(p, _Cause) else p
            for p in problems]


def _why_unreadable(p: Path) -> str | None:
    """Say why the directory entry *p* cannot be read as a CSV file (None: it can be).

    >>> _why_unreadable(Path(demo.source))
    'is a directory'
    """
    try:
        st = p.stat()  # follows symbolic links
    except FileNotFoundError:
        return "dangling symbolic link" if p.is_symlink() else "no longer exists"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
        if e.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
        return f"cannot be read: {e.strerror or e}"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a FIFO, socket or device)"
    return None


def _read_bytes(p: Path) -> tuple[bytes | None, str | None]:
    """Return the content of *p*, or None and why it cannot be read."""
    why = _why_unreadable(p)
    if why is not None:
        return None, why
    try:
        return p.read_bytes(), None
    except PermissionError:
        return None, "permission denied"
    except OSError as e:
        return None, f"cannot be read: {e.strerror or e}"


def _read_folder(path: Path, options: LoadOptions, found: dict[str, _Source],
                 failed: dict[str, str], problems: list[Problem]) -> None:
    """Read the ``<table>.csv`` files of a folder into *found*, problems into *problems*.

    *failed* receives table → file name of each table file present that cannot be read.
    """
    try:
        entries = sorted((normalise_header(p.name), p) for p in path.iterdir())
    except OSError as e:
        why = "permission denied" if isinstance(e, PermissionError) else \
            f"cannot be read: {e.strerror or e}"
        raise DatasetError([Problem(str(path), 0, "", why)], "cannot read the dataset") from None
    names = {}
    for t in TABLES.values():
        for n in (t.name, t.zh):
            names[normalise_header(n + ".csv")] = t.name
    for key_name, p in entries:
        if p.suffix.lower() != ".csv":
            continue
        key = names.get(key_name)
        if key is None:
            if p.is_file():  # a folder or a broken link of another name is not a table
                problems.append(Problem(p.name, 0, "", "file ignored: not a known table name",
                                        "warning"))
            continue
        if key in found or key in failed:
            problems.append(Problem(p.name, 0, "", f"a second file for table {key!r}"))
            continue
        data, reason = _read_bytes(p)
        if data is None:
            problems.append(_Cause(p.name, 0, "", reason or "cannot be read"))
            failed[key] = p.name
            continue
        enc = options.encoding or detect_encoding(data)
        text, probs = _decode(data, enc, p.name)
        problems += probs
        df, lines = None, None
        if text is not None:
            body = text.lstrip("\ufeff")
            utf8 = None
            if enc.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
                utf8 = data  # the same text as bytes, without its byte order marks
                while utf8.startswith(b"\xef\xbb\xbf"):
                    utf8 = utf8[3:]
            df, lines, probs = _csv_frame(body, p.name, utf8)
            problems += probs
        if df is not None and lines is not None:
            found[key] = (df, lines, p.name, enc)
        else:
            failed[key] = p.name
