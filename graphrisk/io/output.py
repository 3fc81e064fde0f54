"""Writing outputs safely: the one place where graphrisk puts a file or a folder in place.

* A regular file (or a path that does not exist yet) is written to a temporary file
  beside it and renamed over it only when everything was written: a reader never sees
  half a file and a failure leaves the old file as it was.  A symbolic link is resolved
  first, so its *target* is replaced and the link stays a link.
* ``-`` (standard output), a character device (``/dev/null``, ``/dev/stdout``), a FIFO or
  a socket is written to directly, streamed: renaming a file over a device would
  replace the device.
* A folder (the report, an exported or generated dataset) is built beside its target
  and swapped in; the old folder goes only once the new one is there.
* Any :class:`OSError` becomes one :class:`~graphrisk.errors.OutputError` naming the
  path and the reason, with nothing left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from graphrisk.errors import OutputError

__all__ = ["STDOUT", "is_stream", "atomic_file", "atomic_dir", "open_output"]

#: the name that means standard output
STDOUT = "-"


def is_stream(target: str | Path | None) -> bool:
    """Return whether *target* is written to directly, never renamed over.

    That is standard output (None or ``-``), a character device, a FIFO or a socket.

    >>> is_stream("-"), is_stream("/dev/null"), is_stream("out.json")
    (True, True, False)
    """
    if target is None or str(target) == STDOUT:
        return True
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _final(target: str | Path) -> Path:
    """Return the path really written: *target* with symbolic links resolved."""
    return Path(os.path.realpath(target))


def _reason(e: OSError) -> str:
    return e.strerror or type(e).__name__


@contextlib.contextmanager
def _errors(path: str | Path) -> Iterator[None]:
    try:
        yield
    except OutputError:
        raise
    except OSError as e:
        raise OutputError(f"cannot write {path}: {_reason(e)}") from e


@contextlib.contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside *target* (links resolved), renamed over it on success.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_file(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> (folder / "a.txt").read_text(encoding="utf-8"), len(list(folder.iterdir()))
    ('done', 1)
    """
    final = _final(target)
    with _errors(target):
        if final.is_dir():
            raise OutputError(f"cannot write {target}: is a directory")
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent)
        os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with _errors(target):
            if final.exists():
                shutil.copymode(final, tmp)
            else:
                os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_dir(target: str | Path, *, merge: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside *target*, put in its place on success.

    With ``merge=True`` the files written are moved into an existing *target* (the
    other files there stay); otherwise an existing *target* is replaced whole, and
    removed only once the new folder is in place.
    """
    final = _final(target)
    with _errors(target):
        if final.exists() and not final.is_dir():
            raise OutputError(f"cannot write {target}: exists and is not a folder")
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    try:
        yield tmp
        with _errors(target):
            os.chmod(tmp, 0o777 & ~_umask())
            if merge and final.exists():
                for item in tmp.iterdir():
                    os.replace(item, final / item.name)
            elif final.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
                os.replace(final, old / final.name)
                os.replace(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def open_output(target: str | Path | None, *, encoding: str = "utf-8",
                newline: str | None = None) -> Iterator[IO[str]]:
    """Yield a text stream to *target*.

    Standard output for None or ``-``, the device or FIFO itself for a special file,
    else an atomically replaced file (:func:`atomic_file`).

    Examples
    --------
    >>> with open_output("/dev/null") as fh:
    ...     _ = fh.write("discarded")
    >>> Path("/dev/null").is_char_device()
    True
    """
    if target is None or str(target) == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    if is_stream(target):
        with _errors(target), open(target, "w", encoding=encoding, newline=newline) as fh:
            yield fh
        return
    with atomic_file(target) as tmp:
        with _errors(target), open(tmp, "w", encoding=encoding, newline=newline) as fh:
            yield fh
