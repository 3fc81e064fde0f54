"""Load a dataset.

Read its files (:mod:`graphrisk.io.read`), then validate and type every table
(:mod:`graphrisk.io.validate`).
"""

from __future__ import annotations

from pathlib import Path

from graphrisk.errors import DatasetError
from graphrisk.io.asof import apply_as_of, declared_period
from graphrisk.io.dataset import Dataset, LoadOptions
from graphrisk.io.read import read_tables
from graphrisk.io.validate import validate_tables

__all__ = ["load_dataset"]


def load_dataset(path: str | Path, options: LoadOptions | None = None, *,
                 as_of: str | None = None, include_expired: bool = False,
                 dated: bool = True) -> Dataset:
    """Read and validate a dataset; return a :class:`~graphrisk.io.dataset.Dataset`.

    Every problem is collected before anything is reported; when there is an error,
    :class:`~graphrisk.errors.DatasetError` is raised carrying all of them (and no
    dataset is returned, so nothing downstream sees half the data).  Every row is
    validated; the dataset returned holds what is live at *as_of*
    (:func:`graphrisk.io.asof.apply_as_of`).

    Parameters
    ----------
    path : str or Path
        A folder of CSV files or an ``.xlsx`` workbook.
    options : LoadOptions, optional
    as_of : str, optional
        The date to analyse at (ISO); default the date the dataset declares
        (``dataset.json``), else no date (nothing filtered, with a warning when some
        rows carry dates).
    include_expired : bool
        Keep the rows not live at the date, listed in ``excluded`` as kept.
    dated : bool
        False: return every row, no date applied (what ``ingest``, ``validate`` and
        ``export`` read); ``as_of``/``region`` still say what the dataset declares.

    Examples
    --------
    The bundled demo county (``datasets/demo``):

    >>> demo_ds = load_dataset(demo.source)
    >>> demo_ds.counts()["enterprises"], len(demo_ds.warnings)
    (53, 0)
    >>> load_dataset("no/such/folder")
    Traceback (most recent call last):
    ...
    graphrisk.errors.DatasetError: cannot read the dataset:
      no/such/folder: is neither a folder of CSV files nor an .xlsx workbook
    """
    options = options or LoadOptions()
    unreadable: dict[str, str] = {}
    raw, problems = read_tables(path, options, unreadable=unreadable)
    if any(p.severity == "error" for p in problems):
        # still check what could be read, so that one run reports as much as possible;
        # why a table could not be read is listed first, and the references into it
        # are counted rather than each reported as unknown
        _, more = validate_tables(raw, options, source=str(path), unreadable=unreadable)
        raise DatasetError(problems + more)
    ds, more = validate_tables(raw, options, source=str(path))
    problems += more
    if any(p.severity == "error" for p in problems):
        raise DatasetError(problems)
    ds.warnings = sorted(p for p in problems if p.severity != "error")
    declared = declared_period(path)
    ds.as_of, ds.region = declared.get("as_of", ""), declared.get("region", "")
    return apply_as_of(ds, as_of, include_expired=include_expired) if dated else ds
