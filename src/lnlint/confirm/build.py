"""Specs → torch modules. Only torch.nn classes are built, from resolved values and torch's
defaults; anything unknown makes the finding `skipped`, with the missing value named."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from lnlint.frontends.signatures import SIGNATURES
from lnlint.spec import NORM_KINDS, LayerSpec, Spec, StackSpec, Unknown, Value, feature_count

_IGNORED = frozenset({"device", "dtype", "batch_first", "custom_encoder", "custom_decoder"})
_STACK_OPTIONS = frozenset({"enable_nested_tensor", "mask_check"})
_SINGLE_KINDS = (*NORM_KINDS, "MultiheadAttention")


class NotBuildable(Exception):
    """Why a finding's configuration cannot be built (becomes verdict `skipped`)."""


@dataclass(frozen=True)
class BuildPlan:
    """A buildable configuration, what a probe builds: one layer kind, its constructor
    arguments, how it is stacked, and the arguments of the torch stack around it."""

    kind: str  # TransformerEncoderLayer, TransformerDecoderLayer, Transformer or LayerNorm
    kwargs: dict
    depth: int = 1
    final_norm: bool = False
    stack_kwargs: dict = field(default_factory=dict)  # TransformerEncoder's own, e.g. enable_nested_tensor

    @property
    def single(self) -> bool:
        """A single module (a norm, or attention), not a layer or stack of them."""
        return self.kind in _SINGLE_KINDS

    @property
    def feature_shape(self) -> tuple[int, ...]:
        """The trailing dimensions of the input: `normalized_shape` for LayerNorm and RMSNorm,
        the channels of a GroupNorm, the embedding of MultiheadAttention, else d_model."""
        if self.kind in ("LayerNorm", "RMSNorm"):
            shape = self.kwargs["normalized_shape"]
            return tuple(int(d) for d in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        width = {"GroupNorm": "num_channels", "MultiheadAttention": "embed_dim"}.get(self.kind, "d_model")
        return (int(self.kwargs[width]),)

    @property
    def d_model(self) -> int:
        """The number of features each token has (the product of a LayerNorm's shape)."""
        width = feature_count(self.feature_shape)
        if width is None:
            raise NotBuildable(f"{self.feature_shape} is not a shape torch can build")
        return width

    def _layer_kwargs(self) -> dict:
        return {k: v for k, v in self.kwargs.items() if k not in ("num_encoder_layers", "num_decoder_layers")}

    def parameter_count(self) -> int:
        """Every parameter the build would allocate, counted on torch's meta device (which
        allocates nothing): one layer of each kind, times the depth, plus final norms."""
        with torch.device("meta"):
            if self.single:
                return _count(getattr(nn, self.kind)(**self.kwargs))
            norm = _count(nn.LayerNorm(self.d_model))
            if self.kind == "Transformer":
                encoder = _count(nn.TransformerEncoderLayer(**self._layer_kwargs()))
                decoder = _count(nn.TransformerDecoderLayer(**self._layer_kwargs()))
                layers = self.kwargs.get("num_encoder_layers", 6), self.kwargs.get("num_decoder_layers", 6)
                return int(layers[0]) * encoder + int(layers[1]) * decoder + 2 * norm
            layer = _count(getattr(nn, self.kind)(**self.kwargs))
        return self.depth * layer + (norm if self.final_norm else 0)

    def activation_bytes(self, batch: int, tokens: int) -> int:
        """float32 activations kept for a backward pass through every layer (an upper bound
        for the eval-mode probes): token states, feed-forward hidden, attention weights."""
        d = self.d_model
        if self.kind == "MultiheadAttention":
            return 4 * batch * (4 * tokens * d + int(self.kwargs.get("num_heads", 1) or 1) * tokens * tokens)
        if self.single:
            return 4 * 2 * batch * tokens * d
        ff, heads = int(self.kwargs.get("dim_feedforward", 2048)), int(self.kwargs.get("nhead", 8) or 1)
        per_layer = batch * (tokens * (8 * d + 2 * ff) + heads * tokens * tokens)
        layers = self.depth
        if self.kind == "Transformer":
            layers = int(self.kwargs.get("num_encoder_layers", 6)) + 2 * int(self.kwargs.get("num_decoder_layers", 6))
        return 4 * layers * per_layer


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def plan_for(spec: Spec) -> BuildPlan:
    if isinstance(spec, StackSpec):
        if not isinstance(spec.layer, LayerSpec):
            raise NotBuildable(f"the stacked layer is unknown ({spec.layer.reason})")
        depth = spec.depth
        if not (isinstance(depth, Value) and isinstance(depth.value, int) and depth.value >= 1):
            raise NotBuildable("the depth is unknown")
        final = spec.final_norm.value if isinstance(spec.final_norm, Value) else False
        layer = plan_for(spec.layer)
        stack_kwargs = {name: value.value for name, value in spec.args.items() if name in _STACK_OPTIONS and isinstance(value, Value)}
        return BuildPlan(layer.kind, layer.kwargs, depth.value, bool(final), stack_kwargs)
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
    return BuildPlan(spec.kind, kwargs)


def width_proxy(shape: BuildPlan) -> BuildPlan:
    """The same depth, head ratio and placement at PROXY_WIDTH, for depth probes."""
    from lnlint.confirm.calibration import PROXY_WIDTH

    d = shape.d_model
    if d <= PROXY_WIDTH or shape.single:
        return shape
    kwargs = dict(shape.kwargs, d_model=PROXY_WIDTH)
    head_dim = max(1, d // int(shape.kwargs.get("nhead", 8)))
    nhead = max(1, PROXY_WIDTH // max(1, round(head_dim * PROXY_WIDTH / d)))
    while PROXY_WIDTH % nhead:
        nhead -= 1
    kwargs["nhead"] = nhead
    kwargs["dim_feedforward"] = max(1, int(shape.kwargs.get("dim_feedforward", 2048)) * PROXY_WIDTH // d)
    return BuildPlan(shape.kind, kwargs, shape.depth, shape.final_norm)


def _narrow_feedforward(shape: BuildPlan) -> BuildPlan:
    """The feed-forward at most FEEDFORWARD_RATIO times d_model: it plays no part in what the
    width, heads and depth probes measure beyond its size."""
    from lnlint.confirm.calibration import FEEDFORWARD_RATIO

    if shape.single:
        return shape
    ceiling = FEEDFORWARD_RATIO * shape.d_model
    if int(shape.kwargs.get("dim_feedforward", 2048)) <= ceiling:
        return shape
    return BuildPlan(shape.kind, dict(shape.kwargs, dim_feedforward=ceiling), shape.depth, shape.final_norm)


def within_budget(
    shape: BuildPlan, max_params: int, batch: int, tokens: int, keep_width: bool
) -> tuple[BuildPlan, dict | None]:
    """The shape itself when its parameters and activations fit the budget; else a proxy
    that fits, and the dimensions it changed; NotBuildable with the estimate when none does.
    Nothing is allocated to find out. Width probes keep d_model (it is what they measure);
    depth probes may narrow it, keeping the head ratio."""
    from lnlint.confirm.calibration import MAX_ACTIVATION_BYTES

    def fits(candidate: BuildPlan) -> bool:
        return (
            candidate.parameter_count() <= max_params
            and candidate.activation_bytes(batch, tokens) <= MAX_ACTIVATION_BYTES
        )

    if fits(shape):
        return shape, None
    candidate = shape if keep_width else width_proxy(shape)
    if not fits(candidate):
        candidate = _narrow_feedforward(candidate)
    if not fits(candidate):
        raise NotBuildable(
            f"it needs about {shape.parameter_count():,} parameters and "
            f"{shape.activation_bytes(batch, tokens) / 2**30:,.1f} GiB of activations, and no proxy "
            f"of it fits --confirm-max-params={max_params:,} and {MAX_ACTIVATION_BYTES / 2**30:g} GiB"
        )
    changed = {k: v for k, v in candidate.kwargs.items() if shape.kwargs.get(k) != v}
    return candidate, changed


def build_layer(shape: BuildPlan) -> nn.Module:
    cls = getattr(nn, shape.kind)
    kwargs = dict(shape.kwargs)
    if any(name == "batch_first" for name, _ in SIGNATURES[shape.kind]):
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


def build_stack(shape: BuildPlan, depth: int | None = None) -> nn.Module:
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
    if shape.single:
        return build_layer(shape)
    layers = [build_layer(shape) for _ in range(depth or shape.depth)]
    norm = nn.LayerNorm(shape.d_model) if shape.final_norm else None
    return Stack(layers, norm, shape.kind == "TransformerDecoderLayer")


class AdminEncoderLayer(nn.TransformerEncoderLayer):
    """torch's post-LN encoder layer with Admin's shortcut rescaling (Liu et al., 2020): each
    sublayer adds to x·ω instead of x, ω from admin_torch for `residual_layers` residual
    connections (2 per layer of the stack)."""

    def __init__(self, residual_layers: int, **kwargs) -> None:
        import admin_torch

        super().__init__(**kwargs)
        self.residual_attention = admin_torch.as_module(residual_layers)
        self.residual_feedforward = admin_torch.as_module(residual_layers)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        attended = self._sa_block(src, src_mask, src_key_padding_mask, is_causal=is_causal)
        x = self.norm1(self.residual_attention(src, attended))
        return self.norm2(self.residual_feedforward(x, self._ff_block(x)))


def build_admin_stack(shape: BuildPlan, depth: int) -> nn.Module:
    """`depth` post-LN encoder layers of the shape with Admin's rescaling (admin_torch)."""
    kwargs = dict(shape.kwargs, norm_first=False, batch_first=True)
    return Stack([AdminEncoderLayer(2 * depth, **kwargs) for _ in range(depth)], None, False)


def seeded_stack(plan: BuildPlan, seed: int, device: torch.device, depth: int | None = None) -> nn.Module:
    torch.manual_seed(seed)
    return build_stack(plan, depth).to(device).eval()


def first_layer(model: nn.Module) -> nn.Module:
    if hasattr(model, "model"):  # nn.Transformer
        return model.model.encoder.layers[0]
    return model.layers[0] if hasattr(model, "layers") else model


def one_of_each(plan: BuildPlan) -> BuildPlan:
    """The plan's layer once (one encoder and one decoder layer for an nn.Transformer)."""
    if plan.kind == "Transformer":
        return BuildPlan(plan.kind, dict(plan.kwargs, num_encoder_layers=1, num_decoder_layers=1))
    return BuildPlan(plan.kind, plan.kwargs)
