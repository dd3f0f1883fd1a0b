"""The Python frontend: libcst parsing, import/alias and value resolution, spec extraction."""

from __future__ import annotations

import libcst as cst

from lnlint.python.frontend import extract_specs
from lnlint.source import SourceError
from lnlint.spec import Spec

# Every construction lnlint reports names one of these somewhere in the file (an import, an
# attribute, an alias). Files without them are not parsed: parsing is the expensive step.
_MARKERS = (b"Transformer", b"LayerNorm")


def might_construct(data: bytes) -> bool:
    return any(marker in data for marker in _MARKERS)


def python_specs(text: str, path: str) -> list[Spec]:
    """Specs for every construction in `text`; SourceError when it does not parse."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise SourceError(f"syntax error: {error.message}", error.raw_line, error.raw_column + 1) from None
    except RecursionError:
        raise SourceError("too deeply nested to parse") from None
    try:
        return extract_specs(module, path)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
