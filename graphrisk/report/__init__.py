"""Rendering (SPEC §9): the report, the pages, the workbook and the CLI formats.

The risk committee's HTML report, the offline network page, circle pages, the
workbook, and the text-table, CSV and JSON formats of the CLI.
"""

from typing import TYPE_CHECKING

from graphrisk._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "build_report": "build", "ReportResult": "build", "network_page": "network_page",
    "write_workbook": "xlsx", "text_table": "formats", "csv_text": "formats",
    "to_json": "formats", "safe_cell": "formats"})

if TYPE_CHECKING:  # pragma: no cover
    from graphrisk.report.build import ReportResult as ReportResult
    from graphrisk.report.build import build_report as build_report
    from graphrisk.report.formats import csv_text as csv_text
    from graphrisk.report.formats import safe_cell as safe_cell
    from graphrisk.report.formats import text_table as text_table
    from graphrisk.report.formats import to_json as to_json
    from graphrisk.report.network_page import network_page as network_page
    from graphrisk.report.xlsx import write_workbook as write_workbook
