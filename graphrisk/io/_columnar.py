"""The columnar side of snapshot stores: tables to and from Parquet (pyarrow).

A table is written with its canonical columns, each with its pandas dtype in the
field's metadata (``pandas``), so that reading gives the very frame validation gave
(text as object, counts as nullable ``Int64``).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graphrisk.domain.glossary import TABLES
from graphrisk.errors import SnapshotError

__all__ = ["SnapshotTables", "arrow_table", "arrow_frame"]


def arrow_table(frame: pd.DataFrame, name: str) -> Any:
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
            self._loaded[name] = arrow_frame(self._read(name))
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
        return arrow_frame(self._read(name, [col]))[col].to_numpy()

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


def arrow_frame(table: Any) -> pd.DataFrame:
    """Return an Arrow table as the pandas frame validation gave (see :func:`arrow_table`)."""
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
