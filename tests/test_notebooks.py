"""Jupyter notebooks: code cells read in order as one program, positions named by cell."""

from __future__ import annotations

import json

from tests.conftest import pick


def notebook(*cells: tuple[str, list[str]]) -> str:
    """A notebook as nbformat writes it (indent 1), from (cell type, source lines) pairs."""
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                for kind, source in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ) + "\n"


MODEL = notebook(
    ("markdown", ["# A tiny model with a LayerNorm\n"]),
    ("code", ["%matplotlib inline\n", "import torch.nn as nn\n", "!pip install torch\n", "d_model = 2"]),
    ("code", ["%%time\n", "this is not python\n"]),
    ("code", ["nn.LayerNorm?\n", "layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=1)\n", "files = !ls\n"]),
)


def test_a_later_cell_sees_earlier_cells_and_ipython_syntax_is_not_reported(project):
    project.write("nb.ipynb", MODEL)
    run = project.run("--isolated", "nb.ipynb")
    assert run.output.splitlines()[0].startswith("nb.ipynb:cell 4:2:9: LN001 [error] LayerNorm over 2 features")
    assert "LN900" not in run.output


def test_json_names_the_cell_and_ci_formats_point_at_the_ipynb_line(project):
    path = project.write("nb.ipynb", MODEL)
    (finding,) = project.lint("nb.ipynb")
    assert (finding["cell"], finding["location"], finding["end_location"]["row"]) == (4, {"row": 2, "column": 9}, 2)
    file_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "TransformerEncoderLayer" in line)
    github = project.run("--isolated", "--output-format", "github", "nb.ipynb").output
    assert f"file=nb.ipynb,line={file_line}," in github
    assert "LN001 cell 4, line 2: LayerNorm" in github
    sarif = project.run("--isolated", "--output-format", "sarif", "nb.ipynb").json()
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == file_line
    assert result["message"]["text"].startswith("cell 4, line 2: ")
    gitlab = project.run("--isolated", "--output-format", "gitlab", "nb.ipynb").json()
    assert gitlab[0]["location"]["lines"]["begin"] == file_line


def test_notebooks_are_found_in_folders_and_read_from_standard_input(project):
    project.write("notebooks/nb.ipynb", MODEL)
    assert pick(project.lint("."), "filename", "code") == [("notebooks/nb.ipynb", "LN001")]
    run = project.run("--isolated", "--output-format", "json", "--stdin-filename", "x.ipynb", stdin=MODEL.encode())
    assert pick(run.json(), "filename", "cell", "code") == [("x.ipynb", 4, "LN001")]


def test_suppression_comments_work_inside_cells(project):
    noqa = MODEL.replace("nhead=1)\\n", "nhead=1)  # noqa: LN001\\n")
    project.write("nb.ipynb", noqa)
    assert project.lint("nb.ipynb") == []
    skipped = notebook(("code", ["# lnlint: skip-file\n"]), ("code", ["import torch.nn as nn\n", "nn.LayerNorm(2)\n"]))
    project.write("skip.ipynb", skipped)
    assert project.lint("skip.ipynb") == []


def test_a_notebook_that_cannot_be_read_is_ln900_with_the_reason(project):
    project.write("broken.ipynb", '{"cells": [')
    project.write("shape.ipynb", json.dumps({"cells": [{"cell_type": "code", "source": 3}]}))
    project.write("syntax.ipynb", notebook(("markdown", ["x\n"]), ("code", ["import torch.nn as nn\n", "nn.LayerNorm(2\n"])))
    findings = {f["filename"]: f for f in project.lint("broken.ipynb", "shape.ipynb", "syntax.ipynb")}
    assert {name: f["code"] for name, f in findings.items()} == {"broken.ipynb": "LN900", "shape.ipynb": "LN900", "syntax.ipynb": "LN900"}
    assert "invalid JSON" in findings["broken.ipynb"]["message"]
    assert "cell 1" in findings["shape.ipynb"]["message"]
    assert findings["syntax.ipynb"]["cell"] == 2


def test_values_flow_from_a_notebook_into_the_project(project):
    project.write("pkg/__init__.py", "")
    project.write("pkg/net.py", "import torch.nn as nn\n\n\ndef build(width):\n    return nn.LayerNorm(width)\n")
    project.write("explore.ipynb", notebook(("code", ["from pkg.net import build\n"]), ("code", ["norm = build(2)\n"])))
    assert pick(project.lint("explore.ipynb"), "cell", "code", "row") == [(2, "LN001", 1)]


def test_repeated_source_lines_each_point_at_their_own_ipynb_line(project):
    path = project.write("nb.ipynb", notebook(("code", ["import torch.nn as nn\n", "nn.LayerNorm(2)\n"]), ("code", ["nn.LayerNorm(2)\n"])))
    file_lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if "LayerNorm(2)" in line]
    github = project.run("--isolated", "--output-format", "github", "nb.ipynb").output
    assert [int(part.split("line=")[1].split(",")[0]) for part in github.splitlines()] == file_lines
    assert pick(project.lint("nb.ipynb"), "cell", "row") == [(1, 2), (2, 1)]
