"""Fingerprints that survive unrelated edits: rule, file, and the reported line's text
(not its number), with an occurrence count for identical lines."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Sequence

from lnlint.findings import Finding
from lnlint.report.sources import SourceLines


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    sources = SourceLines()
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in findings:
        text = " ".join((sources.line(finding.location.path, finding.location.line) or "").split())
        key = (finding.code, finding.location.path, text)
        seen[key] += 1
        # A file name that is not UTF-8 holds surrogate escapes: hash its bytes as they are.
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8", "surrogateescape")).hexdigest()
        result.append(digest[:32])
    return result
