"""`lnlint server`, driven as a subprocess by a real LSP client (pytest-lsp)."""

from __future__ import annotations

import sys
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lnlint.suppression import with_noqa

BAD = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=1)\n"
GOOD = BAD.replace("d_model=2", "d_model=512")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "lnlint", "server"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str, language: str = "python") -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text)))


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri), [types.TextDocumentContentChangeWholeDocument(text)]
        )
    )


async def _published(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics.get(uri, []))


@pytest.mark.asyncio
async def test_diagnostics_follow_the_document_and_the_code_action_silences_one(client: LanguageClient, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, BAD)
    (diagnostic,) = await _published(client, uri)
    assert (diagnostic.code, diagnostic.source, diagnostic.severity) == ("LN001", "lnlint", types.DiagnosticSeverity.Error)
    assert diagnostic.range == types.Range(types.Position(2, 8), types.Position(2, 54))
    assert "LayerNorm over 2 features" in diagnostic.message

    _change(client, uri, 2, GOOD)
    assert await _published(client, uri) == []

    _change(client, uri, 3, BAD)
    (diagnostic,) = await _published(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])
        )
    )
    (action,) = actions
    assert action.title == "Ignore LN001 on this line"
    (edit,) = action.edit.changes[uri]
    lines = BAD.splitlines()
    assert edit.range.start.line == 2 and edit.new_text == lines[2] + "  # noqa: LN001"
    lines[2] = edit.new_text
    _change(client, uri, 4, "\n".join(lines) + "\n")
    assert await _published(client, uri) == []

    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 10)))
    assert hover is None  # silenced: nothing to explain there


@pytest.mark.asyncio
async def test_hover_explains_the_rule_and_configs_are_linted(client: LanguageClient, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, BAD)
    await _published(client, uri)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 10)))
    assert "LN001" in hover.contents.value and "degenerate-layernorm" in hover.contents.value
    config = (tmp_path / "conf.yaml").as_uri()
    _open(client, config, "d_model: 2\nnhead: 1\nnum_layers: 2\n", "yaml")
    (diagnostic,) = await _published(client, config)
    assert diagnostic.code == "LN001" and diagnostic.range.start.line == 0


@pytest.mark.asyncio
async def test_a_document_that_does_not_parse_is_a_diagnostic_and_the_server_goes_on(client: LanguageClient, tmp_path):
    uri = (tmp_path / "broken.py").as_uri()
    _open(client, uri, "import torch.nn as nn\nnn.LayerNorm(2\n")
    (diagnostic,) = await _published(client, uri)
    assert diagnostic.code == "LN900"
    other = (tmp_path / "model.py").as_uri()
    _open(client, other, BAD)
    assert [d.code for d in await _published(client, other)] == ["LN001"]


@pytest.mark.asyncio
async def test_value_flow_reaches_the_project_on_disk(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lnlint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("")
    (tmp_path / "pkg/net.py").write_text("import torch.nn as nn\n\n\ndef build(width):\n    return nn.LayerNorm(width)\n")
    uri = (tmp_path / "train.py").as_uri()
    _open(client, uri, "from pkg.net import build\n\nbuild(2)\n")
    (diagnostic,) = await _published(client, uri)
    assert diagnostic.code == "LN001"
    assert [info.location.uri for info in diagnostic.related_information] == [(tmp_path / "pkg/net.py").as_uri()]


def test_a_noqa_comment_is_added_or_extended():
    assert with_noqa("x = f()", "LN001") == "x = f()  # noqa: LN001"
    assert with_noqa("x = f()  # noqa: LN004", "LN001") == "x = f()  # noqa: LN004, LN001"


@pytest.mark.asyncio
async def test_edits_and_changed_files_are_seen_by_the_projects_kept_between_changes(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lnlint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("")
    net = tmp_path / "pkg/net.py"
    net.write_text("import torch.nn as nn\n\n\ndef build(width):\n    return nn.LayerNorm(width)\n")
    uri = (tmp_path / "train.py").as_uri()
    _open(client, uri, "from pkg.net import build\n\nbuild(2)\n")
    assert [d.code for d in await _published(client, uri)] == ["LN001"]
    _change(client, uri, 2, "from pkg.net import build\n\nbuild(512)\n")
    assert await _published(client, uri) == []
    _change(client, uri, 3, "from pkg.net import build\n\nbuild(4)\n")
    assert [d.code for d in await _published(client, uri)] == ["LN002"]
    net.write_text("import torch.nn as nn\n\n\ndef build(width):\n    return nn.LayerNorm(512)\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(net.as_uri(), types.FileChangeType.Changed)])
    )
    _change(client, uri, 4, "from pkg.net import build\n\nbuild(4)\n\n")
    assert await _published(client, uri) == []


@pytest.mark.asyncio
async def test_a_malformed_request_is_answered_with_an_error_and_the_server_goes_on(client: LanguageClient, tmp_path):
    body = b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"textDocument": 3}}'
    client.protocol.writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    client.protocol.writer.write(b"Content-Length: 9\r\n\r\n{not json")
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, BAD)
    assert [d.code for d in await _published(client, uri)] == ["LN001"]


def test_without_pygls_the_server_command_says_what_to_install():
    import subprocess

    script = "import sys\nsys.modules['pygls'] = None\nsys.argv = ['lnlint', 'server']\nfrom lnlint.cli import main\nmain()\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pip install 'lnlint[server]'" in done.stderr


@pytest.mark.asyncio
async def test_a_rules_fix_is_a_code_action(client: LanguageClient, tmp_path):
    text = (
        "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(512, 8, norm_first=True)\n"
        "encoder = nn.TransformerEncoder(layer, 6, norm=nn.LayerNorm(512))\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.lnlint]\nextend-select = ["LN007"]\n')  # off by default
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, text)
    (diagnostic,) = await _published(client, uri)
    assert diagnostic.code == "LN007"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))
    )
    fix = next(a for a in actions if a.title.startswith("Fix LN007"))
    assert fix.title == "Fix LN007: pass enable_nested_tensor=False" and fix.is_preferred
    (edit,) = fix.edit.changes[uri]
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start, edit.range.end
    assert start.line == end.line == 3
    lines[3] = lines[3][: start.character] + edit.new_text + lines[3][end.character :]
    _change(client, uri, 2, "".join(lines))
    assert await _published(client, uri) == []


@pytest.mark.asyncio
async def test_a_head_count_in_a_config_is_fixed_in_place_by_a_code_action(client: LanguageClient, tmp_path):
    text = "model:\n  d_model: 12  # width\n  nhead: 8  # heads\n  norm_first: true\n"
    uri = (tmp_path / "conf.yaml").as_uri()
    _open(client, uri, text, "yaml")
    (diagnostic,) = await _published(client, uri)
    assert diagnostic.code == "LN003"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))
    )
    fix = next(a for a in actions if a.title.startswith("Fix LN003"))
    assert "nhead 8 → 6" in fix.title and "(unsafe" in fix.title and not fix.is_preferred
    (edit,) = fix.edit.changes[uri]
    assert (edit.range, edit.new_text) == (types.Range(types.Position(2, 9), types.Position(2, 10)), "6")


@pytest.mark.asyncio
async def test_requests_about_what_is_not_in_the_document_get_empty_answers(client: LanguageClient, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    _open(client, uri, BAD)
    (diagnostic,) = await _published(client, uri)
    beyond = types.Range(types.Position(400, 0), types.Position(400, 9))
    stale = types.Diagnostic(beyond, diagnostic.message, code="LN001", source="lnlint")
    unknown = types.Diagnostic(diagnostic.range, "made up", code="LN999", source="lnlint")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), beyond, types.CodeActionContext([stale, unknown]))
    )
    assert not actions  # no line 400 to silence, and no rule LN999 for a `# noqa` to name
    far = types.Position(10**6, 10**6)
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), far)) is None

    never_opened = (tmp_path / "absent.py").as_uri()  # not on disk either
    document = types.TextDocumentIdentifier(never_opened)
    assert await client.text_document_hover_async(types.HoverParams(document, types.Position(0, 0))) is None
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(document, diagnostic.range, types.CodeActionContext([diagnostic]))
    )
    assert not actions
