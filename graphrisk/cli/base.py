"""The ``graphrisk`` command group and the option bundles every command shares.

Commands live in sibling modules (one per topic) and attach themselves to :data:`main`;
each parses options, calls one library function and hands the result to :func:`emit`.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from graphrisk import __version__
from graphrisk.errors import DatasetError, GraphRiskError
from graphrisk.io.dataset import Dataset, LoadOptions
from graphrisk.io.jsonout import dump_json
from graphrisk.io.output import is_stream, open_output
from graphrisk.report.formats import csv_text, text_table

__all__ = ["main", "output_options", "dataset_argument", "load_options", "Output", "emit",
           "open_dataset", "open_previous", "read_source", "dated", "echo_err",
           "DatasetSource", "default_of", "command_load_options", "snapshot_options_check"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Turns library errors into clean messages (exit 1, no traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DatasetError as e:
            for p in e.warnings[:50]:
                click.echo(f"warning: {p}", err=True)
            raise click.ClickException(str(e)) from None
        except GraphRiskError as e:
            raise click.ClickException(str(e)) from None

    def list_commands(self, ctx):  # keep declaration order, not alphabetical
        return list(self.commands)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="graphrisk")
def main():
    """Graphrisk — guarantee-network (担保网络) risk analysis.

    Load enterprises, persons, shareholdings, posts, loans and guarantees; find related
    parties, guarantee circles (担保圈) and chains (担保链); simulate default contagion
    and plan how to cut the network.  Amounts are in 万元.

    Example:  graphrisk validate datasets/demo
    """


def default_of(params: type, name: str) -> Any:
    """Return the default of the field *name* of a parameter dataclass.

    CLI options take their defaults from here, so a threshold is typed once (in
    :mod:`graphrisk.params`).

    >>> from graphrisk.params import CircleParams
    >>> default_of(CircleParams, "max_cycle_length")
    6
    """
    for f in dataclasses.fields(params):
        if f.name == name:
            if f.default is dataclasses.MISSING:
                raise TypeError(f"{params.__name__}.{name} has no plain default")
            return f.default
    raise AttributeError(f"{params.__name__} has no field {name!r}")


def echo_err(message: str) -> None:
    """Print *message* on standard error."""
    click.echo(message, err=True)


@dataclass
class Output:
    """What a command hands to :func:`emit`.

    ``data`` is the JSON document; ``tables`` are (title, headers, rows) for the
    ``table`` and ``csv`` formats (csv writes the first table); ``text`` is printed
    before the tables in ``table`` format.
    """

    data: dict
    tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence]]] = field(default_factory=list)
    text: str = ""
    warnings: list = field(default_factory=list)


def output_options(func: Callable) -> Callable:
    """``--format table|json|csv`` and ``-o FILE``."""

    @click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                  default="table", show_default=True, help="Output format.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write to FILE instead of standard output.")
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


class DatasetSource(click.ParamType):
    """A dataset folder, an ``.xlsx`` workbook, a snapshot store, or a Neo4j URI.

    A period of a store is ``STORE@YYYY-MM-DD``; a Neo4j URI is ``bolt://…``.

    Paths are checked to exist and returned as :class:`~pathlib.Path`; a Neo4j URI is
    returned as it is (str) and read by :func:`open_dataset` from the store
    (credentials from ``NEO4J_USER`` / ``NEO4J_PASSWORD``; a path part of the URI
    names the database).
    """

    name = "dataset"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Path | str:
        """Return an existing path, or a Neo4j URI as it is."""
        from graphrisk.neo4j.connection import Neo4jParams

        if isinstance(value, Path) or not Neo4jParams.is_uri(value):
            path = Path(str(value))
            from graphrisk.io.store import is_snapshot, split_period

            store, period = split_period(path)
            if period is not None and is_snapshot(store):
                return path  # STORE@YYYY-MM-DD: a period of a store
            if not path.exists():
                self.fail(f"{str(value)!r} does not exist (give a dataset folder, an .xlsx "
                          "workbook, a snapshot store (graphrisk ingest) or a Neo4j URI such "
                          "as bolt://127.0.0.1:7687)", param, ctx)
            return path
        return str(value)


def dataset_argument(func: Callable) -> Callable:
    """Add the DATASET argument: a folder, an .xlsx workbook, a snapshot store or a Neo4j URI."""
    return click.argument("dataset", type=DatasetSource())(func)


def load_options(func: Callable | None = None, *, dated: bool = True) -> Callable:
    """Add ``--encoding E``, ``--strict``, ``--max-amount X`` and the as-of options.

    The command receives ``encoding`` and ``strict``; ``--max-amount``, ``--as-of`` and
    ``--include-expired`` are kept in the click context (``ctx.meta``), where
    :func:`read_source` and :func:`open_dataset` find them, so every command that reads
    a dataset honours them.  ``dated=False`` (``@load_options(dated=False)``) leaves the
    as-of options out, for the commands that read every row (``ingest``, ``export``).
    """
    if func is None:
        return functools.partial(load_options, dated=dated)

    @click.option("--encoding", default=None, metavar="E",
                  help="Force the CSV encoding (utf-8, utf-8-sig, gbk, gb18030). Default: detect.")
    @click.option("--strict", is_flag=True, help="Treat malformed credit codes as errors.")
    @click.option("--max-amount", "max_amount", type=click.FloatRange(min=0, min_open=True),
                  default=default_of(LoadOptions, "max_amount"), metavar="X",
                  help="Largest amount accepted in any cell, in 万元 (default 1e9)")
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        max_amount = kwargs.pop("max_amount", None)
        ctx = click.get_current_context(silent=True)
        if ctx is not None and max_amount is not None and ctx.get_parameter_source(
                "max_amount") is not click.core.ParameterSource.DEFAULT:
            ctx.meta["graphrisk.max_amount"] = max_amount  # given: a snapshot store checks it
        if dated:
            as_of, expired = kwargs.pop("as_of_date", None), kwargs.pop("include_expired", False)
            if ctx is not None:
                ctx.meta["graphrisk.as_of"] = as_of
                ctx.meta["graphrisk.include_expired"] = expired
        return func(*args, **kwargs)

    if not dated:
        return wrapper
    wrapper = click.option(
        "--include-expired", is_flag=True,
        help="Keep guarantees, loans, holdings and events not live at the as-of date "
             "(listed as kept).")(wrapper)
    return click.option(
        "--as-of", "as_of_date", metavar="DATE", default=None,
        help="Analyse at this date YYYY-MM-DD: guarantees count from start_date to "
             "end_date, loans from start_date, holdings from as_of, events from date "
             "(default: the date the dataset declares in dataset.json).")(wrapper)


def read_source(path: Path | str, encoding: str | None = None, strict: bool = False,
                max_amount: float | None = None) -> Dataset:
    """Load and validate a dataset from files, a snapshot store or a Neo4j store: every row.

    A Neo4j URI (``bolt://…``) is read by :func:`graphrisk.neo4j.read.read_dataset` and
    validated the same way; raises :class:`~graphrisk.errors.DatasetError` with every
    problem.  A snapshot store (``graphrisk ingest``) is opened as it is, validated
    already (its latest period, or the one named ``STORE@YYYY-MM-DD``); it is refused
    when stale or when the command asks for a stricter check than the store was
    ingested with (:func:`snapshot_options_check`).  *max_amount* (万元) defaults to the
    ``--max-amount`` of the running command (see :func:`load_options`), else to the
    default of :class:`~graphrisk.io.dataset.LoadOptions`.  No as-of date is applied
    (see :func:`open_dataset`).
    """
    from graphrisk.io.load import load_dataset
    from graphrisk.neo4j.connection import Neo4jParams

    if not isinstance(path, Path) and Neo4jParams.is_uri(path):
        from graphrisk.neo4j.read import read_dataset

        return read_dataset(Neo4jParams.from_env(str(path)),
                            command_load_options(strict=strict, max_amount=max_amount))
    options = command_load_options(encoding=encoding, strict=strict, max_amount=max_amount)
    from graphrisk.io.store import is_snapshot, open_snapshot, read_manifest, split_period

    store, period = split_period(path)
    if is_snapshot(store):
        given = max_amount is not None or _given_max_amount() is not None
        if period is None:
            period = _store_period_for(store)
        manifest = read_manifest(store, period)
        snapshot_options_check(path, manifest.get("load_options") or {}, options,
                               check_max_amount=given)
        return open_snapshot(store, period=period, manifest=manifest, dated=False)
    return load_dataset(path, options, dated=False)


def _store_period_for(store: Path) -> str | None:
    """Return the period of a store that the command's ``--as-of`` names (None: the latest)."""
    from graphrisk.io.store import store_periods

    as_of = _command_meta("graphrisk.as_of")
    if as_of and as_of in store_periods(store):
        return str(as_of)
    return None


def _command_meta(key: str) -> Any:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(key) if ctx is not None else None


def dated(ds: Dataset, *, as_of: str | None = None, include_expired: bool | None = None,
          quiet: bool = False) -> Dataset:
    """Apply the command's as-of date (``--as-of``, else the declared one) to *ds*.

    Prints on stderr what the date excluded (counts; ``validate`` lists the rows) and
    a warning when no date applies to dated rows.
    """
    from graphrisk.io.asof import REASONS, apply_as_of, exclusion_counts

    if as_of is None:
        as_of = _command_meta("graphrisk.as_of")
    if include_expired is None:
        include_expired = bool(_command_meta("graphrisk.include_expired"))
    out = apply_as_of(ds, as_of, include_expired=include_expired)
    if quiet:
        return out
    counts = exclusion_counts(out)
    if counts:
        verb = "kept (--include-expired)" if include_expired else "not counted"
        parts = [f"{n} {table} {REASONS[r][0]}" for table, by in counts.items()
                 for r, n in by.items()]
        echo_err(f"as of {out.as_of}: {verb}: {'; '.join(parts)} "
                 "(graphrisk validate lists them)")
    return out


def _given_max_amount() -> float | None:
    """Return the ``--max-amount`` given to the running command (None: not given)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("graphrisk.max_amount") if ctx is not None else None


def snapshot_options_check(store: Path | str, ingested: dict[str, Any],
                           options: LoadOptions, *, check_max_amount: bool = True) -> None:
    """Refuse to read a snapshot store with a stricter check than it was ingested with.

    ``--strict`` on a store ingested without it, or a ``--max-amount`` below the
    store's, could turn a warning into an error or refuse an amount: the store must be
    ingested again with those options.  ``--encoding`` does not apply to a store.

    >>> snapshot_options_check("s", {"strict": False, "max_amount": 1e9}, LoadOptions())
    >>> snapshot_options_check("s", {"strict": False, "max_amount": 1e9},
    ...                        LoadOptions(strict=True))
    Traceback (most recent call last):
    ...
    graphrisk.errors.ParameterError: s was ingested without --strict; run graphrisk ingest SOURCE -o s --strict
    """
    from graphrisk.errors import ParameterError

    if options.strict and not ingested.get("strict", False):
        raise ParameterError(f"{store} was ingested without --strict; run graphrisk ingest "
                             f"SOURCE -o {store} --strict")
    stored = float(ingested.get("max_amount", options.max_amount))
    if check_max_amount and options.max_amount < stored:
        raise ParameterError(f"{store} was ingested with --max-amount {stored:g}; run "
                             f"graphrisk ingest SOURCE -o {store} --max-amount "
                             f"{options.max_amount:g} to apply a lower bound")
    if options.encoding:
        echo_err(f"warning: --encoding {options.encoding} does not apply to a snapshot store "
                 f"({store}); ignored")


def command_load_options(*, encoding: str | None = None, strict: bool = False,
                         max_amount: float | None = None) -> LoadOptions:
    """Return the :class:`LoadOptions` of the running command.

    *max_amount* defaults to the command's ``--max-amount`` (kept in the click
    context by :func:`load_options`), else to the :class:`LoadOptions` default.
    """
    if max_amount is None:
        max_amount = _given_max_amount()
    if max_amount is None:
        max_amount = default_of(LoadOptions, "max_amount")
    return LoadOptions(encoding=encoding, strict=strict, max_amount=max_amount)


def open_dataset(path: Path | str, encoding: str | None = None, strict: bool = False,
                 max_amount: float | None = None, *, dated: bool = True) -> Dataset:
    """:func:`read_source` at the command's as-of date, printing warnings on stderr.

    ``dated=False`` returns every row (no date applied).
    """
    ds = read_source(path, encoding, strict, max_amount)
    if dated:
        ds = _dated(ds)
    _print_warnings(ds)
    return ds


def open_previous(value: Path | str, current: Path | str, encoding: str | None = None,
                  strict: bool = False) -> Dataset:
    """Open the earlier period of a comparison, at its own declared date.

    *value* is a dataset (folder, workbook, store, ``STORE@YYYY-MM-DD``) or a bare date
    ``YYYY-MM-DD`` naming a period of the store *current* is (or is a period of).  The
    command's ``--as-of`` applies to the current period only.
    """
    import re

    from graphrisk.errors import ParameterError
    from graphrisk.io.store import is_snapshot, split_period

    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) and not Path(text).exists():
        store, _ = split_period(current)
        if isinstance(current, str) and not isinstance(current, Path) and "://" in current:
            raise ParameterError(f"--previous {text}: a date names a period of a snapshot "
                                 "store; give the earlier dataset instead")
        if not is_snapshot(store):
            raise ParameterError(f"--previous {text}: a date names a period of a snapshot "
                                 f"store, and {current} is not one; give the earlier "
                                 "dataset's folder or store")
        value = f"{store}@{text}"
    elif isinstance(value, str) and "://" not in value:
        value = Path(value)
    ds = read_source(value, encoding, strict)
    ds = _dated(ds, as_of="", include_expired=False)
    _print_warnings(ds)
    return ds


def _print_warnings(ds: Dataset) -> None:
    shown = ds.warnings[:20]
    for w in shown:
        echo_err(f"warning: {w}")
    if len(ds.warnings) > len(shown):
        echo_err(f"warning: … {len(ds.warnings) - len(shown)} more warnings "
                 "(graphrisk validate --format json lists them all)")


_dated = dated


def emit(out: Output, fmt: str, output: Path | None) -> None:
    """Write *out* in the chosen format to *output* (or stdout).

    JSON is indented on a terminal and compact otherwise (a file, a pipe), streamed
    piece by piece (:func:`graphrisk.io.jsonout.dump_json`).  A file is written whole or
    not at all (:func:`graphrisk.io.output.open_output`); ``-``, a device or a FIFO is
    written to directly.
    """
    if fmt == "json" or (fmt == "csv" and not out.tables):
        to_terminal = is_stream(output) and str(output or "-") == "-" and sys.stdout.isatty()
        with open_output(output, encoding="utf-8") as fh:
            dump_json(out.data, fh, indent=2 if to_terminal else None)
            fh.write("\n")
    else:
        if fmt == "csv":
            _, headers, rows = out.tables[0]
            text = csv_text(headers, rows)
        else:
            parts = [out.text] if out.text else []
            for title, headers, rows in out.tables:
                block = f"{title}\n" if title else ""
                block += (text_table(headers, rows, limit=None if output else 50) if rows
                          else "(none)")
                parts.append(block)
            text = "\n\n".join(parts) + "\n"
        encoding = "utf-8-sig" if fmt == "csv" and not is_stream(output) else "utf-8"
        with open_output(output, encoding=encoding) as fh:
            fh.write(text)
    if not is_stream(output):
        echo_err(f"wrote {output}")
