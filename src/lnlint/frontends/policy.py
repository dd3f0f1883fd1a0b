"""Decisions both frontends apply alike: which facts are stabilisers (warmup, Admin,
DeepNorm), what a stack's `norm=` means, and which stacks an `nn.Transformer` builds.

Frontends report raw facts (a key and its value, a callable named, a scaled residual) with
where they stand; this module turns them into IR. `extra-warmup-keys` reaches Python and
configs through the one `MitigationPolicy` built from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Mapping, Protocol

from lnlint.frontends import vocabulary as vocab
from lnlint.spec import LayerSpec, Mitigations, Resolved, StackSpec, Value


class Where(Protocol):
    """A position whose line may be costly to compute (Python generates code for it), so
    it is read only for the facts that decide something."""

    @property
    def line(self) -> int: ...


@dataclass(frozen=True)
class Line:
    line: int


@dataclass(frozen=True)
class Fact:
    """Something seen in a file that may stabilise a deep post-LN stack.

    - `key`: a keyword argument, assignment, dict or config key `name` with its `value`;
    - `callable`: a dotted `name` that is called (Python) or named as a target or string
      (configs), with the `arguments` that `MitigationPolicy.ARGUMENTS` asks for;
    - `residual_scaling`: an expression `x * alpha + f(x)`, its source text as `name`.
    """

    kind: Literal["key", "callable", "residual_scaling"]
    name: str
    at: Where
    value: Resolved | None = None
    arguments: Mapping[str, Resolved] = field(default_factory=dict)


@dataclass(frozen=True)
class MitigationPolicy:
    warmup_keys: frozenset[str] = vocab.WARMUP_KEYS

    # Callables whose arguments decide: (parameter, position) pairs a frontend resolves.
    ARGUMENTS = {"LinearLR": (("start_factor", 1),)}
    _DEEPNORM_KEYS = frozenset({"deepnorm"})
    _ADMIN_INIT_KEYS = frozenset({"init_type", "init-type"})
    _PRETRAINED_KEYS = vocab.PRETRAINED_KEYS

    def wants_key(self, key: str) -> bool:
        """Whether a key's value can decide something, whatever the value is (a key whose
        value is a string literal is always worth reporting: it may name a scheduler)."""
        lowered = key.lower()
        return (
            lowered in self.warmup_keys or lowered in self._DEEPNORM_KEYS or lowered in self._ADMIN_INIT_KEYS
            or lowered in self._PRETRAINED_KEYS
        )

    def mitigations(self, facts: Iterable[Fact]) -> Mitigations:
        """The first fact of each kind, in the order given, names the mitigation."""
        found: dict[str, str] = {}
        for fact in facts:
            for kind, why in self._decide(fact):
                if kind not in found:
                    found[kind] = f"{why} at line {fact.at.line}"
            if len(found) == 4:
                break
        return Mitigations(
            admin=found.get("admin"), deepnorm=found.get("deepnorm"), warmup=found.get("warmup"), pretrained=found.get("pretrained")
        )

    def _decide(self, fact: Fact) -> Iterable[tuple[str, str]]:
        if fact.kind == "residual_scaling":
            yield "deepnorm", f"residual scaling `{fact.name}`"
            return
        if fact.kind == "callable":
            yield from _callable(fact.name, fact.arguments)
            return
        lowered = fact.name.lower()
        value = fact.value
        plain = value.value if isinstance(value, Value) else None
        if lowered in self.warmup_keys and not (isinstance(value, Value) and not plain):
            yield "warmup", fact.name
        if lowered in self._DEEPNORM_KEYS and plain is True:
            yield "deepnorm", f"{fact.name}=True"
        if lowered in self._ADMIN_INIT_KEYS and plain in vocab.ADMIN_INIT_TYPES:
            yield "admin", f"{fact.name}={plain!r}"
        if lowered in self._PRETRAINED_KEYS and not (isinstance(value, Value) and not plain):
            yield "pretrained", f"key {fact.name}"
        if isinstance(plain, str):
            if plain in vocab.WARMUP_SCHEDULER_STRINGS:
                yield "warmup", f"{fact.name}={plain!r}"
            yield from _callable(plain, fact.arguments)


def _callable(name: str, arguments: Mapping[str, Resolved]) -> Iterable[tuple[str, str]]:
    if name.split(".")[0] == "admin_torch":
        yield "admin", name
    last = name.rpartition(".")[2]
    if last in vocab.PRETRAINED_CALLS:
        yield "pretrained", f"{last}()"
    if last in vocab.WARMUP_SCHEDULERS and (last != "LinearLR" or _linear_lr_warms_up(arguments)):
        yield "warmup", last


def _linear_lr_warms_up(arguments: Mapping[str, Resolved]) -> bool:
    """LinearLR warms up unless its start_factor is 1 or more (the default is 1/3)."""
    factor = arguments.get("start_factor")
    return not (isinstance(factor, Value) and isinstance(factor.value, (int, float)) and factor.value >= 1)


def final_norm(given: Resolved | None, module: str | None) -> Resolved:
    """Whether a stack's output is normalised, from its `norm=` argument: absent (torch's
    default None), a module constructed there (`module` describes it), or another value."""
    if given is None:
        return Value(False, "torch default norm=None")
    if module is not None:
        return Value(True, module)
    if isinstance(given, Value):
        return Value(given.value is not None, given.origin)
    return given


def final_norm_role(stack_kind: str, line: int) -> str:
    """How findings on a LayerNorm passed as a stack's `norm=` name what it is."""
    return f"final norm of the {stack_kind} at line {line}"


_PART_LAYERS = {"encoder": "TransformerEncoderLayer", "decoder": "TransformerDecoderLayer"}
_LAYER_ARGUMENTS = (
    "d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps",
    "batch_first", "norm_first", "bias", "device", "dtype",
)


def transformer_stacks(spec: LayerSpec) -> list[StackSpec]:
    """The encoder and decoder stacks an `nn.Transformer` builds from its own arguments,
    each ending in a LayerNorm; none where a custom encoder or decoder replaces it."""
    stacks = []
    for part, layer_kind in _PART_LAYERS.items():
        custom = spec.arg(f"custom_{part}")
        if not (isinstance(custom, Value) and custom.value is None):
            continue
        layer = LayerSpec(layer_kind, {name: spec.arg(name) for name in _LAYER_ARGUMENTS}, spec.location, spec.context)
        final = Value(True, f"nn.Transformer ends its {part} with LayerNorm(d_model)")
        stacks.append(StackSpec(f"Transformer.{part}", layer, spec.arg(f"num_{part}_layers"), final, spec.location, spec.context))
    return stacks
