"""`--fix` and `--add-noqa`: edits that resolve or silence findings.

A fix is declared with its rule in the catalogue (`autofix`: safe or unsafe, and what it
changes). Fixes are made with libcst on the concrete syntax tree, so every comment, space and
quote outside the edited argument stays; the fixed file must parse, or it is left as it was.
Every edit is spliced into the file's own text, so its line ends, BOM and encoding stay
byte-exact outside the edited spans, and is checked before it is written: Python must parse
(and a noqa comment must tokenize as a comment), a config must load to the same data apart
from the values a fix changes.
A fix edits arguments of the reported construction itself, or rewrites a whole number where
the source writes it: at the construction, at a call site whose literal reached it, or as a
config key's own scalar (a text edit there: the file's comments and layout stay). A value
that comes from a constant, a parameter's default or an interpolation is not edited: other
users of it would change too.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import io
import json
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Union

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from lnlint.cache import content_hash
from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.frontends.source import PYTHON_LINE_BREAK, YAML_LINE_BREAK, SourceError, decode_python, decode_text, read_regular_file
from lnlint.rules.divisors import known_divisors
from lnlint.settings import Settings
from lnlint.frontends.signatures import SIGNATURES
from lnlint.spec import STACK_KINDS, TRANSFORMER_PARTS, LayerSpec, Location, StackSpec, Value, attention_names
from lnlint.frontends.configs.tree import _Loader, compose
from lnlint.suppression import coded_noqa, with_noqa

_MODULE = "{module}"  # in an edit's code: the module the call itself names (`nn` of `nn.X(...)`)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class EditRefused(Exception):
    """Edits that would damage the file; the message says how."""


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
    after_bytes: bytes  # what to write: `after` with the file's own BOM and encoding
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
    ceiling = min(nhead.value, d_model.value // max(min_head_dim, 1))  # type: ignore[call-overload]
    # Bounded: a source can write d_model=10**12 (None when the search cannot be sure).
    heads = known_divisors(d_model.value).largest_at_most(ceiling) if ceiling >= 1 else None
    return Rewrite(nhead.written, heads_name, nhead.value, heads) if heads is not None else None  # type: ignore[arg-type]


def selected(fixes: Iterable[Fix], settings: Settings, unsafe: bool) -> list[Fix]:
    """The fixes `--fix` applies: safe ones (and unsafe with --unsafe-fixes) of fixable rules."""
    return [f for f in fixes if (unsafe or f.applicability == "safe") and settings.fixable_code(f.finding.code)]


def fix_files(fixes: Iterable[Fix], skipped: list[str] | None = None, analysed: Mapping[str, str] | None = None) -> list[FixedFile]:
    """Each file with its fixes applied (nothing is written here). Left out, with why
    appended to `skipped`: a file whose fixes would damage it, and one whose content hash
    (`cache.content_hash`) is not the one `analysed` gives for it (it changed since it was
    checked; a file `analysed` has no hash of, one read only for value flow, is checked by
    the edits' positions and old values alone)."""
    reasons = skipped if skipped is not None else []
    by_path: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_path.setdefault(fix.path, []).append(fix)
    fixed = []
    for name, file_fixes in sorted(by_path.items()):
        try:
            stored = _read_stored(name)
        except OSError as error:
            reasons.append(f"{name}: cannot read it ({error.strerror})")
            continue
        except SourceError as error:
            reasons.append(f"{name}: {error.message}")
            continue
        if _changed_since_checked(name, stored, analysed):
            reasons.append(f"{name}: changed since lnlint checked it")
            continue
        try:
            after, applied = apply_edits(stored.text, file_fixes, name)
        except EditRefused as refusal:
            reasons.append(f"{name}: {refusal}")
            continue
        if applied:
            fixed.append(FixedFile(Path(name), stored.text, after, stored.encode(after), applied))
    return fixed


def _changed_since_checked(name: str, stored: _StoredText, analysed: Mapping[str, str] | None) -> bool:
    checked = analysed.get(name) if analysed is not None else None
    return checked is not None and checked != content_hash(stored.data)


@dataclass(frozen=True)
class _StoredText:
    """A file's bytes, its text, and how that text is stored: edits are written back with
    the same BOM and encoding, so that every byte outside them stays."""

    data: bytes
    text: str
    bom: bytes
    codec: str

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


# Fixes parse the whole file with libcst (tens of seconds for a 12 MB file): a generated file
# that large is no file anyone fixes by hand either.
MAX_FIX_BYTES = 2**20


def _read_stored(path: str) -> _StoredText:
    """The file as fixes and noqa comments edit it; SourceError when it is not text lnlint
    reads, or its text does not encode back to its bytes (a write would change them)."""
    data = read_regular_file(Path(path), MAX_FIX_BYTES)
    if data is None:
        raise SourceError(f"larger than {MAX_FIX_BYTES // 2**20} MB, which fixes do not edit")
    python = path.endswith(".py")
    text = decode_python(data) if python else decode_text(data)
    bom, codec = next(((bom, codec) for bom, codec in _BOMS if data.startswith(bom)), (b"", "utf-8"))
    if python and not bom:
        codec = tokenize.detect_encoding(io.BytesIO(data).readline)[0]  # a PEP 263 cookie's
    stored = _StoredText(data, text, bom, codec)
    if stored.encode(text) != data:
        raise SourceError(f"its text does not encode back to the same bytes as {codec}")
    return stored


def fixable_text(path: str) -> str | None:
    """The text of a file that fixes edit (None: it cannot be read as one)."""
    try:
        return _read_stored(path).text
    except (OSError, SourceError):
        return None


def apply_edits(text: str, fixes: list[Fix], path: str) -> tuple[str, list[Fix]]:
    """`text` (of the file `path`) with the fixes' edits made, and the fixes that were; a fix
    whose edits cannot all be made is left out. EditRefused when the result would not parse,
    or a config's data would change beyond the fixed values."""
    todo = list(fixes)
    python = path.endswith(".py")
    edit = _edit_python if python else _edit_config
    while todo:
        result, made = edit(text, todo, path)
        incomplete = {id(fix) for fix in todo if made.get(id(fix), 0) != len(fix.edits)}
        if not incomplete:
            if python:
                _check_python_fix(result)
            else:
                _check_config_fix(text, result, todo, path)
            return result, todo
        todo = [fix for fix in todo if id(fix) not in incomplete]  # and the pass is made again
    return text, []


def _edit_python(text: str, fixes: list[Fix], path: str) -> tuple[str, dict[int, int]]:
    """The module with the edits made, and how many edits of each fix were made (by the
    fix's id). libcst finds and rewrites the nodes; each outermost rewritten node's code, as
    libcst renders it in place (indented as its block), is spliced into `text` over the
    node's own, because libcst's rendering of a whole module is not byte-exact (it drops a
    final CR-only line end)."""
    import libcst as cst
    from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except cst.ParserSyntaxError:
        raise EditRefused("libcst cannot parse it") from None
    calls: dict[tuple[int, int], list[tuple[Fix, Edit]]] = {}
    numbers: dict[tuple[int, int], list[tuple[Fix, Rewrite]]] = {}
    for fix in fixes:
        for edit in fix.edits:
            if isinstance(edit, Edit):
                calls.setdefault((edit.line, edit.column - 1), []).append((fix, edit))
            else:
                numbers.setdefault((edit.at.line, edit.at.column - 1), []).append((fix, edit))
    made: dict[int, int] = {}
    changed: list[tuple[CodeRange, cst.CSTNode]] = []  # where each changed node was, and what it became

    def count(fix: Fix) -> None:
        made[id(fix)] = made.get(id(fix), 0) + 1

    class FixEditor(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
            start = self.get_metadata(PositionProvider, original).start
            edited = updated
            for fix, edit in calls.pop((start.line, start.column), []):
                with_argument = _with_argument(edited, edit)
                if with_argument is not None:
                    count(fix)
                    edited = with_argument
            if edited is not updated:
                changed.append((self.get_metadata(PositionProvider, original), edited))
            return edited

        def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> cst.Integer:
            return self._rewritten(original, updated, original.evaluated_value)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            return self._rewritten(original, updated, {"True": True, "False": False}.get(original.value))

        def _rewritten(self, original, updated, value: object):
            where = self.get_metadata(PositionProvider, original)
            wanted = numbers.get((where.start.line, where.start.column), [])
            if not wanted or type(value) is not type(wanted[0][1].old) or value != wanted[0][1].old:
                return updated
            del numbers[(where.start.line, where.start.column)]
            new = wanted[0][1].new
            for fix, edit in wanted:
                if edit.new == new:  # fixes that want the same number there are all made by it
                    count(fix)
            updated = cst.Name(repr(new)) if isinstance(new, bool) else updated.with_changes(value=repr(new))
            changed.append((where, updated))
            return updated

    edited_module = wrapper.visit(FixEditor())
    if not changed:
        return text, made
    original_code, edited_code = wrapper.module.code, edited_module.code
    edited_positions = MetadataWrapper(edited_module, unsafe_skip_copy=True).resolve(PositionProvider)
    text_starts, original_starts, edited_starts = (_line_starts(code, PYTHON_LINE_BREAK) for code in (text, original_code, edited_code))

    def span(starts: list[int], where: CodeRange) -> tuple[int, int]:
        return starts[where.start.line - 1] + where.start.column, starts[where.end.line - 1] + where.end.column

    replacements: list[tuple[int, int, str]] = []
    for start, end, where, node in sorted(((*span(text_starts, where), where, node) for where, node in changed), key=lambda c: (c[0], -c[1])):
        if replacements and start < replacements[-1][1]:
            continue  # inside a node rewritten with it: that node's code holds this edit
        original_start, original_end = span(original_starts, where)
        if text[start:end] != original_code[original_start:original_end]:
            raise EditRefused("libcst's positions do not match the text")
        edited_start, edited_end = span(edited_starts, edited_positions[node])
        replacements.append((start, end, edited_code[edited_start:edited_end]))
    return _spliced(text, replacements), made


def _line_starts(text: str, breaks: re.Pattern[str]) -> list[int]:
    """The offset of each line's first character, lines ending where `breaks` matches."""
    return [0, *(match.end() for match in breaks.finditer(text))]


def _spliced(text: str, replacements: Iterable[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, new) span replaced (spans apart from each other)."""
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _check_python_fix(result: str) -> None:
    try:
        ast.parse(result)
    except SyntaxError:
        raise EditRefused("the fixed code would not parse") from None


def _edit_config(text: str, fixes: list[Fix], path: str) -> tuple[str, dict[int, int]]:
    """The YAML or JSON text with its numbers rewritten in place (never re-serialised: every
    comment and space stays), and how many edits of each fix were made."""
    starts = _line_starts(text, YAML_LINE_BREAK)
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
    return _spliced(text, [(start, end, spelled) for (start, end), spelled in spans.items()]), made


def _check_config_fix(text: str, result: str, fixes: list[Fix], path: str) -> None:
    """EditRefused unless `result` loads to the data of `text` with each rewritten scalar
    holding its new value, and nothing else changed."""
    is_json = path.lower().endswith(".json")
    new_values = {(edit.at.line - 1, edit.at.column - 1): edit.new for fix in fixes for edit in fix.edits if isinstance(edit, Rewrite)}
    try:
        expected = _config_data(text, is_json, new_values)
    except _UNLOADABLE:
        raise EditRefused("its data cannot be loaded to check the fix") from None
    try:
        fixed = _config_data(result, is_json, {})
    except _UNLOADABLE:
        raise EditRefused("the fixed config would not parse") from None
    if not _same_data(expected, fixed):
        raise EditRefused("the fix would change the config's data beyond the values it rewrites")


class _DataLoader(_Loader):
    """Safe loading, with the frontend's parser (its marks are the ones fixes are located
    by): a tag the safe constructor does not know (HyperPyYAML's `!new:`, `!ref`) is loaded
    as (tag, plain value), never constructed; a scalar starting at a mark in `new_values`
    loads as that value instead (what a fix there should read as)."""

    def __init__(self, text: str, new_values: Mapping[tuple[int, int], object]) -> None:
        super().__init__(text)
        self.new_values = new_values

    def construct_object(self, node, deep=False):
        if isinstance(node, ScalarNode):
            mark = (node.start_mark.line, node.start_mark.column)
            if mark in self.new_values:
                return self.new_values[mark]
        return super().construct_object(node, deep)


def _tagged_plain_value(loader: _DataLoader, node) -> tuple[str, object]:
    if isinstance(node, ScalarNode):
        return node.tag, loader.construct_scalar(node)
    if isinstance(node, SequenceNode):
        return node.tag, loader.construct_sequence(node, deep=True)
    return node.tag, loader.construct_mapping(node, deep=True)


_DataLoader.add_constructor(None, _tagged_plain_value)
_UNLOADABLE = (yaml.YAMLError, ValueError, RecursionError, SourceError)  # ValueError: json's, and dates like 2024-13-01


def _config_data(text: str, is_json: bool, new_values: Mapping[tuple[int, int], object]) -> list:
    """The documents of a YAML or JSON file as data; the scalars starting at the (line,
    column) marks of `new_values` (0-based) read as those values."""
    if is_json:
        documents = [json.loads(text)]
        if new_values:
            for node, keys in _scalar_paths(compose(text, True)[0], (0,)):
                mark = (node.start_mark.line, node.start_mark.column)
                if mark in new_values:
                    container = documents
                    for key in keys[:-1]:
                        container = container[key]
                    container[keys[-1]] = new_values[mark]
        return documents
    loader = _DataLoader(text, new_values)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def _scalar_paths(root, keys: tuple) -> Iterable[tuple[ScalarNode, tuple]]:
    """Each scalar of a JSON document's nodes, with the keys and indices that lead to it."""
    stack = [(root, keys)]
    while stack:
        node, keys = stack.pop()
        if isinstance(node, MappingNode):
            stack.extend((value, (*keys, key.value)) for key, value in node.value)
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*keys, index)) for index, item in enumerate(node.value))
        else:
            yield node, keys


def _same_data(left: object, right: object) -> bool:
    """Equal as loaded data: the same types (1, 1.0 and True differ), NaN equal to NaN;
    structures shared or cyclic through YAML aliases are compared once."""
    todo, compared = [(left, right)], set()
    while todo:
        a, b = todo.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, (dict, list, tuple)):
            if (id(a), id(b)) in compared:
                continue
            compared.add((id(a), id(b)))
            if isinstance(a, dict):
                if a.keys() != b.keys():  # type: ignore[union-attr]
                    return False
                todo.extend((a[key], b[key]) for key in a)  # type: ignore[index]
            else:
                if len(a) != len(b):  # type: ignore[arg-type]
                    return False
                todo.extend(zip(a, b))  # type: ignore[call-overload]
        elif a != b and not (isinstance(a, float) and a != a and b != b):
            return False
    return True


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


def add_noqa(findings: Iterable[Finding], analysed: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """Add `# noqa: CODE` for each finding to its reported line (extending a comment that is
    there); returns how many were added and why files or lines were left alone (notebooks,
    JSON, a comment that would break the code, land in a string or change a config's data).
    `analysed`: each file's content hash (`cache.content_hash`) as the run checked it; a
    file whose bytes differ now is left alone (its findings' lines may have moved)."""
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
        if path.suffix.lower() == ".json":
            skipped.append(f"{name}: JSON has no comments (use per-file-ignores)")
            continue
        try:
            stored = _read_stored(name)
        except (OSError, SourceError):
            skipped.append(f"{name}: cannot be read back")
            continue
        if _changed_since_checked(name, stored, analysed):
            skipped.append(f"{name}: changed since lnlint checked it")
            continue
        result, commented, refused = _with_noqa_comments(stored.text, lines, name)
        skipped.extend(refused)
        if commented:
            path.write_bytes(stored.encode(result))
            added += sum(len(lines[number]) for number in commented)
    return added, skipped


def _with_noqa_comments(text: str, lines: Mapping[int, list[str]], name: str) -> tuple[str, set[int], list[str]]:
    """`text` with the codes of each line (by number) in its noqa comment, the lines that got
    them, and why the others did not: each comment must leave the file parsing, tokenize as
    a comment (Python) or leave its data as it was (YAML)."""
    python = name.endswith(".py")
    rows = _rows(text, PYTHON_LINE_BREAK if python else YAML_LINE_BREAK)
    commented = {}
    for number, codes in lines.items():
        if 1 <= number <= len(rows):
            body = rows[number - 1][0]
            for code in codes:
                body = with_noqa(body, code)
            commented[number] = body

    def with_comments(numbers: set[int]) -> str:
        return "".join((commented[n] if n in numbers else body) + ending for n, (body, ending) in enumerate(rows, 1))

    data = None
    if not python:
        try:
            data = _config_data(text, False, {})
        except _UNLOADABLE:
            return text, set(), [f"{name}: its data cannot be loaded to check the comments"]

    def intact(numbers: set[int]) -> bool:
        candidate = with_comments(numbers)
        if python:
            return _comments_tokenize(candidate, {n: coded_noqa(commented[n]).span() for n in numbers})  # type: ignore[union-attr]
        try:
            return _same_data(data, _config_data(candidate, False, {}))
        except _UNLOADABLE:
            return False

    chosen = set(commented)
    if not intact(chosen):  # find the lines to blame, then check the others together
        chosen = {number for number in commented if intact({number})}
        if not intact(chosen):
            chosen = set()
    harm = "break the code or land in a string" if python else "change the config's data"
    refused = [f"{name}:{number}: a comment there would {harm}" for number in sorted(set(commented) - chosen)]
    return with_comments(chosen), chosen, refused


def _rows(text: str, breaks: re.Pattern[str]) -> list[tuple[str, str]]:
    """Each line's text and line end (a last line may have none), lines ending where
    `breaks` matches."""
    rows, start = [], 0
    for match in breaks.finditer(text):
        rows.append((text[start : match.start()], match.group()))
        start = match.end()
    if start < len(text):
        rows.append((text[start:], ""))
    return rows


def _comments_tokenize(code: str, directives: Mapping[int, tuple[int, int]]) -> bool:
    """The code parses, and each directive (line → its columns) lies in a comment token: a
    comment appended to a line that ends inside a string would be part of the string."""
    try:
        ast.parse(code)
        comments = {
            token.start[0]: (token.start[1], token.end[1])
            for token in tokenize.generate_tokens(io.StringIO(code, newline=None).readline)
            if token.type == tokenize.COMMENT
        }
    except (SyntaxError, tokenize.TokenError):
        return False
    return all(number in comments and comments[number][0] <= start and end <= comments[number][1] for number, (start, end) in directives.items())


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
    if len(source) > MAX_FIX_BYTES:
        return None
    try:
        after, applied = apply_edits(source, [fix], fix.path)
    except EditRefused:
        return None
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
