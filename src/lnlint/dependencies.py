"""Which files a file's findings were computed from, for the cache.

Whatever reads another file's content on behalf of the file being linted (the project's
modules it follows values into, the Hydra configs a defaults list chooses, the construction
whose `# noqa` applies) says so with `note`; `recording` collects the notes of one lint.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable, Iterator

_open_logs: list[set[Path]] = []


def note(path: Path) -> None:
    """The content of `path` (a resolved path) decides what is being computed."""
    for log in _open_logs:
        log.add(path)


def note_all(paths: Iterable[Path]) -> None:
    for log in _open_logs:
        log.update(paths)


@contextlib.contextmanager
def recording() -> Iterator[set[Path]]:
    """Collect the paths noted inside the block (nested blocks also feed the outer ones)."""
    log: set[Path] = set()
    _open_logs.append(log)
    try:
        yield log
    finally:
        _open_logs.pop()  # blocks nest: the last opened is this one
