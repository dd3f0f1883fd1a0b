"""Where nodes are, computed only for the top-level statements that are asked about.

libcst finds positions by generating the code of the whole module, which costs more than
parsing it. lnlint needs positions for a handful of nodes: the constructions it reports and
the bindings their values came from. So each top-level statement's positions are generated
on first use, from that statement alone, and shifted to its line in the file, which CPython's
`ast` (already parsed) gives. Where the two parsers' statements do not line up, or CPython
could not parse the file, the whole module is generated once instead.
"""

from __future__ import annotations

import ast
from typing import Mapping

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider


def _first_lines(module: cst.Module, tree: ast.Module | None) -> dict[int, int] | None:
    """id(top-level statement) → the line its code starts on (first decorator included)."""
    if tree is None:
        return None
    statements = iter(tree.body)
    lines: dict[int, int] = {}
    try:
        for statement in module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                first = next(statements)
                for _ in statement.body[1:]:
                    next(statements)
                lines[id(statement)] = first.lineno
            else:
                node = next(statements)
                decorators = getattr(node, "decorator_list", None)
                lines[id(statement)] = decorators[0].lineno if decorators else node.lineno
    except StopIteration:
        return None
    return lines if next(statements, None) is None else None


class Positions:
    def __init__(self, module: cst.Module, tree: ast.Module | None) -> None:
        self.module = module
        self.top_of: dict[int, cst.CSTNode] = {}  # filled by the walker: node → its top statement
        self._first_lines = _first_lines(module, tree)
        self._statements: dict[int, tuple[Mapping[cst.CSTNode, CodeRange], int]] = {}
        self._whole: Mapping[cst.CSTNode, CodeRange] | None = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        statement = self.top_of.get(id(node))
        if statement is None or self._first_lines is None:
            if self._whole is None:
                self._whole = cst.MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
            return self._whole[node]
        found = self._statements.get(id(statement))
        if found is None:
            found = self._statements[id(statement)] = self._resolve(statement)  # type: ignore[arg-type]
        ranges, offset = found
        where = ranges[node]
        return CodeRange(
            CodePosition(where.start.line + offset, where.start.column),
            CodePosition(where.end.line + offset, where.end.column),
        )

    def _resolve(self, statement: cst.BaseStatement) -> tuple[Mapping[cst.CSTNode, CodeRange], int]:
        alone = self.module.with_changes(body=[statement], header=[], footer=[])
        ranges = cst.MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        starts_at = len(statement.leading_lines) + 1  # its code's first line in `alone`
        return ranges, self._first_lines[id(statement)] - starts_at  # type: ignore[index]


class Anchor:
    """A node whose line is looked up only when someone asks."""

    __slots__ = ("positions", "node")

    def __init__(self, positions: Positions, node: cst.CSTNode) -> None:
        self.positions = positions
        self.node = node

    @property
    def line(self) -> int:
        return self.positions[self.node].start.line

    @property
    def end_line(self) -> int:
        return self.positions[self.node].end.line
