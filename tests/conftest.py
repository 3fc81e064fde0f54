"""Shared fixtures: tiny hand-built datasets written to temporary folders."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "datasets" / "demo"
DEMO_XLSX = REPO / "datasets" / "demo.xlsx"
DEMO_GBK = REPO / "datasets" / "demo_gbk"
IN_CI = bool(os.environ.get("CI"))


def write_tables(folder: Path, tables: dict[str, str], encoding: str = "utf-8") -> Path:
    """Write ``{"guarantees": "id,...\\nG1,..."}`` as CSV files; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        body = textwrap.dedent(text).strip("\n") + "\n"
        (folder / f"{name}.csv").write_bytes(body.encode(encoding))
    return folder


@pytest.fixture
def make_dataset(tmp_path):
    """Factory: ``make_dataset(enterprises="id,name\\nE1,甲", ...)`` → folder path."""
    counter = {"n": 0}

    def make(encoding: str = "utf-8", **tables: str) -> Path:
        counter["n"] += 1
        return write_tables(tmp_path / f"ds{counter['n']}", tables, encoding)

    return make


#: a small valid dataset used by several test modules
SMALL = dict(
    enterprises="""
        id,name,net_assets,registered_capital,paid_in_capital,status,pd
        E1,甲公司,100,500,200,normal,0.01
        E2,乙公司,50,300,,distressed,0.05
        E3,丙公司,20,100,100,defaulted,0.5
        E4,丁公司,80,1000,1000,normal,
        """,
    persons="""
        id,name
        P1,张三
        """,
    institutions="""
        id,name,type
        B1,青山农商银行,bank
        B2,工商银行青山支行,bank
        M1,青山小贷,microloan
        """,
    shareholdings="""
        holder_id,company_id,share_pct
        P1,E1,60
        E1,E2,30%
        E2,E3,40.0
        """,
    positions="""
        person_id,company_id,role
        P1,E1,legal_representative
        P1,E2,chairman
        """,
    loans="""
        id,borrower_id,lender_id,balance,classification
        L1,E1,B1,1000,normal
        L2,E2,B1,500,substandard
        L3,E3,B2,300,loss
        L4,E3,M1,50,normal
        L5,E4,E1,120,normal
        """,
    guarantees="""
        id,guarantor_id,borrower_id,amount,loan_id,type
        G1,E2,E1,800,L1,
        G2,E1,E2,400,L2,joint_several
        G3,E3,E2,100,,general
        G4,P1,E3,300,L3,
        """,
)


@pytest.fixture
def small(make_dataset):
    return make_dataset(**SMALL)


def run(*args):
    """Invoke the ``graphrisk`` CLI in-process; arguments are turned into text."""
    from graphrisk.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def run_json(*args):
    """Invoke the CLI with ``--format json``; assert success; return the document."""
    import json

    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)
