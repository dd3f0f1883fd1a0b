"""`--fix` and `--add-noqa`: edits that resolve or silence findings.

A fix is declared with its rule in the catalogue (`autofix`: safe or unsafe, and what it
changes). Fixes are made with libcst on the concrete syntax tree, so every comment, space and
quote outside the edited argument stays; the fixed file must parse, or it is left as it was.
A fix is offered only where the value to change is written at the construction itself (a
value that comes from a call site or a config elsewhere is not edited).
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.frontends.source import SourceError, decode_python, read_regular_file
from lnlint.settings import Settings
from lnlint.frontends.signatures import SIGNATURES
from lnlint.spec import STACK_KINDS, TRANSFORMER_PARTS, LayerSpec, StackSpec, Value, attention_names
from lnlint.suppression import with_noqa

_MODULE = "{module}"  # in an edit's code: the module the call itself names (`nn` of `nn.X(...)`)


@dataclass(frozen=True)
class Edit:
    """Give the call at (line, column) the argument `name` = `code`: replace it where it is
    given (by keyword, or positionally at `position`), else add it as a keyword."""

    line: int
    column: int
    name: str
    code: str
    position: int | None = None

    def describe(self) -> str:
        """`norm=LayerNorm(512)`: the argument the edit gives, as a message shows it."""
        return f"{self.name}={self.code.replace(_MODULE + '.', '')}"


@dataclass(frozen=True)
class Fix:
    finding: Finding
    applicability: str
    edits: tuple[Edit, ...]  # made together or not at all

    def describe(self) -> str:
        return ", ".join(edit.describe() for edit in self.edits)


@dataclass
class FixedFile:
    path: Path
    before: str
    after: str
    fixes: list[Fix] = field(default_factory=list)

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True), self.after.splitlines(keepends=True), f"a/{self.path}", f"b/{self.path}"
            )
        )


def _edit(kind: str, line: int, column: int, name: str, code: str) -> Edit:
    """An edit of argument `name` of a call of torch's `kind` (its position from the signature)."""
    names = [parameter for parameter, _ in SIGNATURES.get(kind, ())]
    return Edit(line, column, name, code, names.index(name) if name in names else None)


def fix_for(finding: Finding, thresholds: Mapping[str, int]) -> Fix | None:
    """The fix of a finding, when its rule declares one and the values are written at the
    constructions in this file (no value chain from elsewhere, a `.py` file)."""
    autofix = load_catalogue()[finding.code].autofix
    spec = finding.spec
    if autofix is None or spec is None or finding.related or finding.location.cell is not None:
        return None
    if not finding.location.path.endswith(".py"):
        return None
    at = (finding.location.line, finding.location.column)
    edits: list[Edit] = []
    if finding.code == "LN007" and isinstance(spec, StackSpec):
        edits = [_edit(spec.kind, *at, "enable_nested_tensor", "False")]
    elif finding.code == "LN006" and isinstance(spec, StackSpec) and spec.kind in STACK_KINDS:
        edits = [edit for edit in [_final_norm(spec, *at)] if edit is not None]
    elif finding.code == "LN005" and isinstance(spec, StackSpec) and isinstance(spec.layer, LayerSpec):
        edits = _pre_ln(spec)
    elif finding.code in ("LN003", "LN004") and isinstance(spec, LayerSpec):
        heads = _fewer_heads(spec, thresholds.get("min-head-dim", 2))
        if heads is not None:
            edits = [_edit(spec.kind, *at, attention_names(spec.kind)[1], str(heads))]
    return Fix(finding, autofix["applicability"], tuple(edits)) if edits else None


def _final_norm(spec: StackSpec, line: int, column: int) -> Edit | None:
    """`norm=nn.LayerNorm(d_model)` for a torch stack, when d_model is known."""
    width = spec.layer.arg("d_model") if isinstance(spec.layer, LayerSpec) else None
    if not (isinstance(width, Value) and isinstance(width.value, int) and not isinstance(width.value, bool)):
        return None
    return _edit(spec.kind, line, column, "norm", f"{_MODULE}.LayerNorm({width.value})")


def _pre_ln(spec: StackSpec) -> list[Edit]:
    """LN005's fix: `norm_first=True` on the layer, and a final norm on a torch stack that has
    none (nn.Transformer builds its own); both in the file reported."""
    layer = spec.layer
    assert isinstance(layer, LayerSpec)
    if spec.kind in TRANSFORMER_PARTS:  # the layers are nn.Transformer's own: its call takes norm_first
        return [_edit("Transformer", spec.location.line, spec.location.column, "norm_first", "True")]
    if spec.kind not in STACK_KINDS or layer.location.path != spec.location.path:
        return []  # a ModuleList or `[layer] * N` takes no final norm; a layer elsewhere is not edited
    edits = [_edit(layer.kind, layer.location.line, layer.location.column, "norm_first", "True")]
    if not (isinstance(spec.final_norm, Value) and spec.final_norm.value is True):
        norm = _final_norm(spec, spec.location.line, spec.location.column)
        if norm is None:
            return []
        edits.append(norm)
    nested = spec.args.get("enable_nested_tensor")
    if spec.kind == "TransformerEncoder" and not (isinstance(nested, Value) and nested.value is False):
        # pre-LN layers turn the nested-tensor fast path off with a warning (LN007): say so
        edits.append(_edit(spec.kind, spec.location.line, spec.location.column, "enable_nested_tensor", "False"))
    return edits


def _fewer_heads(spec: LayerSpec, min_head_dim: int) -> int | None:
    """The largest head count ≤ the given one that divides d_model with head_dim ≥ min-head-dim,
    when nhead is a literal written at the construction."""
    width_name, heads_name = attention_names(spec.kind)
    d_model, nhead = spec.arg(width_name), spec.arg(heads_name)
    if not (isinstance(nhead, Value) and nhead.origin == "literal" and isinstance(nhead.value, int)):
        return None
    if not (isinstance(d_model, Value) and isinstance(d_model.value, int) and d_model.value > 0):
        return None
    for heads in range(min(nhead.value, d_model.value), 0, -1):
        if d_model.value % heads == 0 and d_model.value // heads >= min_head_dim:
            return heads
    return None


def selected(fixes: Iterable[Fix], settings: Settings, unsafe: bool) -> list[Fix]:
    """The fixes `--fix` applies: safe ones (and unsafe with --unsafe-fixes) of fixable rules."""
    return [f for f in fixes if (unsafe or f.applicability == "safe") and settings.fixable_code(f.finding.code)]


def fix_files(fixes: Iterable[Fix]) -> list[FixedFile]:
    """Each file with its fixes applied (nothing is written here)."""
    by_path: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_path.setdefault(fix.finding.location.path, []).append(fix)
    fixed = []
    for name, file_fixes in sorted(by_path.items()):
        path = Path(name)
        try:
            before = decode_python(read_regular_file(path) or b"")
        except (OSError, SourceError):
            continue
        after, applied = apply_edits(before, file_fixes)
        if applied:
            fixed.append(FixedFile(path, before, after, applied))
    return fixed


def apply_edits(text: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """`text` with the fixes' edits made, and the fixes that were; the text unchanged when
    the result would not parse."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return text, []
    todo = list(fixes)
    while todo:  # a fix whose edits cannot all be made is left out, and the pass made again
        wanted: dict[tuple[int, int], list[tuple[Fix, Edit]]] = {}
        for fix in todo:
            for edit in fix.edits:
                wanted.setdefault((edit.line, edit.column - 1), []).append((fix, edit))
        made: dict[int, int] = {}

        class CallEditor(cst.CSTTransformer):
            METADATA_DEPENDENCIES = (PositionProvider,)

            def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
                start = self.get_metadata(PositionProvider, original).start
                for fix, edit in wanted.pop((start.line, start.column), []):
                    edited = _with_argument(updated, edit)
                    if edited is not None:
                        made[id(fix)] = made.get(id(fix), 0) + 1
                        updated = edited
                return updated

        result = MetadataWrapper(module).visit(CallEditor()).code
        incomplete = {id(fix) for fix in todo if made.get(id(fix), 0) != len(fix.edits)}
        if not incomplete:
            try:
                ast.parse(result)
            except SyntaxError:  # an edit must never break the file
                return text, []
            return result, todo
        todo = [fix for fix in todo if id(fix) not in incomplete]
    return text, []


def _with_argument(call, edit: Edit):
    import libcst as cst

    code = edit.code
    if _MODULE in code:
        if not isinstance(call.func, cst.Attribute):
            return None  # `TransformerEncoder(...)` imported by name: LayerNorm may not be
        code = code.replace(_MODULE, cst.Module([]).code_for_node(call.func.value))
    value = cst.parse_expression(code)
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == edit.name:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    positional = [i for i, arg in enumerate(args) if arg.keyword is None and not arg.star]
    if edit.position is not None and edit.position < len(positional):
        index = positional[edit.position]
        args[index] = args[index].with_changes(value=value)
        return call.with_changes(args=args)
    if any(arg.star == "**" for arg in args):
        return None  # the keyword may be in the unpacked mapping
    new = cst.Arg(value=value, keyword=cst.Name(edit.name), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument goes on its own line
        previous = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=previous)
        args.append(new.with_changes(comma=last.comma))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


def add_noqa(findings: Iterable[Finding]) -> tuple[int, list[str]]:
    """Add `# noqa: CODE` for each finding to its reported line (extending a comment that is
    there); returns how many were added and the files left alone (notebooks, and files the
    comment would not parse in)."""
    by_path: dict[str, dict[int, list[str]]] = {}
    for finding in findings:
        if finding.code == "LN900":
            continue
        lines = by_path.setdefault(finding.location.path, {})
        codes = lines.setdefault(finding.location.line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    added, skipped = 0, []
    for name, lines in sorted(by_path.items()):
        path = Path(name)
        if path.suffix.lower() == ".ipynb":
            skipped.append(f"{name}: a notebook (add the comments in its cells)")
            continue
        try:
            text = (read_regular_file(path) or b"").decode("utf-8")
        except (OSError, SourceError, UnicodeDecodeError):
            skipped.append(f"{name}: cannot be read back")
            continue
        rows = text.splitlines(keepends=True)
        count = 0
        for number, codes in lines.items():
            if 1 <= number <= len(rows):
                body = rows[number - 1].rstrip("\r\n")
                ending = rows[number - 1][len(body):]
                for code in codes:
                    body = with_noqa(body, code)
                    count += 1
                rows[number - 1] = body + ending
        result = "".join(rows)
        if path.suffix == ".py":
            try:
                ast.parse(result)
            except SyntaxError:
                skipped.append(f"{name}: a comment there would break the code")
                continue
        path.write_text(result, encoding="utf-8", newline="")
        added += count
    return added, skipped


@dataclass(frozen=True)
class Replacement:
    """One fix as a text replacement in its file: the span replaced (lines from 1, columns
    from 1 in characters, end exclusive) and the new text."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


def replacement(fix: Fix, source: str) -> Replacement | None:
    """The smallest replacement in `source` that makes `fix` (None: it cannot be made there)."""
    after, applied = apply_edits(source, [fix])
    if not applied:
        return None
    start = 0
    while start < min(len(source), len(after)) and source[start] == after[start]:
        start += 1
    tail = 0
    while tail < min(len(source), len(after)) - start and source[-1 - tail] == after[-1 - tail]:
        tail += 1
    line, column = _position(source, start)
    end_line, end_column = _position(source, len(source) - tail)
    return Replacement(line, column, end_line, end_column, after[start : len(after) - tail])


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
