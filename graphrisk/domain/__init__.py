"""The vocabulary of SPEC §1–§2, declared once.

Node kinds, relationship types, the tables and their columns (English and Chinese
headers), enumerations, tags, and the unified social credit code (统一社会信用代码,
GB 32100-2015).

Every other package derives its names, headers and labels from here; nothing here
imports from the rest of graphrisk.
"""


from graphrisk.domain import glossary
from graphrisk.domain.uscc import check_char, is_valid, looks_like_uscc, make_codes

__all__ = ["glossary", "looks_like_uscc", "is_valid", "check_char", "make_codes"]
