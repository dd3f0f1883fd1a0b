"""Config nodes → specs: torch targets, generic model sections and HuggingFace configs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lnlint.frontends import vocabulary as vocab
from lnlint.frontends.configs import guess
from lnlint.frontends.configs.tree import items, scalar_value, walk
from lnlint.frontends.configs.values import ConfigResolver
from lnlint.frontends.policy import Fact, Line, MitigationPolicy, final_norm, final_norm_role, transformer_stacks
from lnlint.frontends.signatures import bind_arguments, torch_kind
from lnlint.frontends.source import SourceError
from lnlint.spec import (
    STACK_KINDS,
    Context,
    Hop,
    LayerSpec,
    Location,
    Mitigations,
    Resolved,
    Spec,
    StackSpec,
    Unknown,
    Value,
)

# (class path, positional, keyword arguments, the mapping as a hop, mitigations, partial) → specs
FollowConfig = Callable[[str, list[Resolved], dict[str, Resolved], Hop, Mitigations, bool], list[Spec]]
_HYDRA_RESERVED = frozenset({"_target_", "_partial_", "_recursive_", "_convert_", "_args_"})


@dataclass(frozen=True)
class Vocabulary:
    """Key names by role; `extra` adds a project's own spellings ([tool.lnlint] extra-*-keys)."""

    width: tuple[str, ...] = vocab.WIDTH_KEYS
    heads: tuple[str, ...] = vocab.HEADS_KEYS
    depth: tuple[str, ...] = vocab.DEPTH_KEYS
    placement: tuple[str, ...] = vocab.PLACEMENT_KEYS
    head_dim: tuple[str, ...] = vocab.HEAD_DIM_KEYS
    dropout: tuple[str, ...] = vocab.DROPOUT_KEYS
    eps: tuple[str, ...] = vocab.EPS_KEYS
    feedforward: tuple[str, ...] = vocab.FEEDFORWARD_KEYS

    def role(self, key: str) -> tuple[str, int] | None:
        """(role, preference) of a key; a lower preference wins within one section."""
        for role in ("width", "heads", "depth", "placement", "head_dim", "dropout", "eps", "feedforward"):
            keys: tuple[str, ...] = getattr(self, role)
            if key in keys:
                return role, keys.index(key)
        return None


@dataclass
class _Section:
    """Keys of one generic section (or its encoder/decoder part), by role."""

    found: dict[str, tuple[int, str, Node]] = field(default_factory=dict)

    def offer(self, role: str, preference: int, key: str, node: Node) -> None:
        if role not in self.found or preference < self.found[role][0]:
            self.found[role] = (preference, key, node)

    def describes_a_transformer(self, family_known: bool = False) -> bool:
        """A width, a head count and a depth or placement (`family_known`: the config names a
        Transformer family, so width and heads suffice), the sizes plausible (see `guess`)."""
        if not ("width" in self.found and "heads" in self.found):
            return False
        if not (family_known or "depth" in self.found or "placement" in self.found):
            return False
        return all(guess.plausible(role, self.found[role][2]) for role in ("width", "heads", "depth") if role in self.found)


class ConfigExtractor:
    def __init__(
        self, roots: list[Node], path: str, vocabulary: Vocabulary, policy: MitigationPolicy, is_json: bool,
        groups: dict[str, Node] | None = None,
    ) -> None:
        self.path = path
        self.vocabulary = vocabulary
        self.policy = policy
        self.nodes = list(walk(roots))
        self.parents: dict[int, Node | None] = {id(n): p for n, p in self.nodes}
        self.resolver = ConfigResolver(roots, self.parents, groups, path)
        self.roots = roots
        self.is_json = is_json
        self.mitigations = policy.mitigations(self._mitigation_facts())
        self._layers: dict[int, LayerSpec] = {}
        self._roles: dict[int, str] = {}

    # --- positions ---------------------------------------------------------------------------
    def location(self, start: Node, end: Node) -> Location:
        return Location(
            self.path,
            start.start_mark.line + 1,
            start.start_mark.column + 1,
            end.end_mark.line + 1,
            end.end_mark.column + 1,
        )

    # --- torch targets -----------------------------------------------------------------------
    def target_of(self, mapping: MappingNode) -> tuple[str, Node, MappingNode | None, bool] | None:
        """(class path, node to report at, argument mapping, partial) of a mapping that names a
        class: Hydra `_target_`, LightningCLI `class_path`, HyperPyYAML `!new:`/`!name:`."""
        keys = {key: (key_node, value) for key, key_node, value in items(mapping)}
        if "_target_" in keys and isinstance(keys["_target_"][1], ScalarNode):
            partial = "_partial_" in keys and scalar_value(keys["_partial_"][1]) is True  # type: ignore[arg-type]
            return keys["_target_"][1].value, keys["_target_"][0], mapping, partial  # type: ignore[union-attr]
        if "class_path" in keys and isinstance(keys["class_path"][1], ScalarNode):
            init = keys.get("init_args", (None, None))[1]
            args = init if isinstance(init, MappingNode) else None
            return keys["class_path"][1].value, keys["class_path"][0], args, False  # type: ignore[union-attr]
        for prefix, partial in (("!new:", False), ("!name:", True)):
            if mapping.tag.startswith(prefix):
                return mapping.tag[len(prefix):], mapping, mapping, partial
        return None

    def target_spec(self, mapping: MappingNode) -> LayerSpec | None:
        if id(mapping) in self._layers:
            return self._layers[id(mapping)]
        target = self.target_of(mapping)
        kind = torch_kind(target[0]) if target else None
        if target is None or kind is None:
            return None
        _, report_at, args_mapping, partial = target
        positional, keywords, location = self._call(mapping, report_at, args_mapping)
        bound = bind_arguments(kind, positional, keywords, None, partial)
        context = Context(self.mitigations, role=self._roles.get(id(mapping)))
        spec = LayerSpec(kind, bound, location, context)
        self._layers[id(mapping)] = spec
        return spec

    def _call(
        self, mapping: MappingNode, report_at: Node, args_mapping: MappingNode | None
    ) -> tuple[list[Resolved], dict[str, Resolved], Location]:
        """The arguments a mapping that names a class passes, and where to report it."""
        positional: list[Resolved] = []
        keywords: dict[str, Resolved] = {}
        if args_mapping is not None:
            for key, _, value in items(args_mapping):
                if key == "_args_" and isinstance(value, SequenceNode):
                    positional = [self.resolver.value(f"_args_[{i}]", v, args_mapping) for i, v in enumerate(value.value)]
                elif key not in _HYDRA_RESERVED:
                    keywords[key] = self.resolver.value(key, value, args_mapping)
        if report_at is mapping:  # a tagged mapping: its tag starts it
            mark = mapping.start_mark
            location = Location(self.path, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1)
        else:  # `_target_: X` or `class_path: X`
            location = self.location(report_at, _value_of(mapping, report_at))
        return positional, keywords, location

    def project_specs(self, follow: FollowConfig) -> list[Spec]:
        """What the project's own classes and functions that this file names build, with the
        mapping's keys as their arguments (value flow into Python, see `python.project`)."""
        specs: list[Spec] = []
        for node, _ in self.nodes:
            target = self.target_of(node) if isinstance(node, MappingNode) and node.value else None
            if target is None or torch_kind(target[0]) is not None:
                continue
            qualname, report_at, args_mapping, partial = target
            positional, keywords, location = self._call(node, report_at, args_mapping)  # type: ignore[arg-type]
            how = f"!new:{qualname}" if report_at is node else f"{report_at.value}: {qualname}"  # type: ignore[attr-defined]
            specs.extend(follow(qualname, positional, keywords, Hop(location, how), self.mitigations, partial))
        return specs

    def _argument(self, mapping: MappingNode, name: str) -> tuple[Node, MappingNode] | None:
        target = self.target_of(mapping)
        args = target[2] if target else None
        if args is None:
            return None
        for key, _, value in items(args):
            if key == name:
                return value, args
        return None

    def stack_spec(self, mapping: MappingNode, spec: LayerSpec) -> StackSpec:
        layer_name = "encoder_layer" if spec.kind == "TransformerEncoder" else "decoder_layer"
        layer: LayerSpec | Unknown = Unknown(f"no {layer_name} in the config")
        found = self._argument(mapping, layer_name)
        if found is not None:
            node = self.resolver.mapping(*found)
            traced = self.target_spec(node) if node is not None else None
            layer = traced or Unknown(f"{layer_name} is not a torch layer target")
        norm = self._argument(mapping, "norm")
        if norm is None:
            final = final_norm(None, None)
        elif self.resolver.mapping(*norm) is not None:
            final = final_norm(Unknown("a mapping"), f"key norm (line {norm[0].start_mark.line + 1})")
        else:
            final = final_norm(self.resolver.value("norm", *norm), None)
        return StackSpec(spec.kind, layer, spec.arg("num_layers"), final, spec.location, spec.context, spec.args)

    def _assign_roles(self) -> None:
        for node, _ in self.nodes:
            if not isinstance(node, MappingNode):
                continue
            target = self.target_of(node)
            kind = torch_kind(target[0]) if target else None
            if kind in STACK_KINDS:
                norm = self._argument(node, "norm")
                norm_mapping = self.resolver.mapping(*norm) if norm is not None else None
                if norm_mapping is not None:
                    self._roles[id(norm_mapping)] = final_norm_role(kind, node.start_mark.line + 1)

    # --- generic sections --------------------------------------------------------------------
    def section_specs(
        self, mapping: MappingNode, placement: Resolved, final_norm: Resolved, norm_type: str,
        head_size_decouples: bool = True, family_known: bool = False,
    ) -> list[Spec]:
        """Layer and stack specs of a section that describes a transformer (`guess` decides,
        unless `family_known`: a HuggingFace model type). A head-size key (`head_dim`, `d_kv`,
        ...) becomes the layer's `head_dim` unless `head_size_decouples` is false (models that
        still require d_model to divide by the heads)."""
        parts: dict[str, _Section] = {"": _Section(), "encoder": _Section(), "decoder": _Section()}
        for key, _, value in items(mapping):
            lowered = key.lower()
            if lowered in vocab.PART_KEYS:
                part, _ = vocab.PART_KEYS[lowered]
                parts[part].offer("depth", -1, key, value)
                continue
            role = self.vocabulary.role(lowered)
            for prefix, part in vocab.PART_PREFIXES.items():
                stripped = self.vocabulary.role(lowered[len(prefix):]) if lowered.startswith(prefix) else None
                if stripped is not None:
                    parts[part].offer(stripped[0], stripped[1], key, value)
                    break
            else:
                if role is not None:
                    parts[""].offer(role[0], role[1], key, value)
        for part in ("encoder", "decoder"):
            if parts[part].found:
                for role, entry in parts[""].found.items():
                    parts[part].found.setdefault(role, entry)
        described = [p for p in ("encoder", "decoder") if parts[p].describes_a_transformer(family_known)]
        if not described and parts[""].describes_a_transformer(family_known):
            described = [""]
        if not described or guess.contradiction(mapping, lambda node: self.parents.get(id(node))) is not None:
            return []
        first_key = mapping.value[0][0]
        location = self.location(first_key, first_key)
        mitigations = self.mitigations
        if family_known and self.is_json and mapping is self.roots[0]:
            # A HuggingFace config.json describes weights somebody trained (their pre-training
            # config is elsewhere): it is no from-scratch training set-up.
            mitigations = replace(mitigations, pretrained=mitigations.pretrained or "a HuggingFace config.json")
        specs: list[Spec] = []
        for part in described:
            found = parts[part].found
            guessed = () if family_known else tuple(found[r][1] for r in ("width", "heads", "depth", "placement") if r in found)
            placement_key = found["placement"][1] if "placement" in found else ""
            context = Context(mitigations, norm_type=norm_type, placement_key=placement_key, guessed_from=guessed)
            args: dict[str, Resolved] = {}
            roles = [
                ("width", "d_model"), ("heads", "nhead"), ("placement", "norm_first"),
                ("dropout", "dropout"), ("eps", "layer_norm_eps"), ("feedforward", "dim_feedforward"),
            ]
            if head_size_decouples:
                roles.append(("head_dim", "head_dim"))
            for role, name in roles:
                if role in found:
                    _, key, node = found[role]
                    args[name] = self.resolver.value(key, node, mapping)
            args.setdefault("nhead", Unknown("no heads key in this section"))
            args.setdefault("norm_first", placement)
            kind = "TransformerDecoderLayer" if part == "decoder" else "TransformerEncoderLayer"
            layer = LayerSpec(kind, args, location, context)
            specs.append(layer)
            if "depth" in found:
                _, key, node = found["depth"]
                depth = self.resolver.value(key, node, mapping)
                stack_kind = "TransformerDecoder" if part == "decoder" else "TransformerEncoder"
                specs.append(StackSpec(stack_kind, layer, depth, final_norm, location, context))
        return specs

    def huggingface_specs(self, root: MappingNode) -> list[Spec]:
        keys = {key: (key_node, value) for key, key_node, value in items(root)}
        model_node = keys.get("model_type", (None, None))[1]
        model_type = str(scalar_value(model_node)).lower() if isinstance(model_node, ScalarNode) else ""
        where = f"model_type {model_type!r}"
        placement: Resolved = Unknown(f"placement of {where} is not known to lnlint")
        final_norm: Resolved = Unknown(f"final norm of {where} is not known to lnlint")
        norm_type = "LayerNorm"
        override = vocab.HF_PLACEMENT_KEYS.get(model_type)
        if override is not None and override in keys:
            placement = self.resolver.value(override, keys[override][1], root)
        elif model_type in vocab.HF_DEFAULT_PRE:
            placement = Value(vocab.HF_DEFAULT_PRE[model_type], f"default for {where}")
        elif model_type in vocab.HF_POST_LN:
            placement = Value(False, f"{where} is post-LN")
        elif model_type in vocab.HF_PRE_LN | vocab.HF_PRE_RMSNORM:
            placement = Value(True, f"{where} is pre-LN")
            final_norm = Value(True, f"{where} ends with a final norm")
            if model_type in vocab.HF_PRE_RMSNORM:
                norm_type = "RMSNorm"
        return self.section_specs(
            root, placement, final_norm, norm_type, model_type not in vocab.HF_HEADS_MUST_DIVIDE, family_known=bool(model_type)
        )

    # --- mitigations -------------------------------------------------------------------------
    def _mitigation_facts(self) -> Iterator[Fact]:
        """Every key with its scalar value, in document order, for the policy to decide on."""
        for node, _ in self.nodes:
            if not isinstance(node, MappingNode):
                continue
            for key, key_node, value in items(node):
                plain = scalar_value(value) if isinstance(value, ScalarNode) else None
                resolved: Resolved = Value(plain, f"key {key}") if isinstance(value, ScalarNode) else Unknown("not a scalar")
                arguments = {}
                if isinstance(plain, str) and plain.rpartition(".")[2] in self.policy.ARGUMENTS:
                    arguments = {k: Value(scalar_value(v), f"key {k}") for k, _, v in items(node) if isinstance(v, ScalarNode)}
                yield Fact("key", key, Line(key_node.start_mark.line + 1), resolved, arguments)

    # --- driver ------------------------------------------------------------------------------
    def extract(self) -> list[Spec]:
        """Torch targets when the file names any: they are the precise description, and its
        generic keys are then hyperparameters feeding them (speechbrain, Hydra defaults).
        Otherwise HuggingFace's root and generic sections."""
        self._assign_roles()
        mappings = [n for n, _ in self.nodes if isinstance(n, MappingNode) and n.value]
        specs: list[Spec] = []
        for node in mappings:
            spec = self.target_spec(node)
            if spec is None:
                continue
            if spec.kind in STACK_KINDS:
                specs.append(self.stack_spec(node, spec))
                continue
            specs.append(spec)
            if spec.kind == "Transformer":
                specs.extend(transformer_stacks(spec))
        if specs:
            return specs
        hf_root = self.roots[0] if self.is_json and _is_huggingface(self.roots[0]) else None
        if self.is_json and guess.is_vocabulary_file(self.path):
            return specs  # a tokenizer's vocabulary: its tokens are no keys of a model
        for node in mappings:
            if node is hf_root:
                specs.extend(self.huggingface_specs(node))
            elif self.target_of(node) is None and not guess.is_vocabulary(node):
                unknown: Resolved = Unknown("no placement key in this section")
                specs.extend(self.section_specs(node, unknown, Unknown("the config does not say"), "LayerNorm"))
        return specs


def _value_of(mapping: MappingNode, key_node: Node) -> Node:
    for key, value in mapping.value:
        if key is key_node:
            return value
    return key_node


def _is_huggingface(root: Node) -> bool:
    return isinstance(root, MappingNode) and any(key in ("model_type", "architectures") for key, _, _ in items(root))


def config_specs(
    roots: list[Node], path: str, vocabulary: Vocabulary, policy: MitigationPolicy, is_json: bool,
    follow: FollowConfig | None = None, groups: dict[str, Node] | None = None,
) -> tuple[list[Spec], list[SourceError]]:
    """Specs of one config file, and the interpolations met while resolving them that could not
    be followed (cycles, chains too long); `follow` evaluates the project's own classes the
    file names, `groups` are the configs its defaults list chose."""
    extractor = ConfigExtractor(roots, path, vocabulary, policy, is_json, groups)
    specs = extractor.extract()
    if follow is not None:
        specs.extend(extractor.project_specs(follow))
    return specs, extractor.resolver.unreadable

