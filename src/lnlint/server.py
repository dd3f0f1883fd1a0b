"""`lnlint server`: the findings of open Python, YAML and JSON documents, for editors, over
the Language Server Protocol (stdio, built on pygls: the `server` extra).

A document is linted as the file at its path, from the editor's text: the settings of its
nearest pyproject.toml, its per-file ignores, and value flow into its project (read from
disk, and kept until a file is saved or the client reports changed files), as
`lnlint --stdin-filename PATH -` does. Diagnostics are published on open, on save
and after changes settle; a code action adds the `# noqa` comment that silences a finding
on its line, and hovering over a finding shows its rule's documentation. Torch is never
imported here: `--confirm` does not run in the editor.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer

from lnlint import __version__
from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.fixes import fix_for, replacement
from lnlint.frontends.python.project import PythonProject
from lnlint.lint import CONFIG_SUFFIXES, lint_standard_input
from lnlint.settings import ConfigError, Settings, load_settings
from lnlint.spec import Location
from lnlint.suppression import with_noqa

# Seconds a document must stay unchanged before it is linted again: linting on every
# keystroke would lint text nobody will keep.
DEBOUNCE_SECONDS = 0.3
_SUFFIXES = (".py", *CONFIG_SUFFIXES)
_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_DOCUMENTATION = "https://pypi.org/project/lnlint/"

server = LanguageServer("lnlint", __version__)
_latest: dict[str, int] = {}  # per document, the version whose lint is awaited
# The projects documents were linted in, by settings and folder: the modules they read from
# disk serve the next change of a document; a saved file drops them all.
_projects: dict[tuple[str, str], PythonProject] = {}


def diagnostics(uri: str, text: str) -> list[types.Diagnostic]:
    """The diagnostics of a document with this text; [] for a document lnlint does not read."""
    path = Path(uris.to_fs_path(uri) or uri)
    lines = text.splitlines()
    return [_diagnostic(finding, lines, path) for finding in _findings(uri, text)[0]]


def _findings(uri: str, text: str) -> tuple[list[Finding], Settings | None]:
    """The findings of a document with this text, and the settings they were found with."""
    path = Path(uris.to_fs_path(uri) or uri)
    if path.suffix.lower() not in _SUFFIXES:
        return [], None
    try:
        settings = load_settings(None, False, path)
    except ConfigError as error:
        server.window_log_message(types.LogMessageParams(types.MessageType.Error, f"lnlint: {error}"))
        return [], None
    key = (repr(settings), str(path.resolve().parent))
    project = _projects.get(key)
    if project is None:
        project = _projects[key] = PythonProject(settings, [path])
    project.edited(path)
    result = lint_standard_input(text.encode("utf-8"), path, settings, project)
    for message in result.internal_errors:
        server.window_log_message(types.LogMessageParams(types.MessageType.Error, f"lnlint: {message}"))
    return result.findings, settings


def _diagnostic(finding: Finding, lines: list[str], path: Path) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            types.Location(_uri_of(hop.location.path, path), _range(hop.location, None)), hop.what
        )
        for hop in finding.related
    ]
    return types.Diagnostic(
        range=_range(finding.location, lines),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(f"{_DOCUMENTATION}#{finding.code.lower()}"),
        source="lnlint",
        related_information=related or None,
    )


def _uri_of(shown: str, document: Path) -> str:
    """The URI of a file a finding names (relative to the working directory, or the document)."""
    path = Path(shown)
    if path.resolve() == document.resolve() or shown == "-":
        path = document
    return uris.from_fs_path(str(path.resolve())) or str(path)


def _range(location, lines: list[str] | None) -> types.Range:
    """LSP positions: lines from 0, characters in UTF-16 code units (the protocol's default)."""

    def character(line: int, column: int) -> int:
        if lines is None or not 1 <= line <= len(lines):
            return column - 1
        return len(lines[line - 1][: column - 1].encode("utf-16-le")) // 2

    start = types.Position(location.line - 1, character(location.line, location.column))
    end = types.Position(location.end_line - 1, character(location.end_line, location.end_column))
    return types.Range(start, end)


def _publish(uri: str) -> None:
    document = server.workspace.get_text_document(uri)
    try:
        found = diagnostics(uri, document.source)
    except Exception as error:  # a bug of ours must not end the editor's session
        server.window_log_message(types.LogMessageParams(types.MessageType.Error, f"lnlint: internal error: {error!r}"))
        found = []
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, found, document.version))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    _projects.clear()  # a file on disk changed: what other documents read from it may have too
    _publish(params.text_document.uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def files_changed(ls: LanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    _projects.clear()


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri, version = params.text_document.uri, params.text_document.version
    _latest[uri] = version
    await asyncio.sleep(DEBOUNCE_SECONDS)
    if _latest.get(uri) == version:  # no newer change arrived meanwhile
        _publish(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    _latest.pop(params.text_document.uri, None)
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    """The documentation of the rules whose findings cover the position."""
    document = server.workspace.get_text_document(params.text_document.uri)
    line = params.position.line
    codes = {
        d.code for d in diagnostics(params.text_document.uri, document.source) if d.range.start.line <= line <= d.range.end.line
    }
    catalogue = load_catalogue()
    texts = [catalogue[code].document() for code in sorted(codes) if code in catalogue]  # type: ignore[index]
    if not texts:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.PlainText, "\n".join(texts)))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_actions(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """For each lnlint diagnostic in the request: its rule's fix where one applies (see
    `lnlint.fixes`; unsafe ones say so), and "Ignore LNxxx on this line"."""
    document = server.workspace.get_text_document(params.text_document.uri)
    lines = document.lines
    actions = []
    wanted = [d for d in params.context.diagnostics if d.source == "lnlint" and isinstance(d.code, str)]
    if wanted:
        actions.extend(_fix_actions(params.text_document.uri, document.source, wanted))
    for diagnostic in wanted:
        number = diagnostic.range.start.line
        if number >= len(lines):
            continue
        line = lines[number].rstrip("\r\n")
        edit = types.TextEdit(
            types.Range(types.Position(number, 0), types.Position(number, len(line.encode("utf-16-le")) // 2)),
            with_noqa(line, diagnostic.code),
        )
        actions.append(
            types.CodeAction(
                title=f"Ignore {diagnostic.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]}),
            )
        )
    return actions


def _fix_actions(uri: str, text: str, wanted: list[types.Diagnostic]) -> list[types.CodeAction]:
    findings, settings = _findings(uri, text)
    if settings is None:
        return []
    document = Path(uris.to_fs_path(uri) or uri)
    lines = text.splitlines()
    actions = []
    for finding in findings:
        fix = fix_for(finding, settings.thresholds)
        if fix is None or not settings.fixable_code(finding.code):
            continue
        diagnostic = next((d for d in wanted if d.code == finding.code and d.range == _range(finding.location, lines)), None)
        if diagnostic is None:
            continue
        target = _uri_of(fix.path, document)  # a call site or a config may hold the number to change
        source = text if target == uris.from_fs_path(str(document.resolve())) else server.workspace.get_text_document(target).source
        change = replacement(fix, source)
        if change is None:
            continue
        start = Location("", change.line, change.column, change.end_line, change.end_column)
        edit = types.TextEdit(_range(start, source.splitlines()), change.text)
        unsafe = " (unsafe: changes what the model computes)" if fix.applicability == "unsafe" else ""
        actions.append(
            types.CodeAction(
                title=f"Fix {finding.code}: {fix.describe()}{unsafe}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={target: [edit]}),
                is_preferred=fix.applicability == "safe",
            )
        )
    return actions


def serve() -> None:
    server.start_io()
