"""Lazy re-exports for a package ``__init__`` (PEP 562).

Importing a package then does not import every module behind its public names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["attach"]


def attach(package: str, names: dict[str, str]
           ) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """Build ``__getattr__``, ``__dir__`` and ``__all__`` for *package*.

    Parameters
    ----------
    package : str
        The package's dotted name.
    names : dict of str to str
        Each public name mapped to the module (relative to *package*) defining it.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__, __all__)``, to assign at the package's top level.

    Examples
    --------
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
