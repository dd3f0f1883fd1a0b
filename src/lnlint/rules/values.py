"""Reading resolved values the way every rule needs them."""

from __future__ import annotations

import math

from lnlint.spec import LayerSpec, Resolved, Value


_PLAIN_ORIGINS = ("literal", "torch default")


def cite(name: str, resolved: Resolved) -> str:
    """How a message names a value: `d_model = 2`, plus where it came from unless written
    right there (`d_model = 2 from constant D at line 3`, `d_model = 2 from key d_model = ${size.d}`)."""
    if not isinstance(resolved, Value):
        return f"{name} unknown"
    if resolved.origin in _PLAIN_ORIGINS:
        return f"{name} = {resolved.value!r}"
    return f"{name} = {resolved.value!r} from {resolved.origin}"


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
    """The number of features a LayerNorm-bearing construction normalises over.

    LayerNorm normalises over the product of `normalized_shape`; the transformer classes
    over d_model.
    """
    if spec.kind == "LayerNorm":
        shape = spec.arg("normalized_shape")
        if isinstance(shape, Value) and isinstance(shape.value, (tuple, list)):
            dims = [as_int(Value(d, shape.origin)) for d in shape.value]
            if dims and all(d is not None and d > 0 for d in dims):
                return math.prod(dims), shape  # type: ignore[arg-type]
            return None, shape
        return as_int(shape), shape
    d_model = spec.arg("d_model")
    return as_int(d_model), d_model


def post_ln(spec: LayerSpec) -> bool | None:
    """True for post-LN, False for pre-LN, None when the placement is not known."""
    if spec.context.placement_overridden:
        return None
    norm_first = as_bool(spec.arg("norm_first"))
    return None if norm_first is None else not norm_first
