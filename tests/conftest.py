from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from lnlint.cli import main

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    exit_code: int
    output: str
    stderr: str

    def json(self) -> list[dict]:
        return json.loads(self.output)

    def codes(self) -> list[str]:
        return [f["code"] for f in self.json()]


def pick(findings: list[dict], *fields: str) -> list:
    """The named fields of each JSON finding (`row` and `column` from its location): a
    tuple per finding, or the bare value when one field is named."""

    def get(finding: dict, name: str):
        return finding["location"][name] if name in ("row", "column") else finding[name]

    if len(fields) == 1:
        return [get(f, fields[0]) for f in findings]
    return [tuple(get(f, name) for name in fields) for f in findings]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write files into a fresh folder (the cwd) and run lnlint there in-process."""
    monkeypatch.chdir(tmp_path)

    class Project:
        root = tmp_path

        def write(self, name: str, text: str | bytes) -> Path:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text), encoding="utf-8")
            return path

        def run(self, *args: str, stdin: bytes | None = None) -> Run:
            result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
            return Run(result.exit_code, result.stdout, result.stderr)

        def lint(self, *args: str) -> list[dict]:
            """`lnlint --isolated --output-format json ARGS`: the findings, after checking
            that the run ended as a lint run does (0 clean, 1 findings)."""
            run = self.run("--isolated", "--output-format", "json", *args)
            assert run.exit_code in (0, 1), run.output + run.stderr
            return run.json()

        def findings(self, source: str, *args: str, name: str = "model.py") -> list[dict]:
            self.write(name, source)
            return self.lint(*args, name)

        def codes(self, source: str, *args: str) -> list[str]:
            return [f["code"] for f in self.findings(source, *args)]

    return Project()
