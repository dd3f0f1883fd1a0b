"""`lnlint server`: the findings of open Python, YAML and JSON documents, for editors, over
the Language Server Protocol (stdio, built on pygls: the `server` extra).

A document is linted as the file at its path, from the editor's text: the settings of its
nearest pyproject.toml, its per-file ignores, and value flow into its project (read from
disk, and kept until a file is saved or the client reports changed files), as
`lnlint --stdin-filename PATH -` does. Diagnostics are published on open, on save
and after changes settle; a code action adds the `# noqa` comment that silences a finding
on its line, and hovering over a finding shows its rule's documentation. Torch is never
imported here: `--confirm` does not run in the editor.

Lints (and the edits of quick fixes) run one at a time in a child process, so the server
keeps reading and answering while a large document is linted; a lint whose document has
changed (or closed) since is never published, and a child that dies is replaced. Hovers and
code actions read the lint of the document's current version; for a document that is not
open they answer nothing. What the client sends wrong costs only that message: a body that
is not JSON gets a Parse error reply (-32700, id null), a request whose parameters do not
fit gets an error reply with its id, and a `Content-Length` that does not match its body is
resynchronised on the next header found in the bytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable
from urllib.parse import unquote

from lsprotocol import types
from pygls import uris
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest
from pygls.workspace import TextDocument

from lnlint import __version__
from lnlint.catalogue import load_catalogue
from lnlint.findings import Finding
from lnlint.fixes import Fix, Replacement, fix_for, replacement
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
logger = logging.getLogger(__name__)

# A header that ends a line. Searched for, not matched from the line's start: when a body is
# longer than its Content-Length said, its rest runs into the next header on one line.
_HEADER = re.compile(rb"content-length:[ \t]*(\d+)[ \t]*\r?\n", re.IGNORECASE)
# Bytes of a header that a search resumed on more bytes looks back over, so that a header cut
# between two reads is still found (real ones are about 20 bytes).
_HEADER_REACH = 64


class _ResynchronisingStdin:
    """stdin as pygls' message loop reads it (`readline` for header lines, `read(n)` for a body
    of n bytes), where a wrong Content-Length costs the message it frames and nothing after.

    pygls alone reads n bytes whatever arrives: a body shorter than its header says swallows
    the messages after it and then waits for bytes that never come (deaf for ever), and one
    longer leaves its rest glued before the next header, so that no header is ever matched
    again. A valid JSON body cannot hold a raw line break after `Content-Length: 123` (JSON
    strings escape control characters, and that is no JSON outside a string), so such a
    header inside the n bytes is where the next message starts, and the body ends there.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buffer = bytearray()

    def _fill(self) -> bool:
        # read1: what the pipe holds now, never waiting for a count that may never arrive.
        chunk = self._stream.read1(65536)  # type: ignore[attr-defined]
        self._buffer += chunk
        return bool(chunk)

    def readline(self) -> bytes:
        scanned = 0
        while (end := self._buffer.find(b"\n", scanned)) < 0:
            scanned = len(self._buffer)
            if not self._fill():  # end of input: what is left, then b""
                line = bytes(self._buffer)
                self._buffer.clear()
                return line
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        header = _HEADER.search(line)
        if header is None:
            return line
        if header.start():
            logger.warning("lnlint server: %d bytes before a Content-Length header dropped", header.start())
        # pygls matches exactly this spelling.
        return b"Content-Length: " + header.group(1) + b"\r\n"

    def read(self, size: int) -> bytes:
        searched = 0
        while True:
            header = _HEADER.search(self._buffer, max(0, searched - _HEADER_REACH))
            if header is not None and header.start() < size:
                logger.warning(
                    "lnlint server: a message of %d bytes said Content-Length: %d; reading on from the next header",
                    header.start(),
                    size,
                )
                size = header.start()
                break
            if len(self._buffer) >= size:
                break
            searched = len(self._buffer)
            if not self._fill():
                size = len(self._buffer)
                break
        body = bytes(self._buffer[:size])
        del self._buffer[:size]
        if not body and self._buffer:
            # A header right after the blank line: pygls would take this empty body for the
            # end of input, but it is a message (not JSON).
            return b" "
        return body


class _Unanswered(Exception):
    """A message pygls would drop without a reply, with the error reply it gets instead."""

    def __init__(self, message_id: Any, error: JsonRpcException) -> None:
        super().__init__(error.message)
        # The JSON-RPC spec: the request's id where it has a usable one, else null.
        usable = isinstance(message_id, (int, str)) and not isinstance(message_id, bool)
        self.message_id = message_id if usable else None
        self.error = error


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, where a request it cannot read, or a message that is no JSON-RPC 2.0
    one, is answered with an error instead of being dropped (a client waits for the reply)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:  # e.g. a negative line in a position
            if "id" in data and "method" in data:
                raise _Unanswered(data["id"], error) from error
            raise

    def handle_message(self, message: Any) -> None:
        if getattr(message, "jsonrpc", None) != self.VERSION:  # a list, a number, no "jsonrpc": "2.0"
            message_id = message.get("id") if isinstance(message, dict) else getattr(message, "id", None)
            raise _Unanswered(message_id, JsonRpcInvalidRequest("Invalid Request: not a JSON-RPC 2.0 message"))
        if self._shutdown and isinstance(message, RPCRequest) and message.method != types.EXIT:
            # pygls drops these; the LSP spec answers them with InvalidRequest.
            raise _Unanswered(message.id, JsonRpcInvalidRequest("Invalid Request: the server is shutting down"))
        super().handle_message(message)

    def reply_error(self, message_id: str | int | None, error: JsonRpcException) -> None:
        # A dict, not lsprotocol's ResponseErrorMessage: that one leaves out an id of None,
        # and JSON-RPC wants "id": null.
        response = {"jsonrpc": self.VERSION, "id": message_id, "error": {"code": error.code, "message": error.message}}
        self._send_data(response)


class _Server(LanguageServer):
    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls' message loop passes here what json.loads and handle_message raised.
        if isinstance(error, _Unanswered):
            message_id, answer = error.message_id, error.error
        elif isinstance(error, (json.JSONDecodeError, UnicodeDecodeError, RecursionError)):
            message_id, answer = None, JsonRpcParseError(f"Parse error: {error}")
        else:
            super().report_server_error(error, source)
            return
        assert isinstance(self.protocol, _Protocol)
        self.protocol.reply_error(message_id, answer)
        self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"lnlint: {answer.message}"))


class _LintProcess:
    """Runs lints one at a time, in order, in one child process. A process: CPython's parse
    of a large document holds the GIL for seconds (8 s for 10 MB), and the server must keep
    reading and answering meanwhile. One at a time: the linting code is not thread-safe, and
    the projects it keeps serve the next lint. A daemon child, fed from a daemon thread, so
    that a lint running holds up no exit; one that dies is started again for the next lint."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._process: Any = None
        self._connection: Any = None

    def start(self) -> None:
        if self._thread is None:
            self._start_child()  # now: this may be before pygls starts its threads
            self._thread = threading.Thread(target=self._work, name="lnlint-lint", daemon=True)
            self._thread.start()

    def run(self, function: Callable[..., Any], *args: Any, wanted: Callable[[], bool] | None = None) -> asyncio.Future:
        """The result of function(*args) in the child, unless `wanted` says, when its turn
        comes, that nobody will read it any more (then None)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.start()
        self._jobs.put((loop, future, function, args, wanted))
        return future

    def _work(self) -> None:
        while True:
            loop, future, function, args, wanted = self._jobs.get()
            outcome = (None, None) if wanted is not None and not wanted() else self._call(function, args)
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:  # the loop closed: the server is exiting
                return

    def _start_child(self) -> None:
        import multiprocessing

        # Forked while this process has no other thread (from serve(), before pygls starts
        # any): the child begins with everything imported. Else spawned (0.6 s of imports):
        # a fork would copy the other threads' locks, held or not.
        forkable = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if forkable else "spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve_lints, args=(child, self._connection), name="lnlint-lint", daemon=True)
        self._process.start()
        child.close()

    def _call(self, function: Callable[..., Any], args: tuple) -> tuple[Any, Exception | None]:
        if not self._process.is_alive():
            self._start_child()
        try:
            self._connection.send((function, args))
            return self._connection.recv()
        except (EOFError, OSError):
            self._process.join(1)
            died = RuntimeError(f"the lint process ended (exit code {self._process.exitcode})")
            self._connection.close()
            self._start_child()
            return None, died
        except Exception as error:  # e.g. what cannot be pickled
            return None, error


def _serve_lints(connection: Any, servers_end: Any) -> None:
    """The child's loop: the jobs of _LintProcess, until the server's end of the pipe closes."""
    servers_end.close()  # a forked child has it too: open here, it would never read as closed
    # Our stdout is the client's: a stray print here must not garble the server's messages.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    while True:
        try:
            function, args = connection.recv()
        except EOFError:
            return
        try:
            outcome: tuple[Any, Exception | None] = (function(*args), None)
        except Exception as error:  # sent as text: not every exception pickles
            outcome = (None, RuntimeError(f"{error!r}"))
        try:
            connection.send(outcome)
        except OSError:  # the server is gone
            return


def _settle(future: asyncio.Future, result: Any, error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


@dataclass(frozen=True)
class _Lint:
    findings: list[Finding]
    settings: Settings | None
    diagnostics: list[types.Diagnostic]
    errors: list[str]  # for the client's log


@dataclass(frozen=True)
class _Kept:
    """A document's latest lint, in flight or done, and what it was of."""

    document: TextDocument
    version: int | None
    text: str
    lint: asyncio.Future  # of a _Lint, or None where it was skipped as superseded


server = _Server("lnlint", __version__, protocol_cls=_Protocol)
_worker = _LintProcess()
# In the process that lints (the server's child). The projects documents were linted in, by
# settings and folder: the modules they read from disk serve the next change of a document;
# a saved file drops them all.
_projects: dict[tuple[str, str], PythonProject] = {}
_kept: dict[str, _Kept] = {}  # per open document
_stopping = False  # after `shutdown`, nothing more is published


def diagnostics(uri: str, text: str) -> list[types.Diagnostic]:
    """The diagnostics of a document with this text; [] for a document lnlint does not read."""
    return _diagnostics_of(_findings(uri, text, [])[0], uri, text)


def _diagnostics_of(findings: list[Finding], uri: str, text: str) -> list[types.Diagnostic]:
    path = Path(uris.to_fs_path(uri) or uri)
    lines = text.splitlines()
    return [_diagnostic(finding, lines, path) for finding in findings]


def _findings(uri: str, text: str, errors: list[str]) -> tuple[list[Finding], Settings | None]:
    """The findings of a document with this text, and the settings they were found with; what
    went wrong is added to errors (the lint process has no client to tell)."""
    path = Path(uris.to_fs_path(uri) or uri)
    if path.suffix.lower() not in _SUFFIXES:
        return [], None
    try:
        settings = load_settings(None, False, path)
    except ConfigError as error:
        errors.append(f"lnlint: {error}")
        return [], None
    key = (repr(settings), str(path.resolve().parent))
    project = _projects.get(key)
    if project is None:
        project = _projects[key] = PythonProject(settings, [path])
    project.edited(path)
    result = lint_standard_input(text.encode("utf-8"), path, settings, project)
    errors.extend(f"lnlint: {message}" for message in result.internal_errors)
    return result.findings, settings


def _lint(uri: str, text: str) -> _Lint:
    """In the lint process: the lint of a document with this text."""
    errors: list[str] = []
    try:
        findings, settings = _findings(uri, text, errors)
        return _Lint(findings, settings, _diagnostics_of(findings, uri, text), errors)
    except Exception as error:  # a bug of ours must not end the editor's session
        errors.append(f"lnlint: internal error: {error!r}")
        return _Lint([], None, [], errors)


def _forget_projects() -> None:
    _projects.clear()


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


def _open_document(uri: str) -> TextDocument | None:
    # Keyed as pygls keys them; get_text_document would make one from disk for any URI.
    return server.workspace.text_documents.get(unquote(uri))


def _log(errors: list[str]) -> None:
    for message in errors:
        server.window_log_message(types.LogMessageParams(types.MessageType.Error, message))


def _forget_disk() -> None:
    """A file on disk changed: what documents read from it may have too."""
    _kept.clear()
    _worker.run(_forget_projects)  # in turn with the lints: one already running keeps its project


async def _publish(uri: str) -> None:
    document = _open_document(uri)
    if document is None:
        return
    version = document.version

    def current() -> bool:  # also asked on _LintProcess's thread: reads only
        return not _stopping and _open_document(uri) is document and document.version == version

    lint = await _result_of(uri, _lint_of(uri, document, wanted=current))
    # A newer version's lint is queued behind this one: publishing this after it is impossible,
    # and publishing it before would show findings of text the editor no longer has.
    if lint is None or not current():
        return
    _log(lint.errors)
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, lint.diagnostics, version))


async def _current_lint(uri: str) -> tuple[str, _Lint] | None:
    """The open document's text and its lint (the one published or on its way, else a new one);
    None for a document that is not open, or changed while its lint waited."""
    document = _open_document(uri)
    if document is None:
        return None
    kept = _lint_of(uri, document)
    lint = await _result_of(uri, kept)
    return None if lint is None else (kept.text, lint)


def _lint_of(uri: str, document: TextDocument, wanted: Callable[[], bool] | None = None) -> _Kept:
    """The lint of the document's text as it is now: the one kept, if it is of this version
    (a hover during the debounce has linted it already), else a new one."""
    kept = _kept.get(uri)
    if kept is None or kept.document is not document or kept.version != document.version:
        text = document.source
        kept = _kept[uri] = _Kept(document, document.version, text, _worker.run(_lint, uri, text, wanted=wanted))
    return kept


async def _result_of(uri: str, kept: _Kept) -> _Lint | None:
    try:
        # Shielded: a request cancelled while it waits must not cancel the lint that others await.
        return await asyncio.shield(kept.lint)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # the lint process died: the next request lints again
        if _kept.get(uri) is kept:
            del _kept[uri]
        _log([f"lnlint: internal error: {error}"])
        return None


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    await _publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    _forget_disk()
    await _publish(params.text_document.uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def files_changed(ls: LanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    _forget_disk()


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri, version = params.text_document.uri, params.text_document.version
    await asyncio.sleep(DEBOUNCE_SECONDS)
    document = _open_document(uri)
    if document is not None and document.version == version:  # no newer change arrived meanwhile
        await _publish(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    _kept.pop(params.text_document.uri, None)
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))


@server.feature(types.SHUTDOWN)
def shutdown(ls: LanguageServer, params: None = None) -> None:
    global _stopping
    _stopping = True


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    """The documentation of the rules whose findings cover the position."""
    linted = await _current_lint(params.text_document.uri)
    if linted is None:
        return None
    line = params.position.line
    codes = {d.code for d in linted[1].diagnostics if d.range.start.line <= line <= d.range.end.line}
    catalogue = load_catalogue()
    texts = [catalogue[code].document() for code in sorted(codes) if code in catalogue]  # type: ignore[index]
    if not texts:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.PlainText, "\n".join(texts)))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
async def code_actions(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """For each lnlint diagnostic in the request: its rule's fix where one applies (see
    `lnlint.fixes`; unsafe ones say so), and "Ignore LNxxx on this line"."""
    uri = params.text_document.uri
    linted = await _current_lint(uri)
    if linted is None:
        return []
    text, lint = linted
    lines = text.splitlines(True)
    catalogue = load_catalogue()
    # A code lnlint does not have would become a `# noqa` comment that silences nothing.
    wanted = [d for d in params.context.diagnostics if d.source == "lnlint" and isinstance(d.code, str) and d.code in catalogue]
    actions = await _fix_actions(uri, text, lint, wanted) if wanted else []
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
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions


async def _fix_actions(uri: str, text: str, lint: _Lint, wanted: list[types.Diagnostic]) -> list[types.CodeAction]:
    settings = lint.settings
    if settings is None:
        return []
    document = Path(uris.to_fs_path(uri) or uri)
    lines = text.splitlines()
    fixes = []  # with the diagnostic each answers, and the file it edits, by URI and text
    for finding in lint.findings:
        fix = fix_for(finding, settings.thresholds)
        if fix is None or not settings.fixable_code(finding.code):
            continue
        diagnostic = next((d for d in wanted if d.code == finding.code and d.range == _range(finding.location, lines)), None)
        if diagnostic is None:
            continue
        target = _uri_of(fix.path, document)  # a call site or a config may hold the number to change
        try:
            source = text if target == uris.from_fs_path(str(document.resolve())) else server.workspace.get_text_document(target).source
        except OSError:  # that file is gone from disk since the lint
            continue
        fixes.append((fix, diagnostic, target, source))
    if not fixes:
        return []
    try:
        # In the lint process: an edit parses its file, which takes seconds for a large one.
        changes = await _worker.run(_replacements, [(fix, source) for fix, _, _, source in fixes])
    except Exception as error:  # the lint process died
        _log([f"lnlint: internal error: {error}"])
        return []
    actions = []
    for (fix, diagnostic, target, source), change in zip(fixes, changes):
        if change is None:
            continue
        start = Location("", change.line, change.column, change.end_line, change.end_column)
        edit = types.TextEdit(_range(start, source.splitlines()), change.text)
        unsafe = " (unsafe: changes what the model computes)" if fix.applicability == "unsafe" else ""
        actions.append(
            types.CodeAction(
                title=f"Fix {fix.finding.code}: {fix.describe()}{unsafe}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={target: [edit]}),
                is_preferred=fix.applicability == "safe",
            )
        )
    return actions


def _replacements(fixes: list[tuple[Fix, str]]) -> list[Replacement | None]:
    return [replacement(fix, source) for fix, source in fixes]


def serve() -> None:
    _worker.start()
    server.start_io(_ResynchronisingStdin(sys.stdin.buffer))  # type: ignore[arg-type]
