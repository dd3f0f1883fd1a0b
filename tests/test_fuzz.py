"""Property-based tests: every input gets findings or a diagnostic, never a traceback.

Generated Python programs (hypothesmith) with a real construction spliced in must lint
without error and with the spliced finding present; generated YAML and JSON built from the
model-key vocabulary, with anchors, aliases, unknown and unsafe tags and deep nesting, must
never raise or construct anything. CI runs the `ci` profile (a bounded number of examples);
`python benchmarks/fuzz.py` runs the `long` one.
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path

import hypothesmith
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lnlint.frontends import vocabulary as vocab
from lnlint.settings import Settings
from lnlint.lint import lint_config, lint_python
from lnlint.frontends.source import SourceError

# CI: the same examples every run (derandomized, no example database), so a red run is
# reproducible; the long run explores and remembers.
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long", max_examples=int(os.environ.get("LNLINT_FUZZ_EXAMPLES", "3000")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile(os.environ.get("LNLINT_FUZZ_PROFILE", "ci"))

# A folder of its own: the file's folder is its project, which the flow analysis reads.
FOLDER = Path(tempfile.mkdtemp(prefix="lnlint-fuzz-"))
SETTINGS = Settings(root=FOLDER)
PY_FILE = FOLDER / "fuzz.py"
SPLICE = "import torch.nn as lnlint_fuzz_nn\nlnlint_fuzz_nn.TransformerEncoderLayer(d_model=2, nhead=2)\n"


@given(program=hypothesmith.from_grammar())
def test_generated_programs_keep_the_spliced_finding(program):
    source = program.rstrip("\\") + "\n" + SPLICE
    try:
        construction_line = ast.parse(source).body[-1].lineno
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # hypothesmith's grammar is wider than CPython's: the file is LN900, not a crash.
        with pytest.raises(SourceError):
            lint_python(source.encode("utf-8", "surrogatepass"), PY_FILE, "fuzz.py", SETTINGS)
        return
    findings = lint_python(source.encode("utf-8", "surrogatepass"), PY_FILE, "fuzz.py", SETTINGS)
    assert ("LN001", construction_line) in [(f.code, f.location.line) for f in findings]


@given(program=hypothesmith.from_node())
def test_generated_syntax_trees_lint_without_error(program):
    data = (program + "\n" + SPLICE).encode("utf-8", "surrogatepass")
    try:
        findings = lint_python(data, PY_FILE, "fuzz.py", SETTINGS)
    except SourceError:
        return
    assert all(f.code.startswith("LN") for f in findings)


# --- configs ---------------------------------------------------------------------------------
class Tagged:
    """A node written with an explicit tag (HyperPyYAML's, OmegaConf's or an unsafe one)."""

    def __init__(self, tag: str, value: object) -> None:
        self.tag, self.value = tag, value


def _represent_tagged(dumper: yaml.SafeDumper, node: Tagged):
    if isinstance(node.value, dict):
        return dumper.represent_mapping(node.tag, node.value)
    if isinstance(node.value, list):
        return dumper.represent_sequence(node.tag, node.value)
    return dumper.represent_scalar(node.tag, str(node.value))


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Tagged, _represent_tagged)

MARKER = Path(tempfile.gettempdir()) / "lnlint-fuzz-tag-executed"
UNSAFE_TAGS = [
    "tag:yaml.org,2002:python/object/apply:os.system",
    "tag:yaml.org,2002:python/name:os.system",
    "tag:yaml.org,2002:python/object/new:os.system",
]
TAGS = UNSAFE_TAGS + [
    "!new:torch.nn.TransformerEncoderLayer", "!new:torch.nn.TransformerEncoder", "!new:torch.nn.LayerNorm",
    "!name:torch.nn.TransformerEncoderLayer", "!ref", "!apply:os.system", "!include:other.yaml", "!unknown",
]
KEYS = st.sampled_from(
    [
        *vocab.WIDTH_KEYS, *vocab.HEADS_KEYS, *vocab.DEPTH_KEYS, *vocab.PLACEMENT_KEYS, *vocab.HEAD_DIM_KEYS,
        *sorted(vocab.WARMUP_KEYS), "_target_", "_partial_", "_args_", "class_path", "init_args", "model_type",
        "encoder_layer", "decoder_layer", "norm", "defaults", "deepnorm", "init_type", "model", "encoder",
        "decoder", "size", "x", "y",
    ]
)
SCALARS = st.one_of(
    st.integers(min_value=-3, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerEncoder", "torch.nn.TransformerDecoder",
            "torch.nn.Transformer", "torch.nn.LayerNorm", "pkg.models.Net", "${model.d_model}", "${.x}",
            "${..y}", "${size.d_model}", "${eval:2*2}", "${oc.env:HOME}", "<d_model>", "<d_model> * 2",
            "bert", "t5", "gpt2", "opt", "???", "inverse_sqrt", "admin_torch.as_module", "1e-3", "0x10",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def documents(draw):
    """A tree of mappings and lists over the vocabulary, some nodes tagged, some shared
    (anchors and aliases, cycles included), and a chain of deep nesting."""
    containers: list[object] = []

    def extend(children):
        def mapping(pairs):
            node = dict(pairs)
            containers.append(node)
            return node

        def sequence(items):
            containers.append(items)
            return items

        return st.one_of(
            st.lists(st.tuples(KEYS, children), max_size=6).map(mapping),
            st.lists(children, max_size=4).map(sequence),
        )

    root = draw(st.dictionaries(KEYS, st.recursive(SCALARS, extend, max_leaves=40), min_size=1, max_size=6))
    containers.append(root)
    for _ in range(draw(st.integers(0, 4))):  # shared nodes become anchors and aliases
        source = draw(st.sampled_from(containers))
        target = draw(st.sampled_from(containers))
        if isinstance(target, dict):
            target[draw(KEYS)] = source
        else:
            target.append(source)
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from([c for c in containers if isinstance(c, dict)]))
        tag = draw(st.sampled_from(TAGS))
        value = f"touch {MARKER}" if tag in UNSAFE_TAGS else draw(SCALARS)
        target[draw(KEYS)] = Tagged(tag, [value] if tag in UNSAFE_TAGS else value)
    depth = draw(st.integers(0, 120))
    deep: object = draw(SCALARS)
    for _ in range(depth):
        deep = {draw(KEYS): deep} if draw(st.booleans()) else [deep]
    root["deep"] = deep
    return root


def _lint_config_text(text: str, name: str) -> None:
    try:
        findings = lint_config(text.encode("utf-8", "surrogatepass"), name, SETTINGS)
    except SourceError:
        return
    assert all(f.code.startswith("LN") for f in findings)


@given(document=documents())
def test_generated_yaml_never_crashes_or_constructs(document):
    try:
        text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True)
    except (yaml.YAMLError, RecursionError):
        return  # PyYAML cannot write every such tree; nothing of ours was exercised
    _lint_config_text(text, "fuzz.yaml")
    assert not MARKER.exists()


def _plain(node, seen=frozenset()):
    """The JSON-representable tree: tags dropped, shared nodes copied, cycles cut."""
    if isinstance(node, Tagged):
        return _plain(node.value, seen)
    if isinstance(node, (dict, list)):
        if id(node) in seen:
            return None
        seen = seen | {id(node)}
        if isinstance(node, dict):
            return {k: _plain(v, seen) for k, v in node.items()}
        return [_plain(v, seen) for v in node]
    return node


@given(document=documents())
def test_generated_json_never_crashes(document):
    try:
        text = json.dumps(_plain(document))
    except (ValueError, RecursionError):
        return
    _lint_config_text(text, "fuzz.json")
    _lint_config_text(text, "config.json")


@given(depth=st.integers(1, 3000), key=KEYS, flow=st.booleans())
def test_deeply_nested_configs_are_diagnosed(depth, key, flow):
    text = ("{%s: " % key) * depth + "2" + "}" * depth if flow else "".join(f"{'  ' * i}{key}:\n" for i in range(depth)) + "  " * depth + "2\n"
    _lint_config_text(text, "deep.yaml")
