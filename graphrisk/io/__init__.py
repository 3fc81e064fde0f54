"""Datasets in and out (SPEC §1).

Read CSV files (UTF-8 or GBK) or one ``.xlsx`` workbook, validate every rule with
``FILE:LINE`` messages, load a typed :class:`Dataset`, summarise it, and export it
again.

The stages, in order: :mod:`.read` (files, encodings, headers) → :mod:`.validate`
(types, enumerations, references) → :mod:`.load` (both, atomically).
"""


from graphrisk.io.dataset import Dataset, LoadOptions, RawTable
from graphrisk.io.export import table_for_output, write_dataset
from graphrisk.io.load import load_dataset
from graphrisk.io.read import detect_encoding, normalise_header, read_tables
from graphrisk.io.summary import summarize
from graphrisk.io.validate import validate_tables

__all__ = ["Dataset", "RawTable", "LoadOptions", "read_tables", "detect_encoding",
           "normalise_header", "validate_tables", "load_dataset", "write_dataset",
           "table_for_output", "summarize"]
