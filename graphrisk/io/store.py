"""Snapshot stores: a dataset read and validated once, kept as Parquet files.

``graphrisk ingest DATASET -o STORE`` loads a dataset (every rule of SPEC §1, the same
``FILE:LINE`` errors, nothing written on error) and writes a *snapshot store*, a folder
that every command accepts in place of the dataset::

    STORE/
      manifest.json            format, versions, sources (size, sha256), counts,
                               warnings, as_of, region, load options
      tables/<table>.parquet   one typed table per file (all eight, empty ones too)
      network/<array>.npy      the integer arrays of the network (see below)

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

*Stale stores.*  The manifest keeps, for each source file, its name, size,
modification time and SHA-256.  Opening a store whose source folder (or workbook) is
still where it was compares them: a file added, removed, or whose content changed
makes the store *stale* and opening it raises
:class:`~graphrisk.errors.StaleSnapshotError` naming the files (a file only touched,
same content, is not a change).  A store whose source is gone (moved to another
machine) is used as it is: it is self-contained.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
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
from graphrisk.io.dataset import Dataset, LoadOptions, network_arrays
from graphrisk.io.load import load_dataset
from graphrisk.io.output import atomic_dir
from graphrisk.io.read import normalise_header

__all__ = ["FORMAT", "FORMAT_VERSION", "MANIFEST", "NETWORK_ARRAYS", "is_snapshot",
           "ingest", "write_snapshot", "open_snapshot", "snapshot_status", "SnapshotStatus",
           "SnapshotTables", "source_files", "read_manifest"]

#: the ``format`` key of a manifest
FORMAT = "graphrisk-snapshot"
#: the layout version; a store of another version must be ingested again
FORMAT_VERSION = 1
#: the manifest's file name
MANIFEST = "manifest.json"
#: the network arrays kept in ``network/``: name -> dtype
NETWORK_ARRAYS = {"kind": np.int8, "g_src": np.int32, "g_dst": np.int32, "g_amount": np.float64,
                  "g_loan": np.int32, "h_src": np.int32, "h_dst": np.int32,
                  "h_pct": np.float64, "l_borrower": np.int32, "l_lender": np.int32,
                  "l_balance": np.float64, "l_npl": np.bool_}
#: the side file a dataset folder may carry: ``{"as_of": "2026-03-31", "region": "青山县"}``
DATASET_JSON = "dataset.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path.parent}: not a snapshot store ({path.name} is missing; "
                            "create one with graphrisk ingest DATASET -o STORE)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"{path}: cannot be read ({e})") from None


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


def read_manifest(store: str | Path) -> dict[str, Any]:
    """Return the manifest of a snapshot store, checked for its format and version.

    Raises
    ------
    SnapshotError
        When the folder holds no manifest, another format, or another layout version.
    """
    m = _read_json(Path(store) / MANIFEST)
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise SnapshotError(f"{store}: {MANIFEST} is not a graphrisk snapshot manifest")
    if m.get("format_version") != FORMAT_VERSION:
        raise SnapshotError(f"{store}: snapshot format version {m.get('format_version')!r}; "
                            f"this graphrisk reads version {FORMAT_VERSION}: ingest the "
                            "dataset again")
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
    ['enterprises.csv', 'events.csv', 'guarantees.csv']
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


def _dataset_json(source: Path) -> dict[str, str]:
    """Read the optional ``dataset.json`` of a dataset folder (as_of, region)."""
    p = source / DATASET_JSON
    if not source.is_dir() or not p.is_file():
        return {}
    try:
        doc = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError([Problem(DATASET_JSON, 0, "", f"cannot be read as JSON: {e}")],
                           "cannot read the dataset") from None
    if not isinstance(doc, dict):
        raise DatasetError([Problem(DATASET_JSON, 0, "", "must hold a JSON object such as "
                                    '{"as_of": "2026-03-31", "region": "青山县"}')],
                           "cannot read the dataset")
    out: dict[str, str] = {}
    for key in ("as_of", "region"):
        v = doc.get(key)
        if v is None:
            continue
        if not isinstance(v, str):
            raise DatasetError([Problem(DATASET_JSON, 0, key, f"{key} must be text")],
                               "cannot read the dataset")
        out[key] = v.strip()
    if "as_of" in out:
        out["as_of"] = _iso_date(out["as_of"], DATASET_JSON)
    return out


def _iso_date(text: str, where: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise DatasetError([Problem(where, 0, "as_of", f"as_of {text!r} is not a date "
                                    "YYYY-MM-DD")], "cannot read the dataset") from None


# -- writing ---------------------------------------------------------------------------

def _arrow_table(frame: pd.DataFrame, name: str) -> Any:
    """Return *frame* as an Arrow table: canonical columns, each with its pandas dtype.

    The dtype goes into the field's metadata (``pandas``) so that reading gives the
    very frame validation gave (text as object, counts as nullable ``Int64``).
    """
    cols = [c.name for c in TABLES[name].columns] + ["line"]
    arrays, fields = [], []
    for c in cols:
        s = frame[c] if c in frame.columns else pd.Series([""] * len(frame), dtype=object)
        kind = str(s.dtype)
        if isinstance(s.dtype, pd.Int64Dtype):
            arr = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.int64())
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            arr, kind = pa.array(s.to_numpy(dtype=object), type=pa.string()), "object"
        else:
            arr = pa.array(s.to_numpy())
        arrays.append(arr)
        fields.append(pa.field(c, arr.type, metadata={"pandas": kind}))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_snapshot(ds: Dataset, out: str | Path, *, options: LoadOptions | None = None,
                   sources: list[dict[str, Any]] | None = None,
                   source_path: str | None = None) -> Path:
    """Write *ds* as a snapshot store in the folder *out* (created or replaced atomically).

    Parameters
    ----------
    ds : Dataset
        A validated dataset.
    out : path
        The store's folder.  It must not exist, be empty, or be a snapshot store
        (which is replaced whole once the new one is written).
    options : LoadOptions, optional
        The options *ds* was validated with (kept in the manifest).
    sources : list of dict, optional
        The source files (name, size, mtime_ns, sha256) as :func:`ingest` records them.
    source_path : str, optional
        Where the sources are (absolute), for the stale check.

    Returns
    -------
    Path
        *out*.

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
    arrays, _ = network_arrays(ds)
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "graphrisk_version": __version__,
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
    with atomic_dir(target) as tmp:
        (tmp / "tables").mkdir()
        (tmp / "network").mkdir()
        for name in TABLE_ORDER:
            pq.write_table(_arrow_table(ds.tables[name], name), tmp / "tables" / f"{name}.parquet",
                           compression="zstd")
        for key, dtype in NETWORK_ARRAYS.items():
            np.save(tmp / "network" / f"{key}.npy", np.asarray(arrays[key], dtype=dtype),
                    allow_pickle=False)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    return target


def ingest(source: str | Path, out: str | Path, options: LoadOptions | None = None, *,
           as_of: str | None = None, region: str | None = None) -> Dataset:
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
        ``dataset.json``, else unknown.

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
    declared = _dataset_json(src)
    ds = load_dataset(src, options)
    ds.as_of = _iso_date(as_of, "--as-of") if as_of else declared.get("as_of", "")
    ds.region = region if region is not None else declared.get("region", "")
    write_snapshot(ds, out, options=options, sources=before,
                   source_path=os.path.abspath(src))
    return ds


# -- reading ---------------------------------------------------------------------------

class SnapshotTables(MutableMapping[str, pd.DataFrame]):
    """The tables of a snapshot store, each read from its Parquet file on first use.

    Behaves as a dict of the eight tables; :meth:`column` reads one column without
    reading the table.
    """

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self._root = root
        self._files = dict(files)
        self._loaded: dict[str, pd.DataFrame] = {}

    def _path(self, name: str) -> Path:
        return self._root / self._files[name]

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return the table *name*, reading it on first use."""
        if name not in self._loaded:
            if name not in self._files:
                raise KeyError(name)
            self._loaded[name] = _frame(self._read(name))
        return self._loaded[name]

    def _read(self, name: str, columns: list[str] | None = None) -> Any:
        try:
            return pq.read_table(self._path(name), columns=columns)
        except (OSError, ValueError) as e:
            raise SnapshotError(f"{self._path(name)}: cannot be read ({e}); ingest the "
                                "dataset again") from None

    def column(self, name: str, col: str) -> np.ndarray:
        """Return one column of a table as a numpy array (object for text).

        Reads only that column when the table is not loaded yet.
        """
        if name in self._loaded:
            return self._loaded[name][col].to_numpy()
        return _frame(self._read(name, [col]))[col].to_numpy()

    def __setitem__(self, name: str, frame: pd.DataFrame) -> None:
        """Replace a table in memory (the store is not changed)."""
        self._files.setdefault(name, "")
        self._loaded[name] = frame

    def __delitem__(self, name: str) -> None:
        """Forget a table (in memory only)."""
        del self._files[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        """Iterate over the table names."""
        return iter(self._files)

    def __len__(self) -> int:
        """Return the number of tables."""
        return len(self._files)

    def __contains__(self, name: object) -> bool:
        """Tell whether the store has the table *name*."""
        return name in self._files

    def __repr__(self) -> str:
        """Show which tables are read already."""
        return (f"SnapshotTables({self._root}, loaded={sorted(self._loaded)}, "
                f"all={list(self._files)})")


def _frame(table: Any) -> pd.DataFrame:
    """Return an Arrow table as the pandas frame validation gave (see :func:`_arrow_table`)."""
    cols: dict[str, Any] = {}
    for f, col in zip(table.schema, table.columns, strict=True):
        kind = (f.metadata or {}).get(b"pandas", b"").decode()
        values = col.to_numpy(zero_copy_only=False)
        if kind == "object":
            cols[f.name] = pd.Series(values, dtype=object)
        elif kind == "Int64":
            cols[f.name] = pd.Series(values).astype("Int64")
        else:
            cols[f.name] = pd.Series(values, dtype=kind or None)
    return pd.DataFrame(cols, copy=False)


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


def snapshot_status(store: str | Path, manifest: dict[str, Any] | None = None) -> SnapshotStatus:
    """Compare a store's recorded sources with the files there now.

    A file whose size and modification time are unchanged is taken as unchanged;
    otherwise its SHA-256 decides.
    """
    m = manifest if manifest is not None else read_manifest(store)
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
    return SnapshotStatus(stale, src, True, sorted(changed), added, removed)


def open_snapshot(store: str | Path, *, allow_stale: bool = False,
                  manifest: dict[str, Any] | None = None) -> Dataset:
    """Open a snapshot store as a :class:`Dataset` (tables read on first use).

    Parameters
    ----------
    store : path
    allow_stale : bool
        Open it even when its sources changed (default: raise).
    manifest : dict, optional
        The store's manifest when the caller has read it already (:func:`read_manifest`).

    Raises
    ------
    StaleSnapshotError
        When the sources changed since the store was ingested.
    SnapshotError
        When the store is missing files or of another version.
    """
    root = Path(store)
    m = manifest if manifest is not None else read_manifest(root)
    if not allow_stale:
        status = snapshot_status(root, m)
        if status.stale:
            raise StaleSnapshotError(status.message(root))
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
    return Dataset(tables=tables, source=str(root), files=dict(info.get("files") or {}),
                   encodings=dict(info.get("encodings") or {}), entity_kind=kind,
                   warnings=warnings, as_of=m.get("as_of") or "", region=m.get("region") or "",
                   arrays=arrays)
