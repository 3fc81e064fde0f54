"""Snapshot stores: a dataset read and validated once, kept as Parquet files.

``graphrisk ingest DATASET -o STORE`` loads a dataset (every rule of SPEC §1, the same
``FILE:LINE`` errors, nothing written on error) and writes a *snapshot store*, a folder
that every command accepts in place of the dataset::

    STORE/
      manifest.json                the index: format, version, region, periods
      periods/<as_of>/             one period (``undated`` when the dataset has no date)
        manifest.json              sources (size, sha256), counts, warnings, as_of,
                                   region, load options
        tables/<table>.parquet     one typed table per file (all eight, empty ones too)
        network/<array>.npy        the integer arrays of the network (see below)

*Periods.*  A store holds the periods of one region: ingesting the 2026-03-31 books
into a store that holds 2025-12-31 adds a period (the same date again replaces it).
Commands read the latest period; ``STORE@2025-12-31`` names another, and
``compare``, ``watchlist --previous`` and ``report --previous`` take two.  A store keeps
every row of each period as loaded; the as-of date is applied when a command opens it
(:mod:`graphrisk.io.asof`).

Parquet (zstd-compressed, written with pyarrow) because Spark, DuckDB, polars and
pandas all read it: the tables are the canonical columns of
:mod:`graphrisk.domain.glossary` with their validated types (amounts float 万元,
percentages 0–100, dates ISO text, enum values in English) plus ``line``, the row's line
in its source file, so that a later message can still point at the source.

Opening a store reads the manifest and the network arrays only; each table is read on
first use (:class:`SnapshotTables`), so a command that needs the guarantees does not
pay for the 2.5M positions of a province.  The network arrays are the index joins of
:func:`~graphrisk.io.dataset.network_arrays` (guarantor, borrower, holder, company,
borrower and lender positions, the loan each guarantee secures, the non-performing
flag), kept as ``.npy`` files so that building the network costs no string hashing.

*Stale stores.*  A period's manifest keeps, for each source file, its name, size,
modification time and SHA-256.  Opening a store whose source folder (or workbook) is
still where it was compares them: a file added, removed, or whose content changed
makes the store *stale* and opening it raises
:class:`~graphrisk.errors.StaleSnapshotError` naming the files (a file only touched,
same content, is not a change).  A store whose source is gone (moved to another
machine) is used as it is: it is self-contained.  A source folder that now declares
another date (``dataset.json``: the folder holds the next quarter's books) has moved
on: the period ingested from it is not stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from graphrisk import __version__
from graphrisk.domain.glossary import ENTITY_KINDS, TABLE_ORDER, TABLES
from graphrisk.errors import (
    DatasetError,
    ParameterError,
    Problem,
    SnapshotError,
    StaleSnapshotError,
)
from graphrisk.io._columnar import SnapshotTables, arrow_table
from graphrisk.io.asof import DATASET_JSON, apply_as_of, declared_period, parse_date
from graphrisk.io.dataset import Dataset, LoadOptions, network_arrays
from graphrisk.io.load import load_dataset
from graphrisk.io.output import atomic_dir
from graphrisk.io.read import normalise_header

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "NETWORK_ARRAYS", "is_snapshot",
           "ingest", "write_snapshot", "open_snapshot", "snapshot_status", "SnapshotStatus",
           "SnapshotTables", "source_files", "read_manifest", "read_index", "store_periods",
           "period_path", "split_period"]

#: the ``format`` key of a manifest
FORMAT = "graphrisk-snapshot"
#: the ``format`` of a period's own manifest (``periods/<as_of>/manifest.json``)
PERIOD_FORMAT = "graphrisk-period"
#: the layout version; a store of another version must be ingested again
FORMAT_VERSION = 2
#: the folder name of a period without a date
UNDATED = "undated"
#: the manifest's file name
MANIFEST = "manifest.json"
#: the network arrays kept in ``network/``: name -> dtype
NETWORK_ARRAYS = {"kind": np.int8, "g_src": np.int32, "g_dst": np.int32, "g_amount": np.float64,
                  "g_loan": np.int32, "h_src": np.int32, "h_dst": np.int32,
                  "h_pct": np.float64, "l_borrower": np.int32, "l_lender": np.int32,
                  "l_balance": np.float64, "l_npl": np.bool_}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path.parent}: not a snapshot store ({path.name} is missing; "
                            "create one with graphrisk ingest DATASET -o STORE)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"{path}: cannot be read ({e})") from None


def split_period(value: str | Path) -> tuple[Path, str | None]:
    """Split ``STORE@YYYY-MM-DD`` into the store and the period (None: none named).

    A path that exists is taken as it is (even with an ``@`` in it).

    >>> split_period("qingshan.store@2025-12-31")
    (PosixPath('qingshan.store'), '2025-12-31')
    >>> split_period("datasets/demo")
    (PosixPath('datasets/demo'), None)
    """
    text = str(value)
    path = Path(text)
    if path.exists() or "@" not in text:
        return path, None
    head, _, tail = text.rpartition("@")
    return Path(head), tail


def is_snapshot(path: str | Path) -> bool:
    """Return whether *path* is a snapshot store (a folder with a graphrisk manifest).

    >>> is_snapshot(demo.source)  # the demo is a folder of CSV files
    False
    """
    p = Path(path) / MANIFEST
    if not p.is_file():
        return False
    try:
        head = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # it claims to be one: opening it says what is wrong
    return isinstance(head, dict) and head.get("format") == FORMAT


def read_manifest(store: str | Path, period: str | None = None) -> dict[str, Any]:
    """Return the manifest of one period of a store (default: the latest).

    It says where the period came from (``source``: path and files with size and
    SHA-256), its ``as_of`` and ``region``, ``counts``, ``warnings`` and
    ``load_options``; ``periods`` lists every period of the store.

    Raises
    ------
    SnapshotError
        When the folder holds no manifest, another format, or another layout version.
    """
    index = read_index(store)
    folder = period_path(store, period)
    m = _read_json(folder / MANIFEST)
    if not isinstance(m, dict) or m.get("format") != PERIOD_FORMAT:
        raise SnapshotError(f"{folder}: {MANIFEST} is not a graphrisk period manifest; "
                            "ingest the dataset again")
    m["periods"] = [p["as_of"] or "" for p in index.get("periods") or []]
    m["path"] = str(folder)
    return m


# -- sources ---------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_files(source: str | Path) -> list[Path]:
    """Return the files a dataset is read from: its table files and ``dataset.json``.

    A workbook is its own one file.  The names follow the reader's rules
    (:mod:`graphrisk.io.read`): ``<table>.csv`` under an English or Chinese table name,
    in any case.

    >>> [p.name for p in source_files(demo.source)][:3]
    ['dataset.json', 'enterprises.csv', 'events.csv']
    """
    path = Path(source)
    if path.is_file():
        return [path]
    names = {normalise_header(n + ".csv") for t in TABLES.values() for n in (t.name, t.zh)}
    names.add(DATASET_JSON)
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    return [p for p in entries if normalise_header(p.name) in names and p.is_file()]


def _describe(files: list[Path]) -> list[dict[str, Any]]:
    out = []
    for p in files:
        st = p.stat()
        out.append({"file": p.name, "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns, "sha256": _sha256(p)})
    return out


# -- writing ---------------------------------------------------------------------------

def _key(as_of: str) -> str:
    """Return the folder name of a period: its date, or ``undated``."""
    return as_of or UNDATED


def _root_manifest(store: Path) -> dict[str, Any] | None:
    """Return the store's index (None: no store there yet)."""
    if not (store / MANIFEST).is_file():
        return None
    m = _read_json(store / MANIFEST)
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise SnapshotError(f"{store}: {MANIFEST} is not a graphrisk snapshot manifest")
    if m.get("format_version") != FORMAT_VERSION:
        raise SnapshotError(f"{store}: snapshot format version {m.get('format_version')!r}; "
                            f"this graphrisk reads version {FORMAT_VERSION}: ingest the "
                            "dataset again")
    return m


def store_periods(store: str | Path) -> list[str]:
    """Return the periods a snapshot store holds: ISO dates, oldest first (``""`` undated).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest(demo.source, f"{tmp}/s")
    ...     _ = ingest(demo.source, f"{tmp}/s", as_of="2025-12-31")
    ...     store_periods(f"{tmp}/s")
    ['2025-12-31', '2026-03-31']
    """
    m = read_index(store)
    return [p["as_of"] or "" for p in m["periods"]]


def read_index(store: str | Path) -> dict[str, Any]:
    """Return a store's index manifest: format, region and ``periods`` [{as_of, path}]."""
    m = _root_manifest(Path(store))
    if m is None:
        raise SnapshotError(f"{store}: not a snapshot store ({MANIFEST} is missing; create "
                            "one with graphrisk ingest DATASET -o STORE)")
    return m


def period_path(store: str | Path, period: str | None = None) -> Path:
    """Return the folder of one period of a store (default: the latest).

    Raises
    ------
    SnapshotError
        When the store holds no such period (the message lists those it holds).
    """
    m = read_index(store)
    periods = m.get("periods") or []
    if not periods:
        raise SnapshotError(f"{store}: the store holds no period; ingest a dataset into it")
    if period is None:
        return Path(store) / periods[-1]["path"]
    want = parse_date(period, "period") if period else ""
    for p in periods:
        if (p["as_of"] or "") == want:
            return Path(store) / p["path"]
    held = ", ".join(p["as_of"] or UNDATED for p in periods)
    raise SnapshotError(f"{store} holds no period {period} (it holds: {held})")


def write_snapshot(ds: Dataset, out: str | Path, *, options: LoadOptions | None = None,
                   sources: list[dict[str, Any]] | None = None,
                   source_path: str | None = None, replace: bool = False) -> Path:
    """Write *ds* as one period of the snapshot store *out* (created when new).

    The period is ``ds.as_of``.  A store holds the periods of one region; writing a
    period the store holds already replaces it, others stay.  The period folder is
    written whole before the index names it, so an interrupted write leaves the store
    as it was.

    Parameters
    ----------
    ds : Dataset
        A validated dataset with every row (undated, as :func:`ingest` loads it).
    out : path
        The store's folder.  It must not exist, be empty, or be a snapshot store.
    options : LoadOptions, optional
        The options *ds* was validated with (kept in the manifest).
    sources : list of dict, optional
        The source files (name, size, mtime_ns, sha256) as :func:`ingest` records them.
    source_path : str, optional
        Where the sources are (absolute), for the stale check.
    replace : bool
        Replace the whole store (every period) with this one.

    Returns
    -------
    Path
        *out*.

    Raises
    ------
    ParameterError
        When *out* is something else, the store holds another region, or an undated
        period would sit beside dated ones.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = write_snapshot(ds, f"{tmp}/store")
    ...     back = open_snapshot(store)
    ...     back.counts() == ds.counts(), back.tables["loans"].equals(ds.tables["loans"])
    (True, True)
    """
    target = Path(out)
    if target.exists() and not is_snapshot(target) and (not target.is_dir()
                                                        or any(target.iterdir())):
        raise ParameterError(f"{target} exists and is neither an empty folder nor a "
                             "snapshot store; choose another -o")
    if ds.dated and ds.excluded is not None and (~ds.excluded["kept"]).any():
        raise ParameterError("write_snapshot keeps every row: give it the dataset as loaded "
                             "(load_dataset(..., dated=False)), not one dated at "
                             f"{ds.as_of}")
    index = None if replace or not target.exists() else _root_manifest(target)
    periods = list((index or {}).get("periods") or [])
    key = _key(ds.as_of)
    others = [p for p in periods if _key(p["as_of"] or "") != key]
    region = (index or {}).get("region") or ""
    if others and region and ds.region and ds.region != region:
        raise ParameterError(f"{target} holds periods of {region}, not {ds.region}; a store "
                             "holds one region (choose another -o, or --replace)")
    if others and (not ds.as_of or any(not p["as_of"] for p in others)):
        raise ParameterError(f"{target} holds {'an undated period' if ds.as_of else 'dated periods'}"
                             "; a store of several periods needs the date of each "
                             "(--as-of or dataset.json), or --replace")
    periods = sorted(others + [{"as_of": ds.as_of or None, "path": f"periods/{key}"}],
                     key=lambda p: p["as_of"] or "")
    root = {"format": FORMAT, "format_version": FORMAT_VERSION,
            "graphrisk_version": __version__, "region": region or ds.region or None,
            "periods": periods}
    if index is None:
        with atomic_dir(target) as tmp:
            (tmp / "periods").mkdir()
            _write_period(ds, tmp / "periods" / key, options, sources, source_path)
            _write_json(tmp / MANIFEST, root)
        return target
    (target / "periods").mkdir(exist_ok=True)
    with atomic_dir(target / "periods" / key) as tmp:
        _write_period(ds, tmp, options, sources, source_path, make=False)
    with atomic_dir(target, merge=True) as tmp:
        _write_json(tmp / MANIFEST, root)
    return target


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_period(ds: Dataset, folder: Path, options: LoadOptions | None,
                  sources: list[dict[str, Any]] | None, source_path: str | None,
                  make: bool = True) -> None:
    arrays, _ = network_arrays(ds)
    manifest: dict[str, Any] = {
        "format": PERIOD_FORMAT, "format_version": FORMAT_VERSION,
        "graphrisk_version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "source": {"path": source_path or "", "files": sources or []},
        "dataset": {"source": ds.source, "files": ds.files, "encodings": ds.encodings},
        "as_of": ds.as_of or None, "region": ds.region or None,
        "load_options": asdict(options or LoadOptions()),
        "counts": ds.counts(),
        "tables": {name: f"tables/{name}.parquet" for name in TABLE_ORDER},
        "network": {"n": len(arrays["ids"]), "arrays": {k: f"network/{k}.npy" for k in NETWORK_ARRAYS}},
        "warnings": [p.as_dict() for p in ds.warnings],
    }
    if make:
        folder.mkdir()
    (folder / "tables").mkdir()
    (folder / "network").mkdir()
    for name in TABLE_ORDER:
        pq.write_table(arrow_table(ds.tables[name], name), folder / "tables" / f"{name}.parquet",
                       compression="zstd")
    for k, dtype in NETWORK_ARRAYS.items():
        np.save(folder / "network" / f"{k}.npy", np.asarray(arrays[k], dtype=dtype),
                allow_pickle=False)
    _write_json(folder / MANIFEST, manifest)


def ingest(source: str | Path, out: str | Path, options: LoadOptions | None = None, *,
           as_of: str | None = None, region: str | None = None,
           replace: bool = False) -> Dataset:
    """Load and validate *source* once and write it as the snapshot store *out*.

    Parameters
    ----------
    source : path
        A dataset folder of CSV files or an ``.xlsx`` workbook.
    out : path
        The store's folder (see :func:`write_snapshot`).
    options : LoadOptions, optional
    as_of, region : str, optional
        The reporting date (``YYYY-MM-DD``) and region; default: the source folder's
        ``dataset.json``, else unknown.  The date names the period: a store holding
        other periods keeps them.
    replace : bool
        Replace the whole store instead of adding (or replacing) the period.

    Returns
    -------
    Dataset
        The dataset as loaded (with its warnings).

    Raises
    ------
    DatasetError
        With every problem, when the dataset does not load; nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ingest(demo.source, f"{tmp}/store", as_of="2026-03-31")
    ...     m = read_manifest(f"{tmp}/store")
    ...     m["as_of"], m["counts"]["enterprises"], snapshot_status(f"{tmp}/store").stale
    ('2026-03-31', 53, False)
    """
    src = Path(source)
    options = options or LoadOptions()
    files = source_files(src)
    before = _describe(files)  # hashed before reading: a change while loading shows
    ds = load_dataset(src, options, dated=False)
    if as_of:
        ds.as_of = parse_date(as_of, "--as-of")
    if region is not None:
        ds.region = region
    write_snapshot(ds, out, options=options, sources=before,
                   source_path=os.path.abspath(src), replace=replace)
    return ds


@dataclass(frozen=True)
class SnapshotStatus:
    """Whether a store's sources changed since it was ingested.

    Attributes
    ----------
    stale : bool
    source : str
        Where the sources were (empty: not recorded).
    source_present : bool
        Whether that folder or workbook still exists (when not, nothing is compared).
    changed, added, removed : list of str
        Source files whose content changed, that appeared, that are gone.
    """

    stale: bool
    source: str
    source_present: bool
    changed: list[str]
    added: list[str]
    removed: list[str]

    def message(self, store: str | Path) -> str:
        """Say what changed, for an error message."""
        parts = []
        for label, names in (("changed", self.changed), ("added", self.added),
                             ("removed", self.removed)):
            if names:
                parts.append(f"{label}: {', '.join(names[:10])}"
                             + (f" (+{len(names) - 10})" if len(names) > 10 else ""))
        return (f"{store} is stale: its source {self.source} changed since it was ingested "
                f"({'; '.join(parts)}); run graphrisk ingest {self.source} -o {store} again")


def snapshot_status(store: str | Path, manifest: dict[str, Any] | None = None, *,
                    period: str | None = None) -> SnapshotStatus:
    """Compare the recorded sources of a store's period with the files there now.

    A file whose size and modification time are unchanged is taken as unchanged;
    otherwise its SHA-256 decides.
    """
    m = manifest if manifest is not None else read_manifest(store, period)
    src = (m.get("source") or {}).get("path") or ""
    recorded = {f["file"]: f for f in (m.get("source") or {}).get("files", [])}
    path = Path(src) if src else None
    if path is None or not path.exists():
        return SnapshotStatus(False, src, False, [], [], [])
    now = {p.name: p for p in source_files(path)}
    changed = []
    for name, rec in recorded.items():
        p = now.get(name)
        if p is None:
            continue
        st = p.stat()
        if st.st_size == rec["size"] and st.st_mtime_ns == rec["mtime_ns"]:
            continue
        if st.st_size != rec["size"] or _sha256(p) != rec["sha256"]:
            changed.append(name)
    added = sorted(set(now) - set(recorded))
    removed = sorted(set(recorded) - set(now))
    stale = bool(changed or added or removed)
    if stale and m.get("as_of"):
        try:
            now_as_of = declared_period(path).get("as_of")
        except DatasetError:
            now_as_of = None
        if now_as_of and now_as_of != m.get("as_of"):  # the folder moved on to another period
            return SnapshotStatus(False, src, True, [], [], [])
    return SnapshotStatus(stale, src, True, sorted(changed), added, removed)


def open_snapshot(store: str | Path, *, period: str | None = None, allow_stale: bool = False,
                  manifest: dict[str, Any] | None = None, as_of: str | None = None,
                  include_expired: bool = False, dated: bool = True) -> Dataset:
    """Open one period of a snapshot store as a :class:`Dataset` (tables read on first use).

    Parameters
    ----------
    store : path
    period : str, optional
        The period (ISO date); default the latest.
    allow_stale : bool
        Open it even when its sources changed (default: raise).
    manifest : dict, optional
        The period's manifest when the caller has read it already (:func:`read_manifest`).
    as_of, include_expired, dated
        As for :func:`~graphrisk.io.load.load_dataset`: by default what is live at the
        period's date; ``dated=False`` gives every row.

    Raises
    ------
    StaleSnapshotError
        When the sources changed since the store was ingested.
    SnapshotError
        When the store is missing files, of another version, or holds no such period.
    """
    m = manifest if manifest is not None else read_manifest(store, period)
    root = Path(m.get("path") or period_path(store, period))
    if not allow_stale:
        status = snapshot_status(store, m)
        if status.stale:
            raise StaleSnapshotError(status.message(store))
    names = m.get("tables") or {}
    missing = [n for n in TABLE_ORDER if n not in names or not (root / names[n]).is_file()]
    if missing:
        raise SnapshotError(f"{root}: tables missing from the store: {', '.join(missing)}; "
                            "ingest the dataset again")
    tables = SnapshotTables(root, {n: names[n] for n in TABLE_ORDER})
    arrays = {}
    for key, rel in ((m.get("network") or {}).get("arrays") or {}).items():
        try:
            arrays[key] = np.load(root / rel, allow_pickle=False, mmap_mode=None)
        except (OSError, ValueError) as e:
            raise SnapshotError(f"{root / rel}: cannot be read ({e}); ingest the dataset "
                                "again") from None
    counts = m.get("counts") or {}
    ids = [tables.column(t, "id") if counts.get(t) else np.empty(0, dtype=object)
           for t in ("enterprises", "persons", "institutions")]
    all_ids = np.concatenate(ids).astype(object)
    kind = pd.Series(np.repeat(np.array(ENTITY_KINDS, dtype=object), [len(i) for i in ids]),
                     index=pd.Index(all_ids, dtype=object, copy=False), dtype=object)
    info = m.get("dataset") or {}
    warnings = [Problem(w["file"], int(w["line"]), w["column"], w["message"], w["severity"])
                for w in m.get("warnings") or []]
    arrays["ids"] = all_ids
    for key, table in (("g_id", "guarantees"), ("l_id", "loans")):
        arrays[key] = (tables.column(table, "id").astype(object) if counts.get(table)
                       else np.empty(0, dtype=object))
    ds = Dataset(tables=tables, source=str(store), files=dict(info.get("files") or {}),
                 encodings=dict(info.get("encodings") or {}), entity_kind=kind,
                 warnings=warnings, as_of=m.get("as_of") or "", region=m.get("region") or "",
                 arrays=arrays)
    return apply_as_of(ds, as_of, include_expired=include_expired) if dated else ds
