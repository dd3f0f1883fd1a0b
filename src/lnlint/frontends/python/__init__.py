"""The Python frontend: parsing, import/alias and value resolution, spec extraction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lnlint.frontends.python.parsing import parse
from lnlint.frontends.source import SourceError
from lnlint.spec import Spec

if TYPE_CHECKING:
    from lnlint.frontends.python.project import PythonProject


def python_specs(text: str, data: bytes, path: Path, display: str, project: PythonProject) -> list[Spec]:
    """Specs for every construction in `text`, and for the constructions its calls reach in
    the project (see `project`); SourceError when it does not parse.

    A file is parsed only when its code (not its strings or comments) names a torch class,
    or when it uses a name that a project module it imports can build one with: only then
    can it build one. Syntax errors in other files are the business of the interpreter and
    of general linters.
    """
    named = project.builds(path, data)
    if not named and not project.reaches_a_construction(path, data):
        return []
    module = project.parsed(path, text)
    if module is None:
        module = project.add(path, display, text, parse(text), builds=named)
    try:
        return project.specs(module)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
