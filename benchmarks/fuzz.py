"""The long fuzzing run: tests/test_fuzz.py under the `long` Hypothesis profile.

    python benchmarks/fuzz.py [EXAMPLES]

Runs every property with EXAMPLES generated inputs each (default 3000) and prints
Hypothesis' statistics: how many inputs were tried, and any failure with its minimal example.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = dict(os.environ, LNLINT_FUZZ_PROFILE="long")
    if len(sys.argv) > 1:
        env["LNLINT_FUZZ_EXAMPLES"] = sys.argv[1]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", "tests/test_fuzz.py"]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
