"""Whether a generic config section (one that names no class) earns a Transformer finding.

Key names alone are a guess, and real trees hold mappings with `hidden_size` and `heads` that
are no Transformer: an LSTM's experiment file, a Mamba config that keeps an ignored
`num_attention_heads`, a tokenizer's vocabulary whose tokens include "dim" and "heads", a run
log with `hidden_size` beside `accuracy`. A section counts only when its keys say so together
(a width, a head count, and a depth or a placement, in one mapping), their literal values are
whole numbers in a plausible range, and nothing around it contradicts the guess.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Callable

from yaml.nodes import MappingNode, Node, ScalarNode

from lnlint.frontends.configs.tree import items, scalar_value

# Literal values a Transformer's sizes can take (a width of a million features, 4,096 heads,
# 10,000 layers are past anything built); outside them the keys mean something else.
PLAUSIBLE = {"width": (1, 2**20), "heads": (1, 4096), "depth": (1, 10_000)}

# Keys whose value names the model family (in the section or around it).
FAMILY_KEYS = frozenset({
    "type", "arch", "architecture", "model_type", "model", "model_name", "name", "encoder_type", "decoder_type",
    "attention_config", "attention_type", "backbone", "cell", "cell_type", "rnn_type", "mixer", "mixer_type", "layer_type",
})
# Words naming families that are not Transformers (matched at the start of a word of the value).
NOT_TRANSFORMER = ("lstm", "gru", "rnn", "conv", "cnn", "mamba", "rwkv", "s4", "ssm", "hyena", "mlp", "tcn", "resnet", "retnet", "xlstm")
_WORD = re.compile(r"[a-z]+[0-9]*")
# A class name a registry resolves (`model_name: TimeSeriesTransformer`): the class decides, not the keys.
_CLASS_NAME = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*[a-z]\w*")

# Keys of a measurement, not of a model: a section holding one is a run's record.
METRIC_KEYS = frozenset({
    "accuracy", "acc", "loss", "train_loss", "val_loss", "valid_loss", "test_loss", "eval_loss", "val_acc", "test_acc",
    "f1", "bleu", "rouge", "perplexity", "ppl", "mse", "mae", "rmse", "auc", "score", "best_score", "runtime",
    "wall_time", "train_time", "duration",
})

# Files that hold vocabularies, never models (by name), and the shape of a vocabulary: many
# keys, nearly all mapped to whole numbers (token ids).
_VOCABULARY_FILE = re.compile(
    r"(?i)(?:tokenizer(?:_config)?|added_tokens|special_tokens_map|encoder|[\w.-]*_encoder|[\w.-]*vocab[\w.-]*)\.json"
)
VOCABULARY_SIZE = 200


def is_vocabulary_file(path: str) -> bool:
    return bool(_VOCABULARY_FILE.fullmatch(PurePath(path).name))


def is_vocabulary(mapping: MappingNode) -> bool:
    """Thousands of string keys mapping to token ids (at least VOCABULARY_SIZE, 90% integers)."""
    if len(mapping.value) < VOCABULARY_SIZE:
        return False
    ids = sum(1 for _, value in mapping.value if isinstance(value, ScalarNode) and type(scalar_value(value)) is int)
    return ids >= 0.9 * len(mapping.value)


def plausible(role: str, node: Node) -> bool:
    """A literal whole number within PLAUSIBLE, or a value lnlint resolves later (an
    interpolation, a `!ref`); a float, a bool, a list or a word is not a size."""
    if not isinstance(node, ScalarNode):
        return False
    if node.tag.startswith("!") or "${" in node.value:
        return True
    value = scalar_value(node)
    low, high = PLAUSIBLE.get(role, (1, 2**20))
    return type(value) is int and low <= value <= high


def contradiction(mapping: MappingNode, parents: Callable[[Node], Node | None]) -> str | None:
    """Why the section is no Transformer (None: nothing says so): a family key naming a
    family that is not one, or a class the project registers, in it or around it; a metric key in it."""
    for key, _, _ in items(mapping):
        if key.lower() in METRIC_KEYS:
            return f"key {key} records a measurement"
    node: Node | None = mapping
    while node is not None:
        if isinstance(node, MappingNode):
            for key, _, value in items(node):
                if key.lower() not in FAMILY_KEYS or not isinstance(value, ScalarNode):
                    continue
                text = value.value
                words = _WORD.findall(text.lower())
                if any(word.startswith(family) for word in words for family in NOT_TRANSFORMER):
                    return f"{key}: {text} names a model that is not a Transformer"
                if _CLASS_NAME.fullmatch(text.strip()):
                    return f"{key}: {text} names a class; its code decides what it builds"
        node = parents(node)
    return None
