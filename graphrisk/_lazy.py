"""Lazy re-exports for a package ``__init__`` (PEP 562), so that importing a package
does not import every module behind its public names."""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["attach"]


def attach(package: str, names: dict[str, str]
           ) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for *package*.

    *names* maps each public name to the module (relative to *package*) defining it.

    >>> getattr_, dir_, all_ = attach("graphrisk.io", {"load_dataset": "load"})
    >>> getattr_("load_dataset").__name__, all_
    ('load_dataset', ['load_dataset'])
    """

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__, list(names)
