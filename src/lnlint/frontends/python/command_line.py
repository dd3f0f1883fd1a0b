"""Command-line defaults: what a program's options hold when none is given on the command line.

`click` commands: a parameter of a function decorated with `@click.option` takes the
option's `default` (`False` for `is_flag`); `required=True` options and `@click.argument`s are
unknown. `argparse.ArgumentParser` parsers built in the same module: each `add_argument` (on the
parser or one of its argument groups) gives its destination a value: the `default`
(converted by `type=int`/`type=float` when it is a string, as argparse does), `False`/`True`
for `store_true`/`store_false`, or argparse's `None`; `set_defaults(...)` overrides. An option
added twice, a `required=True` option and a positional argument are unknown: the command line
decides them. simple_parsing's `add_arguments(Config, dest=...)` and HfArgumentParser's
`parse_args_into_dataclasses()` give the config classes' defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ast

from lnlint.frontends.python.records import Record, config_defaults
from lnlint.spec import Resolved, Unknown, Value

if TYPE_CHECKING:
    from lnlint.frontends.python.scopes import Scope
    from lnlint.frontends.python.values import Resolver

_PARSERS = frozenset({"argparse.ArgumentParser", "simple_parsing.ArgumentParser"})
_HF_PARSERS = frozenset({"transformers.HfArgumentParser", "transformers.hf_argparser.HfArgumentParser"})
_GROUPS = frozenset({"add_argument_group", "add_mutually_exclusive_group"})
_CONVERTERS = {"builtins.int": int, "builtins.float": float}


def parsed_arguments(resolver: Resolver, call: ast.Call, scope: Scope) -> Resolved | None:
    """What a command-line parser returns with every default: the record of
    `<parser>.parse_args()`, the tuple of config records of HfArgumentParser's
    `parse_args_into_dataclasses()`; None when `call` is neither."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("parse_args", "parse_args_into_dataclasses")):
        return None
    parser = resolver.binding_of(func.value, scope)
    if parser is None or isinstance(parser, Unknown) or not isinstance(parser.node, ast.Call):
        return None
    made_by = resolver.callee(parser.node.func, parser.scope)
    if func.attr == "parse_args_into_dataclasses":
        return _dataclass_records(resolver, parser.node, parser.scope) if made_by in _HF_PARSERS else None
    if made_by not in _PARSERS:
        return None
    fields: dict[str, Resolved] = {}
    seen: set[str] = set()
    for other, where in resolver.index.calls:
        method = other.func
        if not isinstance(method, ast.Attribute) or not _on(resolver, method.value, where, parser):
            continue
        if method.attr == "add_argument":
            dest, value = _argument(resolver, other, where)
            if dest is None:
                continue
            fields[dest] = Unknown(f"--{dest.replace('_', '-')} is added more than once") if dest in seen else value
            seen.add(dest)
        elif method.attr == "add_arguments" and other.args:  # simple_parsing: a config class
            dest = next((k.value for k in other.keywords if k.arg == "dest"), None)
            name = resolver.value(dest, where) if dest is not None else None
            if isinstance(name, Value) and isinstance(name.value, str):
                fields[name.value] = config_defaults(resolver, other.args[0], where) or Unknown("not a config class")
        elif method.attr == "set_defaults":
            for keyword in other.keywords:
                if keyword.arg is not None:
                    default = resolver.value(keyword.value, where)
                    origin = f"set_defaults at line {other.lineno}"
                    fields[keyword.arg] = Value(default.value, origin) if isinstance(default, Value) else default
    return Value(Record(tuple(fields.items())), f"command-line defaults parsed at line {call.lineno}")


def _dataclass_records(resolver: Resolver, parser: ast.Call, scope: Scope) -> Resolved:
    """HfArgumentParser((A, B)).parse_args_into_dataclasses(): (A(), B()) with defaults."""
    if not parser.args:
        return Unknown("HfArgumentParser without dataclasses")
    given = parser.args[0]
    classes = list(given.elts) if isinstance(given, (ast.Tuple, ast.List)) else [given]
    records = [config_defaults(resolver, node, scope) or Unknown("not a config class") for node in classes]
    return Value(tuple(records), f"HfArgumentParser defaults at line {parser.lineno}")


def _on(resolver: Resolver, node: ast.expr, scope: Scope, parser) -> bool:
    """Whether `node` is the parser, or an argument group made from it."""
    binding = resolver.binding_of(node, scope)
    if binding is None or isinstance(binding, Unknown):
        return False
    if binding is parser:
        return True
    made = binding.node
    return (
        isinstance(made, ast.Call)
        and isinstance(made.func, ast.Attribute)
        and made.func.attr in _GROUPS
        and resolver.binding_of(made.func.value, binding.scope) is parser
    )


def _argument(resolver: Resolver, call: ast.Call, scope: Scope) -> tuple[str | None, Resolved]:
    """(destination, value when the option is not given) of one `add_argument` call."""
    names = _strings(call)
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    option = next((n for n in names if n.startswith("--")), next((n for n in names if n.startswith("-")), None))
    dest_node = keywords.get("dest")
    if dest_node is not None:
        dest = resolver.value(dest_node, scope)
        name = dest.value if isinstance(dest, Value) and isinstance(dest.value, str) else None
    elif option is not None:
        name = option.lstrip("-").replace("-", "_")
    else:
        name = names[0] if names else None
        return name, Unknown(f"{name} is a positional argument: the command line gives it")
    label = option or f"dest {name}"
    required = keywords.get("required")
    if required is not None and isinstance(resolver.value(required, scope), Value) and resolver.value(required, scope).value is True:  # type: ignore[union-attr]
        return name, Unknown(f"{label} is required: the command line gives it")
    where = f"default of {label} at line {call.lineno}"
    if "default" in keywords:
        default = resolver.value(keywords["default"], scope)
        if not isinstance(default, Value):
            return name, default
        value = default.value
        convert = _CONVERTERS.get(str(resolver.callee(keywords["type"], scope))) if "type" in keywords else None
        if convert is not None and isinstance(value, str):
            try:
                value = convert(value)
            except ValueError:
                return name, Unknown(f"{label}'s default {value!r} is not a number")
        return name, Value(value, where if default.origin == "literal" else f"{where} = {default.origin}")
    action = keywords.get("action")
    flag = resolver.value(action, scope) if action is not None else None
    if isinstance(flag, Value) and flag.value in ("store_true", "store_false"):
        return name, Value(flag.value == "store_false", where)
    return name, Value(None, where)


_CLICK_OPTIONS = frozenset({"click.option", "click.decorators.option"})
_CLICK_ARGUMENTS = frozenset({"click.argument", "click.decorators.argument"})


def click_default(resolver: Resolver, function: ast.AST | None, name: str) -> Resolved | None:
    """The default a `@click.option` gives parameter `name` of `function`; None when no
    click decorator names it."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    scope = resolver.index.function_scopes.get(id(function))
    outer = scope.parent if scope is not None else None
    for call in function.decorator_list:
        if not isinstance(call, ast.Call) or outer is None:
            continue
        kind = resolver.callee(call.func, outer)
        if kind not in _CLICK_OPTIONS and kind not in _CLICK_ARGUMENTS:
            continue
        declared = _strings(call)
        identifiers = [d for d in declared if d.isidentifier()]
        options = [d for d in declared if d.startswith("-")]
        longest = max(options, key=len, default="").lstrip("-").replace("-", "_")
        if name not in (identifiers[:1] or [longest]):
            continue
        label = options[0] if options else name
        if kind in _CLICK_ARGUMENTS:
            return Unknown(f"{label} is a command-line argument: the command line gives it")
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        required = resolver.value(keywords["required"], outer) if "required" in keywords else None
        if isinstance(required, Value) and required.value is True:
            return Unknown(f"{label} is required: the command line gives it")
        where = f"default of {label} at line {call.lineno}"
        if "default" in keywords:
            default = resolver.value(keywords["default"], outer)
            if not isinstance(default, Value):
                return default
            return Value(default.value, where if default.origin == "literal" else f"{where} = {default.origin}")
        flag = resolver.value(keywords["is_flag"], outer) if "is_flag" in keywords else None
        return Value(False if isinstance(flag, Value) and flag.value is True else None, where)
    return None


def _strings(call: ast.Call) -> list[str]:
    """The string literals among a call's positional arguments (option names)."""
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
