"""Neo4j faults against the real server of ``NEO4J_URI`` (``scripts/test.sh`` starts it).

The item of the hardening issue these tests check:

    "Neo4j faults: a wrong password, a server that is down or goes away mid-load, and
    a load interrupted by SIGINT each give one clear line and leave the database as it
    was before the load (the load is idempotent: loading twice gives the same counts);
    hostile names round trip through Neo4j unchanged. Tests in CI against the real
    server."

Each fault runs ``graphrisk neo4j load`` on a database that already holds the demo
county and asserts: exit status 1 (130 for SIGINT), exactly one line on standard error
(``Error: …``, no traceback), nothing on standard output, and the graph afterwards equal
to the graph before, node for node and relationship for relationship with every
property (:func:`~tests.neo4j_support.snapshot`).

How each fault is produced:

* wrong password — the suite's server runs without authentication
  (``GRAPHRISK_NEO4J_AUTH=none``) and then accepts any credentials, so a refusal cannot
  come from it.  A stand-in Bolt server on a free local port (:class:`RefusingBoltServer`)
  answers the handshake, ``HELLO`` and ``LOGON`` exactly as a Neo4j 5.26 with
  authentication answers a wrong password (``FAILURE
  Neo.ClientError.Security.Unauthorized``); the real driver turns that into its
  ``AuthError``;
* server down — a local port that was bound and closed again (nothing listens);
* goes away mid-load — after some batches the store's driver is swapped for one whose
  server is down, so that the next batch fails inside the real driver
  (``ServiceUnavailable``); either the server "comes back" for the rollback, or it stays
  away and the message names the load id for ``graphrisk neo4j rollback``;
* SIGINT — ``python -m graphrisk neo4j load`` in a subprocess on a generated dataset of
  20,000 enterprises, interrupted once the first batch is in the database.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphrisk.neo4j.load as nl
from graphrisk.cli import main
from graphrisk.io.load import load_dataset
from graphrisk.neo4j.load import store_dataset
from graphrisk.neo4j.read import read_dataset

from .conftest import DEMO, REPO
from .neo4j_support import neo4j_store, snapshot  # noqa: F401  (fixture)

pytestmark = pytest.mark.neo4j

#: names no layer may alter: quotes, backslashes, a spreadsheet formula, HTML, Cypher,
#: emoji (with zero-width joiners) and a zero-width space
HOSTILE_NAMES = [
    'say "hi" \'there\'',
    "back\\slash \\n \\\\ ends in \\",
    '=HYPERLINK("http://evil.example/x","click me")',
    "+1+1",
    "@SUM(A1)",
    "</script><script>alert(1)</script>",
    "'}) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n RETURN 1 //',
    "🏦💰 青山银行 👨\u200d👩\u200d👧",
    "零\u200b宽空格公司",
    "tab\there",
]


# ------------------------------------------------------------------------- helpers
def free_port() -> int:
    """A local TCP port nothing listens on (bound, then closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_of(store, **extra: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {"NEO4J_URI": store.params.uri,
                                  "NEO4J_DATABASE": store.params.database,
                                  "NEO4J_USER": None, "NEO4J_PASSWORD": None}
    env.update(extra)
    return env


def cli(store, *args, **env: str | None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env_of(store, **env))


def one_error_line(result, exit_code: int = 1) -> str:
    """The single ``Error: …`` line of a failed command (asserting there is nothing else)."""
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # handled, no traceback
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


@pytest.fixture
def store(neo4j_store):  # noqa: F811
    """The test server holding the demo county: the "before" of every fault."""
    neo4j_store.wipe()
    store_dataset(load_dataset(DEMO, dated=False), neo4j_store)  # every row, as the CLI loads
    return neo4j_store


def changed_demo(folder: Path) -> Path:
    """The demo with every enterprise renamed and two new enterprises: a load of it
    changes properties of existing nodes, so a rollback has to restore them."""
    folder.mkdir()
    for f in DEMO.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    path = folder / "enterprises.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["name"] += "（改）"
    rows += [{**rows[0], "id": f"E_NEW{i}", "name": f"新公司{i}"} for i in (1, 2)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return folder


# -------------------------------------------------------- a Bolt server refusing logins
class RefusingBoltServer:
    """A local stand-in for a Neo4j 5 server with authentication and a wrong password.

    Speaks just enough Bolt 5.4: accepts the handshake, answers ``HELLO`` with
    ``SUCCESS`` and ``LOGON`` with the ``FAILURE`` a Neo4j 5.26 sends for bad
    credentials.  ``seen`` lists the message signatures received.
    """

    HELLO, LOGON, GOODBYE, SUCCESS, FAILURE = 0x01, 0x6A, 0x02, 0x70, 0x7F
    REFUSAL = {"code": "Neo.ClientError.Security.Unauthorized",
               "message": "The client is unauthorized due to authentication failure."}

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    @staticmethod
    def _text(s: str) -> bytes:
        b = s.encode()
        return (bytes([0x80 | len(b)]) if len(b) < 16 else bytes([0xD0, len(b)])) + b

    def _reply(self, conn: socket.socket, signature: int, fields: dict[str, str]) -> None:
        body = bytes([0xB1, signature, 0xA0 | len(fields)]) + b"".join(
            self._text(k) + self._text(v) for k, v in fields.items())
        conn.sendall(struct.pack(">H", len(body)) + body + b"\x00\x00")

    @staticmethod
    def _read(conn: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            part = conn.recv(n - len(buf))
            if not part:
                raise EOFError
            buf += part
        return buf

    def _message(self, conn: socket.socket) -> int:
        data = b""
        while size := struct.unpack(">H", self._read(conn, 2))[0]:
            data += self._read(conn, size)
        return data[1]  # the signature, after the structure marker

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn, contextlib.suppress(EOFError, OSError):
                conn.settimeout(5)
                assert self._read(conn, 4) == b"\x60\x60\xb0\x17"
                self._read(conn, 16)  # the versions the driver proposes
                conn.sendall(b"\x00\x00\x04\x05")  # Bolt 5.4
                while (sig := self._message(conn)) != self.GOODBYE:
                    self.seen.append(sig)
                    if sig == self.HELLO:
                        self._reply(conn, self.SUCCESS, {"server": "Neo4j/5.26.0",
                                                         "connection_id": "bolt-1"})
                    elif sig == self.LOGON:
                        self._reply(conn, self.FAILURE, self.REFUSAL)


@pytest.fixture
def refusing_server():
    server = RefusingBoltServer()
    yield server
    server.close()


# --------------------------------------------------------------------------- faults
@pytest.mark.parametrize(("password", "who"), [("wrong-password", "user 'neo4j'"),
                                               (None, "no credentials")])
def test_a_refused_login_is_one_line_and_changes_nothing(store, refusing_server, password,
                                                         who):
    before = snapshot(store)
    uri = f"bolt://127.0.0.1:{refusing_server.port}"
    r = cli(store, "neo4j", "load", DEMO, "--uri", uri, NEO4J_PASSWORD=password)
    line = one_error_line(r)
    assert line == (f"Error: authentication failed at {uri} ({who}): The client is "
                    "unauthorized due to authentication failure; set NEO4J_USER and "
                    "NEO4J_PASSWORD, or use --password-prompt")
    assert RefusingBoltServer.LOGON in refusing_server.seen  # refused on the wire
    assert snapshot(store) == before


def test_a_server_that_is_down_is_one_line_and_changes_nothing(store):
    before = snapshot(store)
    port = free_port()
    r = cli(store, "neo4j", "load", DEMO, "--uri", f"bolt://127.0.0.1:{port}")
    line = one_error_line(r)
    assert line == (f"Error: cannot reach Neo4j at bolt://127.0.0.1:{port} (database 'neo4j') "
                    "while connecting: Connection refused")
    assert snapshot(store) == before


def _server_goes_away(monkeypatch, after: int, *, comes_back: bool) -> list:
    """From batch *after* + 1 on, the store talks to a server that is down.

    The batch fails inside the real driver (``ServiceUnavailable``, translated by the
    store).  With *comes_back* the real server answers again right after that batch (for
    the rollback); otherwise it stays away.  Returns the real drivers, to close.
    """
    import neo4j

    real_write = nl._write_batch
    real_drivers: list = []
    dead_uri = f"bolt://127.0.0.1:{free_port()}"

    def flaky(store, *args, **kwargs):
        if len(real_drivers) or flaky.calls < after:
            flaky.calls += 1
            return real_write(store, *args, **kwargs)
        real_drivers.append(store.driver)
        store.driver = neo4j.GraphDatabase.driver(dead_uri, connection_timeout=1,
                                                  max_transaction_retry_time=0.2)
        try:
            return real_write(store, *args, **kwargs)
        finally:
            if comes_back:
                store.driver.close()
                store.driver = real_drivers[0]

    flaky.calls = 0
    monkeypatch.setattr(nl, "_write_batch", flaky)
    return real_drivers


FAILED_AND_ROLLED_BACK = re.compile(
    r"Error: the load failed and was rolled back \((\d+) nodes and (\d+) relationships "
    r"deleted, (\d+) elements restored; the database is as it was before the load\): "
    r"cannot reach Neo4j at (\S+) \(database 'neo4j'\) while writing [^:]+: Connection "
    r"refused")


def test_a_server_gone_mid_load_is_rolled_back_when_it_answers_again(store, monkeypatch,
                                                                      tmp_path):
    before = snapshot(store)
    _server_goes_away(monkeypatch, 4, comes_back=True)  # Enterprise nodes: 3 batches of 20
    r = cli(store, "neo4j", "load", changed_demo(tmp_path / "changed"), "--batch-size", 20)
    m = FAILED_AND_ROLLED_BACK.fullmatch(one_error_line(r))
    assert m, r.stderr
    assert int(m[1]) >= 2 and int(m[3]) >= 53  # new nodes deleted, renamed ones restored
    assert m[4] == store.params.uri
    assert snapshot(store) == before


def test_a_server_that_stays_away_names_the_load_to_roll_back(store, monkeypatch, tmp_path):
    from graphrisk.synth import generate, write_dataset

    before = snapshot(store)
    write_dataset(generate(200, seed=5), tmp_path / "g")  # new ids only, next to the demo
    drivers = _server_goes_away(monkeypatch, 6, comes_back=False)
    r = cli(store, "neo4j", "load", tmp_path / "g", "--batch-size", 50)
    for d in drivers:
        d.close()
    line = one_error_line(r)
    m = re.fullmatch(r"Error: the load failed \(cannot reach Neo4j at \S+ \(database 'neo4j'\) "
                     r"while writing [^:]+: Connection refused\) and its rollback could not "
                     r"finish \(cannot reach Neo4j at \S+ \(database 'neo4j'\) while [^:]+: "
                     r"Connection refused\); the database may hold part of load '(\S+)': run "
                     r"`graphrisk neo4j rollback \1` when the server is back, or reload "
                     r"with --wipe", line)
    assert m, line
    assert snapshot(store) != before  # the partial load is still there …
    monkeypatch.undo()
    r = cli(store, "neo4j", "rollback", m[1])  # … until the server is back
    assert r.exit_code == 0, r.output
    assert re.fullmatch(rf"deleted [1-9]\d* nodes and \d+ relationships of load {m[1]} from "
                        r".+\n", r.stderr)
    assert snapshot(store) == before


def test_sigint_rolls_the_load_back(store, tmp_path):
    from graphrisk.synth import generate, write_dataset

    before = snapshot(store)
    n_before = store.counts()["Enterprise"]
    write_dataset(generate(20_000, seed=1), tmp_path / "big")  # 169k rows, ~15 s to load
    env = {**os.environ, "NEO4J_URI": store.params.uri, "NEO4J_DATABASE": store.params.database}
    env.pop("NEO4J_PASSWORD", None)
    proc = subprocess.Popen([sys.executable, "-m", "graphrisk", "neo4j", "load", tmp_path / "big"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while store.counts()["Enterprise"] == n_before:  # until the first batch is in
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the load wrote nothing within 60 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.fullmatch(r"Error: interrupted while writing \S.* \(batch \d+ of \d+\); the load "
                        r"was rolled back \([1-9]\d* nodes and \d+ relationships deleted, \d+ "
                        r"elements restored; the database is as it was before the load\)",
                        lines[0]), lines[0]
    assert snapshot(store) == before


# ----------------------------------------------------------------------- data paths
def test_loading_the_demo_twice_gives_the_same_counts(store):
    store.wipe()
    runs = []
    for _ in range(2):
        r = cli(store, "neo4j", "load", DEMO, "--format", "json")
        assert r.exit_code == 0, r.output
        runs.append(json.loads(r.stdout))
        if len(runs) == 1:
            first = snapshot(store)
    assert runs[0]["counts"] == runs[1]["counts"] == store.counts()
    assert runs[0]["counts"]["Enterprise"] == 53 and runs[0]["counts"]["GUARANTEES"] == 33
    assert runs[0]["nodes_created"] == 171 and runs[1]["nodes_created"] == 0
    assert runs[1]["relationships_created"] == 0
    assert snapshot(store) == first  # element for element, properties included


def test_hostile_names_round_trip_unchanged(store, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    tables = {
        "enterprises": (["id", "name"], [[f"E{i}", n] for i, n in enumerate(HOSTILE_NAMES)]),
        "persons": (["id", "name"], [[f"P{i}", n] for i, n in enumerate(HOSTILE_NAMES)]),
        "institutions": (["id", "name", "type"],
                         [[f"B{i}", n, "bank"] for i, n in enumerate(HOSTILE_NAMES)]),
        "loans": (["id", "borrower_id", "lender_id", "balance"], [["L1", "E0", "B1", "10"]]),
        "guarantees": (["id", "guarantor_id", "borrower_id", "amount"],
                       [["G1", "E6", "E7", "5"], ["G2", "P8", "E9", "5"]]),
    }
    for name, (header, rows) in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *rows])
    r = cli(store, "neo4j", "load", folder, "--wipe")
    assert r.exit_code == 0, r.output
    back = read_dataset(store)
    for table in ("enterprises", "persons", "institutions"):
        assert back.tables[table]["name"].tolist() == HOSTILE_NAMES, table
    stored = store.run("MATCH (n:Enterprise) RETURN n.name AS name ORDER BY n._line")
    assert [x["name"] for x in stored] == HOSTILE_NAMES  # as text in Neo4j, too
    assert store.counts()["GUARANTEES"] == 2


def test_person_events_round_trip(store, make_dataset):
    """SPEC §1: `events.csv` `enterprise_id` is "an enterprise or a person id" — an event of
    a key person is stored on the person and read back, never dropped."""
    from .conftest import SMALL

    tables = dict(SMALL, events="enterprise_id,date,category,severity,description\n"
                                "E1,2025-01-02,credit,3,逾期\n"
                                "P1,2025-02-03,related,4,实际控制人失联\n")
    ds = load_dataset(make_dataset(**tables))
    store.wipe()
    store_dataset(ds, store)
    back = read_dataset(store)
    cols = ["enterprise_id", "date", "category", "severity", "description"]
    assert back.events[cols].astype(str).values.tolist() == \
        ds.events[cols].astype(str).values.tolist()
    assert back.events["enterprise_id"].tolist() == ["E1", "P1"]
