"""Time `lnlint` on a corpus, beside a peer on the same files, and print ratios.

    python benchmarks/run.py [CORPUS]

CORPUS defaults to the installed torch's `torch/nn` folder when torch is importable, else to a
generated corpus of 400 files (model files and plain modules). Each command runs `--repeat`
times and the best wall time counts; compare ratios from one run, not absolute times across
machines. Peers (pyflakes, ruff) are timed when installed, each as one process over the corpus.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL = '''import torch.nn as nn

WIDTH = {width}


class Block{i}(nn.Module):
    def __init__(self, depth={depth}):
        super().__init__()
        layer = nn.TransformerEncoderLayer(WIDTH, 8, norm_first={pre})
        self.encoder = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(WIDTH)

    def forward(self, x):
        return self.norm(self.encoder(x))
'''
PLAIN = '''import os


def helper_{i}(path):
    """Read a file."""
    total = 0
    for line in open(path):
        total += len(line.split())
    return total
'''


def generated_corpus(folder: Path, files: int = 400) -> Path:
    for i in range(files):
        text = MODEL.format(i=i, width=64 * (i % 8 + 1), depth=i % 30, pre=bool(i % 2)) if i % 4 == 0 else PLAIN.format(i=i)
        (folder / f"module_{i}.py").write_text(text * 5)
    return folder


def best_of(command: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            spec = importlib.util.find_spec("torch")
            if spec is not None and spec.origin is not None:
                corpus = Path(spec.origin).parent / "nn"
            else:
                corpus = generated_corpus(Path(scratch))
        files = sum(1 for _ in corpus.rglob("*.py"))
        commands = {"lnlint": [sys.executable, "-m", "lnlint", "--isolated", "--quiet", str(corpus)]}
        if importlib.util.find_spec("pyflakes") is not None:
            commands["pyflakes"] = [sys.executable, "-m", "pyflakes", str(corpus)]
        if shutil.which("ruff"):
            commands["ruff"] = ["ruff", "check", "--isolated", "--no-cache", "--quiet", str(corpus)]
        commands["python startup"] = [sys.executable, "-c", "pass"]
        times = {name: best_of(command, args.repeat) for name, command in commands.items()}
        print(f"corpus: {corpus} ({files} .py files), best of {args.repeat}")
        for name, seconds in times.items():
            print(f"  {name:<15} {seconds:7.3f} s   {seconds / times['lnlint']:6.2f} x lnlint")


if __name__ == "__main__":
    main()
