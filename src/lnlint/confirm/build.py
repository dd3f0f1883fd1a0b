"""Specs → torch modules. Only torch.nn classes are built, from resolved values and torch's
defaults; anything unknown makes the finding `skipped`, with the missing value named."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lnlint.signatures import SIGNATURES
from lnlint.spec import LayerSpec, Spec, StackSpec, Unknown, Value

_IGNORED = frozenset({"device", "dtype", "batch_first", "custom_encoder", "custom_decoder"})


class NotBuildable(Exception):
    """Why a finding's configuration cannot be built (becomes verdict `skipped`)."""


@dataclass(frozen=True)
class Shape:
    """What a probe builds: one layer kind, its constructor arguments, and how it is stacked."""

    kind: str  # TransformerEncoderLayer, TransformerDecoderLayer, Transformer or LayerNorm
    kwargs: dict
    depth: int = 1
    final_norm: bool = False

    @property
    def d_model(self) -> int:
        return int(self.kwargs.get("d_model") or self.kwargs.get("normalized_shape"))  # type: ignore[arg-type]

    def parameter_count(self) -> int:
        """An estimate before anything is built (attention + feed-forward + norms)."""
        if self.kind == "LayerNorm":
            return 2 * self.d_model
        d, ff = self.d_model, int(self.kwargs.get("dim_feedforward", 2048))
        per_layer = 4 * d * d + 2 * d * ff + 6 * d
        if self.kind == "TransformerDecoderLayer":
            per_layer += 4 * d * d
        if self.kind == "Transformer":
            enc, dec = self.kwargs.get("num_encoder_layers", 6), self.kwargs.get("num_decoder_layers", 6)
            return int(enc) * per_layer + int(dec) * (per_layer + 4 * d * d)
        return self.depth * per_layer

    def activation_bytes(self, batch: int, tokens: int) -> int:
        """float32 activations kept for a backward pass through every layer (an upper bound
        for the eval-mode probes): token states, feed-forward hidden, attention weights."""
        d = self.d_model
        if self.kind == "LayerNorm":
            return 4 * 2 * batch * tokens * d
        ff, heads = int(self.kwargs.get("dim_feedforward", 2048)), int(self.kwargs.get("nhead", 8) or 1)
        per_layer = batch * (tokens * (8 * d + 2 * ff) + heads * tokens * tokens)
        layers = self.depth
        if self.kind == "Transformer":
            layers = int(self.kwargs.get("num_encoder_layers", 6)) + 2 * int(self.kwargs.get("num_decoder_layers", 6))
        return 4 * layers * per_layer


def shape_of(spec: Spec) -> Shape:
    if isinstance(spec, StackSpec):
        if not isinstance(spec.layer, LayerSpec):
            raise NotBuildable(f"the stacked layer is unknown ({spec.layer.reason})")
        depth = spec.depth
        if not (isinstance(depth, Value) and isinstance(depth.value, int) and depth.value >= 1):
            raise NotBuildable("the depth is unknown")
        final = spec.final_norm.value if isinstance(spec.final_norm, Value) else False
        layer = shape_of(spec.layer)
        return Shape(layer.kind, layer.kwargs, depth.value, bool(final))
    if spec.context.placement_overridden:
        raise NotBuildable(f"{spec.context.placement_overridden}: lnlint builds only torch's own classes")
    if spec.context.norm_type != "LayerNorm":
        raise NotBuildable(f"the model uses {spec.context.norm_type}")
    kwargs = {}
    names = {name for name, _ in SIGNATURES[spec.kind]}
    for name, value in spec.args.items():
        if name in _IGNORED or name not in names:
            continue
        if isinstance(value, Unknown):
            raise NotBuildable(f"{name} is unknown ({value.reason})")
        kwargs[name] = value.value
    if "activation" in kwargs and not isinstance(kwargs["activation"], str):
        raise NotBuildable("activation is not a name torch knows")
    return Shape(spec.kind, kwargs)


def proxy(shape: Shape) -> Shape:
    """The same depth, head ratio and placement at PROXY width, for depth probes."""
    from lnlint.confirm.calibration import PROXY_WIDTH

    d = shape.d_model
    if d <= PROXY_WIDTH:
        return shape
    kwargs = dict(shape.kwargs, d_model=PROXY_WIDTH)
    head_dim = max(1, d // int(shape.kwargs.get("nhead", 8)))
    nhead = max(1, PROXY_WIDTH // max(1, round(head_dim * PROXY_WIDTH / d)))
    while PROXY_WIDTH % nhead:
        nhead -= 1
    kwargs["nhead"] = nhead
    if "dim_feedforward" in kwargs or shape.kind != "LayerNorm":
        kwargs["dim_feedforward"] = max(1, int(shape.kwargs.get("dim_feedforward", 2048)) * PROXY_WIDTH // d)
    return Shape(shape.kind, kwargs, shape.depth, shape.final_norm)


def build_layer(shape: Shape) -> nn.Module:
    cls = getattr(nn, shape.kind)
    kwargs = dict(shape.kwargs)
    if shape.kind != "LayerNorm":
        kwargs["batch_first"] = True
    return cls(**kwargs)


class Stack(nn.Module):
    """N torch layers run in sequence (as TransformerEncoder/ModuleList run them), and the
    final norm when the stack has one. A decoder layer attends to its own input as memory.

    Each layer is initialised on its own, which is how background.md §4 calibrated the depth
    probes. torch's TransformerEncoder starts from N copies of one layer; identical layers
    push token cosine towards 1 within a dozen layers whatever the placement, so they would
    not tell post-LN from pre-LN.
    """

    def __init__(self, layers: list[nn.Module], final_norm: nn.Module | None, decoder: bool) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.norm = final_norm
        self.decoder = decoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        memory = x
        for layer in self.layers:
            x = layer(x, memory) if self.decoder else layer(x)
        return self.norm(x) if self.norm is not None else x


def build_stack(shape: Shape, depth: int | None = None) -> nn.Module:
    """The stack a shape describes (an nn.Transformer is its encoder and decoder)."""
    if shape.kind == "Transformer":
        model = nn.Transformer(**dict(shape.kwargs), batch_first=True)

        class _Whole(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.model(x, x)

        return _Whole()
    if shape.kind == "LayerNorm":
        return build_layer(shape)
    layers = [build_layer(shape) for _ in range(depth or shape.depth)]
    norm = nn.LayerNorm(shape.d_model) if shape.final_norm else None
    return Stack(layers, norm, shape.kind == "TransformerDecoderLayer")
