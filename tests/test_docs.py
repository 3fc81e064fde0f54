"""The documentation is tested: its Python examples run, every command's help ends with an
example, and the README's command table is the command list of ``graphrisk --help``.

Modelled on sqlite-utils' documentation tests (``tests/test_docs.py`` there).

* Every fenced ``python`` block of README.md, docs/*.md and the folder READMEs runs, the
  blocks of one file in order in one namespace (a fresh namespace per file), from a
  working directory that mirrors the repository root (every top-level entry is a symlink)
  except that ``out/`` is a new, empty folder: ``datasets/demo`` reads the bundled demo
  and an example writing under ``out/`` leaves nothing in the checkout.
* A block with a line ``# needs: neo4j`` (a running Neo4j server) is only compiled.
* An expression statement whose line ends in ``# -> VALUE`` is checked: ``repr`` of its
  value must be ``VALUE``.
* ``graphrisk … --help`` exits 0 for every command and subcommand, the last line of its
  description (the text above ``Options:``, unwrapped) contains ``Example:``, and that example
  names the command and parses with the command's own options and arguments.
* The commands of the README's command table are exactly those that ``graphrisk --help``
  lists (and the subcommands in its ``neo4j`` row those of ``graphrisk neo4j --help``).
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from graphrisk.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
        *(ROOT / d / "README.md" for d in ("datasets", "bench", "cypher")),
        *sorted((ROOT / "scripts").glob("*.md"))]

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
NEEDS = re.compile(r"^[ \t]*#[ \t]*needs:[ \t]*(\S+)", re.M)
RESULT = re.compile(r"#\s*->\s*(.+?)\s*$")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """The ``python`` blocks of *path*: (line of the block's first code line, code)."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(text)]


def run_block(code: str, first_line: int, filename: str, namespace: dict) -> None:
    """Run one block statement by statement; check ``# -> VALUE`` results."""
    padded = "\n" * (first_line - 1) + code  # line numbers of the file in every message
    tree = ast.parse(padded, filename)
    lines = padded.splitlines()
    for stmt in tree.body:
        end = stmt.end_lineno or stmt.lineno
        expected = RESULT.search(lines[end - 1])
        if isinstance(stmt, ast.Expr) and expected:
            value = eval(compile(ast.Expression(stmt.value), filename, "eval"), namespace)
            assert repr(value) == expected.group(1), f"{filename}:{end}: got {value!r}"
        else:
            exec(compile(ast.Module([stmt], type_ignores=[]), filename, "exec"), namespace)


@pytest.fixture
def repo_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that looks like the repository root, with an empty ``out/``."""
    for entry in ROOT.iterdir():
        if entry.name not in {"out", ".git"}:
            (tmp_path / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", [d for d in DOCS if d.is_file() and python_blocks(d)], ids=_rel)
def test_python_examples_run(path: Path, repo_mirror: Path) -> None:
    namespace: dict = {"__name__": "__docs__"}
    for first_line, code in python_blocks(path):
        if NEEDS.search(code):  # needs a service: only checked to compile
            compile("\n" * (first_line - 1) + code, _rel(path), "exec")
            continue
        run_block(code, first_line, _rel(path), namespace)


def test_the_marked_blocks_are_the_ones_that_need_neo4j() -> None:
    """A block that opens a store is marked, and ``needs:`` names a known service."""
    for path in DOCS:
        if not path.is_file():
            continue
        for first_line, code in python_blocks(path):
            assert set(NEEDS.findall(code)) <= {"neo4j"}, f"{_rel(path)}:{first_line}"
            if re.search(r"\b(connect|store_dataset|read_dataset|run_query|annotate)\(", code):
                assert NEEDS.search(code), f"{_rel(path)}:{first_line}: add '# needs: neo4j'"


def _commands(cmd: click.Command = main, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands())


def _help(*path: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def _listed(help_text: str) -> set[str]:
    """The names under ``Commands:`` in a group's help."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ")
            and not line.startswith("   ")}


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(("graphrisk", *p)))
def test_help_ends_with_an_example(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
                                   ) -> None:
    description = _help(*path).split("\nOptions:\n", 1)[0].rstrip()
    last = " ".join(description.split("\n\n")[-1].split())  # the last line, unwrapped
    assert "Example:" in last, f"graphrisk {' '.join(path)} --help: no example at its end"
    words = shlex.split(last.split("Example:", 1)[1])
    assert words[0] == "graphrisk" and tuple(words[1:len(path) + 1]) == path, last
    # the example parses: known options, valid choices, existing dataset (not run)
    monkeypatch.chdir(ROOT)
    cmd, rest, name = main, words[1:], "graphrisk"
    while isinstance(cmd, click.Group) and rest and rest[0] in cmd.commands:
        name = f"{name} {rest[0]}"
        cmd = cmd.commands[rest.pop(0)]
    with cmd.make_context(name, rest):
        pass


def _readme_table() -> dict[str, list[str]]:
    """Command -> the subcommands its row names, from the README's command table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m:
            words = m.group(1).split()
            subs = words[1].split("\\|") if len(words) > 1 and "\\|" in words[1] else []
            rows[words[0]] = subs
    return rows


def test_readme_command_table_lists_every_command() -> None:
    table = _readme_table()
    assert set(table) == _listed(_help())
    for name, subs in table.items():
        cmd = main.commands[name]
        if isinstance(cmd, click.Group):
            assert set(subs) == _listed(_help(name)), f"README row of {name}"
