"""The declared parameters of a query file: ``// @param NAME TYPE [= DEFAULT] [(…)] doc``.

Types: ``int``, ``float``, ``str``, ``bool``, ``date`` (``YYYY-MM-DD``, kept as that
text: the query converts it with ``date($name)``) and ``entity``.  ``= null`` makes a
parameter optional without a value.  Used by :mod:`graphrisk.neo4j.queries`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from graphrisk.errors import ParameterError

__all__ = ["TYPES", "QueryParam", "parse_param"]

TYPES = ("int", "float", "str", "bool", "date", "entity")
_PARAM = re.compile(r"@param\s+(\w+)\s+(\w+)(?:\s*=\s*(\S+))?(?:\s*\(([^)]*)\))?\s*(.*)")


@dataclass(frozen=True)
class QueryParam:
    """One declared parameter of a query file."""

    name: str
    type: str
    default: object = None
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    bound: bool = False
    doc: str = ""

    def coerce(self, value: Any) -> object:
        """Parse a command-line string (or check a Python value) into the declared type.

        >>> QueryParam("depth", "int", low=1, high=10).coerce("3")
        3
        >>> QueryParam("id", "str").coerce("0001")
        '0001'
        >>> QueryParam("as_of", "date").coerce("2026-03-31"), QueryParam("as_of", "date").coerce("")
        ('2026-03-31', None)
        """
        name = self.name
        if value is None and not self.required and self.default is None:
            return None  # an optional parameter without a value (``= null``)
        try:
            v = _parse(self.type, value)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter {name!r} must be {_article(self.type)}, got "
                                 f"{value!r}") from None
        if v is None:
            return None
        if self.low is not None and v < self.low or self.high is not None and v > self.high:
            lo = "" if self.low is None else _num(self.low)
            hi = "" if self.high is None else _num(self.high)
            raise ParameterError(f"parameter {name!r} must be in {lo}..{hi}, got {v!r}")
        if self.choices and v not in self.choices:
            raise ParameterError(f"parameter {name!r} must be one of {', '.join(self.choices)}, "
                                 f"got {v!r}")
        return v

    def describe(self) -> str:
        """Return a one-line description: type, range or choices, default and doc.

        >>> QueryParam("depth", "int", 3, low=1, high=10, doc="levels").describe()
        'depth: int 1..10, default 3 — levels'
        """
        kind = self.type + (" (bound)" if self.bound else "")
        if self.choices:
            kind += " " + "|".join(self.choices)
        elif self.low is not None or self.high is not None:
            kind += f" {'' if self.low is None else _num(self.low)}.." \
                    f"{'' if self.high is None else _num(self.high)}"
        default = "required" if self.required else (
            "default null" if self.default is None else f"default {self.default!r}")
        return f"{self.name}: {kind}, {default} — {self.doc}".rstrip(" —")


def _parse(kind: str, value: Any) -> Any:
    """Return *value* parsed as the parameter type *kind*; ``ValueError`` when it is not one.

    >>> _parse("int", "7"), _parse("bool", "yes"), _parse("date", " 2026-03-31 "), _parse("date", "")
    (7, True, '2026-03-31', None)
    """
    if kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value) if not isinstance(value, str) else int(value.strip(), 10)
    if kind == "float":
        if isinstance(value, bool):
            raise ValueError
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError
        return v
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError
        return text in ("true", "1", "yes")
    if kind == "date":  # ISO text (sent as such; the query applies date()), "" / null: none
        if isinstance(value, dt.date):
            return value.isoformat()[:10]
        text = str(value).strip()
        if text.lower() in ("", "null", "none"):
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text).isoformat()
    text = str(value)
    if kind == "entity" and not text:
        raise ValueError
    return text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _article(t: str) -> str:
    return {"int": "a whole number", "float": "a number", "bool": "true or false",
            "entity": "an entity id", "str": "text", "date": "a date YYYY-MM-DD"}[t]



def parse_param(line: str, where: str) -> QueryParam:
    m = _PARAM.match(line)
    if not m:
        raise ParameterError(f"{where}: cannot read the parameter declaration {line!r}")
    name, typ, default, spec, doc = m.groups()
    if typ not in TYPES:
        raise ParameterError(f"{where}: unknown parameter type {typ!r} (use {', '.join(TYPES)})")
    low = high = None
    choices: tuple[str, ...] = ()
    bound = False
    for part in (s.strip() for s in (spec or "").split(",") if s.strip()):
        if part == "bound":
            bound = True
        elif ".." in part:
            lo, hi = part.split("..", 1)
            low = float(lo) if lo else None
            high = float(hi) if hi else None
        elif "|" in part:
            choices = tuple(c.strip() for c in part.split("|"))
        else:
            raise ParameterError(f"{where}: cannot read {part!r} in {line!r}")
    p = QueryParam(name, typ, None, default is None, low, high, choices, bound, doc.strip())
    if default == "null":
        p = QueryParam(name, typ, None, False, low, high, choices, bound, p.doc)
    elif default is not None:
        p = QueryParam(name, typ, p.coerce(default), False, low, high, choices, bound, p.doc)
    if bound and (typ != "int" or p.required or high is None):
        raise ParameterError(f"{where}: bound parameter {name!r} needs type int, a default "
                             "and an upper limit")
    return p
