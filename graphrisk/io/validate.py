"""Validation: parse every cell into its type and check the rules of SPEC §1.

All problems are collected, each with file, line and column, before anything is
reported.  Errors stop the load; warnings do not (``strict`` turns malformed credit
codes into errors).  Checks are vectorised (pandas), so 1M-row tables take seconds.

Rules
-----
* required columns present and required cells non-empty;
* ids unique across enterprises, persons and institutions, and unique within loans
  and within guarantees;
* every reference known and of an allowed kind (holder, company, person, borrower,
  lender, guarantor, loan_id, enterprise_id — an enterprise or a person, whose
  event then concerns the firms where that person holds a key post or share); a
  ``loan_id`` must belong to the guarantee's borrower;
* numbers: amounts non-negative (``net_assets`` may be negative), ``share_pct`` in
  (0, 100], ``pd`` in [0, 1], counts whole and non-negative, ``severity`` 1–4;
  thousands separators and a trailing ``万元``/``万`` are accepted;
* shares held in one company sum to at most 100 + ``share_slack``;
* enum values in English or Chinese; dates as ``2025-03-01``, ``2025/3/1``,
  ``20250301`` or ``2025年3月1日``;
* no self-holding, self-guarantee or self-loan;
* warnings: wrong check character of an 18-character credit code, unknown tags,
  repeated holder/company pairs, start dates after end dates, ignored columns/files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from graphrisk.domain.glossary import (
    ENTITY_KINDS,
    ENUM_SYNONYMS,
    ENUMS,
    LOAN,
    TABLES,
    Column,
)
from graphrisk.domain.uscc import ALPHABET, WEIGHTS
from graphrisk.errors import Problem
from graphrisk.io.dataset import Dataset, LoadOptions, RawTable

__all__ = ["validate_tables", "uscc_mask", "invisible_mask"]

_DEFAULTS = {("enterprises", "status"): "normal", ("institutions", "type"): "bank",
             ("loans", "classification"): "normal", ("guarantees", "type"): "joint_several"}
_MAX_PER_RULE = 1000  # problems listed per (file, rule) before summarising
#: allowed kinds of a reference wider than the column's declaration: SPEC §1 (0.2.0)


class _Collector:
    """The problems found, at most ``_MAX_PER_RULE`` listed per (file, column, rule)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._counts: dict[tuple[str, str, str, str], int] = {}
        #: (table, column) -> (empty, has an invisible character) of each cell, as the
        #: parsing found them: the reference checks reuse them instead of scanning again
        self.cells: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def add(self, file: str, line: int, column: str, message: str, severity: str = "error",
            rule: str | None = None) -> None:
        key = (file, column, rule or message[:20], severity)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < _MAX_PER_RULE:
            self.problems.append(Problem(file, int(line), column, message, severity))
        elif n == _MAX_PER_RULE:
            self.problems.append(Problem(file, int(line), column,
                                         f"{column}: more problems of this kind follow; "
                                         "only the first 1000 are listed", severity))

    def each(self, raw: RawTable, mask: ArrayLike, column: str, fmt: Callable[..., str],
             severity: str = "error", rule: str | None = None) -> None:
        """Add one problem per row where *mask* is true; *fmt* gets (row)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        f = raw.frame
        for i in np.flatnonzero(mask):
            self.add(raw.file, f["line"].iat[i], column, fmt(f.iloc[i]), severity, rule)


def uscc_mask(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return (looks like a credit code, has a wrong check character) for each id.

    Vectorised over the ids.

    >>> uscc_mask(pd.Series(["91350100M000100Y43", "91350100M000100Y44", "E1"]))
    (array([ True,  True, False]), array([False,  True, False]))
    """
    s = ids.astype(str)
    shaped = (s.str.len() == 18) & s.str.fullmatch(r"[0-9A-Z]{18}")
    shaped = shaped.fillna(False).to_numpy(dtype=bool)
    wrong = np.zeros(len(s), dtype=bool)
    if shaped.any():
        codes = np.frombuffer("".join(s[shaped]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        lut = np.full(256, -1, dtype=np.int64)
        for i, ch in enumerate(ALPHABET):
            lut[ord(ch)] = i
        vals = lut[codes]
        bad_symbol = (vals < 0).any(axis=1)
        total = (np.where(vals[:, :17] < 0, 0, vals[:, :17]) * np.array(WEIGHTS)).sum(axis=1)
        check = (31 - total % 31) % 31
        wrong[np.flatnonzero(shaped)] = bad_symbol | (check != vals[:, 17])
    return shaped, wrong


_NUM_CLEAN = re.compile(r"[,\s]|万元$|万$")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)%?", re.IGNORECASE)
_ASCII_INVISIBLE = re.compile(r"[\x00-\x1f\x7f]")


def _numbers(values: pd.Series, empty: np.ndarray, percent: bool = False,
             ) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse text as numbers; returns (values, had-a-percent-sign, not finite).

    Plain numbers take one C-level pass; only cells that fail it (thousands separators,
    ``%``, ``万元``) go through the slower cleaning.  A cell that reads as an infinity or
    a NaN (``inf``, ``-Infinity``, ``nan``, ``1e999`` …) is flagged *not finite* and
    its value is NaN, so that no range check reports it a second time.
    """
    s = values.astype(object)
    num = pd.to_numeric(s.where(~empty), errors="coerce").astype("float64")
    pct = np.zeros(len(s), dtype=bool)
    retry = num.isna().to_numpy() & ~empty
    if retry.any():
        sub = s[retry].astype(str).str.replace(_NUM_CLEAN, "", regex=True)
        has_pct = sub.str.endswith("%").to_numpy(dtype=bool)
        if percent:
            pct[np.flatnonzero(retry)] = has_pct
            sub = sub.str.rstrip("%")
        num[retry] = pd.to_numeric(sub.where(sub != ""), errors="coerce").astype("float64")
    v = num.to_numpy(dtype="float64", copy=True)
    non_finite = np.isinf(v)
    unread = np.isnan(v) & ~empty
    if unread.any():
        sub = s[unread].astype(str).str.replace(_NUM_CLEAN, "", regex=True)
        non_finite[np.flatnonzero(unread)] = \
            sub.str.fullmatch(_NON_FINITE).fillna(False).to_numpy(dtype=bool)
    if non_finite.any():
        v[non_finite] = np.nan
        num = pd.Series(v, index=s.index)
    return num, pct, non_finite


def _is_invisible(ch: str) -> bool:
    """Tell whether *ch* is a control or format character (Unicode Cc or Cf)."""
    return unicodedata.category(ch) in ("Cc", "Cf")


def invisible_mask(values: pd.Series) -> np.ndarray:
    r"""Return, for each cell, whether it holds a control or format character (Cc, Cf).

    One C-level scan of the whole column finds whether there is any; only then are the
    cells tested one by one.

    >>> invisible_mask(pd.Series(["E1", "E2\u200b", "L\x001", "甲"]))
    array([False,  True,  True, False])
    """
    if not len(values):
        return np.zeros(0, dtype=bool)
    cells = values.to_numpy(dtype=object)
    try:
        joined = "".join(cells)  # text cells as they are: no conversion of the column
    except TypeError:
        cells = values.astype(str).to_numpy(dtype=object)
        joined = "".join(cells)
    if joined.isascii():
        if not _ASCII_INVISIBLE.search(joined):
            return np.zeros(len(values), dtype=bool)
        pattern = _ASCII_INVISIBLE.pattern
    else:
        bad = sorted(c for c in set(joined) if _is_invisible(c))
        if not bad:
            return np.zeros(len(values), dtype=bool)
        pattern = "[" + "".join(re.escape(c) for c in bad) + "]"
    rx = re.compile(pattern)
    return np.fromiter((rx.search(c) is not None for c in cells), dtype=bool, count=len(cells))


def _shown(text: str) -> str:
    r"""Quote *text* with each invisible character written out as ``<U+200B>``.

    >>> print(_shown("E1\u200b"))
    'E1<U+200B>'
    """
    return "'" + "".join(f"<U+{ord(c):04X}>" if _is_invisible(c) else c for c in text) + "'"


def _invisible_message(name: str, text: str) -> str:
    """Say which invisible characters the id or code *text* of column *name* holds."""
    chars = list(dict.fromkeys(f"U+{ord(c):04X}" for c in text if _is_invisible(c)))
    what = "an invisible character" if len(chars) == 1 else "invisible characters"
    return f"{name} {_shown(text)} contains {what} {', '.join(chars)}"


def _visible(text: str) -> str:
    """Return *text* without its control and format characters."""
    return "".join(c for c in text if not _is_invisible(c))


def _bound(x: float) -> str:
    """Write an amount bound for a message: ``1,000,000,000``."""
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


def _parse_dates(values: pd.Series, empty: np.ndarray) -> pd.Series:
    """Return ISO text for each date cell ("" when empty or unreadable).

    ISO input takes the fast path, other forms (``2025/3/1``, ``20250301``,
    ``2025年3月1日``) the slow one.
    """
    s = values.astype(object)
    iso = pd.to_datetime(s.where(~empty), format="%Y-%m-%d", errors="coerce")
    ok = iso.notna().to_numpy() & (s.str.len() == 10).to_numpy()
    out = s.where(ok, "").astype(object)
    retry = ~ok & ~empty
    if retry.any():
        r = s[retry].astype(str)
        r = r.str.replace(r"[/.年月]", "-", regex=True).str.replace("日", "", regex=False)
        r = r.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
        d = pd.to_datetime(r, format="%Y-%m-%d", errors="coerce")
        out[retry] = d.dt.strftime("%Y-%m-%d").where(d.notna(), "")
    return out


def _enum_lookup(enum: str) -> dict[str, str]:
    m: dict[str, str] = {}
    for value, zh in ENUMS[enum].items():
        m[value] = value
        m[value.replace("_", " ")] = value
        m[zh] = value
    for k, v in ENUM_SYNONYMS.get(enum, {}).items():
        m[k] = v
    return m


_NUMBER_KINDS = ("amount", "signed_amount", "pct", "prob", "int", "severity")


def _parse_number(col: Column, raw: RawTable, empty: np.ndarray, options: LoadOptions,
                  out: _Collector) -> pd.Series:
    """Parse a numeric column: finite, in range, amounts within ``options.max_amount``."""
    s = raw.frame[col.name]
    name = col.name
    num, pct, non_finite = _numbers(s, empty, percent=col.kind in ("pct", "prob"))
    bad = ~empty & num.isna().to_numpy() & ~non_finite
    out.each(raw, bad, name, lambda r: f"{name} {r[name]!r} is not a number", rule="nan")
    out.each(raw, non_finite, name, lambda r: f"{name} {r[name]!r} is not a finite number",
             rule="finite")
    v = num.to_numpy()
    with np.errstate(invalid="ignore"):
        if col.kind in ("amount", "signed_amount"):
            if col.kind == "amount":
                out.each(raw, v < 0, name, lambda r: f"{name} {r[name]!r} is negative", rule="neg")
            signed = col.kind == "signed_amount"
            over = (np.abs(v) if signed else v) > options.max_amount
            limit = f"{_bound(options.max_amount)} 万元" + (" in absolute value" if signed else "")
            out.each(raw, over, name, lambda r: f"{name} {r[name]!r} exceeds the largest "
                     f"amount accepted, {limit} (if it is right, raise the bound with "
                     "--max-amount or LoadOptions(max_amount=…))", rule="max")
        elif col.kind == "pct":
            out.each(raw, (v <= 0) | (v > 100), name,
                     lambda r: f"{name} {r[name]!r} is outside (0, 100]", rule="range")
        elif col.kind == "prob":
            v = np.where(pct, v / 100.0, v)
            num = pd.Series(v, index=s.index)
            out.each(raw, (v < 0) | (v > 1), name,
                     lambda r: f"{name} {r[name]!r} is outside [0, 1]", rule="range")
        elif col.kind in ("int", "severity"):
            lo, hi = (1, 4) if col.kind == "severity" else (0, np.inf)
            badint = ~np.isnan(v) & ((v != np.floor(v)) | (v < lo) | (v > hi))
            what = "a whole number from 1 to 4" if col.kind == "severity" else \
                "a whole number >= 0"
            out.each(raw, badint, name, lambda r: f"{name} {r[name]!r} is not {what}",
                     rule="int")
            return num.round().astype("Int64")
    return num


def _parse_column(col: Column, raw: RawTable, options: LoadOptions,
                  out: _Collector) -> pd.Series:
    f = raw.frame
    s = f[col.name]
    empty = (s == "").to_numpy(dtype=bool)
    name = col.name
    if col.required:
        out.each(raw, empty, name, lambda r: f"{name} is empty but required ({col.zh})",
                 rule="required")
    hidden = np.zeros(len(s), dtype=bool)
    if col.is_code:
        hidden = invisible_mask(s)
        out.each(raw, hidden, name, lambda r: _invisible_message(name, r[name]),
                 rule="invisible")
    out.cells[(raw.table.name, name)] = (empty, hidden)
    if col.kind in _NUMBER_KINDS:
        return _parse_number(col, raw, empty, options, out)
    if col.kind == "date":
        d = _parse_dates(s, empty)
        bad = ~empty & (d == "").to_numpy(dtype=bool)
        out.each(raw, bad, name, lambda r: f"{name} {r[name]!r} is not a date (use YYYY-MM-DD)",
                 rule="date")
        return d
    if col.kind == "enum" and col.enum is not None:
        lookup = _enum_lookup(col.enum)
        mapped = s.str.lower().map(lookup)
        bad = ~empty & mapped.isna().to_numpy() & ~hidden  # hidden: reported above
        allowed = ", ".join(f"{k} {v}" for k, v in ENUMS[col.enum].items())
        out.each(raw, bad, name, lambda r: f"{name} {r[name]!r} is not one of: {allowed}",
                 rule="enum")
        default = _DEFAULTS.get((raw.table.name, name), "")
        return mapped.fillna(default).astype(object)
    if col.kind == "tags":
        lookup = _enum_lookup("tag")
        nonempty = np.flatnonzero(~empty & ~hidden)
        result = pd.Series([""] * len(s), index=s.index, dtype=object)
        for i in nonempty:
            parts = [p.strip() for p in re.split(r"[;,、|]", s.iat[i]) if p.strip()]
            tags: list[str] = []
            for p in parts:
                t = lookup.get(p.lower())
                if t is None:
                    out.add(raw.file, f["line"].iat[i], name, f"{name}: unknown tag {p!r} is kept "
                            f"as it is (known: {', '.join(ENUMS['tag'])})", "warning", "tag")
                    t = p
                if t not in tags:
                    tags.append(t)
            result.iat[i] = ";".join(tags)
        return result
    return s.astype(object)


def _typed(raw: RawTable, options: LoadOptions, out: _Collector) -> pd.DataFrame:
    cols = {c.name: _parse_column(c, raw, options, out) for c in raw.table.columns}
    frame = pd.DataFrame(cols)
    frame["line"] = raw.frame["line"].to_numpy()
    return frame


def _empty_frame(name: str) -> pd.DataFrame:
    cols: dict[str, pd.Series] = {}
    for c in TABLES[name].columns:
        if c.kind in ("amount", "signed_amount", "pct", "prob"):
            cols[c.name] = pd.Series([], dtype="float64")
        elif c.kind in ("int", "severity"):
            cols[c.name] = pd.Series([], dtype="Int64")
        else:
            cols[c.name] = pd.Series([], dtype=object)
    cols["line"] = pd.Series([], dtype="int64")
    return pd.DataFrame(cols)


def _where(raws: dict[str, RawTable], table: str, line: int) -> str:
    return f"{raws[table].file}:{line}"


def validate_tables(raws: dict[str, RawTable], options: LoadOptions, *, source: str = "",
                    unreadable: dict[str, str] | None = None,
                    ) -> tuple[Dataset, list[Problem]]:
    """Parse and check the raw tables; return the dataset and every problem found.

    The returned dataset is only meaningful when no problem is an error.

    Parameters
    ----------
    raws : dict of str to RawTable
        The tables of :func:`~graphrisk.io.read.read_tables`.  Each ``frame`` is
        replaced by its typed form while checking (that halves peak memory).
    options : LoadOptions
        ``share_slack``, ``strict`` and ``max_amount`` apply here.
    source : str
        Where the dataset was read from (kept as :attr:`Dataset.source`).
    unreadable : dict of str to str, optional
        Table → file name of the tables present that could not be read (filled by
        :func:`~graphrisk.io.read.read_tables`).  A reference that could point into
        such a table is not checked; they are counted in one problem per file
        (``guarantees.csv: 30 references to loans (loan_id) not checked because
        loans.csv could not be read``).

    Returns
    -------
    dataset : Dataset
    problems : list of Problem
        Errors and warnings, each with file, line and column.
    """
    out = _Collector()
    typed = {}
    for name, raw in raws.items():
        typed[name] = _typed(raw, options, out)
        # later checks read the typed values; the text cells can go (halves peak memory)
        raw.frame = typed[name]
    for name in TABLES:
        if name not in typed:
            typed[name] = _empty_frame(name)
    kind_of = _check_entity_ids(raws, typed, out)
    _check_record_ids(raws, typed, out)
    loan_ids = typed["loans"].drop_duplicates("id").set_index("id")["borrower_id"]
    hidden = {"entity": _hidden_ids(raws, typed, ("enterprises", "persons", "institutions")),
              "loan": _hidden_ids(raws, typed, ("loans",))}
    _check_references(raws, typed, kind_of, loan_ids, out, hidden, unreadable or {})
    _check_guarantees(raws, typed["guarantees"], loan_ids, out)
    _check_loans(raws, typed["loans"], out)
    _check_shareholdings(raws, typed["shareholdings"], options, out)
    _check_credit_codes(raws, typed, options, out)
    ds = Dataset(
        tables=typed, source=source,
        files={n: r.file for n, r in raws.items()},
        encodings={n: r.encoding for n, r in raws.items()},
        entity_kind=kind_of,
    )
    return ds, out.problems


def _check_entity_ids(raws: dict[str, RawTable], typed: dict[str, pd.DataFrame],
                      out: _Collector) -> pd.Series:
    """Check ids unique across the entity tables; return id → node kind (first declared)."""
    parts = []
    for name in ("enterprises", "persons", "institutions"):
        t = typed[name]
        if len(t):
            parts.append(pd.DataFrame({"id": t["id"], "table": name, "line": t["line"]}))
    decl = pd.concat(parts, ignore_index=True) if parts else \
        pd.DataFrame({"id": [], "table": [], "line": []})
    decl = decl[decl["id"] != ""]
    dup = decl["id"].duplicated(keep="first").to_numpy()
    if dup.any():
        first = decl.drop_duplicates("id").set_index("id")
        for i in np.flatnonzero(dup):
            r = decl.iloc[i]
            f = first.loc[r["id"]]
            out.add(raws[r["table"]].file, r["line"], "id",
                    f"id {r['id']!r} is already declared at {_where(raws, f['table'], f['line'])}",
                    rule="dupid")
    kinds = {"enterprises": ENTITY_KINDS[0], "persons": ENTITY_KINDS[1],
             "institutions": ENTITY_KINDS[2]}
    first = decl.drop_duplicates("id")
    return pd.Series(first["table"].map(kinds).to_numpy(), index=first["id"].to_numpy())


def _check_record_ids(raws: dict[str, RawTable], typed: dict[str, pd.DataFrame],
                      out: _Collector) -> None:
    """Check ids unique within loans and within guarantees."""
    for name in ("loans", "guarantees"):
        t = typed[name]
        if name in raws and len(t):
            d = ((t["id"] != "") & t["id"].duplicated(keep="first")).to_numpy()
            if d.any():
                firsts = t.drop_duplicates("id").set_index("id")["line"]
                out.each(raws[name], d, "id", lambda r, fl=firsts, n=name:
                         f"id {r['id']!r} is already used at {raws[n].file}:{fl[r['id']]}",
                         rule="dupid")


def _hidden_ids(raws: dict[str, RawTable], typed: dict[str, pd.DataFrame],
                names: tuple[str, ...]) -> dict[str, str]:
    """Map the visible form of each id declared with an invisible character to its place."""
    found: dict[str, str] = {}
    for name in names:
        t = typed[name]
        if name not in raws or not len(t):
            continue
        for i in np.flatnonzero(invisible_mask(t["id"])):
            found.setdefault(_visible(t["id"].iat[i]), _where(raws, name, t["line"].iat[i]))
    return found


def _hint(hidden: dict[str, str], value: str) -> str:
    """Point an unknown reference to the id it probably means (one with a hidden character)."""
    where = hidden.get(value)
    return f" ({where} declares it with an invisible character)" if where else ""


def _lost_kinds(unreadable: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Node kind → (table, file) of each entity or loan table that could not be read."""
    lost = {}
    for name, file in unreadable.items():
        kind = LOAN if name == "loans" else TABLES[name].entity_kind if name in TABLES else None
        if kind is not None:
            lost[kind] = (name, file)
    return lost


def _check_references(raws: dict[str, RawTable], typed: dict[str, pd.DataFrame],
                      kind_of: pd.Series, loan_ids: pd.Series, out: _Collector,
                      hidden: dict[str, dict[str, str]], unreadable: dict[str, str]) -> None:
    """Check every reference known and of an allowed kind.

    A cell with an invisible character is reported where it stands (by the parsing);
    an unknown reference that could point into a table that could not be read is not
    reported but counted, one problem per file.
    """
    lost = _lost_kinds(unreadable)
    for name, raw in raws.items():
        t = typed[name]
        if not len(t):
            continue
        unchecked: dict[tuple[tuple[str, str], ...], tuple[int, list[str]]] = {}
        for col in raw.table.columns:
            if col.kind != "ref":
                continue
            vals = t[col.name]
            known = out.cells.get((name, col.name))  # a ref column is typed as it was read
            if known is not None and len(known[0]) == len(vals):
                present = ~known[0] & ~known[1]
            else:
                present = (vals != "").to_numpy() & ~invisible_mask(vals)
            refs = col.refs
            if refs == (LOAN,):
                unknown = present & ~vals.isin(loan_ids.index).to_numpy()
                what, seen = "loan", hidden["loan"]
            else:
                k = vals.map(kind_of)
                unknown = present & k.isna().to_numpy()
                what, seen = "entity", hidden["entity"]
                wrong = present & k.notna().to_numpy() & ~k.isin(refs).to_numpy()
                allowed = " or ".join(refs)
                out.each(raw, wrong, col.name, lambda r, c=col.name, a=allowed:
                         f"{c} {r[c]!r} is a {kind_of[r[c]]}, expected {a}", rule="refkind")
            gone = tuple(lost[k] for k in refs if k in lost)
            if gone and unknown.any():
                n, cols = unchecked.get(gone, (0, []))
                unchecked[gone] = (n + int(unknown.sum()), [*cols, col.name])
                continue
            out.each(raw, unknown, col.name, lambda r, c=col.name, w=what, h=seen:
                     f"{c} {r[c]!r} is not a known {w}{_hint(h, r[c])}", rule="ref")
        for gone, (n, cols) in unchecked.items():
            s = "" if n == 1 else "s"
            out.add(raw.file, 0, cols[0] if len(cols) == 1 else "",
                    f"{n} reference{s} to {' or '.join(g[0] for g in gone)} ({', '.join(cols)}) "
                    f"not checked because {' and '.join(g[1] for g in gone)} could not be read",
                    rule=f"unchecked {gone}")


def _check_guarantees(raws: dict[str, RawTable], g: pd.DataFrame, loan_ids: pd.Series,
                      out: _Collector) -> None:
    """Check each guarantee's loan belongs to its borrower, no self-guarantee, date order."""
    if "guarantees" in raws and len(g):
        has = (g["loan_id"] != "") & g["loan_id"].isin(loan_ids.index)
        lb = g["loan_id"].map(loan_ids)
        mism = (has & (lb != g["borrower_id"])).to_numpy()
        out.each(raws["guarantees"], mism, "loan_id", lambda r:
                 f"loan_id {r['loan_id']!r} belongs to {loan_ids[r['loan_id']]!r}, "
                 f"not to the borrower {r['borrower_id']!r}", rule="loanborrower")
        out.each(raws["guarantees"], (g["guarantor_id"] == g["borrower_id"]).to_numpy()
                 & (g["guarantor_id"] != "").to_numpy(), "guarantor_id",
                 lambda r: f"guarantor_id {r['guarantor_id']!r} guarantees itself", rule="self")
        _order_warning(raws["guarantees"], g, "start_date", "end_date", out)


def _check_loans(raws: dict[str, RawTable], lo: pd.DataFrame, out: _Collector) -> None:
    """Check no self-loan and the date order of the loans."""
    if "loans" in raws and len(lo):
        out.each(raws["loans"], (lo["borrower_id"] == lo["lender_id"]).to_numpy()
                 & (lo["lender_id"] != "").to_numpy(), "lender_id",
                 lambda r: f"lender_id {r['lender_id']!r} lends to itself", rule="self")
        _order_warning(raws["loans"], lo, "start_date", "maturity_date", out)


def _check_shareholdings(raws: dict[str, RawTable], sh: pd.DataFrame, options: LoadOptions,
                         out: _Collector) -> None:
    """Check no self-holding, warn on repeated pairs, and the sum of shares per company."""
    if "shareholdings" not in raws or not len(sh):
        return
    raw = raws["shareholdings"]
    out.each(raw, (sh["holder_id"] == sh["company_id"]).to_numpy()
             & (sh["holder_id"] != "").to_numpy(), "holder_id",
             lambda r: f"holder_id {r['holder_id']!r} holds shares in itself", rule="self")
    pair_dup = sh.duplicated(["holder_id", "company_id"], keep="first").to_numpy()
    out.each(raw, pair_dup, "holder_id", lambda r:
             f"holder_id {r['holder_id']!r} holds {r['company_id']!r} on an earlier line "
             "too; the shares are added", "warning", rule="pairdup")
    ok = sh[(sh["share_pct"] > 0) & (sh["share_pct"] <= 100)]  # others reported above
    sums = ok.groupby("company_id", sort=False)["share_pct"].sum()
    over = sums[sums > 100 + options.share_slack]
    for company, total in over.items():
        lines = ok.loc[ok["company_id"] == company, "line"].tolist()
        shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
        out.add(raw.file, lines[-1], "share_pct",
                f"share_pct: the shares held in {company!r} sum to {total:.2f} % "
                f"(> 100 + {options.share_slack}) over lines {shown}", rule="sum")


def _check_credit_codes(raws: dict[str, RawTable], typed: dict[str, pd.DataFrame],
                        options: LoadOptions, out: _Collector) -> None:
    """Flag entity ids shaped like credit codes whose check character is wrong."""
    severity = "error" if options.strict else "warning"
    for name in ("enterprises", "persons", "institutions"):
        t = typed[name]
        if name in raws and len(t):
            _, wrong = uscc_mask(t["id"])
            out.each(raws[name], wrong, "id", lambda r:
                     f"id {r['id']!r} looks like a unified social credit code but its check "
                     "character is wrong (GB 32100-2015)", severity, rule="uscc")


def _order_warning(raw: RawTable, t: pd.DataFrame, start: str, end: str,
                   out: _Collector) -> None:
    both = (t[start] != "") & (t[end] != "")
    bad = (both & (t[start] > t[end])).to_numpy()
    out.each(raw, bad, end, lambda r: f"{end} {r[end]!r} is before {start} {r[start]!r}",
             "warning", rule="order")
