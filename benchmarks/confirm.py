"""Time `lnlint --confirm` on the bundled examples, per rule, on the best available device.

    python benchmarks/confirm.py [--device cpu] [--repeat 3]

Prints the static run and the confirmed run (ratio from the same run), then each finding's
probe time from the JSON output (best of --repeat runs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lnlint", "--isolated", *args, str(EXAMPLES)], capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    static = min(timed(["--quiet"])[0] for _ in range(args.repeat))
    runs = [timed(["--output-format", "json", "--confirm", "--device", args.device]) for _ in range(args.repeat)]
    confirmed = min(seconds for seconds, _ in runs)
    print(f"static lint {static:.2f} s; with --confirm {confirmed:.2f} s ({confirmed / static:.1f}x), best of {args.repeat}")
    best: dict[tuple[str, str, int], dict] = {}
    for _, output in runs:
        for finding in json.loads(output):
            key = (finding["code"], finding["filename"], finding["location"]["row"])
            c = finding["confirmation"]
            if key not in best or c["seconds"] < best[key]["seconds"]:
                best[key] = c
    for (code, filename, row), c in sorted(best.items()):
        print(f"  {code} {Path(filename).name}:{row:<3} {c['seconds']:7.3f} s  {c['verdict']:<15} on {c['device']} (torch {c['torch_version']})")


if __name__ == "__main__":
    main()
