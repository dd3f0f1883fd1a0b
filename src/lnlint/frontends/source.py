"""Files → bytes → text: only regular files are read; text is decoded the way Python reads
source (BOM, PEP 263 cookies, no NUL bytes)."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tokenize
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be read as source; reported as LN900 at (line, column)."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode_python(data: bytes) -> str:
    if b"\0" in data:
        raise SourceError("binary file: it contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot decode: {error.msg}", error.lineno or 1) from None
    return _decode(data, encoding)


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


def read_regular_file(path: Path | str, max_bytes: int | None = None) -> bytes | None:
    """The bytes of `path`, or None when it is larger than `max_bytes`.

    Opened without blocking and checked before reading: a FIFO or a device named on the
    command line would otherwise block the run forever or never end."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
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
