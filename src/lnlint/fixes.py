"""`--fix` and `--add-noqa`: edits that resolve or silence findings.

A fix is declared with its rule in the catalogue (`autofix`: safe or unsafe, and what it
changes). Fixes are made with libcst on the concrete syntax tree, so every comment, space and
quote outside the edited argument stays; the fixed file must parse, or it is left as it was.
A fix edits arguments of the reported construction itself, or rewrites a whole number where
the source writes it: at the construction, at a call site whose literal reached it, or as a
config key's own scalar (a text edit there: the file's comments and layout stay). A value
that comes from a constant, a parameter's default or an interpolation is not edited: other
users of it would change too.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Union

from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.frontends.source import SourceError, decode_python, decode_text, read_regular_file
from lnlint.settings import Settings
from lnlint.frontends.signatures import SIGNATURES
from lnlint.spec import STACK_KINDS, TRANSFORMER_PARTS, LayerSpec, Location, StackSpec, Value, attention_names
from lnlint.suppression import with_noqa

_MODULE = "{module}"  # in an edit's code: the module the call itself names (`nn` of `nn.X(...)`)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
_YAML_LINE = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # where YAML's marks count a new line


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
        """`pass norm=LayerNorm(512)`: the argument the edit gives, as a message shows it."""
        return f"pass {self.name}={self.code.replace(_MODULE + '.', '')}"


@dataclass(frozen=True)
class Rewrite:
    """Write `new` in place of `old` (a whole number or a bool), written at `at`, that gives
    argument `name`; spelled as the file's language spells it."""

    at: Location
    name: str
    old: int | bool
    new: int | bool

    @property
    def line(self) -> int:
        return self.at.line

    def describe(self) -> str:
        return f"{self.name} {self.old!r} → {self.new!r} at {self.at.path}:{self.at.line}"


@dataclass(frozen=True)
class Fix:
    finding: Finding
    applicability: str
    edits: tuple[Union[Edit, Rewrite], ...]  # made together or not at all
    path: str  # the file the edits are in: the finding's, or where a rewritten number is written

    @property
    def line(self) -> int:
        return self.edits[0].line

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


def _editable(path: str) -> bool:
    return path.endswith(".py") or path.lower().endswith(_CONFIG_SUFFIXES)


def fix_for(finding: Finding, thresholds: Mapping[str, int]) -> Fix | None:
    """The fix of a finding, when its rule declares one and the source writes what must
    change where a fix may edit it (see the module's docstring)."""
    autofix = load_catalogue()[finding.code].autofix
    spec = finding.spec
    if autofix is None or spec is None:
        return None
    if finding.code in ("LN003", "LN004") and isinstance(spec, LayerSpec):
        rewrite = _fewer_heads(spec, thresholds.get("min-head-dim", 2))
        return Fix(finding, autofix["applicability"], (rewrite,), rewrite.at.path) if rewrite is not None else None
    local = not finding.related and finding.location.cell is None and finding.location.path.endswith(".py")
    if finding.code == "LN006" and finding.related and isinstance(spec, StackSpec):
        return _final_norm_where_built(finding, spec, autofix["applicability"])
    if finding.code == "LN005" and isinstance(spec, StackSpec) and isinstance(spec.layer, LayerSpec) and not (local and _pre_ln(spec)):
        rewrite = _norm_first_where_written(spec)
        return Fix(finding, autofix["applicability"], (rewrite,), rewrite.at.path) if rewrite is not None else None
    if not local:
        return None  # the arguments to add belong to a construction elsewhere, or in a notebook
    at = (finding.location.line, finding.location.column)
    edits: list[Edit] = []
    if finding.code == "LN007" and isinstance(spec, StackSpec):
        edits = [_edit(spec.kind, *at, "enable_nested_tensor", "False")]
    elif finding.code == "LN006" and isinstance(spec, StackSpec) and spec.kind in STACK_KINDS:
        edits = [edit for edit in [_final_norm(spec, *at)] if edit is not None]
    elif finding.code == "LN005" and isinstance(spec, StackSpec) and isinstance(spec.layer, LayerSpec):
        edits = _pre_ln(spec)
    return Fix(finding, autofix["applicability"], tuple(edits), finding.location.path) if edits else None


def _final_norm_where_built(finding: Finding, spec: StackSpec, applicability: str) -> Fix | None:
    """LN006's fix for a stack its callers' values reach (reported at a call site): the
    final norm added where the stack is built, when its width is written there as an
    expression of that scope (the same norm serves every caller); else none."""
    built = finding.related[-1].location
    if spec.kind not in STACK_KINDS or spec.width_code is None or built.cell is not None or not built.path.endswith(".py"):
        return None
    edit = _final_norm(spec, built.line, built.column)
    return Fix(finding, applicability, (edit,), built.path) if edit is not None else None


def _norm_first_where_written(spec: StackSpec) -> Rewrite | None:
    """LN005's fix where the layers' `norm_first=False` is written at a call site or in a
    config: True there, when the stack needs nothing else (nn.Transformer builds its own
    final norms; another stack must have one already)."""
    layer = spec.layer
    norm_first = layer.arg("norm_first") if isinstance(layer, LayerSpec) else None
    if not (isinstance(norm_first, Value) and norm_first.value is False and norm_first.written is not None):
        return None
    if not _editable(norm_first.written.path):
        return None
    if spec.kind in TRANSFORMER_PARTS or (isinstance(spec.final_norm, Value) and spec.final_norm.value is True):
        return Rewrite(norm_first.written, "norm_first", False, True)
    return None


def _final_norm(spec: StackSpec, line: int, column: int) -> Edit | None:
    """`norm=nn.LayerNorm(<the layer's d_model>)` for a torch stack: the d_model expression as
    the layer's construction writes it, when it means the same at the stack's; else the
    number, when d_model is known."""
    width = spec.width_code
    if width is None:
        known = spec.layer.arg("d_model") if isinstance(spec.layer, LayerSpec) else None
        if not (isinstance(known, Value) and type(known.value) is int):
            return None
        width = str(known.value)
    return _edit(spec.kind, line, column, "norm", f"{_MODULE}.LayerNorm({width})")


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


def _fewer_heads(spec: LayerSpec, min_head_dim: int) -> Rewrite | None:
    """The head count rewritten to the largest one ≤ the given one that divides d_model with
    head_dim ≥ min-head-dim, when the given one is a number written in a file a fix edits."""
    width_name, heads_name = attention_names(spec.kind)
    d_model, nhead = spec.arg(width_name), spec.arg(heads_name)
    if not (isinstance(nhead, Value) and nhead.written is not None and _editable(nhead.written.path)):
        return None
    if not (isinstance(d_model, Value) and type(d_model.value) is int and d_model.value > 0):
        return None
    for heads in range(min(nhead.value, d_model.value), 0, -1):  # type: ignore[call-overload]
        if d_model.value % heads == 0 and d_model.value // heads >= min_head_dim:
            return Rewrite(nhead.written, heads_name, nhead.value, heads)  # type: ignore[arg-type]
    return None


def selected(fixes: Iterable[Fix], settings: Settings, unsafe: bool) -> list[Fix]:
    """The fixes `--fix` applies: safe ones (and unsafe with --unsafe-fixes) of fixable rules."""
    return [f for f in fixes if (unsafe or f.applicability == "safe") and settings.fixable_code(f.finding.code)]


def fix_files(fixes: Iterable[Fix]) -> list[FixedFile]:
    """Each file with its fixes applied (nothing is written here)."""
    by_path: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_path.setdefault(fix.path, []).append(fix)
    fixed = []
    for name, file_fixes in sorted(by_path.items()):
        before = fixable_text(name)
        if before is None:
            continue
        after, applied = apply_edits(before, file_fixes, name)
        if applied:
            fixed.append(FixedFile(Path(name), before, after, applied))
    return fixed


def fixable_text(path: str) -> str | None:
    """The text of a file that fixes edit (None: it cannot be read as one)."""
    try:
        data = read_regular_file(Path(path)) or b""
        return decode_python(data) if path.endswith(".py") else decode_text(data)
    except (OSError, SourceError):
        return None


def apply_edits(text: str, fixes: list[Fix], path: str) -> tuple[str, list[Fix]]:
    """`text` (of the file `path`) with the fixes' edits made, and the fixes that were; a fix
    whose edits cannot all be made is left out, and the text stays as it was when the result
    would not parse."""
    todo = list(fixes)
    edit = _edit_python if path.endswith(".py") else _edit_config
    while todo:
        result, made = edit(text, todo, path)
        if result is None:
            return text, []
        incomplete = {id(fix) for fix in todo if made.get(id(fix), 0) != len(fix.edits)}
        if not incomplete:
            return result, todo
        todo = [fix for fix in todo if id(fix) not in incomplete]  # and the pass is made again
    return text, []


def _edit_python(text: str, fixes: list[Fix], path: str) -> tuple[str | None, dict[int, int]]:
    """The module with the edits made by libcst, and how many edits of each fix were made
    (by the fix's id); None when the text does not parse, before or after."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None, {}
    calls: dict[tuple[int, int], list[tuple[Fix, Edit]]] = {}
    numbers: dict[tuple[int, int], list[tuple[Fix, Rewrite]]] = {}
    for fix in fixes:
        for edit in fix.edits:
            if isinstance(edit, Edit):
                calls.setdefault((edit.line, edit.column - 1), []).append((fix, edit))
            else:
                numbers.setdefault((edit.at.line, edit.at.column - 1), []).append((fix, edit))
    made: dict[int, int] = {}

    def count(fix: Fix) -> None:
        made[id(fix)] = made.get(id(fix), 0) + 1

    class FixEditor(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
            start = self.get_metadata(PositionProvider, original).start
            for fix, edit in calls.pop((start.line, start.column), []):
                edited = _with_argument(updated, edit)
                if edited is not None:
                    count(fix)
                    updated = edited
            return updated

        def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> cst.Integer:
            return self._rewritten(original, updated, original.evaluated_value)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            return self._rewritten(original, updated, {"True": True, "False": False}.get(original.value))

        def _rewritten(self, original, updated, value: object):
            start = self.get_metadata(PositionProvider, original).start
            wanted = numbers.get((start.line, start.column), [])
            if not wanted or type(value) is not type(wanted[0][1].old) or value != wanted[0][1].old:
                return updated
            del numbers[(start.line, start.column)]
            new = wanted[0][1].new
            for fix, edit in wanted:
                if edit.new == new:  # fixes that want the same number there are all made by it
                    count(fix)
            return cst.Name(repr(new)) if isinstance(new, bool) else updated.with_changes(value=repr(new))

    result = MetadataWrapper(module).visit(FixEditor()).code
    try:
        ast.parse(result)
    except SyntaxError:  # an edit must never break the file
        return None, {}
    return result, made


def _edit_config(text: str, fixes: list[Fix], path: str) -> tuple[str | None, dict[int, int]]:
    """The YAML or JSON text with its numbers rewritten in place (never re-serialised: every
    comment and space stays), and how many edits of each fix were made; None when the
    result would not parse."""
    from lnlint.frontends.configs.tree import compose

    starts = [0]
    for match in _YAML_LINE.finditer(text):
        starts.append(match.end())
    spans: dict[tuple[int, int], str] = {}
    made: dict[int, int] = {}
    for fix in fixes:
        for edit in fix.edits:
            at = edit.at if isinstance(edit, Rewrite) else None
            if at is None or at.line > len(starts) or at.end_line > len(starts):
                continue
            start, end = starts[at.line - 1] + at.column - 1, starts[at.end_line - 1] + at.end_column - 1
            spelled = _config_spelling(text[start:end], edit)
            if spelled is not None and spans.setdefault((start, end), spelled) == spelled:
                made[id(fix)] = made.get(id(fix), 0) + 1
    result = text
    for (start, end), spelled in sorted(spans.items(), reverse=True):
        result = result[:start] + spelled + result[end:]
    try:
        compose(result, path.lower().endswith(".json"))
    except SourceError:
        return None, {}
    return result, made


_YAML_BOOLS = (("true", "false"), ("yes", "no"), ("on", "off"))  # YAML 1.1's spellings, as PyYAML reads them


def _config_spelling(written: str, edit: Rewrite) -> str | None:
    """`edit.new` spelled as the config spells `edit.old` (`no` → `yes`, `False` → `True`);
    None when the text there is not `edit.old`."""
    if not isinstance(edit.old, bool):
        return str(edit.new) if written.replace("_", "") == str(edit.old) else None
    for true, false in _YAML_BOOLS:
        old, new = (true, false) if edit.old else (false, true)
        if written.lower() == old:
            return new.upper() if written.isupper() else new.capitalize() if written[:1].isupper() else new
    return None


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
    else:  # the space or line break before `)` stays before it
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
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
    """The smallest replacement in `source`, the text of `fix.path`, that makes `fix` (None:
    it cannot be made there)."""
    after, applied = apply_edits(source, [fix], fix.path)
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
