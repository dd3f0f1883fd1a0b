"""Reading specs the way every rule needs them: integers, flags, widths, placement."""

from __future__ import annotations

from lnlint.spec import LayerSpec, Resolved, Value, feature_count


def as_int(resolved: Resolved) -> int | None:
    """The integer a value holds (an integral float counts), else None."""
    if not isinstance(resolved, Value) or isinstance(resolved.value, bool):
        return None
    v = resolved.value
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def as_bool(resolved: Resolved) -> bool | None:
    if isinstance(resolved, Value) and isinstance(resolved.value, bool):
        return resolved.value
    return None


def norm_width(spec: LayerSpec) -> tuple[int | None, Resolved]:
    """The number of features a LayerNorm-bearing construction normalises over: the
    product of a LayerNorm's `normalized_shape`, d_model for the transformer classes."""
    source = spec.arg("normalized_shape" if spec.kind in ("LayerNorm", "RMSNorm") else "d_model")
    return (feature_count(source.value) if isinstance(source, Value) else None), source


def post_ln(spec: LayerSpec) -> bool | None:
    """True for post-LN, False for pre-LN, None when the placement is not known."""
    if spec.context.placement_overridden:
        return None
    norm_first = as_bool(spec.arg("norm_first"))
    return None if norm_first is None else not norm_first
