"""LN012 groups-not-divisible: GroupNorm's channels do not split into its groups."""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.reading import as_int
from lnlint.rules.violation import Violation
from lnlint.spec import LayerSpec, Spec, cite

CODES = ("LN012",)


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not (isinstance(spec, LayerSpec) and spec.kind == "GroupNorm"):
        return
    groups, channels = as_int(spec.arg("num_groups")), as_int(spec.arg("num_channels"))
    if groups is None or channels is None or groups < 1 or channels % groups == 0:
        return
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    near = sorted(sorted(divisors, key=lambda d: (abs(d - groups), d))[:3])
    yield Violation(
        "LN012",
        f"num_channels is not divisible by num_groups ({cite('num_channels', spec.arg('num_channels'))}; "
        f"{cite('num_groups', spec.arg('num_groups'))}): torch raises `ValueError: num_channels must be "
        f"divisible by num_groups` when it builds the norm. Use a num_groups that divides num_channels "
        f"(e.g. {', '.join(map(str, near))}).",
        {"num_groups": spec.arg("num_groups"), "num_channels": spec.arg("num_channels")},
    )
