"""JSON out: compact, streamed, NaN as null, Chinese kept readable.

:func:`dump_json` writes a document piece by piece: long lists go out in slices, each
encoded by the C encoder of :mod:`json`, so a million-row output is never one string in
memory and costs little more than ``json.dumps``.  Numbers that JSON cannot hold (NaN,
±infinity) are written as ``null``; numpy scalars and arrays, sets and objects with an
``as_dict()`` are converted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

__all__ = ["json_default", "clean_json", "dump_json", "dumps_json"]

#: list items encoded per slice when streaming
SLICE = 20_000


def json_default(o: Any) -> Any:
    """Turn what :mod:`json` cannot write (numpy scalars and arrays, sets) into JSON.

    >>> json_default(np.int64(3)), json_default({2, 1}), json_default(np.float32("nan"))
    (3, [1, 2], None)
    """
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return clean_json(o.tolist())
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if hasattr(o, "as_dict"):
        return o.as_dict()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def clean_json(o: Any) -> Any:
    """Replace NaN and infinities by None, recursively through dicts, lists and tuples.

    >>> clean_json({"a": [1.0, float("nan")], "b": (float("inf"),)})
    {'a': [1.0, None], 'b': [None]}
    """
    if isinstance(o, float) and (math.isnan(o) or math.isinf(o)):
        return None
    if isinstance(o, dict):
        return {k: clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    return o


def _fast(o: Any) -> str:
    """Encode *o* compactly with the C encoder; clean NaN only when there is one."""
    try:
        return json.dumps(o, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                          default=json_default)
    except ValueError:  # a NaN or an infinity somewhere: clean this piece and retry
        return json.dumps(clean_json(o), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False, default=json_default)


def _pieces(o: Any) -> Iterator[str]:
    if isinstance(o, dict) and o:
        sep = "{"
        for k, v in o.items():
            yield sep + json.dumps(str(k) if not isinstance(k, str) else k,
                                   ensure_ascii=False) + ":"
            yield from _pieces(v)
            sep = ","
        yield "}"
    elif isinstance(o, (list, tuple)) and len(o) > SLICE:
        yield "["
        for start in range(0, len(o), SLICE):
            part = _fast(list(o[start:start + SLICE]))
            yield ("," if start else "") + part[1:-1]
        yield "]"
    else:
        yield _fast(o)


def dump_json(data: Any, fh: IO[str], *, indent: int | None = None) -> None:
    """Write *data* as JSON to the text stream *fh*, streamed when compact.

    Parameters
    ----------
    data : object
        Dicts, lists, tuples, str, numbers, None, numpy values.
    fh : text stream
    indent : int, optional
        Indent for people (the document is then encoded whole); None: compact, streamed.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> dump_json({"n": np.int64(2), "x": [1.5, float("nan")], "名": "青山"}, buf)
    >>> buf.getvalue()
    '{"n":2,"x":[1.5,null],"名":"青山"}'
    """
    if indent is not None:
        fh.write(json.dumps(clean_json(data), ensure_ascii=False, indent=indent,
                            default=json_default))
        return
    for piece in _pieces(data):
        fh.write(piece)


def dumps_json(data: Any, *, indent: int | None = None) -> str:
    r"""Return *data* as JSON text (see :func:`dump_json`).

    >>> dumps_json({"a": [1, 2]}), dumps_json({"a": 1}, indent=1)
    ('{"a":[1,2]}', '{\n "a": 1\n}')
    """
    if indent is not None:
        return json.dumps(clean_json(data), ensure_ascii=False, indent=indent,
                          default=json_default)
    return _fast(data)
