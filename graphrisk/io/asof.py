"""As-of dates: what of a dataset is live at a reporting date (SPEC §1).

A dataset declares its period in ``dataset.json`` (a workbook: in a sheet named
``数据集``/``dataset``)::

    {"as_of": "2026-03-31", "region": "青山县"}

At an as-of date D (ISO ``YYYY-MM-DD``):

* a guarantee is live from its ``start_date`` to its ``end_date``, both inclusive;
  a guarantee that secures a loan (``loan_id``) not yet started is not live either;
* a loan is live from its ``start_date`` (a loan past its ``maturity_date`` with a
  balance is still owed: it stays);
* a shareholding is live from its ``as_of``; when one holder has several live rows for
  the same company, the row with the latest ``as_of`` is the holding at D and the
  earlier ones are *superseded* (rows with the same date are added, as without dates);
* a risk event counts from its ``date`` (an event after D had not happened yet).

An empty date counts as live.  Nothing is dropped silently: :func:`apply_as_of`
returns the dataset with the live rows and ``ds.excluded``, one row per excluded row
(its table, id, source line, the date that decided and why), which ``summary``,
``validate``, the report and the JSON outputs count and list.  With
``include_expired=True`` every row is kept and the list says which would have been
excluded (``kept`` true).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from graphrisk.errors import DatasetError, ParameterError, Problem
from graphrisk.io.dataset import Dataset

__all__ = ["DATASET_JSON", "PERIOD_SHEETS", "EXCLUDED_COLUMNS", "REASONS", "apply_as_of",
           "declared_period", "parse_date", "exclusion_problems", "exclusion_counts",
           "undated_warning"]

#: the side file a dataset folder may carry: ``{"as_of": "2026-03-31", "region": "青山县"}``
DATASET_JSON = "dataset.json"
#: sheet names a workbook may declare its period in (columns ``as_of``/截止日期, ``region``/地区)
PERIOD_SHEETS = ("数据集", "dataset")
#: the columns of ``Dataset.excluded``
EXCLUDED_COLUMNS = ("table", "id", "line", "column", "date", "reason", "kept")
#: reason → (English, 中文)
REASONS = {
    "not_started": ("starts after the as-of date", "截止日期后才生效"),
    "ended": ("ended before the as-of date", "截止日期前已到期"),
    "loan_not_started": ("secures a loan that starts after the as-of date",
                         "所担保贷款截止日期后才发放"),
    "superseded": ("superseded by a later shareholding record", "已被更晚的持股记录取代"),
    "after": ("dated after the as-of date", "晚于截止日期"),
}
_HEADER_ALIASES = {"as_of": "as_of", "截止日期": "as_of", "报告期": "as_of", "日期": "as_of",
                   "region": "region", "地区": "region"}


def parse_date(text: str, where: str = "--as-of") -> str:
    """Return *text* as an ISO date, or raise :class:`~graphrisk.errors.ParameterError`.

    >>> parse_date("2026-03-31")
    '2026-03-31'
    >>> parse_date("2026-02-30")
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: --as-of '2026-02-30' is not a date YYYY-MM-DD
    """
    try:
        return dt.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise ParameterError(f"{where} {text!r} is not a date YYYY-MM-DD") from None


def _period_error(where: str, column: str, message: str) -> DatasetError:
    return DatasetError([Problem(where, 0, column, message)], "cannot read the dataset")


def declared_period(source: str | Path) -> dict[str, str]:
    """Return the period a dataset declares: ``{"as_of": ISO date, "region": text}``.

    A folder declares it in ``dataset.json``; a workbook in a sheet named ``数据集``
    (or ``dataset``) whose header row holds ``截止日期``/``as_of`` and ``地区``/``region``
    and whose second row the values.  Missing keys are absent; no file or sheet gives
    ``{}``.

    Raises
    ------
    DatasetError
        When the file is not a JSON object, a value is not text, or ``as_of`` is not a date.

    Examples
    --------
    >>> declared_period(demo.source)
    {'as_of': '2026-03-31', 'region': '青山县'}
    """
    path = Path(source)
    if path.is_dir():
        doc, where = _read_json(path / DATASET_JSON), DATASET_JSON
    elif path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        doc, where = _read_sheet(path)
    else:
        return {}
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise _period_error(where, "", 'must hold a JSON object such as '
                            '{"as_of": "2026-03-31", "region": "青山县"}')
    out: dict[str, str] = {}
    for key in ("as_of", "region"):
        v = doc.get(key)
        if v is None or v == "":
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()[:10]
        if not isinstance(v, str):
            raise _period_error(where, key, f"{key} must be text")
        out[key] = v.strip()
    if "as_of" in out:
        try:
            out["as_of"] = parse_date(out["as_of"], "as_of")
        except ParameterError:
            raise _period_error(where, "as_of", f"as_of {out['as_of']!r} is not a date "
                                "YYYY-MM-DD") from None
    return out


def _read_json(p: Path) -> Any:
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _period_error(p.name, "", f"cannot be read as JSON: {e}") from None


def _read_sheet(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # the table reader reports a broken workbook  # noqa: BLE001
        return None, path.name
    try:
        for ws in wb.worksheets:
            if ws.title.strip().lower() in PERIOD_SHEETS:
                rows = [[c for c in r] for r in ws.iter_rows(max_row=2, values_only=True)]
                where = f"{path.name}[{ws.title}]"
                if len(rows) < 2:
                    return {}, where
                doc: dict[str, Any] = {}
                for head, value in zip(rows[0], rows[1], strict=False):
                    key = _HEADER_ALIASES.get(str(head or "").strip().lower())
                    if key and value is not None:
                        doc[key] = value if isinstance(value, dt.date) else str(value)
                return doc, where
    finally:
        wb.close()
    return None, path.name


# -- applying a date -------------------------------------------------------------------

def _column(tables: MutableMapping[str, pd.DataFrame], name: str, col: str) -> np.ndarray:
    reader = getattr(tables, "column", None)
    if reader is not None:
        return np.asarray(reader(name, col), dtype=object)
    return tables[name][col].to_numpy(dtype=object)


def _rows(tables: MutableMapping[str, pd.DataFrame], name: str) -> int:
    reader = getattr(tables, "column", None)
    if reader is not None:
        return len(reader(name, "line"))
    return len(tables[name])


def _later(dates: np.ndarray, d: str) -> np.ndarray:
    """``dates > d`` for ISO text, empty dates never later."""
    return (dates != "") & (dates.astype(str) > d) if len(dates) else np.zeros(0, dtype=bool)


def _earlier(dates: np.ndarray, d: str) -> np.ndarray:
    return (dates != "") & (dates.astype(str) < d) if len(dates) else np.zeros(0, dtype=bool)


@dataclasses.dataclass
class _Cut:
    """Rows of one table excluded at a date: mask of excluded rows, reason, date, column."""

    out: np.ndarray
    reason: np.ndarray  # object: reason key or ""
    date: np.ndarray  # object: the deciding date or ""
    column: np.ndarray  # object: the deciding column


def _cut(n: int) -> _Cut:
    return _Cut(np.zeros(n, dtype=bool), np.full(n, "", dtype=object),
                np.full(n, "", dtype=object), np.full(n, "", dtype=object))


def _mark(cut: _Cut, where: np.ndarray, reason: str, dates: np.ndarray, column: str) -> None:
    new = where & ~cut.out
    cut.out |= new
    cut.reason[new] = reason
    cut.date[new] = dates[new]
    cut.column[new] = column


def _cuts(tables: MutableMapping[str, pd.DataFrame], d: str) -> dict[str, _Cut]:
    """Compute, per dated table, which rows are not live at *d*."""
    cuts: dict[str, _Cut] = {}
    lo_start = _column(tables, "loans", "start_date")
    lo_cut = _cut(len(lo_start))
    _mark(lo_cut, _later(lo_start, d), "not_started", lo_start, "start_date")
    cuts["loans"] = lo_cut

    g_start, g_end = _column(tables, "guarantees", "start_date"), _column(tables, "guarantees",
                                                                          "end_date")
    g_cut = _cut(len(g_start))
    _mark(g_cut, _later(g_start, d), "not_started", g_start, "start_date")
    _mark(g_cut, _earlier(g_end, d), "ended", g_end, "end_date")
    if lo_cut.out.any() and len(g_start):
        late = pd.Index(_column(tables, "loans", "id")[lo_cut.out])
        g_loan = _column(tables, "guarantees", "loan_id")
        hit = (g_loan != "") & late.get_indexer(g_loan).__ge__(0)
        pos = late.get_indexer(g_loan[hit])
        dates = np.full(len(g_loan), "", dtype=object)
        dates[hit] = lo_start[lo_cut.out][pos]
        _mark(g_cut, hit, "loan_not_started", dates, "loan_id")
    cuts["guarantees"] = g_cut

    h_as_of = _column(tables, "shareholdings", "as_of")
    h_cut = _cut(len(h_as_of))
    _mark(h_cut, _later(h_as_of, d), "not_started", h_as_of, "as_of")
    if len(h_as_of) and (h_as_of != "").any():
        holder = _column(tables, "shareholdings", "holder_id")
        company = _column(tables, "shareholdings", "company_id")
        frame = pd.DataFrame({"h": holder, "c": company, "d": h_as_of.astype(str)})
        dated = (~h_cut.out) & (h_as_of != "")
        sub = frame[dated]
        twice = sub.duplicated(["h", "c"], keep=False)
        if twice.any():
            many = sub[twice.to_numpy()]
            latest = many.groupby(["h", "c"], sort=False)["d"].transform("max")
            old = np.zeros(len(frame), dtype=bool)
            old[many.index[(many["d"] < latest).to_numpy()]] = True
            _mark(h_cut, old, "superseded", h_as_of, "as_of")
    cuts["shareholdings"] = h_cut

    e_date = _column(tables, "events", "date")
    e_cut = _cut(len(e_date))
    _mark(e_cut, _later(e_date, d), "after", e_date, "date")
    cuts["events"] = e_cut
    return cuts


def _row_ids(tables: MutableMapping[str, pd.DataFrame], name: str, rows: np.ndarray) -> list[str]:
    if name in ("loans", "guarantees"):
        return [str(x) for x in _column(tables, name, "id")[rows]]
    if name == "shareholdings":
        h, c = (_column(tables, name, k)[rows] for k in ("holder_id", "company_id"))
        return [f"{a}→{b}" for a, b in zip(h, c, strict=True)]
    e, d, k = (_column(tables, name, k)[rows] for k in ("enterprise_id", "date", "category"))
    return [f"{a} {b} {c}" for a, b, c in zip(e, d, k, strict=True)]


def _excluded(tables: MutableMapping[str, pd.DataFrame], cuts: dict[str, _Cut],
              kept: bool) -> pd.DataFrame:
    parts = []
    for name, cut in cuts.items():
        rows = np.flatnonzero(cut.out)
        if not len(rows):
            continue
        lines = np.asarray(_column(tables, name, "line"), dtype=np.int64)[rows]
        parts.append(pd.DataFrame({
            "table": pd.Series([name] * len(rows), dtype=object),
            "id": pd.Series(_row_ids(tables, name, rows), dtype=object),
            "line": lines,
            "column": pd.Series(cut.column[rows], dtype=object),
            "date": pd.Series(cut.date[rows], dtype=object),
            "reason": pd.Series(cut.reason[rows], dtype=object),
            "kept": np.full(len(rows), kept),
        }))
    if not parts:
        return empty_excluded()
    return pd.concat(parts, ignore_index=True)


def empty_excluded() -> pd.DataFrame:
    """Return an empty ``Dataset.excluded`` frame (the columns of :data:`EXCLUDED_COLUMNS`)."""
    return pd.DataFrame({c: pd.Series(dtype=np.int64 if c == "line" else
                                       bool if c == "kept" else object)
                         for c in EXCLUDED_COLUMNS})


class _LiveTables(MutableMapping[str, pd.DataFrame]):
    """The tables of a dataset with the rows not live at a date left out (on first use)."""

    def __init__(self, base: MutableMapping[str, pd.DataFrame],
                 keep: dict[str, np.ndarray]) -> None:
        self._base = base
        self._keep = keep
        self._done: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return the table *name*, live rows only."""
        if name in self._done:
            return self._done[name]
        frame = self._base[name]
        keep = self._keep.get(name)
        if keep is not None and not keep.all():
            frame = frame[keep].reset_index(drop=True)
        self._done[name] = frame
        return frame

    def column(self, name: str, col: str) -> np.ndarray:
        """Return one column of a table, live rows only."""
        if name in self._done:
            return self._done[name][col].to_numpy()
        values = _column(self._base, name, col) if hasattr(self._base, "column") \
            else self._base[name][col].to_numpy()
        keep = self._keep.get(name)
        return values if keep is None else values[keep]

    def __setitem__(self, name: str, frame: pd.DataFrame) -> None:
        """Replace a table (in memory)."""
        self._done[name] = frame

    def __delitem__(self, name: str) -> None:
        """Forget a table."""
        self._done.pop(name, None)
        del self._base[name]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the table names."""
        return iter(self._base)

    def __len__(self) -> int:
        """Return the number of tables."""
        return len(self._base)

    def __contains__(self, name: object) -> bool:
        """Tell whether the table exists."""
        return name in self._base

    def __repr__(self) -> str:
        """Show the tables underneath."""
        return f"live rows of {self._base!r}"


def _live_arrays(arrays: dict[str, np.ndarray], keep: dict[str, np.ndarray]
                 ) -> dict[str, np.ndarray]:
    out = dict(arrays)
    lk, gk, hk = keep["loans"], keep["guarantees"], keep["shareholdings"]
    for key in ("l_borrower", "l_lender", "l_balance", "l_npl", "l_id"):
        if key in out:
            out[key] = out[key][lk]
    if "g_loan" in out:
        new_pos = np.cumsum(lk, dtype=np.int64) - 1
        g_loan = out["g_loan"]
        ok = g_loan >= 0
        ok[ok] = lk[g_loan[ok]]
        out["g_loan"] = np.where(ok, new_pos[np.maximum(g_loan, 0)], -1).astype(np.int32)
    for key in ("g_src", "g_dst", "g_amount", "g_loan", "g_id"):
        if key in out:
            out[key] = out[key][gk]
    for key in ("h_src", "h_dst", "h_pct"):
        if key in out:
            out[key] = out[key][hk]
    return out


def _has_dates(tables: MutableMapping[str, pd.DataFrame]) -> bool:
    for name, cols in (("guarantees", ("start_date", "end_date")), ("loans", ("start_date",)),
                       ("shareholdings", ("as_of",)), ("events", ("date",))):
        for c in cols:
            values = _column(tables, name, c)
            if len(values) and (values != "").any():
                return True
    return False


def undated_warning(ds: Dataset) -> Problem | None:
    """Return the warning for a dataset with dated rows but no as-of date (or None)."""
    if ds.as_of or not _has_dates(ds.tables):
        return None
    where = Path(ds.source).name if ds.source else DATASET_JSON
    return Problem(where, 0, "as_of",
                   "no as-of date: the dataset declares none (dataset.json) and none was "
                   "given (--as-of), so start, end and as-of dates were not applied: expired "
                   "guarantees count as live", "warning")


def apply_as_of(ds: Dataset, as_of: str | None = None, *,
                include_expired: bool = False) -> Dataset:
    """Return *ds* as it stands at *as_of*: the rows not live at that date left out.

    Parameters
    ----------
    ds : Dataset
        A dataset with every row (as loaded, undated).
    as_of : str, optional
        ISO date; default the date the dataset declares (``ds.as_of``).  With neither,
        nothing is filtered and, when the dataset has dated rows, a warning says so.
    include_expired : bool
        Keep every row; ``excluded`` still lists what the date would exclude
        (``kept`` true).

    Returns
    -------
    Dataset
        A new dataset (tables read on first use, filtered then) with ``as_of`` the date
        applied, ``dated`` true, and ``excluded`` one row per row left out (columns
        :data:`EXCLUDED_COLUMNS`; ``reason`` a key of :data:`REASONS`).

    Examples
    --------
    The demo's books are dated 2026-03-31 (its ``dataset.json``); six guarantees had
    ended before that date:

    >>> from graphrisk.io.load import load_dataset
    >>> full = load_dataset(demo.source, dated=False)
    >>> live = apply_as_of(full)
    >>> live.as_of, len(full.guarantees) - len(live.guarantees)
    ('2026-03-31', 6)
    >>> live.excluded[["id", "date", "reason"]].head(2).values.tolist()
    [['G005', '2025-12-20', 'ended'], ['G006', '2025-08-17', 'ended']]

    Nine months earlier G026, G023, G004 and G016 (signed 2025-07-07, 2025-09-10,
    2026-01-12 and 2026-02-10) had not started yet, and the six still ran:

    >>> len(apply_as_of(full, "2025-06-30").guarantees)
    29
    """
    if ds.dated:
        raise ParameterError("apply_as_of needs the undated dataset (every row): this one "
                             f"is dated {ds.as_of or '(no date)'} already")
    date = parse_date(as_of) if as_of else ds.as_of
    if not date:
        warning = undated_warning(ds)
        return dataclasses.replace(ds, dated=True, excluded=empty_excluded(),
                                   warnings=ds.warnings + ([warning] if warning else []))
    cuts = _cuts(ds.tables, date)
    excluded = _excluded(ds.tables, cuts, include_expired)
    if include_expired or not len(excluded):
        return dataclasses.replace(ds, as_of=date, dated=True, excluded=excluded)
    keep = {name: ~cut.out for name, cut in cuts.items()}
    arrays = _live_arrays(ds.arrays, keep) if ds.arrays else {}
    return dataclasses.replace(ds, tables=_LiveTables(ds.tables, keep), as_of=date,
                               dated=True, excluded=excluded, arrays=arrays)


def exclusion_counts(ds: Dataset) -> dict[str, dict[str, int]]:
    """Return, per table, how many rows the as-of date excluded, by reason.

    >>> exclusion_counts(demo)
    {'guarantees': {'ended': 6}}
    """
    ex = ds.excluded
    out: dict[str, dict[str, int]] = {}
    if ex is None or not len(ex):
        return out
    for (table, reason), n in ex.groupby(["table", "reason"], sort=False).size().items():
        out.setdefault(str(table), {})[str(reason)] = int(n)
    return out


def exclusion_problems(ds: Dataset, limit: int | None = None) -> list[Problem]:
    """Return one warning per excluded row, with its file and line (for ``validate``).

    >>> [str(p) for p in exclusion_problems(demo, limit=1)]
    ['guarantees.csv:6: guarantee G005 not counted at 2026-03-31: end_date 2025-12-20, ended before the as-of date']
    """
    ex = ds.excluded
    if ex is None or not len(ex):
        return []
    rows = ex if limit is None else ex.head(limit)
    noun = {"guarantees": "guarantee", "loans": "loan", "shareholdings": "shareholding",
            "events": "event"}
    out = []
    for r in rows.itertuples(index=False):
        verb = "kept (--include-expired)" if r.kept else "not counted"
        why = REASONS.get(r.reason, (r.reason, ""))[0]
        out.append(Problem(ds.files.get(r.table, f"{r.table}.csv"), int(r.line), r.column,
                           f"{noun.get(r.table, r.table)} {r.id} {verb} at {ds.as_of}: "
                           f"{r.column} {r.date}, {why}", "warning"))
    return out
