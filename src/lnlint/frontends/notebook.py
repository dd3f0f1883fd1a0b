"""Jupyter notebooks: the code cells, read in order as one program.

IPython syntax (`%magic`, `%%cell magic` cells, `!shell`, `?help`, `obj?`) is blanked out
line by line, so the program keeps one line per source line; markdown and raw cells are
left out. Each line of the program knows its cell (numbered among all cells, from 1, as
ruff and Jupyter count them), its row in the cell and the line of the .ipynb file that
holds it, for annotations on the raw file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from lnlint.frontends.source import SourceError
from lnlint.spec import Location

# A line IPython rewrites before Python sees it: a magic, a shell escape, a help request,
# or an assignment from a magic or shell escape.
_IPYTHON_LINE = re.compile(r"^\s*(?:[%!?]|[\w.]+\s*=\s*[%!])|\?\s*$")


@dataclass(frozen=True)
class Notebook:
    text: str  # the code cells' program
    rows: list[tuple[int, int, int]]  # per program line: (cell, row in the cell, .ipynb line)

    def located(self, location: Location) -> Location:
        """A program location as a notebook location (the cell, its row, the file line)."""
        if not 1 <= location.line <= len(self.rows):
            return location
        cell, row, file_line = self.rows[location.line - 1]
        end_row = row + location.end_line - location.line
        return replace(location, line=row, end_line=end_row, cell=cell, file_line=file_line)


def read_notebook(data: bytes) -> Notebook:
    """The notebook's program; SourceError when it is not a notebook lnlint can read."""
    from lnlint.frontends.configs.tree import read_json  # what Python's JSON reader cannot take is LN900

    try:
        raw = data.decode("utf-8")
        document = read_json(raw)
    except UnicodeDecodeError as error:
        raise SourceError(f"not UTF-8 text: byte {error.start}") from None
    except json.JSONDecodeError as error:
        raise SourceError(f"not a notebook: invalid JSON: {error.msg}", error.lineno, error.colno) from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise SourceError("not a notebook: no `cells` list")
    lines: list[str] = []
    rows: list[tuple[int, int, int]] = []
    offset = -1  # where the last source line found stands in the raw text (its line: file_line)
    file_line = 1
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            parts = source
        elif isinstance(source, str):
            parts = [source]
        else:
            raise SourceError(f"cell {number}: its source is neither text nor a list of lines")
        cell_lines = "".join(parts).splitlines() or [""]
        magic_cell = cell_lines[0].lstrip().startswith("%%")
        for row, line in enumerate(cell_lines, start=1):
            found = raw.find(json.dumps(line, ensure_ascii=False)[1:-1], offset + 1) if line else -1
            if found >= 0:  # counted on from the last line found: outputs can be megabytes
                file_line += raw.count("\n", max(offset, 0), found)
                offset = found
            lines.append("" if magic_cell or _IPYTHON_LINE.search(line) else line)
            rows.append((number, row, file_line))
    return Notebook("\n".join(lines) + "\n", rows)
