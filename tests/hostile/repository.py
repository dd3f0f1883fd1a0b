"""A repository nobody reviewed, built in a temporary folder: every kind of file that has made
a linter hang, crash, leak or destroy data, beside a folder "outside" that it points into."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "LNLINT_HOSTILE_SECRET_7f3a"  # in the environment and in the outside file: never printed
BAD = "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)\n"
PRE_LN = "import torch.nn as nn\n\nstack = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, norm_first=True), 6)\n"


@dataclass
class Hostile:
    root: Path
    outside: Path
    skipped: list[str] = field(default_factory=list)  # files a walk must skip, each reported once
    unreadable: list[str] = field(default_factory=list)  # files that must be LN900 when linted


def _write(root: Path, name: str, data: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def build(root: Path, outside: Path) -> Hostile:
    """Fill `root` (a fresh folder) with the hostile files; `outside` gets what links escape to."""
    hostile = Hostile(root, outside)
    secret = _write(outside, "secret.py", f"import torch.nn as nn\n# {SECRET}\nnn.LayerNorm(2)\n")
    (outside / "cache").mkdir()

    # Ordinary files, so that the run has something true to report and to fix.
    _write(root, "model.py", BAD)
    _write(root, "pre_ln.py", PRE_LN)
    _write(root, "healthy.py", BAD.replace("d_model=2, nhead=2", "d_model=512, nhead=8"))

    # Links: out of the project, to devices and /proc, loops, dangling, and the cache itself.
    for name, target in [
        ("escape.py", secret), ("environ.py", Path("/proc/self/environ")), ("zero.py", Path("/dev/zero")),
        ("random.py", Path("/dev/urandom")), ("dangling.py", root / "nowhere.py"), ("config/escape.yaml", secret),
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(target)
        hostile.skipped.append(name)
    (root / "loops").mkdir()
    (root / "loops" / "self.py").symlink_to("self.py")
    (root / "loops" / "a.py").symlink_to("b.py")
    (root / "loops" / "b.py").symlink_to("a.py")
    (root / "loops" / "folder").symlink_to(".", target_is_directory=True)
    hostile.skipped += ["loops/self.py", "loops/a.py", "loops/b.py"]
    (root / ".lnlint_cache").symlink_to(outside / "cache", target_is_directory=True)

    # Files that are not files.
    os.mkfifo(root / "fifo.py")
    os.mkfifo(root / "fifo.yaml")
    hostile.skipped += ["fifo.py", "fifo.yaml"]

    # Encodings and line ends.
    _write(root, "bom.py", b"\xef\xbb\xbf" + BAD.encode())
    _write(root, "crlf.py", PRE_LN.replace("\n", "\r\n"))
    _write(root, "cr.py", PRE_LN.replace("\n", "\r"))
    _write(root, "utf16.py", BAD.encode("utf-16"))
    _write(root, "nul.py", b"import torch.nn as nn\n\0\nnn.LayerNorm(2)\n")
    _write(root, "latin1.py", b"import torch.nn as nn\n# caf\xe9\nnn.LayerNorm(2)\n")
    hostile.unreadable += ["utf16.py", "nul.py", "latin1.py", "deep_parens.py"]

    # Odd names.
    _write(root, "-rf.py", BAD)
    _write(root, "with space.py", BAD)
    _write(root, "new\nline.py", BAD)
    _write(root, "modèle.py", BAD)
    os.makedirs(os.fsencode(root) + b"/odd", exist_ok=True)
    with open(os.fsencode(root) + b"/odd/bad\xff\xfename.py", "wb") as file:  # not valid UTF-8
        file.write(BAD.encode())

    # Sizes and depths at the extremes.
    _write(root, "huge_numbers.py", "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=10**12, nhead=7)\nlayer2 = nn.TransformerEncoderLayer(d_model=1000000000000, nhead=7)\n")
    _write(root, "long_line.py", "import torch.nn as nn\n\nlayer = nn.TransformerEncoderLayer(d_model=2, nhead=2)  # " + "x" * 100_000 + "\n")
    _write(root, "deep_parens.py", "import torch.nn as nn\nx = " + "(" * 5000 + ")" * 5000 + "\nnn.LayerNorm(2)\n")
    _write(root, "big.py", BAD + ("# " + "x" * 60 + "\n") * 175_000)  # 10.9 MB
    hostile.skipped.append("configs/huge.yaml")
    _write(root, "configs/huge.yaml", "model:\n  d_model: 2\n  nhead: 2\n  num_layers: 2\n# " + "x" * (5 * 2**20 + 4096) + "\n")
    _write(root, "configs/digits.json", '{"d_model": ' + "1" * 5000 + ', "nhead": 8, "num_layers": 6}')
    chain = "".join(f"a{i}: ${{a{i + 1}}}\n" for i in range(5000))
    _write(root, "configs/chain.yaml", f"model:\n  d_model: ${{a0}}\n  nhead: 2\n  num_layers: 2\n{chain}a5000: 2\n")
    _write(root, "configs/deep.json", '{"d_model": 2, "nhead": 2, "num_layers": 2, "deep": ' + _deep_json(100_000) + "}")
    notebook = {"cells": [{"cell_type": "code", "source": [BAD], "metadata": {}, "outputs": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(notebook)
    _write(root, "deep.ipynb", text[:-1] + ', "deep": ' + _deep_json(100_000) + "}")
    hostile.unreadable += ["configs/digits.json", "configs/chain.yaml", "configs/deep.json", "deep.ipynb"]

    # Configs whose edits could break them.
    _write(root, "configs/multiline.yaml", 'encoder:\n  _target_: "torch.nn.TransformerEncoderLayer\n    "\n  d_model: 2\n  nhead: 2\n')
    # The reported line ends inside a quoted scalar: a comment appended there would become data.
    _write(root, "configs/flow.yaml", 'encoder: {_target_: "torch.nn.TransformerEncoderLayer", d_model: 2, nhead: 2, note: "a\n  long note"}\n')
    _write(root, "configs/layer.yaml", "encoder:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: 12\n  nhead: 8\n")
    return hostile


def snapshot(folder: Path) -> dict[bytes, tuple]:
    """Every entry under `folder`, links not followed: a file's bytes, a link's target, a folder."""
    found: dict[bytes, tuple] = {}
    top = os.fsencode(folder)
    for base, folders, files in os.walk(top):
        for name in folders + files:
            path = os.path.join(base, name)
            relative = os.path.relpath(path, top)
            if os.path.islink(path):
                found[relative] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[relative] = ("folder",)
            elif os.path.isfile(path):
                with open(path, "rb") as file:
                    found[relative] = ("file", file.read())
            else:
                found[relative] = ("other",)
    return found
