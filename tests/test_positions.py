"""Positions generated per statement equal libcst's whole-module positions, node for node."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from lnlint.frontends.python.positions import Positions
from lnlint.frontends.python.facts import index_module

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
'''


def _check(source: str) -> int:
    module = cst.parse_module(source)
    index = index_module(module, ast.parse(source))
    whole = cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    walked = [node for node in whole if id(node) in index.positions.top_of]
    assert walked
    for node in walked:
        assert index.positions[node] == whole[node], (type(node).__name__, whole[node])
    return len(walked)


def test_tricky_source():
    assert _check(TRICKY) > 100


def test_crlf_and_tabs():
    assert _check(TRICKY.replace("\n", "\r\n").replace("    ", "\t")) > 100


def test_without_cpython_tree_the_whole_module_is_used():
    module = cst.parse_module(TRICKY)
    positions = Positions(module, None)
    call = next(n for n in cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider) if isinstance(n, cst.Call))
    assert positions[call].start.line == 14  # `@decorator(` is the first call


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
@pytest.mark.parametrize("name", ["nn/modules/transformer.py", "nn/modules/module.py", "nn/functional.py"])
def test_real_torch_sources(name):
    path = Path(importlib.util.find_spec("torch").origin).parent / name
    assert _check(path.read_text(encoding="utf-8")) > 1000
