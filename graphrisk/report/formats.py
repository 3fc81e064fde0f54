"""Plain output formatting shared by the CLI: text tables, CSV and JSON.

The aligned text tables respect the double width of Chinese characters.  No
analysis logic here.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from graphrisk.io.jsonout import dump_json, dumps_json
from graphrisk.io.output import atomic_file

__all__ = ["display_width", "text_table", "csv_text", "to_json", "fmt_amount", "safe_cell",
           "FORMULA_START", "strip_bidi", "BIDI_CONTROLS", "write_json"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): a
#: name holding one can make what follows it display reversed (Trojan Source)
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """Return *text* without bidi embedding, override and isolate characters.

    Names keep every character in the data; rendered output (HTML, SVG, terminal
    tables) drops these, so no name can reorder the text around it.

    >>> strip_bidi("\u202e甲公司\u202c A")
    '甲公司 A'
    """
    if _BIDI_RE.search(text) is None:  # the usual case: a scan, not a copy
        return text
    return text.translate(BIDI_CONTROLS)


def safe_cell(value: Any) -> Any:
    """*value* as a spreadsheet cell that is never taken for a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe (OWASP's advice against CSV injection); numbers and other
    values are returned as they are, so they stay numbers.

    >>> safe_cell("=1+1"), safe_cell("-3"), safe_cell(-3.5), safe_cell("@SUM(A1)")
    ("'=1+1", "'-3", -3.5, "'@SUM(A1)")
    >>> safe_cell("青山五金")
    '青山五金'
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two).

    >>> display_width("担保圈 A")
    8
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return strip_bidi(value)
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.2f}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(_cell(v) for v in value)
    return str(value)


def fmt_amount(value: float) -> str:
    """Amount in 万元 with thousands separators and two decimals.

    >>> fmt_amount(12345.678)
    '12,345.68'
    """
    return _cell(float(value))


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               limit: int | None = None) -> str:
    """Return an aligned text table; numbers right-aligned.

    >>> print(text_table(["编号", "金额"], [["E1", 1.5], ["E22", 10.0]]))
    编号  金额
    ----  -----
    E1     1.50
    E22   10.00
    """
    rows = [list(r) for r in rows]
    shown = rows if limit is None else rows[:limit]
    cells = [[_cell(v) for v in r] for r in shown]
    numeric = [all(isinstance(r[i], (int, float)) and not isinstance(r[i], bool)
                   for r in shown if r[i] is not None) and bool(shown)
               for i in range(len(headers))]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells])
              for i, h in enumerate(headers)]

    def line(values: Sequence[str], align: bool = True) -> str:
        out = []
        for i, v in enumerate(values):
            pad = " " * (widths[i] - display_width(v))
            out.append(pad + v if (align and numeric[i]) else v + pad)
        return "  ".join(out).rstrip()

    lines = [line(headers, align=False), "  ".join("-" * w for w in widths)]
    lines += [line(r) for r in cells]
    if limit is not None and len(rows) > limit:
        lines.append(f"… {len(rows) - limit} more rows (use --format csv or json for all)")
    return "\n".join(lines)


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return CSV text (UTF-8; the CLI adds a BOM when writing a file so that Excel reads it).

    Every text cell passes :func:`safe_cell`, so no cell opens as a formula in a
    spreadsheet; numbers stay numbers.

    >>> print(csv_text(["name", "amount"], [["=1+1", -2.5], ["甲", None]]), end="")
    name,amount
    '=1+1,-2.5
    甲,
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([safe_cell(h) for h in headers])
    for r in rows:
        w.writerow([safe_cell(_cell(v)) if isinstance(v, (list, tuple, set, frozenset)) else
                    ("" if v is None or (isinstance(v, float) and math.isnan(v)) else safe_cell(v))
                    for v in r])
    return buf.getvalue()


def to_json(data: Any, *, indent: int | None = 2) -> str:
    """Return JSON with Chinese kept readable (``ensure_ascii=False``), NaN as null.

    >>> to_json({"名": "甲", "x": float("nan")}, indent=None)
    '{"名":"甲","x":null}'
    """
    return dumps_json(data, indent=indent)


def write_json(data: Any, target: str | Path | IO[str]) -> None:
    r"""Write *data* as compact JSON, streamed piece by piece (NaN as null, Chinese kept).

    A path is replaced atomically; a stream is written to.  See
    :func:`graphrisk.io.jsonout.dump_json`.

    >>> buf = io.StringIO()
    >>> write_json({"名": "甲", "x": [1, float("nan")]}, buf)
    >>> buf.getvalue()
    '{"名":"甲","x":[1,null]}\n'
    """
    if isinstance(target, (str, Path)):
        with atomic_file(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            dump_json(data, fh)
            fh.write("\n")
    else:
        dump_json(data, target)
        target.write("\n")
