"""The IR between frontends and rules: plain data about each construction found.

A frontend (Python source or a config file) emits one spec per construction. Rules read only
these objects; they never see source text, syntax trees or file formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union


@dataclass(frozen=True)
class Value:
    """A value the source determines, and where it came from ("literal", "torch default", ...).

    `written` is the span of the literal that gives the value, when the value is that literal
    passed on unchanged (written at the construction, at a call site, or as a config key's
    own scalar; whole numbers and bools): a fix may edit the value there. Values compare without it."""

    value: object
    origin: str
    written: "Location | None" = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Unknown:
    """A value the source does not determine; `reason` says why. Rules that need it stay silent."""

    reason: str


Resolved = Union[Value, Unknown]


@dataclass(frozen=True, order=True)
class Location:
    """A span in a file; lines and columns are 1-based, the end column is exclusive. In a
    notebook, `cell` is the cell's number among all its cells, the lines count from the
    cell's first, and `file_line` is the line of the .ipynb file that holds `line`."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None
    file_line: int | None = None

    def in_file(self) -> "Location":
        """The span as lines of the file itself (a notebook's .ipynb lines)."""
        if self.cell is None or self.file_line is None:
            return self
        return Location(self.path, self.file_line, self.column, self.file_line + self.end_line - self.line, self.end_column)

    def cell_prefix(self) -> str:
        """`cell 3, line 2: ` for a notebook location, else nothing."""
        return f"cell {self.cell}, line {self.line}: " if self.cell is not None else ""


@dataclass(frozen=True)
class Hop:
    """One step of the way a value travelled to a construction: a call that passed it on, or
    the construction itself; `what` is the code there, shortened."""

    location: Location
    what: str


@dataclass(frozen=True)
class Mitigations:
    """Stabilisers for deep post-LN stacks found in the same file or config."""

    admin: str | None = None
    deepnorm: str | None = None
    warmup: str | None = None
    # Weights loaded from a checkpoint (`from_pretrained`, `load_state_dict`, a speechbrain
    # pretrainer, a HuggingFace config.json): the model is not trained from scratch here.
    pretrained: str | None = None

    def any_rescaling(self) -> str | None:
        return self.admin or self.deepnorm

    def merged(self, other: "Mitigations") -> "Mitigations":
        """The first of each found in either (a value's chain spans several files)."""
        return Mitigations(
            self.admin or other.admin, self.deepnorm or other.deepnorm, self.warmup or other.warmup,
            self.pretrained or other.pretrained,
        )


@dataclass(frozen=True)
class Context:
    """Facts around a construction that rules need.

    `placement_overridden` is set when a subclass replaces forward/_sa_block/_ff_block, so the
    pre/post placement of its norms is no longer torch's. `normalised_later` names the norm
    applied to a stack's output after the stack (e.g. "self.ln_f at line 30").
    `role` says what a construction is part of, e.g. "final norm of TransformerEncoder".
    `norm_type` is the normalisation the layers use: torch's classes always use LayerNorm;
    a config may describe an RMSNorm model, which the LayerNorm width rules do not cover.
    `chain` is set when the construction's values come from a call elsewhere: the spec's
    location is then that call, and the chain the calls the values passed through, ending
    at the construction itself. `guessed_from` names the keys a generic config section was
    taken for a Transformer on (no class named), so findings can say it was a guess.
    """

    mitigations: Mitigations = field(default_factory=Mitigations)
    placement_overridden: str | None = None
    normalised_later: str | None = None
    role: str | None = None
    norm_type: str = "LayerNorm"
    chain: tuple[Hop, ...] = ()
    # How the source switches a layer to pre-LN, for messages: torch's `norm_first=True`
    # (None), a config's own placement key ("normalize_before"), or "" for a format with none.
    placement_key: str | None = None
    guessed_from: tuple[str, ...] = ()

    def pre_ln_switch(self) -> str:
        """`norm_first=True`, `normalize_before: true`, or plain words where the format has no key."""
        if self.placement_key is None:
            return "norm_first=True"
        return f"{self.placement_key}: true" if self.placement_key else "switching to pre-LN"


@dataclass(frozen=True)
class LayerSpec:
    """One construction of a torch.nn class, its constructor arguments bound by name.

    `args` holds every parameter of the torch signature: given ones with their provenance,
    omitted ones as `Value(default, "torch default")`, unresolvable ones as `Unknown`.
    """

    kind: str
    args: Mapping[str, Resolved]
    location: Location
    context: Context = field(default_factory=Context)

    def arg(self, name: str) -> Resolved:
        return self.args.get(name, Unknown(f"{self.kind} has no argument {name}"))


@dataclass(frozen=True)
class StackSpec:
    """N copies of one layer applied in sequence: TransformerEncoder/Decoder, ModuleList, ...

    `kind` is the stack's class (`TransformerEncoder`, `ModuleList`, ...), or a key of
    TRANSFORMER_PARTS for the encoder and decoder that an `nn.Transformer` builds.
    `layer` is the LayerSpec of the repeated layer, or Unknown when it cannot be traced.
    `final_norm` is Value(True/False) when known: whether a norm is applied to the output.
    `args` holds the stack constructor's own arguments (`enable_nested_tensor`, ...), bound
    like LayerSpec.args; empty for stacks that are not a torch class. `width_code` is the
    layer's d_model as its source writes it, when that text means the same at the stack's
    construction (what a fix that adds a final norm passes it); None otherwise.
    """

    kind: str
    layer: LayerSpec | Unknown
    depth: Resolved
    final_norm: Resolved
    location: Location
    context: Context = field(default_factory=Context)
    args: Mapping[str, Resolved] = field(default_factory=dict)
    width_code: str | None = None


Spec = Union[LayerSpec, StackSpec]

LAYER_KINDS = ("TransformerEncoderLayer", "TransformerDecoderLayer")
# The stacks inside an nn.Transformer, as StackSpec kinds, and how messages name them.
TRANSFORMER_PARTS = {"Transformer.encoder": "nn.Transformer encoder", "Transformer.decoder": "nn.Transformer decoder"}
STACK_KINDS = ("TransformerEncoder", "TransformerDecoder")
# Single modules: the norms, and attention on its own. Their widths are `normalized_shape`
# (LayerNorm, RMSNorm), `num_channels` (GroupNorm) and `embed_dim` (MultiheadAttention).
NORM_KINDS = ("LayerNorm", "RMSNorm", "GroupNorm")
# The kinds whose depth the depth rules read (an nn.Transformer's stacks too): the only ones
# that need mitigations.
STACKED_KINDS = frozenset((*LAYER_KINDS, *STACK_KINDS, "Transformer", *TRANSFORMER_PARTS))
TORCH_KINDS = LAYER_KINDS + STACK_KINDS + ("Transformer",) + NORM_KINDS + ("MultiheadAttention",)


def attention_names(kind: str) -> tuple[str, str]:
    """(width, head count) as `kind`'s constructor names them: MultiheadAttention's
    embed_dim and num_heads, the Transformer classes' d_model and nhead."""
    return ("embed_dim", "num_heads") if kind == "MultiheadAttention" else ("d_model", "nhead")


def feature_count(normalized_shape: object) -> int | None:
    """How many features a LayerNorm of this `normalized_shape` normalises over: the number
    itself, or the product of a tuple or list of dimensions; None when that is not a valid
    shape. Rules and probes both read widths this way."""
    dims = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
    count = 1
    for dim in dims:
        if isinstance(dim, float) and dim.is_integer():
            dim = int(dim)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            return None
        count *= dim
    return count if dims else None


_PLAIN_ORIGINS = ("literal", "torch default")


def cite(name: str, resolved: Resolved) -> str:
    """How a message names a value: `d_model = 2`, plus where it came from unless written
    right there (`d_model = 2 from constant D at line 3`, `d_model = 2 from key d_model = ${size.d}`)."""
    if not isinstance(resolved, Value):
        return f"{name} unknown"
    if resolved.origin in _PLAIN_ORIGINS:
        return f"{name} = {resolved.value!r}"
    return f"{name} = {resolved.value!r} from {resolved.origin}"


def describe(name: str, resolved: Resolved) -> str:
    """`d_model = 2 (literal)`, or `d_model unknown (reason)`: how messages cite a value."""
    if isinstance(resolved, Value):
        return f"{name} = {resolved.value!r} ({resolved.origin})"
    return f"{name} unknown ({resolved.reason})"
