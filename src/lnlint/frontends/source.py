"""Files → bytes → text: only regular files are read; text is decoded the way Python reads
source (BOM, PEP 263 cookies, no NUL bytes)."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tokenize
from pathlib import Path
from typing import Iterable


# Where each parser counts a new line: Python at \r\n, \r and \n only (not at \f or \u2028,
# as str.splitlines does), YAML also at \x85, \u2028 and \u2029. A `# noqa` or a finding's
# line is numbered as its parser numbers it.
PYTHON_LINE_BREAK = re.compile(r"\r\n|[\r\n]")
YAML_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def numbered_lines(text: str, config: bool) -> list[str]:
    """The lines of a source (Python) or config (YAML, JSON) text, as its parser numbers them."""
    lines = (YAML_LINE_BREAK if config else PYTHON_LINE_BREAK).split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


class SourceError(Exception):
    """A file that cannot be read as source; reported as LN900 at (line, column)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode_python(data: bytes) -> str:
    if b"\0" in data:
        if _looks_like_utf16(data):
            raise SourceError("UTF-16 is not supported; save it as UTF-8")
        raise SourceError("binary file: it contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot decode: {error.msg}", error.lineno or 1) from None
    return _decode(data, encoding)


def _looks_like_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text with a NUL beside every character."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = data[:200]
    return len(head) >= 4 and (head[1::2].count(0) == len(head[1::2]) or head[0::2].count(0) == len(head[0::2]))


def decode_text(data: bytes) -> str:
    """Config files: UTF-8 with an optional BOM (YAML also allows UTF-16 with a BOM)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16")
    if b"\0" in data:
        raise SourceError("binary file: it contains NUL bytes")
    return _decode(data, "utf-8-sig")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        if isinstance(error, UnicodeDecodeError):
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
            raise SourceError(f"cannot decode as {encoding}: {error.reason} (byte 0x{data[error.start]:02x})", line, column) from None
        raise SourceError(f"unknown encoding {encoding!r}") from None


_FILE_TYPES = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFDIR: "a directory"}


# The real folders that a symbolic link may lead into (None: anywhere). A repository can
# hold `env.py -> /proc/self/environ`: the linter, its value flow and its reporters (which
# quote source lines) must not read, and print, what such a link points at.
_readable_roots: tuple[str, ...] | None = None


def confine_links(roots: Iterable[Path | str] | None) -> None:
    """Read a file reached through a link only when it lies under these folders, or
    wherever it lies (None)."""
    global _readable_roots
    _readable_roots = None if roots is None else tuple(sorted({os.path.realpath(root) for root in roots}))


def linted_folders(paths: Iterable[Path], project_root: Path) -> list[Path]:
    """The folders a run over `paths` reads in: the project's, each folder named, and the
    folder of each file named (a link named on the command line, as pre-commit names
    staged files, is held to its folder like any other)."""
    return [project_root, *(path if path.is_dir() and not path.is_symlink() else path.absolute().parent for path in paths)]


def outside_readable_roots(real: str) -> bool:
    return _readable_roots is not None and not any(
        real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in _readable_roots
    )


def _real_path(fd: int, path: Path | str) -> str:
    """The real path of what `fd` opened (Linux names it; elsewhere the path resolved)."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


def read_regular_file(path: Path | str, max_bytes: int | None = None) -> bytes | None:
    """The bytes of `path`, or None when it is larger than `max_bytes`.

    Opened without blocking and checked before reading: a FIFO or a device named on the
    command line would otherwise block the run forever or never end. A file reached through
    a link to outside the run's folders (`confine_links`) is refused."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if _readable_roots is not None:
            real = _real_path(fd, path)
            if real != os.path.abspath(path) and outside_readable_roots(real):
                raise SourceError(f"a symbolic link to {real}, outside the folders linted; not read")
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _FILE_TYPES.get(stat.S_IFMT(info.st_mode), "not a plain file")
            raise SourceError(f"not a regular file ({kind}); not read")
        if max_bytes is not None and info.st_size > max_bytes:
            return None
        with os.fdopen(fd, "rb") as file:
            fd = -1
            return file.read()
    finally:
        if fd >= 0:
            os.close(fd)
