"""The Python frontend: parsing, import/alias and value resolution, spec extraction."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from lnlint.frontends.python.parsing import parse
from lnlint.frontends.python.project import names_a_torch_class
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

    A file is parsed only when its bytes name a torch class, or when it imports (through the
    project's modules) a module that does: only then can it build one. Syntax errors in other
    files are the business of the interpreter and of general linters.
    """
    named = names_a_torch_class(data)
    if not named and not project.reaches_a_construction(path, data):
        return []
    module = project.parsed(path, text)
    if module is None:
        tree = parse(text)
        if named and not _names_one_of(tree, _KINDS) and not project.reaches_a_construction(path, data):
            return []
        module = project.add(path, display, text, tree)
    try:
        return project.specs(module)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
