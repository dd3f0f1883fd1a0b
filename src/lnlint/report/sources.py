"""Source lines for reporters that quote or fingerprint them, read once per report."""

from __future__ import annotations

from lnlint.frontends.source import SourceError, read_regular_file

# A file larger than this is not quoted: a report must not hold a 200 MB file to show a line.
MAX_QUOTED_BYTES = 10 * 2**20


class SourceLines:
    def __init__(self) -> None:
        self._files: dict[str, tuple[str, ...]] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._files:
            try:  # the linter's own reader: never a FIFO, a device or a link out of the project
                text = (read_regular_file(path, MAX_QUOTED_BYTES) or b"").decode("utf-8", "replace")
            except (OSError, SourceError):
                text = ""
            self._files[path] = tuple(text.removeprefix("\ufeff").splitlines())
        lines = self._files[path]
        return lines[number - 1] if 1 <= number <= len(lines) else None
