"""The Python frontend: libcst parsing, import/alias and value resolution, spec extraction."""

from __future__ import annotations

import ast

from lnlint.frontends.policy import MitigationPolicy
from lnlint.frontends.source import SourceError
from lnlint.spec import TORCH_KINDS, Spec

_MARKERS = (b"Transformer", b"LayerNorm")
_KINDS = frozenset(TORCH_KINDS)


def _names_a_torch_class(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in _KINDS:
                return True
        elif isinstance(node, ast.Attribute):
            if node.attr in _KINDS:
                return True
        elif isinstance(node, ast.alias) and node.name.rpartition(".")[2] in _KINDS:
            return True
    return False


def python_specs(text: str, data: bytes, path: str, policy: MitigationPolicy) -> list[Spec]:
    """Specs for every construction in `text`; SourceError when it does not parse.
    `policy` decides which facts of the file are stabilisers (see `frontends.policy`).

    CPython's own parser (C, fast) reads every file first: it reports syntax errors, and it
    decides whether the file names a torch class outside strings and comments. Only such
    files go to libcst, the expensive step. Where CPython gives up on nesting, libcst's
    native parser would overflow its stack and crash the process, so that is LN900 at once;
    an ordinary syntax error goes on to libcst, which knows newer grammar than this
    interpreter may.
    """
    try:
        tree: ast.AST | None = ast.parse(text)
    except SyntaxError as error:
        if "too many nested" in error.msg or "too complex" in error.msg:
            raise SourceError(f"syntax error: {error.msg}", error.lineno or 1, error.offset or 1) from None
        tree, cpython_error = None, error
    except (RecursionError, MemoryError, ValueError) as error:
        raise SourceError(f"too deeply nested to parse ({type(error).__name__})") from None
    if tree is not None and not (any(m in data for m in _MARKERS) and _names_a_torch_class(tree)):
        return []
    # Imported here: libcst costs ~0.2 s to import, and most files never need it.
    import libcst as cst

    from lnlint.frontends.python.frontend import extract_specs

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        assert tree is None
        raise SourceError(
            f"syntax error: {cpython_error.msg}", cpython_error.lineno or 1, cpython_error.offset or 1
        ) from None
    except RecursionError:
        raise SourceError("too deeply nested to parse") from None
    try:
        return extract_specs(module, tree, path, policy)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
