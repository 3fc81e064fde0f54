"""graphrisk.io.output: outputs that never clobber special files, and never half-written.

Issue #13: "`-o -` and any character device, FIFO or socket are written to directly
(streamed, never renamed over); a symlink is resolved and its target written
atomically; the temporary file lives beside the resolved target; any OS error is one
line naming the path and the reason, exit 1, and nothing left behind."
"""

from __future__ import annotations

import os
import stat
import threading

import pytest

from graphrisk.errors import OutputError
from graphrisk.io.output import atomic_dir, atomic_file, is_stream, open_output

from .conftest import DEMO, run


def _null_device(folder):
    """A character device node like /dev/null (major 1, minor 3), made in *folder*."""
    dev = folder / "null"
    os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return dev


def test_a_device_stays_a_device(tmp_path):
    dev = _null_device(tmp_path)
    r = run("circles", DEMO, "--format", "json", "-o", dev)
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temporary file left


def test_dev_null_itself_stays_a_device():
    r = run("summary", DEMO, "--format", "csv", "-o", "/dev/null")
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_full_device_is_one_clear_error(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # like /dev/full
    r = run("circles", DEMO, "--format", "json", "-o", full)
    assert r.exit_code == 1
    assert f"cannot write {full}: No space left on device" in r.output
    assert "Traceback" not in r.output
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_fifo_is_streamed_to_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as fh:
            got["data"] = fh.read()

    t = threading.Thread(target=reader)
    t.start()
    r = run("summary", DEMO, "--format", "json", "-o", fifo)
    t.join(timeout=30)
    assert r.exit_code == 0, r.output
    assert b'"nodes"' in got["data"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_is_resolved_and_its_target_replaced(tmp_path):
    target = tmp_path / "real" / "out.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    r = run("summary", DEMO, "--format", "json", "-o", link)
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and '"nodes"' in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.json"]


def test_an_unwritable_place_is_one_line_naming_path_and_reason(tmp_path):
    r = run("summary", DEMO, "--format", "json", "-o", "/proc/x.json")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "cannot write /proc/x.json:" in r.output
    r = run("summary", DEMO, "--format", "json", "-o", tmp_path)
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_failure_inside_the_block_keeps_the_old_file(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), open_output(out) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_file_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    out = tmp_path / "a.txt"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o600)
    with atomic_file(out) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600 and out.read_text() == "new"


def test_atomic_dir_replaces_or_merges(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "keep.csv").write_text("k", encoding="utf-8")
    with atomic_dir(out, merge=True) as tmp:
        (tmp / "new.csv").write_text("n", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["keep.csv", "new.csv"]
    with atomic_dir(out) as tmp:
        (tmp / "only.csv").write_text("o", encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["only.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["d"]
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"), atomic_dir(tmp_path / "f"):
        pass


def test_is_stream():
    assert is_stream("-") and is_stream(None) and is_stream("/dev/null")
    assert not is_stream("/nonexistent/file.json")


def test_dash_is_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("summary", DEMO, "--format", "json", "-o", "-")
    assert r.exit_code == 0 and '"nodes"' in r.stdout
    assert not list(tmp_path.iterdir())  # no file named "-"
