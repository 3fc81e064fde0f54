"""The names every docstring example of ``graphrisk/`` can use (``--doctest-modules``).

* ``ds``, ``net`` — the tiny dataset of ``tests/conftest.py`` (``SMALL``: enterprises
  E1–E4, person P1, lenders B1, B2 and M1; E1 and E2 guarantee each other) and its
  :class:`~graphrisk.network.graph.Network`;
* ``demo``, ``demo_net`` — the bundled demo county 青山县 (``datasets/demo``);
* ``np``, ``pd``, ``graphrisk``, ``load_dataset``, ``build_network``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import graphrisk
from graphrisk.io.load import load_dataset
from graphrisk.network.graph import build_network
from tests.conftest import DEMO, SMALL, write_tables


@pytest.fixture(scope="session", autouse=True)
def _doctest_names(doctest_namespace: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder: Path = write_tables(tmp_path_factory.mktemp("doctest") / "small", SMALL)
    ds = load_dataset(folder)
    demo = load_dataset(DEMO)
    doctest_namespace.update(
        ds=ds, net=build_network(ds), demo=demo, demo_net=build_network(demo), np=np, pd=pd,
        graphrisk=graphrisk, load_dataset=load_dataset, build_network=build_network)
