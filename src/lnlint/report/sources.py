"""Source lines for reporters that quote or fingerprint them, read once per report."""

from __future__ import annotations


class SourceLines:
    def __init__(self) -> None:
        self._files: dict[str, tuple[str, ...]] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._files:
            try:
                text = open(path, "rb").read().decode("utf-8", "replace")
            except OSError:
                text = ""
            self._files[path] = tuple(text.removeprefix("\ufeff").splitlines())
        lines = self._files[path]
        return lines[number - 1] if 1 <= number <= len(lines) else None
