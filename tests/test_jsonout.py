"""Compact, streamed JSON (graphrisk.io.jsonout) and the CLI's use of it."""

from __future__ import annotations

import io
import json
import math

import numpy as np

from graphrisk.io import jsonout
from graphrisk.io.jsonout import dump_json, dumps_json
from tests.conftest import DEMO, run


def _reference(o):
    """json.dumps after replacing every NaN/inf by None (what the writer promises)."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            return clean(v.item())
        return v
    return json.dumps(clean(o), ensure_ascii=False, separators=(",", ":"))


def test_streamed_slices_join_to_the_whole_document(monkeypatch):
    monkeypatch.setattr(jsonout, "SLICE", 7)  # many slices, a NaN in some of them
    doc = {"edges": [{"id": f"G{i}", "w": float("nan") if i % 5 == 0 else i / 3,
                      "名": "青山"} for i in range(50)],
           "n": np.int64(50), "empty": [], "nested": {"xs": list(range(23)), "t": (1, 2)},
           "flag": np.bool_(True), "inf": float("inf")}
    buf = io.StringIO()
    dump_json(doc, buf)
    assert buf.getvalue() == _reference(doc)
    assert json.loads(buf.getvalue())["edges"][0]["w"] is None
    assert dumps_json(doc) == _reference(doc)


def test_indented_for_people():
    assert dumps_json({"a": [1, float("nan")]}, indent=2) == '{\n  "a": [\n    1,\n    null\n  ]\n}'


def test_cli_json_to_a_file_is_compact(tmp_path):
    out = tmp_path / "c.json"
    r = run("circles", DEMO, "--format", "json", "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    # the demo at its date 2026-03-31: 3 circles (the 酒业 circle ended with G005/G006)
    assert "\n" not in text.rstrip("\n") and json.loads(text)["summary"]["circles"] == 3
