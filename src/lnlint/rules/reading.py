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


# More features than any tensor can have (torch's sizes are 64-bit): the width rules need no
# more than that, and a product of many huge dimensions would cost more than the source is long.
_WIDTH_BITS = 64


def norm_width(spec: LayerSpec) -> tuple[int | None, Resolved]:
    """The number of features a LayerNorm-bearing construction normalises over: the
    product of a LayerNorm's `normalized_shape`, d_model for the transformer classes; None
    when unknown, not a valid shape, or too large for a tensor."""
    source = spec.arg("normalized_shape" if spec.kind in ("LayerNorm", "RMSNorm") else "d_model")
    if not isinstance(source, Value):
        return None, source
    dims = source.value if isinstance(source.value, (tuple, list)) else (source.value,)
    if sum(d.bit_length() - 1 for d in dims if isinstance(d, int) and d > 0) > _WIDTH_BITS:
        return None, source
    return feature_count(source.value), source


def shape_dims(resolved: Resolved) -> tuple[int, ...] | None:
    """The dimensions of a `normalized_shape` (an integer, or a tuple or list of them), when
    every one is an integer; else None."""
    if not isinstance(resolved, Value):
        return None
    dims = resolved.value if isinstance(resolved.value, (tuple, list)) else (resolved.value,)
    if not dims or not all(type(d) is int for d in dims):
        return None
    return tuple(dims)


def post_ln(spec: LayerSpec) -> bool | None:
    """True for post-LN, False for pre-LN, None when the placement is not known."""
    if spec.context.placement_overridden:
        return None
    norm_first = as_bool(spec.arg("norm_first"))
    return None if norm_first is None else not norm_first
