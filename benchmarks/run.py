"""Time `lnlint` on a corpus, beside its peers on the same files, and print ratios to ruff.

    python benchmarks/run.py [CORPUS] [--previous SRC]

CORPUS defaults to the installed torch's `torch/nn` folder when torch is importable, else to a
generated corpus of 400 files (model files and plain modules). Timed, each as one process over
the corpus: lnlint cold (`--no-cache`), warm (an unchanged tree, cache present), after one
edited file (a model file that names LayerNorm gets a comment line, then is restored),
without value flow, and pre-commit's shape (one file of the corpus named, the cache warm: a
file without torch, and the model file); `ruff check --select E9,F --no-cache` and pyflakes
when installed; the lnlint whose sources are at SRC (`--previous`, e.g. a git worktree's
`src`). lnlint runs with its bytecode compiled, as pip installs it. Each command runs
`--repeat` times and the best wall time counts; the commands run over the whole corpus take
turns, a round at a time, so that each sees the machine as the others do, and the cold run's
ratio to ruff is also given round by round (a busy machine moves it less than the best times).
Compare ratios from one run, not absolute times across machines. The cache goes to a scratch
folder, never into the corpus.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
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


# Each tool runs as installed: pip compiles a package's bytecode, so lnlint is timed with its
# bytecode written (an environment that sets PYTHONDONTWRITEBYTECODE would time the
# compilation of lnlint's own modules on every run instead).
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENVIRONMENT)
    return time.perf_counter() - start


def best_of(command: list[str], repeat: int) -> float:
    return min(timed(command) for _ in range(repeat))


def rounds_of(commands: dict[str, list[str]], repeat: int) -> list[dict[str, float]]:
    """Each command's time in each of `repeat` rounds, the commands taking turns."""
    return [{name: timed(command) for name, command in commands.items()} for _ in range(repeat)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--previous", type=Path, help="the `src` folder of another lnlint to time beside this one")
    args = parser.parse_args()
    import lnlint

    for source in (Path(lnlint.__file__).parent, args.previous):
        if source is not None:
            compileall.compile_dir(source, quiet=1)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            spec = importlib.util.find_spec("torch")
            if spec is not None and spec.origin is not None:
                corpus = Path(spec.origin).parent / "nn"
            else:
                corpus = generated_corpus(Path(scratch))
        files = sum(1 for _ in corpus.rglob("*.py"))
        cache = ["--cache-dir", str(Path(scratch) / "cache")]
        lnlint = [sys.executable, "-m", "lnlint", "--isolated", "--quiet", "--exit-zero", str(corpus)]
        commands = {"lnlint cold": [*lnlint, "--no-cache"], "lnlint no flow": [*lnlint, "--no-cache", "--no-value-flow"]}
        if args.previous is not None:
            commands["lnlint previous"] = ["env", f"PYTHONPATH={args.previous}", *lnlint, "--no-cache"]
        if importlib.util.find_spec("pyflakes") is not None:
            commands["pyflakes"] = [sys.executable, "-m", "pyflakes", str(corpus)]
        ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
        if Path(ruff).exists():
            commands["ruff E9,F"] = [ruff, "check", "--isolated", "--select", "E9,F", "--no-cache", "--exit-zero", "--quiet", str(corpus)]
        commands["python startup"] = [sys.executable, "-c", "pass"]
        rounds = rounds_of(commands, args.repeat)
        times = {name: min(timings[name] for timings in rounds) for name in commands}
        subprocess.run([*lnlint, *cache], stdout=subprocess.DEVNULL, check=False, env=ENVIRONMENT)  # fill the cache
        times["lnlint warm"] = best_of([*lnlint, *cache], args.repeat)
        # pre-commit's shape: one staged file of the project, the cache warm; a file that names
        # no torch class (and uses nothing that builds one), and a model file
        plain = next((p for p in sorted(corpus.rglob("*.py")) if b"torch" not in p.read_bytes() and p.name != "__init__.py"), None)
        for name, staged in (("1 file, plain", plain),):
            if staged is not None:
                times[f"lnlint {name}"] = best_of([*lnlint[:-1], *cache, str(staged)], max(args.repeat, 5))
        # A model file (the last `modeling_*.py`, else any file, that names LayerNorm), not a
        # module every other file imports (editing one of those re-evaluates every file whose
        # findings read it).
        candidates = [p for p in sorted(corpus.rglob("*.py")) if p.name != "__init__.py" and b"LayerNorm" in p.read_bytes()]
        models = [p for p in candidates if p.name.startswith("modeling_")]
        edited = (models or candidates or [None])[-1]
        if edited is not None:
            original = edited.read_bytes()
            best = float("inf")
            try:
                for attempt in range(args.repeat):
                    edited.write_bytes(original + f"\n# edit {attempt}\n".encode())
                    best = min(best, best_of([*lnlint, *cache], 1))
            finally:
                edited.write_bytes(original)
            times["lnlint 1 edited"] = best
            subprocess.run([*lnlint, *cache], stdout=subprocess.DEVNULL, check=False, env=ENVIRONMENT)
            times["lnlint 1 file, model"] = best_of([*lnlint[:-1], *cache, str(edited)], max(args.repeat, 5))
        print(f"corpus: {corpus} ({files} .py files), best of {args.repeat}")
        reference = times.get("ruff E9,F")
        for name, seconds in times.items():
            ratio = f"{seconds / reference:8.2f} x ruff" if reference else ""
            print(f"  {name:<16} {seconds:8.3f} s {ratio}")
        if reference:
            ratios = sorted(timings["lnlint cold"] / timings["ruff E9,F"] for timings in rounds)
            print(f"lnlint cold / ruff, round by round: median {ratios[len(ratios) // 2]:.2f}, from {ratios[0]:.2f} to {ratios[-1]:.2f}")

if __name__ == "__main__":
    main()
