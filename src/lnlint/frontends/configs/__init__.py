"""The config frontend: Hydra/OmegaConf and other YAML, HuggingFace and other JSON."""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lnlint.frontends.configs.frontend import FollowConfig, Vocabulary, config_specs
from lnlint.frontends.configs.tree import child, compose, items, scalar_value
from lnlint.frontends.policy import MitigationPolicy
from lnlint import dependencies
from lnlint.frontends.source import SourceError, decode_text, read_regular_file
from lnlint.spec import Spec

MAX_BYTES = 5 * 1024 * 1024

__all__ = ["MAX_BYTES", "Vocabulary", "config_file_specs"]


def _marker_pattern(vocabulary: Vocabulary) -> re.Pattern[bytes]:
    """A key of the vocabulary followed by a colon, or a class-naming key or tag."""
    keys = sorted({*vocabulary.width, *vocabulary.heads, *vocabulary.depth, *vocabulary.placement})
    alternatives = "|".join(re.escape(k) for k in keys)
    # At key position only: `cross_compiler_target_platform` in a conda recipe names no target.
    return re.compile(
        rb"(?i)(?<![\w-])[\"']?(?:" + alternatives.encode() + rb"|_target_|class_path|model_type)[\"']?\s*:|!new:|!name:"
    )


_PATTERNS: dict[Vocabulary, re.Pattern[bytes]] = {}


def config_file_specs(
    text: str, data: bytes, path: str, vocabulary: Vocabulary, policy: MitigationPolicy, is_json: bool,
    follow: FollowConfig | None = None,
) -> tuple[list[Spec], list[SourceError]]:
    """Specs of a config file, and the interpolations it could not follow (cycles, chains too
    long); SourceError when it does not parse.

    A file with none of the keys lnlint reads (a CI workflow, a lock file) is not parsed."""
    pattern = _PATTERNS.get(vocabulary)
    if pattern is None:
        pattern = _PATTERNS[vocabulary] = _marker_pattern(vocabulary)
    if not pattern.search(data):
        return [], []
    roots = compose(text, is_json)
    if not roots:
        return [], []
    groups = chosen_configs(roots[0], Path(path).parent) if not is_json else {}
    return config_specs(roots, path, vocabulary, policy, is_json, follow, groups)


def chosen_configs(root: Node, folder: Path) -> dict[str, Node]:
    """The configs a Hydra defaults list chooses (`defaults: [{size: base}]` reads
    `size/base.yaml` beside the file), by group. Hydra's own rules are followed as far as a
    file alone shows them: the file's folder is the config directory, a group's config is
    placed under the group's name, `optional`/`override` prefixes are dropped, and an option
    that is `???` or null (chosen on the command line) or whose file is missing stays out."""
    defaults = child(root, "defaults")
    if not isinstance(defaults, SequenceNode):
        return {}
    groups: dict[str, Node] = {}
    for entry in defaults.value:
        if not isinstance(entry, MappingNode):
            continue  # `_self_`, or a config of the primary folder itself
        for key, _, option in items(entry):
            group = key.split()[-1]  # `optional size`, `override size`
            name = scalar_value(option) if isinstance(option, ScalarNode) else None
            if not isinstance(name, str) or name in ("???", "") or "/" in group:
                continue
            chosen = folder / group / f"{name}.yaml"
            dependencies.note(chosen.resolve())
            try:
                data = read_regular_file(chosen, MAX_BYTES)
                documents = compose(decode_text(data), False, name=f"{group}/{name}.yaml") if data is not None else []
            except (OSError, SourceError):
                continue
            if documents:
                groups[group] = documents[0]
    return groups
