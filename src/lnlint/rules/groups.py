"""LN012 groups-not-divisible: GroupNorm's channels do not split into its groups."""

from __future__ import annotations

from typing import Iterator, Mapping

from lnlint.rules.divisors import nearest_divisors
from lnlint.rules.reading import as_int
from lnlint.rules.violation import Violation
from lnlint.spec import LayerSpec, Spec, cite

CODES = ("LN012",)


def check(spec: Spec, thresholds: Mapping[str, int]) -> Iterator[Violation]:
    if not (isinstance(spec, LayerSpec) and spec.kind == "GroupNorm"):
        return
    groups_value, channels_value = spec.arg("num_groups"), spec.arg("num_channels")
    groups, channels = as_int(groups_value), as_int(channels_value)
    values = {"num_groups": groups_value, "num_channels": channels_value}
    if groups == 0:  # torch's divisibility check is `num_channels % num_groups`
        yield Violation(
            "LN012",
            f"{cite('num_groups', groups_value)}: torch raises `ZeroDivisionError: integer modulo by zero` when it "
            f"builds the norm (its check that num_channels is divisible by num_groups divides by zero). {_advice(channels)}",
            values,
        )
        return
    if groups is None or channels is None:
        return
    divisible = channels % groups == 0
    if groups < 0 and divisible:
        yield Violation(
            "LN012",
            f"{cite('num_groups', groups_value)} is not a positive number of groups: torch builds the norm "
            f"({cite('num_channels', channels_value)} divides by it) but raises `RuntimeError: Expected num groups "
            f"to be greater than 0, got {groups_value.value}` whenever it is applied. {_advice(channels)}",  # type: ignore[union-attr]
            values,
        )
    elif not divisible:
        yield Violation(
            "LN012",
            f"num_channels is not divisible by num_groups ({cite('num_channels', channels_value)}; "
            f"{cite('num_groups', groups_value)}): torch raises `ValueError: num_channels ({channels_value.value}) must "  # type: ignore[union-attr]
            f"be divisible by num_groups ({groups_value.value})` when it builds the norm. {_advice(channels, groups)}",  # type: ignore[union-attr]
            values,
        )


def _advice(channels: int | None, groups: int = 1) -> str:
    if channels is None or channels < 1:
        return "Use a positive num_groups that divides num_channels."
    return f"Use a num_groups that divides num_channels (e.g. {nearest_divisors(channels, groups)})."
