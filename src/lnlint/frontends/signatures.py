"""Constructor signatures of the torch.nn classes lnlint reasons about, as data.

Kept here so that positional binding and defaults work without importing torch; a test
compares them with `inspect.signature` of the installed torch. Callable defaults (the
`activation` function) are stored by their name, as a user would write the string.
"""

from __future__ import annotations

from typing import Mapping

from lnlint.spec import TORCH_KINDS, Resolved, Unknown, Value

REQUIRED = object()

_LAYER = (
    ("d_model", REQUIRED),
    ("nhead", REQUIRED),
    ("dim_feedforward", 2048),
    ("dropout", 0.1),
    ("activation", "relu"),
    ("layer_norm_eps", 1e-05),
    ("batch_first", False),
    ("norm_first", False),
    ("bias", True),
    ("device", None),
    ("dtype", None),
)

SIGNATURES: Mapping[str, tuple[tuple[str, object], ...]] = {
    "TransformerEncoderLayer": _LAYER,
    "TransformerDecoderLayer": _LAYER,
    "Transformer": (
        ("d_model", 512),
        ("nhead", 8),
        ("num_encoder_layers", 6),
        ("num_decoder_layers", 6),
        ("dim_feedforward", 2048),
        ("dropout", 0.1),
        ("activation", "relu"),
        ("custom_encoder", None),
        ("custom_decoder", None),
        ("layer_norm_eps", 1e-05),
        ("batch_first", False),
        ("norm_first", False),
        ("bias", True),
        ("device", None),
        ("dtype", None),
    ),
    "TransformerEncoder": (
        ("encoder_layer", REQUIRED),
        ("num_layers", REQUIRED),
        ("norm", None),
        ("enable_nested_tensor", True),
        ("mask_check", True),
    ),
    "TransformerDecoder": (
        ("decoder_layer", REQUIRED),
        ("num_layers", REQUIRED),
        ("norm", None),
    ),
    "LayerNorm": (
        ("normalized_shape", REQUIRED),
        ("eps", 1e-05),
        ("elementwise_affine", True),
        ("bias", True),
        ("device", None),
        ("dtype", None),
    ),
    "RMSNorm": (
        ("normalized_shape", REQUIRED),
        ("eps", None),
        ("elementwise_affine", True),
        ("device", None),
        ("dtype", None),
    ),
    "GroupNorm": (
        ("num_groups", REQUIRED),
        ("num_channels", REQUIRED),
        ("eps", 1e-05),
        ("affine", True),
        ("device", None),
        ("dtype", None),
        ("bias", True),
    ),
    "MultiheadAttention": (
        ("embed_dim", REQUIRED),
        ("num_heads", REQUIRED),
        ("dropout", 0.0),
        ("bias", True),
        ("add_bias_kv", False),
        ("add_zero_attn", False),
        ("kdim", None),
        ("vdim", None),
        ("batch_first", False),
        ("device", None),
        ("dtype", None),
    ),
}


_PUBLIC_MODULES = frozenset({"torch.nn", "torch.nn.modules"})
# The module of torch that defines each class (a class is also reached through torch.nn).
_DEFINED_IN = {
    "LayerNorm": "torch.nn.modules.normalization", "RMSNorm": "torch.nn.modules.normalization",
    "GroupNorm": "torch.nn.modules.normalization", "MultiheadAttention": "torch.nn.modules.activation",
}


# torch.nn.functional's norms: the class each computes, and its own signature. A call is read
# as a construction of that class with these arguments (the tensors left out).
FUNCTIONAL_NORMS: Mapping[str, tuple[str, tuple[tuple[str, object], ...]]] = {
    "layer_norm": ("LayerNorm", (("input", REQUIRED), ("normalized_shape", REQUIRED), ("weight", None), ("bias", None), ("eps", 1e-05))),
    "rms_norm": ("RMSNorm", (("input", REQUIRED), ("normalized_shape", REQUIRED), ("weight", None), ("eps", None))),
}
_FUNCTIONAL_MODULES = frozenset({"torch.nn.functional", "torch"})


def functional_norm(qualname: object) -> str | None:
    """`torch.nn.functional.layer_norm` → "layer_norm" (a key of FUNCTIONAL_NORMS); else None."""
    if not isinstance(qualname, str):
        return None
    module, _, name = qualname.rpartition(".")
    return name if name in FUNCTIONAL_NORMS and module in _FUNCTIONAL_MODULES else None


def bind_functional_norm(name: str, positional: list[Resolved], keywords: Mapping[str, Resolved], rest: Unknown | None) -> dict[str, Resolved]:
    """A functional norm's arguments as its class's: `normalized_shape` and `eps` bound from
    the call, the class's other parameters at their defaults."""
    kind, params = FUNCTIONAL_NORMS[name]
    own = {param: default for param, default in params}
    bound: dict[str, Resolved] = {}
    for (param, _), value in zip(params, positional):
        bound[param] = value
    for param, value in keywords.items():
        bound.setdefault(param, value)
    for param in ("normalized_shape", "eps"):
        if param not in bound:
            default = own[param]
            bound[param] = rest if rest is not None else Unknown(f"required argument {param} is missing") if default is REQUIRED else Value(default, "torch default")
    given = {param: bound[param] for param in ("normalized_shape", "eps")}
    return bind_arguments(kind, [], given)


def torch_kind(qualname: object) -> str | None:
    """`torch.nn.modules.transformer.TransformerEncoder` → "TransformerEncoder"; else None."""
    if not isinstance(qualname, str):
        return None
    module, _, name = qualname.rpartition(".")
    if name not in TORCH_KINDS:
        return None
    defined = _DEFINED_IN.get(name, "torch.nn.modules.transformer")
    # LayerNorm was also reachable as torch.nn.modules.transformer.LayerNorm (it imports it)
    allowed = _PUBLIC_MODULES | {defined} | ({"torch.nn.modules.transformer"} if name == "LayerNorm" else set())
    return name if module in allowed else None


def bind_arguments(
    kind: str,
    positional: list[Resolved],
    keywords: Mapping[str, Resolved],
    rest: Unknown | None = None,
    partial: bool = False,
) -> dict[str, Resolved]:
    """Bind call arguments to `kind`'s torch signature, filling omitted ones with defaults.

    `rest` is set when the call has `*args`/`**kwargs` that could not be resolved: any
    parameter not given explicitly may then be set by them, so it is Unknown, never defaulted.
    With `partial` (functools.partial, Hydra's `_partial_`) the later caller decides what
    an omitted parameter is, so it is Unknown too.
    """
    params = SIGNATURES[kind]
    bound: dict[str, Resolved] = {}
    for (name, _), value in zip(params, positional):
        bound[name] = value
    for name, value in keywords.items():
        bound.setdefault(name, value)
    for name, default in params:
        if name in bound:
            continue
        if rest is not None:
            bound[name] = rest
        elif partial:
            bound[name] = Unknown("left to the caller of the partial")
        elif default is REQUIRED:
            bound[name] = Unknown(f"required argument {name} is missing")
        else:
            bound[name] = Value(default, "torch default")
    return bound
