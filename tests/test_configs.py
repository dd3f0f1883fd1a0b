"""YAML and JSON configs: every shape, exact findings and positions, traps, safety."""

from __future__ import annotations

import json

import pytest

from lnlint.frontends.configs.tree import compose, walk
from tests.conftest import pick


def findings(project, name: str, text: str, *args: str) -> list[tuple[str, int, int, str]]:
    project.write(name, text)
    return pick(project.lint(*args, name), "code", "row", "column", "message")


def codes_at(project, name, text, *args):
    return [(code, row, col) for code, row, col, _ in findings(project, name, text, *args)]


HYDRA = """\
# conf/model/encoder.yaml (Hydra)
size:
  d_model: 2
model:
  encoder:
    _target_: torch.nn.TransformerEncoder
    num_layers: 24
    encoder_layer:
      _target_: torch.nn.TransformerEncoderLayer
      d_model: ${size.d_model}
      nhead: 1
      dropout: 1e-1
      batch_first: true
    norm: null
"""


def test_hydra_nested_targets_and_interpolation(project):
    result = findings(project, "encoder.yaml", HYDRA)
    assert [(c, r, col) for c, r, col, _ in result] == [("LN005", 6, 5), ("LN001", 9, 7)]
    assert "depth = 24 from key num_layers at line 7" in result[0][3]
    assert "d_model = 2 from key d_model = ${size.d_model} = 2 (line 3)" in result[1][3]
    assert "post-LN layer's output" in result[1][3]


def test_hydra_pre_ln_stack_without_and_with_final_norm(project):
    base = (
        "encoder:\n"
        "  _target_: torch.nn.modules.transformer.TransformerEncoder\n"
        "  num_layers: 6\n"
        "  encoder_layer:\n"
        "    _target_: torch.nn.TransformerEncoderLayer\n"
        "    d_model: 512\n"
        "    nhead: 8\n"
        "    norm_first: true\n"
    )
    assert codes_at(project, "a.yaml", base, "--ignore", "LN007") == [("LN006", 2, 3)]
    with_norm = base + "  norm:\n    _target_: torch.nn.LayerNorm\n    normalized_shape: 2\n"
    result = findings(project, "b.yaml", with_norm, "--ignore", "LN007")
    assert [(c, r, col) for c, r, col, _ in result] == [("LN001", 10, 5)]
    assert "final norm of the TransformerEncoder at line 2" in result[0][3]


def test_hydra_positional_args_and_partial(project):
    text = (
        "layer:\n"
        "  _target_: torch.nn.TransformerEncoderLayer\n"
        "  _args_: [100, 8]\n"
        "layer_factory:\n"
        "  _target_: torch.nn.TransformerEncoderLayer\n"
        "  _partial_: true\n"
        "  d_model: 4\n"
    )
    result = findings(project, "p.yaml", text)
    assert [(c, r) for c, r, _, _ in result] == [("LN003", 2), ("LN002", 5)]


def test_relative_and_chained_interpolation(project):
    text = (
        "widths:\n"
        "  base: 2\n"
        "  model: ${.base}\n"
        "encoder:\n"
        "  hidden: ${widths.model}\n"
        "  layer:\n"
        "    _target_: torch.nn.TransformerEncoderLayer\n"
        "    d_model: ${..hidden}\n"
        "    nhead: 1\n"
    )
    result = findings(project, "r.yaml", text)
    assert [(c, r) for c, r, _, _ in result] == [("LN001", 7)]
    assert "d_model = ${..hidden} = 2 (line 2)" in result[0][3]


@pytest.mark.parametrize(
    "value",
    ["${oc.env:D_MODEL}", "${eval:'2 * 1'}", "dim_${size}", "${missing.key}", "!ref <size> * 2"],
)
def test_values_interpolation_cannot_determine_stay_silent(project, value):
    text = f"size: 2\nlayer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: {value}\n  nhead: 1\n"
    assert findings(project, "u.yaml", text) == []


def test_interpolation_cycle_is_unknown_not_an_error(project):
    text = "model:\n  d_model: ${model.width}\n  width: ${model.d_model}\n  nhead: 2\n  num_layers: 4\n"
    assert findings(project, "cycle.yaml", text) == []


def test_a_hydra_group_file_referring_to_the_composed_config_is_not_an_error(project):
    # backbone/encoder.yaml is composed under `model`: its `${model.x}` names the primary's keys.
    project.write("conf/config.yaml", "defaults:\n  - backbone: encoder\nmodel:\n  d_model: 256\n")
    text = "model:\n  d_model: ${model.d_model}\n  nhead: ${data.heads}\n  num_layers: 4\n"
    assert findings(project, "conf/backbone/encoder.yaml", text) == []


def test_lightning_cli_class_path(project):
    text = (
        "model:\n"
        "  class_path: torch.nn.Transformer\n"
        "  init_args:\n"
        "    d_model: 512\n"
        "    nhead: 8\n"
        "    num_encoder_layers: 24\n"
        "    num_decoder_layers: 6\n"
    )
    result = findings(project, "cli.yaml", text)
    assert [(c, r, col) for c, r, col, _ in result] == [("LN005", 2, 3)]
    assert "nn.Transformer encoder of 24 layers" in result[0][3]


HYPERPYYAML = """\
# speechbrain hyperparams.yaml
d_model: 2
num_layers: 12
encoder_layer: !new:torch.nn.TransformerEncoderLayer
    d_model: !ref <d_model>
    nhead: 1
    norm_first: True
encoder: !new:torch.nn.TransformerEncoder
    encoder_layer: !ref <encoder_layer>
    num_layers: !ref <num_layers>
    norm: !new:torch.nn.LayerNorm
        normalized_shape: !ref <d_model>
tokenizer: !new:sentencepiece.SentencePieceProcessor
lr_annealing: !new:speechbrain.nnet.schedulers.NoamScheduler
    lr_initial: 1.0
    n_warmup_steps: 25000
"""


def test_hyperpyyaml_tags_load_and_resolve(project):
    result = findings(project, "hparams.yaml", HYPERPYYAML, "--ignore", "LN007")
    assert [(c, r, col) for c, r, col, _ in result] == [("LN001", 4, 16), ("LN001", 11, 11)]
    assert "pre-LN layer" in result[0][3]
    assert "final norm of the TransformerEncoder at line 8" in result[1][3]


FAIRSEQ = """\
# fairseq transformer_wmt_en_de_big, 24 encoder layers
model:
  _name: transformer
  encoder_embed_dim: 1024
  encoder_attention_heads: 16
  encoder_layers: 24
  encoder_normalize_before: false
  decoder_embed_dim: 1024
  decoder_attention_heads: 12
  decoder_layers: 6
  dropout: 0.3
"""


def test_fairseq_flat_section_splits_encoder_and_decoder(project):
    result = findings(project, "fairseq.yaml", FAIRSEQ)
    assert [(c, r, col) for c, r, col, _ in result] == [("LN003", 3, 3), ("LN005", 3, 3)]
    assert "nhead = 12 from key decoder_attention_heads at line 9" in result[0][3]
    assert "depth = 24 from key encoder_layers at line 6" in result[1][3]


def test_fairseq_warmup_in_the_same_file(project):
    text = FAIRSEQ + "lr_scheduler:\n  _name: inverse_sqrt\n  warmup_updates: 4000\n"
    assert [c for c, _, _, _ in findings(project, "fairseq.yaml", text)] == ["LN003"]


ESPNET = """\
encoder: transformer
encoder_conf:
    output_size: 4
    attention_heads: 4
    linear_units: 2048
    num_blocks: 12
    normalize_before: true
"""


def test_espnet_encoder_conf(project):
    result = findings(project, "train.yaml", ESPNET)
    assert [(c, r, col) for c, r, col, _ in result] == [("LN002", 3, 5), ("LN004", 3, 5)]


HF_BERT_LARGE = """\
{
  "architectures": ["BertForMaskedLM"],
  "attention_probs_dropout_prob": 0.1,
  "hidden_size": 1024,
  "intermediate_size": 4096,
  "model_type": "bert",
  "num_attention_heads": 16,
  "num_hidden_layers": 24
}
"""


def test_a_huggingface_config_describes_trained_weights_so_ln005_is_silent_but_widths_are_checked(project):
    """Released BERTs were pre-trained with warmup (in their own training config): the
    config.json of their weights is no from-scratch set-up. What the model computes still counts."""
    project.write("config.json", HF_BERT_LARGE)
    assert project.lint("config.json") == []
    project.write("config.json", HF_BERT_LARGE.replace('"hidden_size": 1024', '"hidden_size": 2').replace('"num_attention_heads": 16', '"num_attention_heads": 2'))
    assert [f["code"] for f in project.lint("config.json")] == ["LN001", "LN004"]


@pytest.mark.parametrize(
    "model_type,extra,expected",
    [
        ("gpt2", '"n_embd": 768, "n_head": 12, "n_layer": 48', []),
        ("opt", '"hidden_size": 1024, "num_attention_heads": 16, "num_hidden_layers": 24, "do_layer_norm_before": false', []),
        ("opt", '"hidden_size": 1024, "num_attention_heads": 16, "num_hidden_layers": 24', []),
        ("llama", '"hidden_size": 2, "num_attention_heads": 1, "num_hidden_layers": 2', []),
        ("bart", '"d_model": 1000, "encoder_attention_heads": 16, "decoder_attention_heads": 16, "encoder_layers": 12, "decoder_layers": 12', ["LN003", "LN003"]),
        ("mystery", '"hidden_size": 1024, "num_attention_heads": 16, "num_hidden_layers": 48', []),
    ],
)
def test_huggingface_placement_from_model_type(project, model_type, extra, expected):
    text = '{"model_type": "%s", %s}' % (model_type, extra)
    assert sorted(c for c, _, _, _ in findings(project, "config.json", text)) == expected


TRAPS = {
    "plot.yaml": "plot:\n  d_model: 2\n  dpi: 300\n",
    "lone_dim.yaml": "vae:\n  dim: 2\n  beta: 4\n",
    "workflow.yml": "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        layers: [1, 2]\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n",
    "package.json": '{"name": "x", "version": "1.0.0", "dependencies": {"left-pad": "^1"}}',
    "non_torch_target.yaml": "model:\n  _target_: my_project.models.Transformer\n  d_model: 2\n  n_heads: 2\n",
    "helm_template.yaml": "metadata:\n  name: {{ .Values.name }}\n  labels: {{- include \"x\" . }}\n",
    "paddle.yaml": "layer:\n  _target_: paddle.nn.TransformerEncoderLayer\n  d_model: 2\n  nhead: 2\n",
}


@pytest.mark.parametrize("name", TRAPS)
def test_traps_stay_silent(project, name):
    assert findings(project, name, TRAPS[name]) == []


def test_invalid_yaml_and_json_are_ln900_and_the_run_goes_on(project):
    project.write("bad.yaml", "model:\n  d_model: 2\n  nhead: [1, 2\n")
    project.write("bad.json", '{\n  "model_type": "bert",\n  "hidden_size": 2,\n}\n')
    project.write("ok.yaml", "d_model: 2\nnhead: 1\nnum_layers: 2\n")
    result = pick(project.lint("."), "filename", "code", "row", "column")
    assert result == [("bad.json", "LN900", 4, 1), ("bad.yaml", "LN900", 4, 1), ("ok.yaml", "LN001", 1, 1)]


def test_alias_bomb_is_composed_not_expanded(project):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = "\n".join(levels) + "\nmodel:\n  d_model: 2\n  nhead: 1\n  num_layers: 2\n  ref: *i\n"
    assert [c for c, _, _, _ in findings(project, "bomb.yaml", bomb)] == ["LN001"]
    # Expanded, the bomb has 9**9 strings; composed, each alias is its anchor's node.
    assert len(list(walk(compose(bomb, is_json=False)))) < 150


def test_recursive_alias_does_not_loop(project):
    text = "model: &m\n  d_model: 2\n  nhead: 1\n  num_layers: 2\n  self: *m\n"
    assert [c for c, _, _, _ in findings(project, "rec.yaml", text)] == ["LN001"]


def test_tab_indented_json_keeps_positions(project):
    text = '{\n\t"model_type": "bert",\n\t"hidden_size": 2,\n\t"num_attention_heads": 1\n}\n'
    assert codes_at(project, "config.json", text) == [("LN001", 2, 2)]


def test_large_files_are_skipped_with_a_notice(project):
    project.write("huge.json", '{"d_model": 2, "nhead": 1, "pad": "' + "x" * (5 * 1024 * 1024) + '"}')
    run = project.run("--isolated", "--verbose", "huge.json")
    assert run.exit_code == 0
    assert "huge.json: skipped" in run.stderr


def test_suppression_in_yaml(project):
    text = (
        "# lnlint settings for this file\n"
        "layer:\n"
        "  _target_: torch.nn.TransformerEncoderLayer  # lnlint: ignore[LN001]\n"
        "  d_model: 2\n"
        "  nhead: 1\n"
        "other:\n"
        "  d_model: 4  # noqa\n"
        "  nhead: 2\n"
    )
    assert findings(project, "s.yaml", text) == []
    assert findings(project, "skip.yaml", "# lnlint: skip-file\nd_model: 2\nnhead: 1\n") == []


def test_per_file_ignores_cover_json(project):
    project.write("pyproject.toml", '[tool.lnlint]\nper-file-ignores = { "*.json" = ["LN001"] }\n')
    project.write("config.json", '{"model_type": "bert", "hidden_size": 2, "num_attention_heads": 1}')
    assert project.run("--output-format", "json", "config.json").codes() == []


def test_extra_keys_and_include_settings(project):
    project.write(
        "pyproject.toml",
        '[tool.lnlint]\nextra-width-keys = ["trunk_width"]\nextra-warmup-keys = ["ramp_steps"]\ninclude = ["*.yaml"]\n',
    )
    project.write("a.yaml", "net:\n  trunk_width: 2\n  num_heads: 1\n  num_layers: 2\n")
    project.write("b.yaml", "net:\n  d_model: 512\n  num_heads: 8\n  num_layers: 12\n  norm_first: false\nramp_steps: 100\n")
    project.write("c.json", '{"d_model": 2, "nhead": 1}')
    project.write("d.py", "import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    run = project.run("--output-format", "json", ".")
    assert [(f["filename"], f["code"]) for f in run.json()] == [("a.yaml", "LN001")]


def test_mixed_directory_one_sorted_list_in_every_format(project):
    project.write("b_model.py", "import torch.nn as nn\nn = nn.LayerNorm(2)\n")
    project.write("a_conf.yaml", "d_model: 2\nnhead: 1\nnum_layers: 2\n")
    project.write("c_config.json", '{"d_model": 2, "nhead": 1, "num_layers": 2}')
    run = project.run("--isolated", "--output-format", "json", ".")
    assert [f["filename"] for f in run.json()] == ["a_conf.yaml", "b_model.py", "c_config.json"]
    for fmt in ("concise", "full", "github", "gitlab", "sarif"):
        output = project.run("--isolated", "--output-format", fmt, ".").output
        for name in ("a_conf.yaml", "b_model.py", "c_config.json"):
            assert name in output, (fmt, name)
    sarif = json.loads(project.run("--isolated", "--output-format", "sarif", ".").output)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris == ["a_conf.yaml", "b_model.py", "c_config.json"]


@pytest.mark.parametrize(
    "model_type,extra,expected",
    [
        # T5-style: inner dim = heads x d_kv, so d_model need not divide (the reported false positive).
        ("t5", '"d_model": 8, "num_heads": 3, "d_kv": 4, "num_layers": 2', []),
        ("t5", '"d_model": 8, "num_heads": 3, "d_kv": 1, "num_layers": 2', [("LN004", "head_dim = 1 from key d_kv")]),
        ("gemma", '"hidden_size": 3072, "num_attention_heads": 16, "head_dim": 256, "num_hidden_layers": 28', []),
        ("llama", '"hidden_size": 100, "num_attention_heads": 3, "head_dim": 64, "num_hidden_layers": 2', []),
        # Without a head size, the width must still divide.
        ("llama", '"hidden_size": 100, "num_attention_heads": 3, "num_hidden_layers": 2', [("LN003", "d_model is not divisible")]),
        # DeBERTa checks divisibility before it reads attention_head_size.
        ("deberta-v2", '"hidden_size": 100, "num_attention_heads": 3, "attention_head_size": 64, "num_hidden_layers": 2', [("LN003", "d_model is not divisible")]),
    ],
)
def test_explicit_head_size_replaces_the_divisibility_check(project, model_type, extra, expected):
    text = '{"model_type": "%s", %s}' % (model_type, extra)
    found = [(code, message) for code, _, _, message in findings(project, "config.json", text)]
    assert [code for code, _ in found] == [code for code, _ in expected]
    for (_, message), (_, start) in zip(found, expected):
        assert message.startswith(start) or start in message


def test_megatron_style_kv_channels_in_a_generic_section(project):
    text = "model:\n  hidden_size: 1000\n  num_attention_heads: 12\n  kv_channels: 128\n  num_layers: 4\n"
    assert codes_at(project, "megatron.yaml", text) == []
    assert [c for c, _, _ in codes_at(project, "plain.yaml", text.replace("  kv_channels: 128\n", ""))] == ["LN003"]


def test_hydra_pre_ln_stack_of_unknown_depth_lacks_its_final_norm(project):
    text = (
        "encoder:\n"
        "  _target_: torch.nn.TransformerEncoder\n"
        "  num_layers: ${size.enc_layers}\n"
        "  encoder_layer:\n"
        "    _target_: torch.nn.TransformerEncoderLayer\n"
        "    d_model: 256\n"
        "    nhead: 8\n"
        "    norm_first: true\n"
    )
    ((code, row, column, message),) = findings(project, "model.yaml", text, "--ignore", "LN007")
    assert (code, row, column) == ("LN006", 2, 3)
    assert "stack of an unknown number of layers" in message


def test_hydra_pre_ln_encoder_keeps_the_nested_tensor_default(project):
    text = (
        "encoder:\n"
        "  _target_: torch.nn.TransformerEncoder\n"
        "  num_layers: 6\n"
        "  encoder_layer:\n"
        "    _target_: torch.nn.TransformerEncoderLayer\n"
        "    d_model: 512\n"
        "    nhead: 8\n"
        "    norm_first: true\n"
        "  norm:\n"
        "    _target_: torch.nn.LayerNorm\n"
        "    normalized_shape: 512\n"
    )
    assert codes_at(project, "encoder.yaml", text, "--select", "LN,LN007") == [("LN007", 2, 3)]  # off by default
    assert codes_at(project, "off.yaml", text + "  enable_nested_tensor: false\n") == []


BERT_BASE = {
    "model_type": "bert", "hidden_size": 768, "num_attention_heads": 12, "num_hidden_layers": 12,
    "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12,
    "intermediate_size": 3072, "hidden_act": "gelu",
}
LAYER_ARGUMENT_CODES = {"LN008", "LN009", "LN010", "LN011"}


@pytest.mark.parametrize(
    ("change", "code", "cited"),
    [
        ({"hidden_dropout_prob": 1.0}, "LN008", "dropout = 1.0 from key hidden_dropout_prob"),
        ({"layer_norm_eps": 0}, "LN010", "layer_norm_eps = 0 from key layer_norm_eps"),
        ({"layer_norm_eps": 0.5}, "LN010", "layer_norm_eps = 0.5 from key layer_norm_eps"),
        ({"intermediate_size": 0}, "LN011", "dim_feedforward = 0 from key intermediate_size"),
    ],
)
def test_configs_feed_the_layer_argument_rules(project, change, code, cited):
    project.write("config.json", json.dumps({**BERT_BASE, **change}))
    found = [f for f in project.lint("config.json") if f["code"] in LAYER_ARGUMENT_CODES]
    assert pick(found, "code") == [code]
    assert found[0]["message"].startswith(cited)


def test_healthy_configs_and_other_libraries_activation_names_are_not_flagged(project):
    project.write("config.json", json.dumps({**BERT_BASE, "hidden_act": "gelu_new"}))
    project.write("fairseq.yaml", "encoder_embed_dim: 512\nencoder_attention_heads: 8\nencoder_layers: 6\n"
                  "encoder_ffn_embed_dim: 2048\ndropout: 0.3\nactivation_fn: silu\nn_inner: null\n")
    assert [f["code"] for f in project.lint(".") if f["code"] in LAYER_ARGUMENT_CODES] == []


def test_a_hydra_target_of_torchs_layer_is_checked_for_its_activation_name(project):
    text = "layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: 512\n  nhead: 8\n  activation: swish\n"
    assert [c for c, *_ in findings(project, "layer.yaml", text)] == ["LN009"]
    fairseq = "encoder_embed_dim: 512\nencoder_attention_heads: 8\nencoder_layers: 6\nencoder_ffn_embed_dim: -1\n"
    assert [c for c, *_ in findings(project, "fairseq.yaml", fairseq)] == ["LN011"]


@pytest.mark.parametrize(
    ("arguments", "code", "cited"),
    [
        ("_target_: torch.nn.LayerNorm\n  normalized_shape: 512\n  eps: .nan\n", "LN010", "eps = nan from key eps"),
        ("_target_: torch.nn.TransformerEncoderLayer\n  d_model: 0\n  nhead: 0\n", "LN003", "d_model = 0 from key d_model"),
        ("_target_: torch.nn.TransformerEncoderLayer\n  d_model: -8\n  nhead: 2\n", "LN003", "d_model = -8 from key d_model"),
        ("_target_: torch.nn.GroupNorm\n  num_groups: 0\n  num_channels: 4\n", "LN012", "num_groups = 0 from key num_groups"),
        ("_target_: torch.nn.LayerNorm\n  normalized_shape: -4\n", "LN001", "LayerNorm over normalized_shape = -4 from key"),
    ],
    ids=["nan eps", "d_model 0", "negative d_model", "0 groups", "negative width"],
)
def test_config_values_torch_refuses_or_turns_to_nan(project, arguments, code, cited):
    ((found, row, column, message),) = findings(project, "norm.yaml", "norm:\n  " + arguments)
    assert (found, row, column) == (code, 2, 3)
    assert message.startswith(cited)


# --- what counts as a model (the generic guess must earn its finding) --------------------------------
@pytest.mark.parametrize(
    "name, text",
    [
        ("experiment.json", '{"type": "lstm", "hidden_size": 4, "num_layers": 2, "heads": 1}'),
        ("mamba.yaml", "model:\n  attention_config: mamba  # heads are ignored\n  d_model: 768\n  num_attention_heads: 12\n  n_layer: 24\n  hidden_size: 768\n  num_heads: 7\n"),
        ("config.json", '{"model_type": "mamba", "hidden_size": 768, "num_attention_heads": 7, "num_hidden_layers": 24}'),
        ("metrics.json", '[{"hidden_size": 2, "num_heads": 2, "num_layers": 4, "accuracy": 0.91}, {"hidden_size": 64, "num_heads": 3, "num_layers": 4, "accuracy": 0.93}]'),
        ("run.yaml", "model_name: TimeSeriesTransformer\nn_embd: 2\nn_head: 3\nn_layer: 2\n"),
        ("sizes.yaml", "d_model: 2.5\nnhead: 2\nnum_layers: 2\n"),
        ("ids.yaml", "d_model: 2\nnhead: 50000\nnum_layers: 2\n"),
        ("width_only.yaml", "d_model: 2\nnum_layers: 6\n"),
    ],
    ids=["lstm type", "mamba attention config", "mamba model type", "run log", "a registered class", "a float width", "heads out of range", "no heads"],
)
def test_a_section_that_is_no_transformer_is_not_guessed_to_be_one(project, name, text):
    assert findings(project, name, text) == []


@pytest.mark.parametrize("name", ["tokenizer.json", "vocab.json", "bpe_encoder.json", "encoder.json", "tokens.json"])
def test_vocabularies_are_never_models(project, name):
    vocabulary = {f"tok{i}": i for i in range(300)}
    vocabulary.update({"dim": 3, "heads": 2, "num_layers": 5, "d_model": 3})
    text = json.dumps({"version": "1.0", "model": {"type": "BPE", "vocab": vocabulary}})
    assert findings(project, name, text) == []


def test_a_target_word_inside_another_key_is_not_a_target(project):
    # A conda-build recipe: a Jinja template, invalid YAML by design.
    text = "package:\n  name: x\nbuild:\n  - {{ compiler('c') }}\n  cross_compiler_target_platform: {% if x %}linux{% endif %}\n"
    assert findings(project, "meta.yaml", text) == []


def test_a_generic_section_still_counts_with_width_heads_and_depth(project):
    assert [c for c, _, _, _ in findings(project, "model.yaml", "model:\n  d_model: 2\n  nhead: 2\n  num_layers: 2\n")] == ["LN001", "LN004"]
    assert [c for c, _, _, _ in findings(project, "pre.yaml", "model:\n  d_model: ${size}\n  nhead: 1\n  pre_norm: true\nsize: 2\n")] == ["LN001"]


def test_messages_speak_the_configs_vocabulary(project):
    espnet = "encoder_conf:\n  output_size: 2\n  attention_heads: 1\n  num_blocks: 2\n  normalize_before: false\n"
    (ln001,) = [f for f in project.findings(espnet, name="train.yaml") if f["code"] == "LN001"]
    assert "normalize_before: true does not fix it" in ln001["message"] and "norm_first" not in ln001["message"]
    assert "lnlint took this section for a Transformer from its keys output_size, attention_heads, num_blocks, normalize_before" in ln001["message"]
    bert = '{"model_type": "bert", "hidden_size": 2, "num_attention_heads": 1, "num_hidden_layers": 2}'
    (hf,) = [f for f in project.findings(bert, name="config.json") if f["code"] == "LN001"]
    assert "switching to pre-LN does not fix it" in hf["message"] and "norm_first" not in hf["message"]
    assert "took this section" not in hf["message"]  # the model type names the family: no guess
    torch_target = "layer:\n  _target_: torch.nn.TransformerEncoderLayer\n  d_model: 2\n  nhead: 1\n"
    (target,) = [f for f in project.findings(torch_target, name="hydra.yaml") if f["code"] == "LN001"]
    assert "norm_first=True does not fix it" in target["message"]
