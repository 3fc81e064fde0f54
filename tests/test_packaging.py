"""The built wheel carries everything the installed tool needs (slow: builds and installs it).

A wheel is built from a copy of the checkout, checked for the Cypher files (shipped as
``graphrisk/cypher/`` from the top-level ``cypher/`` folder), the report's templates and
static files (vis-network included) and every module, then installed into a fresh virtual
environment (``--system-site-packages``, so that numpy, pandas … are reused and nothing
is downloaded).  The installed ``graphrisk`` command is run from a folder outside the
checkout, with no ``PYTHONPATH`` and no ``GRAPHRISK_CYPHER_DIR``, so that it can only use
what the wheel put into the environment's site-packages.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "datasets" / "demo"

#: top-level entries of the checkout that are not part of a build (outputs and caches)
_NOT_SOURCE = {".git", ".cache", ".venv", "venv", "build", "dist", "out", "tmp",
               ".pytest_cache", ".ruff_cache", ".mypy_cache", "node_modules"}
#: variables that would let the installed tool see the checkout or another environment
_LEAKY_VARS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE",
               "GRAPHRISK_CYPHER_DIR", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")


def _run(cmd: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, timeout=timeout,
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY_VARS}
    env["PYTHONNOUSERSITE"] = "1"  # a user-site install would come before the venv's copy
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _source_copy(dest: Path) -> Path:
    """The checkout without build outputs, caches and stale ``*.egg-info``.

    Building from a copy leaves the checkout untouched (setuptools writes ``build/`` and
    ``*.egg-info`` next to the sources) and keeps a stale ``build/lib`` from leaking files
    that no longer exist into the wheel.
    """

    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n == "__pycache__" or n.endswith((".egg-info", ".pyc"))}
        if Path(folder) == REPO:
            skip |= _NOT_SOURCE & set(names)
        return skip

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    return dest


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def built(work) -> tuple[Path, Path]:
    """``(wheel, source copy)``: the wheel built from a copy of the checkout."""
    src = _source_copy(work / "src")
    dist = work / "dist"
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, src]
    # offline first: the installed setuptools as the build backend, no index.  setuptools
    # before 70.1 needs the `wheel` package for that; without it, let pip set up the
    # build requirements of pyproject.toml in an isolated environment (this needs PyPI)
    offline = _run([*base, "--no-build-isolation", "--no-index"], cwd=work, env=_clean_env(),
                   check=False)
    if offline.returncode != 0:
        print("offline wheel build failed, retrying with build isolation:\n"
              + offline.stderr[-1500:])
        shutil.rmtree(dist, ignore_errors=True)
        _run(base, cwd=work, env=_clean_env(), timeout=300)
    wheels = sorted(dist.glob("graphrisk-*.whl"))
    assert len(wheels) == 1, f"expected one graphrisk wheel in {dist}: {wheels}"
    return wheels[0], src


@pytest.fixture(scope="module")
def venv(work, built) -> tuple[Path, Path]:
    """``(environment, its site-packages)`` with the wheel installed, nothing downloaded."""
    wheel, _ = built
    env_dir = work / "venv"
    cmd: list[str | Path] = [sys.executable, "-m", "venv", "--system-site-packages", env_dir]
    if importlib.util.find_spec("pip") is not None:
        cmd.insert(-1, "--without-pip")  # the outer pip is visible and installs into the venv
    _run(cmd, cwd=work, env=_clean_env(), timeout=120)
    python = env_dir / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=work, env=_clean_env()).stdout.strip())
    if sys.prefix != sys.base_prefix:
        # the tests run in a virtual environment themselves: --system-site-packages
        # reaches the base interpreter only, so add this environment's packages behind
        # the new one's own site-packages
        outer = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
        (purelib / "_outer_env.pth").write_text("\n".join(dict.fromkeys(outer)) + "\n")
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
          "--quiet", wheel], cwd=work, env=_clean_env(env_dir), timeout=180)
    return env_dir, purelib


@pytest.fixture(scope="module")
def outside(work) -> Path:
    """An empty working folder outside the checkout (no ``graphrisk/`` to import from)."""
    run = work / "run"
    run.mkdir(exist_ok=True)
    assert not run.resolve().is_relative_to(REPO)
    return run


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


# --- the wheel's contents ---------------------------------------------------------------


def test_wheel_ships_the_cypher_library(built):
    wheel, src = built
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "graphrisk/cypher/schema.cypher" in names
        cypher = sorted((src / "cypher").glob("*.cypher"))
        assert len(cypher) > 1, "the checkout's cypher/ folder has no query files"
        missing = [p.name for p in cypher if f"graphrisk/cypher/{p.name}" not in names]
        assert not missing, f"cypher files missing from the wheel: {missing}"
        for p in cypher:
            assert zf.read(f"graphrisk/cypher/{p.name}") == p.read_bytes(), p.name


def test_wheel_ships_the_report_templates_and_static_files(built):
    wheel, src = built
    report = src / "graphrisk" / "report"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for required in ("static/vis-network.min.js", "static/vis-network.min.css"):
            assert f"graphrisk/report/{required}" in names, required
        files = [p for sub in ("templates", "static") for p in (report / sub).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
        assert any(p.suffix == ".j2" for p in files), "no templates in the checkout"
        missing = [str(p.relative_to(report)) for p in files
                   if f"graphrisk/report/{p.relative_to(report).as_posix()}" not in names]
        assert not missing, f"report files missing from the wheel: {missing}"
        vis = zf.read("graphrisk/report/static/vis-network.min.js")
        assert vis == (report / "static" / "vis-network.min.js").read_bytes()


def test_wheel_ships_every_module_and_nothing_else(built):
    """The package list in pyproject.toml is explicit: a new subpackage must be added."""
    wheel, src = built
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "graphrisk = graphrisk.cli:main" in zf.read(entry_points).decode()
    modules = sorted(p.relative_to(src).as_posix() for p in (src / "graphrisk").rglob("*.py")
                     if "__pycache__" not in p.parts)
    missing = [m for m in modules if m not in names]
    assert not missing, f"modules missing from the wheel (add their package to " \
                        f"[tool.setuptools] packages): {missing}"
    top = {n.split("/", 1)[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"graphrisk"}, top


# --- the installed tool -----------------------------------------------------------------


def test_installed_package_is_the_wheel_not_the_checkout(venv, outside):
    env_dir, purelib = venv
    code = ("import graphrisk, graphrisk.neo4j.connection as c, graphrisk.report as r; "
            "print(graphrisk.__file__); print(c.cypher_dir()); print(r.__file__)")
    out = _run([env_dir / "bin" / "python", "-c", code], cwd=outside,
               env=_clean_env(env_dir)).stdout.splitlines()
    pkg_file, cypher, report_file = out[-3:]
    # with --system-site-packages an (editable) install of the system could shadow the
    # wheel; the venv's own site-packages must come first
    assert _inside(pkg_file, purelib), f"graphrisk imported from {pkg_file}, not {purelib}"
    assert _inside(report_file, purelib), report_file
    assert _inside(cypher, purelib), f"cypher_dir() is {cypher}, not inside {purelib}"
    assert not _inside(cypher, REPO), cypher
    assert (Path(cypher) / "schema.cypher").is_file()


def test_installed_cli_lists_the_queries(venv, outside):
    env_dir, _ = venv
    proc = _run([env_dir / "bin" / "graphrisk", "neo4j", "queries"], cwd=outside,
                env=_clean_env(env_dir))
    assert "mutual_pairs" in proc.stdout
    shipped = {p.stem for p in (REPO / "cypher").glob("*.cypher")} - {"schema"}
    assert any(name in proc.stdout for name in shipped)


def _snippet(js: str, size: int = 200) -> str:
    """A piece of the library from its middle that inlining leaves alone (no ``<``, ``/``)."""
    for start in range(len(js) // 2, len(js) - size):
        piece = js[start:start + size]
        if not any(c in piece for c in "</\\\n"):
            return piece
    raise AssertionError("no plain snippet in vis-network.min.js")


def test_installed_cli_writes_the_report(venv, outside):
    env_dir, purelib = venv
    out = outside / "report"
    _run([env_dir / "bin" / "graphrisk", "report", DEMO, "-o", out], cwd=outside,
         env=_clean_env(env_dir), timeout=240)
    assert (out / "index.html").is_file()
    network = out / "network.html"
    assert network.is_file()
    page = network.read_text("utf-8")
    assert "vis-network" in page
    js = (purelib / "graphrisk" / "report" / "static" / "vis-network.min.js").read_text("utf-8")
    assert _snippet(js) in page, "network.html does not carry the vis-network code"


def test_installed_cli_needs_no_neo4j_driver(venv, outside, work):
    """The driver is the optional extra ``graphrisk[neo4j]``: listing queries works without it."""
    env_dir, _ = venv
    blocker = work / "no_driver"
    blocker.mkdir(exist_ok=True)
    (blocker / "neo4j.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'neo4j'\", name='neo4j')\n")
    env = _clean_env(env_dir)
    env["PYTHONPATH"] = str(blocker)  # only the blocker: `import neo4j` fails
    proc = _run([env_dir / "bin" / "graphrisk", "neo4j", "queries"], cwd=outside, env=env)
    assert "mutual_pairs" in proc.stdout
