"""Parsing Python source safely with CPython's own parser.

CPython's parser (C, fast) reports syntax errors and gives up cleanly on extreme nesting.
A file it rejects is reported at its position; when libcst (which knows the grammar of newer
Pythons) reads the file, the message says so, since the file is then valid for a newer Python.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings

from lnlint.frontends.source import SourceError

# CPython's refusal of a decimal literal longer than its integer conversion limit
_LONG_INTEGER = re.compile(r"Exceeds the limit \((\d+) digits\).*value has (\d+) digits")


def parse(text: str) -> ast.Module:
    """CPython's tree of `text`; SourceError when it does not parse."""
    try:
        with warnings.catch_warnings():  # `1()`, "\d": the user's compiler warns, not lnlint
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except SyntaxError as error:
        message = f"syntax error: {error.msg}"
        too_long = _LONG_INTEGER.search(error.msg)
        if too_long:  # every Python since 3.11 refuses it: no newer grammar reads it
            limit, digits = too_long.groups()
            message = f"an integer of {digits} digits is too long to read (over {limit} decimal digits)"
        elif "too many nested" not in error.msg and "too complex" not in error.msg and _newer_grammar(text):
            version = f"{sys.version_info.major}.{sys.version_info.minor}"
            message += f" (the file is valid for a newer Python: run lnlint under it; this is Python {version})"
        raise SourceError(message, error.lineno or 1, error.offset or 1) from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise SourceError(f"too deeply nested to parse ({type(error).__name__})") from None


def _newer_grammar(text: str) -> bool:
    """Whether libcst, which parses the grammar of Pythons newer than this one, accepts it."""
    try:
        import libcst as cst
    except ImportError:
        return False
    try:
        cst.parse_module(text)
    except Exception:  # libcst's own syntax errors, and its parser's limits
        return False
    return True
