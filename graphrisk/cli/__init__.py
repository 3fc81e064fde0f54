"""The ``graphrisk`` command line: a thin layer over the library.

Every module in this package other than ``base`` holds the commands of one topic and
attaches them to :data:`main` when imported.
"""

from __future__ import annotations

import importlib
import pkgutil

from graphrisk.cli.base import main

__all__ = ["main"]

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_") and _m.name != "base":
        importlib.import_module(f"{__name__}.{_m.name}")
