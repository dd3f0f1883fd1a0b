"""`lnlint server` heals itself: what a client sends wrong costs only that message, and a
large document's lint holds up no reply. Driven over raw stdio bytes, with timeouts, so that
a deaf server fails a test instead of hanging it."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from benchmarks.server_latency import BLOCK  # one of the small modules of a model file

BAD = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=1)\n"
REPLY_SECONDS = 5  # far more than any reply takes; a deaf server fails the test after it


def model_text(blocks: int) -> str:
    """A model file whose lint takes a while: 1.5 s per 2,000 blocks (0.6 MB) on a 2-core CI machine."""
    return "import torch.nn as nn\n" + "".join(BLOCK.format(i=i, width=64 * (i % 8 + 1)) for i in range(blocks)) + "\nbroken = nn.LayerNorm(2)\n"


def frame(message: dict | bytes, length_off_by: int = 0) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % (len(body) + length_off_by) + body


def request(message_id: int, method: str, params: dict | None = None) -> dict:
    return {"jsonrpc": "2.0", "id": message_id, "method": method, "params": params}


def notification(method: str, params: dict) -> dict:
    return {"jsonrpc": "2.0", "method": method, "params": params}


def did_open(uri: str, text: str, version: int = 1) -> dict:
    return notification("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})


def hover(message_id: int, uri: str, line: int, character: int) -> dict:
    return request(message_id, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})


class RawServer:
    """`lnlint server` as a subprocess; what it writes is read on a thread into a queue."""

    def __init__(self, cwd: Path) -> None:
        self.stderr = (cwd / "server-stderr.txt").open("w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lnlint", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=cwd,
        )
        self.messages: queue.Queue[dict | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        while True:
            length = None
            while (line := stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                self.messages.put(None)  # the server closed its output
                return
            self.messages.put(json.loads(stdout.read(length)))

    def send(self, *data: bytes) -> None:
        self.process.stdin.write(b"".join(data))
        self.process.stdin.flush()

    def until(self, wanted, seconds: float = REPLY_SECONDS) -> tuple[dict, list[dict]]:
        """The first message `wanted` accepts, and those before it; fails after `seconds`."""
        before = []
        while True:
            try:
                message = self.messages.get(timeout=seconds)
            except queue.Empty:
                pytest.fail(f"no answer within {seconds} s; received {before}")
            if message is None:
                pytest.fail(f"the server ended its output; received {before}")
            if wanted(message):
                return message, before
            before.append(message)

    def reply(self, message_id: int | None) -> dict:
        return self.until(lambda m: "method" not in m and m.get("id") == message_id)[0]

    def replies(self, *message_ids: int) -> dict[int, dict]:
        """The replies to these requests, in whatever order they come."""
        found: dict[int, dict] = {}
        while len(found) < len(message_ids):
            reply = self.until(lambda m: "method" not in m and m.get("id") in message_ids and m["id"] not in found)[0]
            found[reply["id"]] = reply
        return found

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        self.stderr.close()


@pytest.fixture
def server(tmp_path):
    raw = RawServer(tmp_path)
    try:
        raw.send(frame(request(1, "initialize", {"capabilities": {}})))
        raw.reply(1)
        raw.send(frame(notification("initialized", {})))
        yield raw
    finally:
        raw.close()


def _stderr(server: RawServer) -> str:
    server.stderr.flush()
    return Path(server.stderr.name).read_text(errors="replace")


def test_a_body_shorter_than_its_content_length_costs_nothing_after_it(server):
    nowhere = "file:///nowhere/model.py"
    server.send(frame(hover(2, nowhere, 0, 0), length_off_by=+40), frame(hover(3, nowhere, 0, 0)))
    # The next header was found inside the 40 bytes too many, and what came before it was
    # the whole message.
    assert {key: reply["result"] for key, reply in server.replies(2, 3).items()} == {2: None, 3: None}
    server.send(frame(request(4, "shutdown")), frame(notification("exit", {})))
    assert server.reply(4)["result"] is None
    assert server.process.wait(timeout=REPLY_SECONDS) == 0
    assert "Content-Length: " in _stderr(server)  # said, not silent


def test_a_body_longer_than_its_content_length_or_empty_gets_a_parse_error_and_the_next_message_is_read(server):
    server.send(frame(hover(2, "file:///nowhere/model.py", 0, 0), length_off_by=-5), frame(hover(3, "file:///nowhere/model.py", 0, 0)))
    assert server.reply(None)["error"]["code"] == -32700  # its 5 bytes too many are dropped before the next header
    assert server.reply(3)["result"] is None
    # A header right after the blank line: an empty body, not the end of input.
    server.send(b"Content-Length: 30\r\n\r\n", frame(request(4, "shutdown")))
    assert server.reply(None)["error"]["code"] == -32700
    assert server.reply(4)["result"] is None


def test_a_body_that_is_not_json_gets_a_parse_error_and_the_server_goes_on(server):
    server.send(frame(b"{not json"), frame(b"[1, 2]"), frame(hover(2, "file:///nowhere/model.py", 0, 0)))
    parse_error, _ = server.until(lambda m: "error" in m)
    assert (parse_error["id"], parse_error["error"]["code"]) == (None, -32700)
    invalid, _ = server.until(lambda m: "error" in m)
    assert (invalid["id"], invalid["error"]["code"]) == (None, -32600)  # JSON, but no JSON-RPC message
    assert server.reply(2)["result"] is None


def test_requests_with_positions_out_of_the_document_are_answered(server, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    server.send(frame(did_open(uri, BAD)))
    server.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    outside = {"start": {"line": -1, "character": 0}, "end": {"line": 2**31, "character": 2**31}}
    diagnostic = {"range": outside, "message": "m", "source": "lnlint", "code": "LN001"}
    server.send(
        frame(request(2, "textDocument/codeAction", {"textDocument": {"uri": uri}, "range": outside, "context": {"diagnostics": [diagnostic]}})),
        frame(hover(3, uri, -3, 2**31)),
        frame(hover(4, uri, 2**31 - 1, 2**31 - 1)),
    )
    assert server.reply(2)["error"]["code"] == -32602  # a negative line is no position: Invalid Params
    assert server.reply(3)["error"]["code"] == -32602
    assert server.reply(4)["result"] is None


def test_the_server_answers_while_it_lints_a_large_document(server, tmp_path):
    small = (tmp_path / "small.py").as_uri()
    server.send(frame(did_open(small, BAD)))
    server.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    large = (tmp_path / "large.py").as_uri()
    server.send(frame(did_open(large, model_text(6000))), frame(hover(2, small, 2, 10)), frame(request(3, "shutdown")))
    answer, before = server.until(lambda m: m.get("id") == 2)
    assert "LN001" in answer["result"]["contents"]["value"]
    server.until(lambda m: m.get("id") == 3)
    assert not [m for m in before if m.get("method") == "textDocument/publishDiagnostics"]
    server.send(frame(notification("exit", {})))
    # Exit does not wait for the lint, which is still running.
    assert server.process.wait(timeout=REPLY_SECONDS) == 0


def test_the_diagnostics_of_a_superseded_version_are_never_published(server, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    change = notification(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": BAD}]}
    )
    server.send(frame(did_open(uri, model_text(1500))), frame(change))
    published, _ = server.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert published["params"]["version"] == 2  # version 1's lint was still running when 2 arrived
    assert [d["range"]["start"]["line"] for d in published["params"]["diagnostics"]] == [2]


def _children(pid: int) -> list[int]:
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    if not listing.exists():
        pytest.skip("needs Linux's /proc/PID/task/PID/children")
    return [int(child) for child in listing.read_text().split()]


def test_a_lint_process_that_dies_is_reported_and_replaced(server, tmp_path):
    uri = (tmp_path / "model.py").as_uri()
    server.send(frame(did_open(uri, model_text(6000))))
    time.sleep(1)  # the lint is under way
    (child,) = _children(server.process.pid)
    os.kill(child, signal.SIGKILL)
    logged, _ = server.until(lambda m: m.get("method") == "window/logMessage")
    assert "the lint process ended" in logged["params"]["message"]
    change = notification(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": BAD}]}
    )
    server.send(frame(change))
    published, _ = server.until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert published["params"]["version"] == 2
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["LN001"]
