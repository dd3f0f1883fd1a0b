"""Positions and code read from CPython's tree equal libcst's, node for node: the analysis runs
on `ast`, and findings must stand where libcst (the concrete tree edits use) puts them."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from lnlint.frontends.python.positions import SourceLines

TRICKY = '''\
#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Module docstring
spanning lines."""

import torch.nn as nn; import copy
x = 1; y = (2 +
  3) ; z = \\
  4

# a comment before a decorated class


@decorator(
    arg=1,
)
@other
class Model(nn.Module):
    """Doc."""

    def __init__(self, d=2):
        s = """multi
line"""
        if d:
            self.n = nn.LayerNorm(d)
        elif d > 3:
            pass
        else:
            self.n = nn.LayerNorm(
                d
            )

    @property
    def size(self): return [nn.LayerNorm(i) for i in range(3)]


async def f():
    async with g() as h:
        await h(nn.LayerNorm(2))
if True: w = nn.LayerNorm(3)
label = "café"; é = nn.LayerNorm(4)  # non-ASCII before a call
x = (nn.LayerNorm(5))
y = [nn.TransformerEncoderLayer(8, 2)] * 3
'''


def _spans(source: str) -> tuple[list, list]:
    """(libcst's, lnlint's) sorted (line, column, end line, end column, code) of every call and
    binary operation not in parentheses of its own, columns from 1, code as messages show it
    (whitespace runs joined: libcst prints a node without its indentation)."""
    module = cst.parse_module(source)
    ranges = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    theirs = sorted(
        (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1, " ".join(module.code_for_node(node).split()))
        for node, r in ranges.items()
        if isinstance(node, (cst.Call, cst.BinaryOperation)) and not node.lpar
    )
    parenthesised = {
        (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)
        for node, r in ranges.items()
        if isinstance(node, (cst.Call, cst.BinaryOperation)) and node.lpar
    }
    lines = SourceLines(source)
    ours = sorted(
        (*lines.span(node), " ".join(lines.code(node).split()))
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Call, ast.BinOp)) and lines.span(node) not in parenthesised
    )
    return theirs, ours


def _check(source: str) -> int:
    theirs, ours = _spans(source)
    assert ours == theirs
    return len(ours)


def test_tricky_source():
    assert _check(TRICKY) >= 12


def test_crlf_and_tabs():
    assert _check(TRICKY.replace("\n", "\r\n").replace("    ", "\t")) >= 12


def test_parenthesised_call_is_placed_inside_its_parentheses():
    lines = SourceLines("x = (nn.LayerNorm(5))\n")
    call = next(n for n in ast.walk(ast.parse(lines.text)) if isinstance(n, ast.Call))
    assert lines.span(call) == (1, 6, 1, 21)
    assert lines.code(call) == "nn.LayerNorm(5)"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
@pytest.mark.parametrize("name", ["nn/modules/transformer.py", "nn/modules/module.py", "nn/functional.py"])
def test_real_torch_sources(name):
    path = Path(importlib.util.find_spec("torch").origin).parent / name
    assert _check(path.read_text(encoding="utf-8")) > 200


def test_lnlint_own_sources():
    for path in sorted(Path(__file__).parents[1].glob("src/lnlint/**/*.py")):
        _check(path.read_text(encoding="utf-8"))
