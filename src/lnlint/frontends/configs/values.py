"""Config values with provenance: scalars, OmegaConf interpolation, HyperPyYAML `!ref`.

Interpolations are followed, never evaluated: `${a.b}`, `${.x}`, `${..x}` and chains of them
resolve; custom resolvers (`${eval:...}`, `${oc.env:...}`) and interpolation inside a longer
string are Unknown. So is a cycle (in a Hydra group file, `${model.x}` refers to the composed
config, not to the file). A chain longer than MAX_INTERPOLATION_STEPS is Unknown and is
recorded so the file reports it.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lnlint.frontends.configs.tree import child, scalar_value
from lnlint.frontends.source import SourceError
from lnlint.spec import Location, Resolved, Unknown, Value

# Interpolations followed from one value before giving up: configs chain a few, and each
# step looks its key up again.
MAX_INTERPOLATION_STEPS = 100

_FULL = re.compile(r"\$\{([^${}]*)\}")
_REF = re.compile(r"<([^<>]+)>")


class ConfigResolver:
    """Resolves values of one file; `groups` are the configs its Hydra defaults list chose,
    by group name, which `${group.key}` reads as if they were composed into the file."""

    def __init__(
        self, roots: list[Node], parents: dict[int, Node | None], groups: dict[str, Node] | None = None, path: str | None = None
    ) -> None:
        self.roots = roots
        self.path = path  # as findings show the file: where its scalars are `written`
        self.parents = parents
        self.groups = groups or {}
        self.unreadable: list[SourceError] = []  # chains too long to follow
        self._reported_chain = False

    def line(self, node: Node) -> int:
        return node.start_mark.line + 1

    def root_of(self, node: Node) -> Node:
        current = node
        while self.parents.get(id(current)) is not None:
            current = self.parents[id(current)]  # type: ignore[assignment]
        return current

    def target(self, node: Node, container: Node | None) -> Node | Unknown:
        """The node an interpolation (or `!ref`) in `node` points to, followed to the end."""
        start, followed = node, set()
        while True:
            if id(node) in followed:
                return self._cycle(node)
            if not isinstance(node, ScalarNode):
                return node
            reference = self._reference(node)
            if reference is None:
                return node
            if isinstance(reference, Unknown):
                return reference
            if len(followed) == MAX_INTERPOLATION_STEPS:
                return self._chain_too_long(start)
            followed.add(id(node))
            path, relative_dots = reference
            base: Node | None
            if relative_dots:
                base = container
                for _ in range(relative_dots - 1):
                    base = self.parents.get(id(base)) if base is not None else None
            else:
                base = self.root_of(node)
            segments = path.split(".") if path else []
            if not relative_dots and segments and child(base, segments[0]) is None and segments[0] in self.groups:
                base, segments = self.groups[segments[0]], segments[1:]
            for segment in segments:
                base = child(base, segment) if base is not None else None
            if base is None:
                return Unknown(f"{node.value} points to no key")
            node, container = base, self.parents.get(id(base))

    def _reference(self, node: ScalarNode) -> tuple[str, int] | Unknown | None:
        text = node.value
        if node.tag == "!ref":
            match = _REF.fullmatch(text.strip())
            if match is None:
                return Unknown(f"!ref {text} is an expression lnlint does not evaluate")
            return match.group(1), 0
        if node.tag.startswith("!"):
            return Unknown(f"tag {node.tag} is not evaluated")
        if "${" not in text:
            return None
        match = _FULL.fullmatch(text.strip())
        if match is None:
            return Unknown(f"{text!r} interpolates into a string")
        inner = match.group(1).strip()
        if ":" in inner:
            return Unknown(f"resolver ${{{inner.split(':')[0]}:...}} is not evaluated")
        dots = len(inner) - len(inner.lstrip("."))
        return inner[dots:], dots

    def _chain_too_long(self, start: ScalarNode) -> Unknown:
        reason = f"interpolation chain longer than {MAX_INTERPOLATION_STEPS} steps"
        if not self._reported_chain:  # one finding says the file cannot be read through
            self._reported_chain = True
            self.unreadable.append(SourceError(f"{reason} from {start.value!r}", self.line(start), start.start_mark.column + 1))
        return Unknown(reason)

    def _cycle(self, node: Node) -> Unknown:
        # Within one file a cycle is what a Hydra group file shows: `${model.x}` names a key of
        # the config it is composed into, which this file alone does not hold.
        return Unknown(f"interpolation {getattr(node, 'value', '?')!r} leads back to itself in this file (it may refer to the composed config)")

    def value(self, key: str, node: Node, container: Node | None) -> Resolved:
        """The value of `key: node` in `container`, with the key and its interpolation cited."""
        target = self.target(node, container)
        if isinstance(target, Unknown):
            return target
        if isinstance(target, ScalarNode):
            value: object = scalar_value(target)
            if target.tag.startswith("!"):
                return Unknown(f"tag {target.tag} is not evaluated")
        elif isinstance(target, SequenceNode) and all(isinstance(n, ScalarNode) for n in target.value):
            value = tuple(scalar_value(n) for n in target.value)  # type: ignore[arg-type]
        else:
            return Unknown(f"{key} is not a plain value")
        if target is node:
            return Value(value, f"key {key} at line {self.line(node)}", self._written(node, value))
        where = f"line {self.line(target)}"
        if target.start_mark.name != node.start_mark.name:  # a config the defaults list chose
            where = f"{target.start_mark.name}:{self.line(target)}"
        return Value(value, f"key {key} = {node.value} = {value!r} ({where})")  # type: ignore[attr-defined]

    def _written(self, node: Node, value: object) -> Location | None:
        """Where a whole number or a bool is written in this file (a JSON file YAML could not
        read has no positions)."""
        if self.path is None or type(value) not in (int, bool) or node.start_mark.name == "<json>":
            return None
        start, end = node.start_mark, node.end_mark
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def mapping(self, node: Node, container: Node | None) -> MappingNode | None:
        target = self.target(node, container)
        return target if isinstance(target, MappingNode) else None
