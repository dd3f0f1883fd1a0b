"""The Python frontend: libcst parsing, import/alias and value resolution, spec extraction."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from lnlint.frontends.python.parsing import parse_cpython, parse_libcst
from lnlint.frontends.python.project import TORCH_MARKERS
from lnlint.frontends.source import SourceError
from lnlint.spec import TORCH_KINDS, Spec

if TYPE_CHECKING:
    from lnlint.frontends.python.project import PythonProject

_KINDS = frozenset(TORCH_KINDS)


def _names_one_of(tree: ast.AST, names: frozenset[str]) -> bool:
    """Whether code (not strings or comments) names one of `names`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in names:
                return True
        elif isinstance(node, ast.Attribute):
            if node.attr in names:
                return True
        elif isinstance(node, ast.alias) and node.name.rpartition(".")[2] in names:
            return True
    return False


def python_specs(text: str, data: bytes, path: Path, display: str, project: PythonProject) -> list[Spec]:
    """Specs for every construction in `text`, and for the constructions its calls reach in
    the project (see `project`); SourceError when it does not parse.

    CPython's own parser (C, fast) reads every file first (see `parsing`): it reports syntax
    errors, and it decides whether the file names a torch class outside strings and comments.
    Only such files, and those that import (through the project's modules) a module that
    does, go to libcst, the expensive step.
    """
    tree, cpython_error = parse_cpython(text)
    if tree is not None and not (any(m in data for m in TORCH_MARKERS) and _names_one_of(tree, _KINDS)):
        if not project.reaches_a_construction(path, data):
            return []
    module = parse_libcst(text, cpython_error)
    try:
        return project.specs(project.add(path, display, text, module, tree))  # type: ignore[arg-type]
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
