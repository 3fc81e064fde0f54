"""The browser tests skip without Chromium only when no service is required."""

import pytest

from . import browser_support as bs


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GRAPHRISK_REQUIRE_SERVICES", raising=False)


def test_missing_chromium_skips_by_default(no_chromium):
    assert bs.find_chromium() is None and not bs.require_services()
    with pytest.raises(pytest.skip.Exception):
        bs.chromium_or_skip()


@pytest.mark.parametrize("var, value", [("GRAPHRISK_REQUIRE_SERVICES", "1"), ("CI", "true")])
def test_missing_chromium_fails_when_required(no_chromium, monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    assert bs.require_services()
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        bs.chromium_or_skip()


def test_chromium_env_variable_wins(monkeypatch, tmp_path):
    exe = tmp_path / "my-chrome"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("CHROMIUM", str(exe))
    assert bs.find_chromium() == str(exe)
