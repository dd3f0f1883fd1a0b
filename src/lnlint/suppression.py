"""Inline suppression comments, the same in Python and YAML: `# noqa`, `# noqa: LN001`,
`# lnlint: ignore[LN001,LN005]` on a finding's first or last line (or its construction's),
`# lnlint: skip-file`."""

from __future__ import annotations

import re
from typing import Callable, Sequence

from lnlint.findings import Finding

_NOQA = re.compile(r"#\s*noqa(?P<colon>:\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.I)
_IGNORE = re.compile(r"#\s*lnlint:\s*ignore\[(?P<codes>[^\]]*)\]")
_SKIP_FILE = re.compile(r"^[ \t]*#\s*lnlint:\s*skip-file\b", re.M)

ALL = frozenset({"*"})


def skips_file(text: str) -> bool:
    return "lnlint" in text and _SKIP_FILE.search(text) is not None  # (`in` is 8× faster than the pattern)


def suppressed_codes(line: str) -> frozenset[str]:
    """Codes (or prefixes) a line's comment suppresses; ALL for a bare `# noqa`."""
    if "#" not in line:
        return frozenset()
    codes: set[str] = set()
    for match in _NOQA.finditer(line):
        if match.group("codes") is None:
            return ALL
        codes.update(re.split(r"[\s,]+", match.group("codes").strip().upper()))
    for match in _IGNORE.finditer(line):
        codes.update(c.strip().upper() for c in match.group("codes").split(",") if c.strip())
    return frozenset(codes)


def coded_noqa(line: str) -> re.Match[str] | None:
    """The line's first `# noqa: CODES` directive: the one `with_noqa` extends."""
    return next((m for m in _NOQA.finditer(line) if m.group("codes") is not None), None)


def with_noqa(line: str, code: str) -> str:
    """The line with `code` added to its `# noqa: ...` comment, or given one."""
    match = coded_noqa(line)
    if match is not None:
        return f"{line[: match.end('codes')]}, {code}{line[match.end('codes'):]}"
    return f"{line}  # noqa: {code}"


def is_suppressed(finding: Finding, lines_of: Callable[[str], Sequence[str]]) -> bool:
    """A comment on the reported location's first or last line, or on the construction's
    when the values came from a call elsewhere (`lines_of` reads a file's lines by path)."""
    places = [finding.location]
    if finding.related:
        places.append(finding.related[-1].location)
    for location in places:
        lines = lines_of(location.path)
        for number in {location.line, location.end_line}:
            if 1 <= number <= len(lines):
                codes = suppressed_codes(lines[number - 1])
                if codes is ALL or any(finding.code.startswith(c) for c in codes):
                    return True
    return False
