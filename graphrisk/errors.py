"""One error hierarchy for the whole package.

The CLI turns :class:`GraphRiskError` into a clean message (exit 1, no traceback);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "GraphRiskError", "DatasetError", "UnknownEntityError",
           "ParameterError", "StoreError", "SnapshotError", "StaleSnapshotError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the input: where it is and what is wrong.

    ``line`` counts the header as line 1, as an editor shows it (0: the file as a
    whole).  ``column`` is the canonical column name, or empty.

    >>> str(Problem("guarantees.csv", 17, "borrower_id", "borrower_id 'E9' is not a known entity"))
    "guarantees.csv:17: borrower_id 'E9' is not a known entity"
    """

    file: str
    line: int
    column: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        """Return ``FILE:LINE: message`` (just ``FILE: message`` for line 0)."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict, plus ``text``, the :func:`str` form.

        >>> Problem("loans.csv", 0, "", "file ignored").as_dict()["text"]
        'loans.csv: file ignored'
        """
        return {"file": self.file, "line": self.line, "column": self.column,
                "message": self.message, "severity": self.severity, "text": str(self)}


class GraphRiskError(Exception):
    """Base class of the errors a user can cause and fix."""


class DatasetError(GraphRiskError):
    """The dataset cannot be loaded: carries every problem found (errors and warnings)."""

    def __init__(self, problems: list[Problem], summary: str | None = None) -> None:
        self.problems = sorted(problems)
        self.errors = [p for p in self.problems if p.severity == "error"]
        self.warnings = [p for p in self.problems if p.severity != "error"]
        head = summary or f"the dataset has {len(self.errors)} error(s)"
        lines = [head + ":"] + [f"  {p}" for p in self.errors[:200]]
        if len(self.errors) > 200:
            lines.append(f"  … and {len(self.errors) - 200} more")
        super().__init__("\n".join(lines))


class UnknownEntityError(GraphRiskError, KeyError):
    """An id given on the command line or to a function is not in the dataset."""

    def __str__(self) -> str:
        """Return the message as it is (:class:`KeyError` would quote it)."""
        return str(self.args[0]) if self.args else "unknown entity"


class ParameterError(GraphRiskError, ValueError):
    """A parameter is out of range or inconsistent."""


class StoreError(GraphRiskError):
    """Talking to the graph store (Neo4j) failed."""


class SnapshotError(GraphRiskError):
    """A snapshot store (``graphrisk ingest``) cannot be opened: missing or broken files."""


class StaleSnapshotError(SnapshotError):
    """The source files of a snapshot store changed since it was ingested."""


class OutputError(GraphRiskError):
    """An output could not be written (the message names the path and the reason)."""


def check(cond: bool, message: str) -> None:
    """Raise :class:`ParameterError` with *message* unless *cond* holds.

    >>> check(1 > 0, "never raised")
    """
    if not cond:
        raise ParameterError(message)
