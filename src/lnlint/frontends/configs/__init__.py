"""The config frontend: Hydra/OmegaConf and other YAML, HuggingFace and other JSON."""

from __future__ import annotations

import re

from lnlint.frontends.configs.frontend import FollowConfig, Vocabulary, config_specs
from lnlint.frontends.configs.tree import compose
from lnlint.frontends.policy import MitigationPolicy
from lnlint.frontends.source import SourceError
from lnlint.spec import Spec

MAX_BYTES = 5 * 1024 * 1024

__all__ = ["MAX_BYTES", "Vocabulary", "config_file_specs"]


def _marker_pattern(vocabulary: Vocabulary) -> re.Pattern[bytes]:
    """A key of the vocabulary followed by a colon, or a class-naming key or tag."""
    keys = sorted({*vocabulary.width, *vocabulary.heads, *vocabulary.depth, *vocabulary.placement})
    alternatives = "|".join(re.escape(k) for k in keys)
    return re.compile(
        rb"(?i)(?<![\w-])(?:" + alternatives.encode() + rb")[\"']?\s*:|_target_|class_path|model_type|!new:|!name:"
    )


_PATTERNS: dict[Vocabulary, re.Pattern[bytes]] = {}


def config_file_specs(
    text: str, data: bytes, path: str, vocabulary: Vocabulary, policy: MitigationPolicy, is_json: bool,
    follow: FollowConfig | None = None,
) -> tuple[list[Spec], list[SourceError]]:
    """Specs of a config file, and its interpolation cycles; SourceError when it does not parse.

    A file with none of the keys lnlint reads (a CI workflow, a lock file) is not parsed."""
    pattern = _PATTERNS.get(vocabulary)
    if pattern is None:
        pattern = _PATTERNS[vocabulary] = _marker_pattern(vocabulary)
    if not pattern.search(data):
        return [], []
    roots = compose(text, is_json)
    if not roots:
        return [], []
    return config_specs(roots, path, vocabulary, policy, is_json, follow)
