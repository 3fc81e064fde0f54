"""Tables of the report: one definition used by the HTML page, the workbook and JSON.

A :class:`Table` has typed columns with a Chinese and an English header; cells stay
raw values (numbers, booleans, lists) until a writer formats them, so the workbook
keeps real numbers and the HTML shows ``12,345.68`` and ``是``/``yes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from graphrisk.domain.glossary import UNIT, WARNING_LEVELS

__all__ = ["Column", "Table", "col", "format_cell"]


@dataclass(frozen=True)
class Column:
    """A field of an output table (declared once, in :mod:`graphrisk.report.fields`).

    ``kind`` is ``text``, ``amount`` (万元), ``pct`` (a fraction shown as percent),
    ``share`` (a percentage 0–100), ``int``, ``float``, ``bool``, ``list`` or ``level``
    (a warning level code, shown as 红/橙/黄/蓝 and coloured).  Labels carry no unit: the
    headers add the kind's.

    >>> c = Column("loans", "贷款余额", "loans", "amount")
    >>> c.header("zh"), c.header("en"), c.label
    ('贷款余额(万元)', 'loans (万元)', 'loans 贷款余额')
    """

    key: str
    zh: str
    en: str
    kind: str = "text"

    def header(self, lang: str) -> str:
        """Return the header in *lang* (``zh`` or ``en``), with the unit of an amount."""
        if self.kind == "amount":
            return f"{self.zh}({UNIT})" if lang == "zh" else f"{self.en} ({UNIT})"
        return self.zh if lang == "zh" else self.en

    @property
    def label(self) -> str:
        """Return the CLI header: English, then Chinese (once when they are the same)."""
        return self.en if self.en == self.zh else f"{self.en} {self.zh}"

    @property
    def numeric(self) -> bool:
        """Return whether cells are numbers (right-aligned, number-formatted)."""
        return self.kind in ("amount", "pct", "share", "int", "float")

    @property
    def wide(self) -> bool:
        """Return whether the field is long text (member lists, reasons) given room in HTML."""
        return self.kind == "list" or self.key in _WIDE


_WIDE = frozenset({"members", "names", "reasons", "criteria", "patterns", "target"})


def col(key: str, zh: str, en: str, kind: str = "text") -> Column:
    """Return a :class:`Column` (for a one-off table; output tables use the schemas)."""
    return Column(key, zh, en, kind)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def format_cell(value: Any, kind: str, lang: str = "zh") -> str:
    """Return the text of one cell (a value of the column *kind*) in *lang*.

    >>> format_cell(12345.678, "amount"), format_cell(0.125, "pct"), format_cell(True, "bool")
    ('12,345.68', '12.5%', '是')
    >>> format_cell(["甲", "乙"], "list", "en")
    '甲; 乙'
    """
    if _missing(value):
        return "—"
    if kind == "amount":
        return f"{float(value):,.2f}"
    if kind == "pct":
        return f"{100 * float(value):.1f}%"
    if kind == "share":
        return f"{float(value):.2f}%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "float":
        return f"{float(value):.4g}"
    if kind == "level":
        if value not in WARNING_LEVELS:
            return "无" if lang == "zh" else "none"
        return WARNING_LEVELS[value] if lang == "zh" else str(value)
    if kind == "bool":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (list, tuple, set)):
        return ("、" if lang == "zh" else "; ").join(str(v) for v in value)
    return str(value)


@dataclass
class Table:
    """A titled table with typed columns and raw rows.

    ``name`` is a short key (the JSON/sheet identity); ``link`` optionally names a
    column whose cell becomes a relative link (``circles/C001.html``) in HTML.
    """

    name: str
    zh: str
    en: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    link: tuple[str, str] | None = None  # (column key, href pattern with {value})

    def title(self, lang: str) -> str:
        """Return the title in *lang* (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en

    def headers(self, lang: str) -> list[str]:
        """Return the column headers in *lang*, with the units of amounts."""
        return [c.header(lang) for c in self.columns]

    def records(self) -> list[dict[str, Any]]:
        """Return the rows as dicts keyed by column key."""
        return [dict(zip((c.key for c in self.columns), r, strict=True)) for r in self.rows]

    def html_rows(self, lang: str, top: int | None = None) -> list[list[dict[str, Any]]]:
        """Return the rows for the template.

        Cells are ``{"text", "num", "wide", "href"}`` (the text is escaped there); *top*
        keeps the first rows only.
        """
        out = []
        link_idx = None
        if self.link:
            keys = [c.key for c in self.columns]
            link_idx = keys.index(self.link[0]) if self.link[0] in keys else None
        for r in self.rows[:top] if top else self.rows:
            cells = []
            for i, (c, v) in enumerate(zip(self.columns, r, strict=True)):
                href = (self.link[1].format(value=v)
                        if link_idx == i and self.link and v else None)
                cells.append({"text": format_cell(v, c.kind, lang), "num": c.numeric,
                              "wide": c.wide, "href": href})
            out.append(cells)
        return out
