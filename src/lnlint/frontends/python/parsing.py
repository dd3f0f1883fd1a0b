"""Parsing Python source safely: CPython's parser first, libcst only where CPython agrees.

CPython's parser (C, fast) reports syntax errors and gives up cleanly on extreme nesting;
libcst's native parser overflows its stack on the same input and crashes the process. So a
file CPython rejects for nesting never reaches libcst; an ordinary syntax error does (libcst
knows newer grammar than this interpreter may), and is reported at CPython's position.
"""

from __future__ import annotations

import ast
import warnings
from typing import TYPE_CHECKING

from lnlint.frontends.source import SourceError

if TYPE_CHECKING:
    import libcst as cst


def parse_cpython(text: str) -> tuple[ast.Module | None, SyntaxError | None]:
    """CPython's tree, or (None, its syntax error); SourceError where it gave up on nesting."""
    try:
        with warnings.catch_warnings():  # `1()`, "\d": the user's compiler warns, not lnlint
            warnings.simplefilter("ignore")
            return ast.parse(text), None
    except SyntaxError as error:
        if "too many nested" in error.msg or "too complex" in error.msg:
            raise SourceError(f"syntax error: {error.msg}", error.lineno or 1, error.offset or 1) from None
        return None, error
    except (RecursionError, MemoryError, ValueError) as error:
        raise SourceError(f"too deeply nested to parse ({type(error).__name__})") from None


def parse_libcst(text: str, cpython_error: SyntaxError | None) -> "cst.Module":
    """libcst's tree of a file `parse_cpython` accepted (or rejected with `cpython_error`)."""
    import libcst as cst  # ~0.2 s to import, and most files never need it

    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None:
            raise SourceError(
                f"syntax error: {cpython_error.msg}", cpython_error.lineno or 1, cpython_error.offset or 1
            ) from None
        raise SourceError(f"syntax error: {error.message}", error.raw_line, error.raw_column + 1) from None
    except RecursionError:
        raise SourceError("too deeply nested to parse") from None
