"""Time `lnlint server` from `textDocument/didChange` to `publishDiagnostics` on a model file.

    python benchmarks/server_latency.py [FILE]

FILE defaults to a generated model file of about 2,000 lines (a few hundred small modules and
one degenerate layer). Each of a few edits appends a comment line; printed: the median time
from sending the change to receiving the diagnostics, and the same less the server's
debounce delay (the time lnlint itself takes).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import client_capabilities, make_test_lsp_client

from lnlint.server import DEBOUNCE_SECONDS

BLOCK = '''

class Block{i}(nn.Module):
    def __init__(self, width={width}, heads=8):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.layer = nn.TransformerEncoderLayer(width, heads, norm_first=True)

    def forward(self, x):
        return self.layer(self.norm(x))
'''


def model_file(folder: Path) -> Path:
    path = folder / "model.py"
    blocks = "".join(BLOCK.format(i=i, width=64 * (i % 8 + 1)) for i in range(200))
    path.write_text("import torch.nn as nn\n" + blocks + "\nbroken = nn.LayerNorm(2)\n")
    return path


async def measure(path: Path, edits: int = 7) -> list[float]:
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "lnlint", "server")
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim")))
    uri = path.resolve().as_uri()
    text = path.read_text()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    times = []
    for version in range(2, edits + 2):
        text += f"# edit {version}\n"
        change = types.TextDocumentContentChangeWholeDocument(text)
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version, uri), [change])
        )
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        times.append(time.perf_counter() - start)
    await client.shutdown_session()
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(sys.argv[1]) if len(sys.argv) > 1 else model_file(Path(scratch))
        lines = len(path.read_text().splitlines())
        times = asyncio.run(measure(path))
        median = statistics.median(times)
        print(f"{path.name}: {lines} lines; didChange -> publishDiagnostics median {median * 1000:.0f} ms "
              f"({(median - DEBOUNCE_SECONDS) * 1000:.0f} ms after the {DEBOUNCE_SECONDS * 1000:.0f} ms debounce), "
              f"{len(times)} edits")


if __name__ == "__main__":
    main()
