"""YAML and JSON → positioned nodes, safely.

Files are only *composed*: no tag constructs an object, nothing is imported or evaluated, and
unknown tags (HyperPyYAML's `!new:`, `!ref`) stay on the nodes as plain strings. An alias is
the same node object as its anchor, never a copy, so an alias bomb composes to a handful of
nodes; walkers visit each node once.
"""

from __future__ import annotations

import io
import json
import re
import sys
from typing import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lnlint.frontends.source import SourceError

# The longest integer a config may write: Python's default limit on converting between an
# integer and its decimal digits, beyond which it can be neither read nor printed in a message.
MAX_INTEGER_DIGITS = 4300
_MAX_INTEGER_BITS = int(MAX_INTEGER_DIGITS * 3.3219280948873626)  # log2(10) bits a digit
# A scalar this short is an integer of fewer digits than the limit, in any base YAML writes.
_SHORT_SCALAR = MAX_INTEGER_DIGITS * 3 // 4

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
# PyYAML follows YAML 1.1, where `1e-3` (no dot) is a string; configs mean a number.
_NUMBER = re.compile(r"[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?")


def compose(text: str, is_json: bool, name: str | None = None) -> list[Node]:
    """The documents of a file, or SourceError with the parser's position; `name` goes into
    the nodes' marks (where a value of another file came from)."""
    if is_json:
        try:
            value = read_json(text)
        except json.JSONDecodeError as error:
            raise SourceError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
        # JSON strings cannot hold a raw tab, and YAML refuses tabs as indentation: a tab is
        # one character either way, so positions stay exact.
        text = text.replace("\t", " ")
    try:
        stream: object = text
        if name is not None:
            stream = io.StringIO(text)
            stream.name = name  # type: ignore[attr-defined]
        documents = [doc for doc in yaml.compose_all(stream, Loader=_Loader) if doc is not None]
    except yaml.MarkedYAMLError as error:
        if is_json:  # valid JSON that YAML 1.1 does not read: values without positions
            return [_node_from_json(value)]
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SourceError(f"invalid YAML: {error.problem or error.context}", line, column) from None
    except (yaml.YAMLError, RecursionError) as error:
        if is_json:
            return [_node_from_json(value)]
        raise SourceError(f"invalid YAML: {type(error).__name__}") from None
    _refuse_long_integers(documents)
    return documents


def read_json(text: str) -> object:
    """`json.loads(text)`, with what Python's reader cannot take as SourceError: nesting
    deeper than its recursion allows, and integers of more than MAX_INTEGER_DIGITS digits.
    Invalid JSON raises json.JSONDecodeError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # the only other one: an integer longer than Python converts
        found = next((m for m in _JSON_LONG_INTEGER.finditer(text) if m.group()[0] != '"'), None)
        if found is None:
            raise
        offset = found.start()
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise SourceError(_too_long(len(found.group().lstrip("-"))), line, column) from None
    except RecursionError:
        raise SourceError(
            f"nested too deeply to read: {json_nesting(text)} levels of arrays and objects "
            f"(Python's JSON reader gives up near {sys.getrecursionlimit()})"
        ) from None


def _too_long(digits: int, base: str = "") -> str:
    return f"an integer of {digits} {base}digits is too long to read (over {MAX_INTEGER_DIGITS} decimal digits)"


# A JSON string (its escapes included), or a bracket outside strings.
_JSON_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_JSON_TOKEN = re.compile(_JSON_STRING + r"|[\[\]{}]")
_JSON_LONG_INTEGER = re.compile(_JSON_STRING + rf"|(?<![\d.eE+])-?\d{{{MAX_INTEGER_DIGITS + 1},}}(?![\d.eE])")


def json_nesting(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest."""
    depth = deepest = 0
    for match in _JSON_TOKEN.finditer(text):
        bracket = match.group()
        if bracket in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in ("]", "}"):
            depth -= 1
    return deepest


def _refuse_long_integers(documents: list[Node]) -> None:
    """SourceError at the first integer that is too long to read or to print."""
    for node, _ in walk(documents):
        if not (isinstance(node, ScalarNode) and node.tag == _TAG + "int" and len(node.value) > _SHORT_SCALAR):
            continue
        written = node.value.lstrip("+-").replace("_", "")
        base = {"0x": "hexadecimal ", "0b": "binary "}.get(written[:2], "")
        digits = len(written) - 2 if base else len(written)
        try:
            too_long = _CONSTRUCTOR.construct_yaml_int(node).bit_length() > _MAX_INTEGER_BITS
        except ValueError:  # Python refuses to read its decimal digits
            too_long = True
        if too_long:
            mark = node.start_mark
            raise SourceError(_too_long(digits, base), mark.line + 1, mark.column + 1)


def _node_from_json(value: object) -> Node:
    mark = yaml.Mark("<json>", 0, 0, 0, None, None)
    if isinstance(value, dict):
        pairs = [(_node_from_json(k), _node_from_json(v)) for k, v in value.items()]
        return MappingNode(_TAG + "map", pairs, mark, mark)
    if isinstance(value, list):
        return SequenceNode(_TAG + "seq", [_node_from_json(v) for v in value], mark, mark)
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
        return ScalarNode(_TAG + ("null" if value is None else "bool"), text, mark, mark)
    if isinstance(value, (int, float)):
        return ScalarNode(_TAG + ("int" if isinstance(value, int) else "float"), repr(value), mark, mark)
    return ScalarNode(_TAG + "str", str(value), mark, mark, style='"')


def scalar_value(node: ScalarNode) -> object:
    """A scalar's value: YAML's null/bool/int/float, `1e-3` as a float, else the string."""
    tag = node.tag
    try:
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == _TAG + "int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == _TAG + "float":
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, yaml.YAMLError):
        return node.value
    if node.style is None and _NUMBER.fullmatch(node.value) and any(c.isdigit() for c in node.value):
        number = float(node.value.replace("_", ""))
        return int(number) if number.is_integer() and not re.search(r"[.eE]", node.value) else number
    return node.value


def items(node: MappingNode) -> Iterator[tuple[str, ScalarNode, Node]]:
    """(key, key node, value node) for the string keys of a mapping."""
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            yield key.value, key, value


def child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for name, _, value in items(node):
            if name == key:
                return value
    elif isinstance(node, SequenceNode) and key.lstrip("-").isdigit():
        index = int(key)
        if -len(node.value) <= index < len(node.value):
            return node.value[index]
    return None


def walk(roots: list[Node]) -> Iterator[tuple[Node, Node | None]]:
    """Every node once, with the mapping or sequence it was first reached from."""
    seen: set[int] = set()
    stack: list[tuple[Node, Node | None]] = [(root, None) for root in reversed(roots)]
    while stack:
        node, parent = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, parent
        if isinstance(node, MappingNode):
            stack.extend((value, node) for _, value in reversed(node.value))
        elif isinstance(node, SequenceNode):
            stack.extend((value, node) for value in reversed(node.value))
