import numpy as np
import pytest

from graphrisk.domain.uscc import check_char, is_valid, looks_like_uscc, make_codes

# a published example code (GB 32100-2015 check character 3)
KNOWN = "91350100M000100Y43"


def test_known_code():
    assert check_char(KNOWN[:17]) == "3"
    assert is_valid(KNOWN)


@pytest.mark.parametrize("code", [KNOWN[:17] + "4", KNOWN[:17], "9135010OM000100Y43", ""])
def test_invalid(code):
    assert not is_valid(code)


def test_shape():
    assert looks_like_uscc(KNOWN)
    assert not looks_like_uscc("E001")


def test_make_codes_valid_and_distinct():
    codes = make_codes(2000, np.random.default_rng(3))
    assert len(set(codes)) == 2000
    assert all(is_valid(c) for c in codes)
    assert all(c.startswith("91") for c in codes)


def test_make_codes_deterministic():
    a = make_codes(50, np.random.default_rng(1))
    b = make_codes(50, np.random.default_rng(1))
    assert (a == b).all()
