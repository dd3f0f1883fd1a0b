"""Regenerate the README's pictures (needs torch and matplotlib: `pip install 'lnlint[confirm,plot]'`,
and admin-torch for the depth picture's Admin curve).

    python docs/make_pictures.py

Each picture is `lnlint probe ... --plot`, seed 0, on the CPU; the commands are printed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PICTURES = {
    "width-collapse.png": ["--d-model", "2", "--nhead", "2"],
    "post-ln-depth.png": ["--d-model", "64", "--nhead", "8", "--num-layers", "24"],
}


def main() -> None:
    for name, args in PICTURES.items():
        command = [sys.executable, "-m", "lnlint", "probe", *args, "--device", "cpu", "--plot", str(HERE / name)]
        print("lnlint probe", " ".join(args), "--plot", f"docs/{name}")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
