"""Value flow across a project: call sites, imports of the project's own modules, the chain."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, pick

MODELS = """\
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, width, heads=1):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(width, heads)


class Net(nn.Module):
    def __init__(self, d_model, nhead=1):
        super().__init__()
        self.encoder = Encoder(d_model * 1, nhead)


def make_norm(features):
    return nn.LayerNorm(features)
"""


def write_package(project):
    project.write("pkg/__init__.py", "from .models import Net\n")
    project.write("pkg/models.py", MODELS)


def test_class_call_in_another_file_is_reported_at_the_call_with_the_chain(project):
    write_package(project)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\n")
    findings = project.lint("train.py")
    assert pick(findings, "filename", "code", "row", "column") == [("train.py", "LN001", 3, 9)]
    (finding,) = findings
    assert finding["values"]["d_model"]["value"] == 2
    assert [(r["filename"], r["location"]["row"]) for r in finding["related"]] == [
        ("pkg/models.py", 13),
        ("pkg/models.py", 7),
    ]
    assert finding["message"].endswith(
        "Value flow: Net(d_model=2) (train.py:3) → Encoder(d_model * 1, nhead) (pkg/models.py:13)"
        " → TransformerEncoderLayer(...) (pkg/models.py:7)."
    )


def test_the_construction_file_alone_reports_nothing_its_callers_decide(project):
    write_package(project)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=512, nhead=8)\n")
    assert project.lint("pkg/models.py", "train.py") == []


@pytest.mark.parametrize(
    "call,codes",
    [
        ("Net(2)", ["LN001"]),
        ("Net(d_model=4, nhead=1)", ["LN002"]),
        ("Net(6, 4)", ["LN002", "LN003"]),
        ("Net(64, 64)", ["LN004"]),
        ("Net(512)", []),
        ("Net(int(sys.argv[1]))", []),  # known only at run time: no finding
    ],
)
def test_each_call_site_gets_the_findings_its_values_imply(project, call, codes):
    write_package(project)
    project.write("train.py", f"import sys\nfrom pkg import Net  # re-exported by the package\n\nmodel = {call}\n")
    assert pick(project.lint("train.py"), "code") == codes


def test_function_factory_and_defaults_of_the_callee(project):
    write_package(project)
    project.write("use.py", "from pkg.models import make_norm, Encoder\n\nn = make_norm(2)\ne = Encoder(2)\n")
    assert pick(project.lint("use.py"), "code", "row") == [("LN001", 3), ("LN001", 4)]


def test_same_file_call_and_self_attribute_read_in_another_method(project):
    source = (
        "import torch.nn as nn\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self, d):\n"
        "        super().__init__()\n"
        "        self.d = d\n\n"
        "    def build(self):\n"
        "        return nn.LayerNorm(self.d)\n\n"
        "healthy = Net(64)\n"
        "broken = Net(2)\n"
    )
    assert pick(project.findings(source), "code", "row", "column") == [("LN001", 12, 10)]


def test_function_never_called_keeps_its_defaults_and_called_function_does_not(project):
    never = "import torch.nn as nn\n\ndef build(d=2):\n    return nn.LayerNorm(d)\n"
    assert pick(project.findings(never), "code", "row") == [("LN001", 4)]
    called = never + "\nnorm = build(d=64)\n"
    assert project.findings(called) == []


def test_multi_hop_through_functions_is_capped(project):
    hops = ["import torch.nn as nn\n\ndef f0(d):\n    return nn.LayerNorm(d)\n"]
    for i in range(1, 12):
        hops.append(f"\ndef f{i}(d):\n    return f{i - 1}(d)\n")
    source = "".join(hops)
    assert pick(project.findings(source + "\nx = f5(2)\n"), "code") == ["LN001"]
    assert project.findings(source + "\nx = f11(2)\n") == []  # deeper than 8 hops: not followed


def test_constants_imported_from_the_project(project):
    project.write("pkg/__init__.py", "")
    project.write("pkg/sizes.py", "WIDTH = 2\nHEADS = 1\n")
    project.write(
        "pkg/model.py",
        "import torch.nn as nn\nfrom .sizes import WIDTH\nimport pkg.sizes as sizes\n\n"
        "a = nn.LayerNorm(WIDTH)\nb = nn.TransformerEncoderLayer(sizes.WIDTH, sizes.HEADS)\n",
    )
    findings = project.lint("pkg/model.py")
    assert pick(findings, "code", "row") == [("LN001", 5), ("LN001", 6)]
    assert findings[0]["values"]["normalized_shape"]["origin"] == "WIDTH at pkg/sizes.py:1"


def test_a_class_of_the_same_name_elsewhere_is_not_the_projects(project):
    write_package(project)
    project.write("train.py", "from other_library import Net\n\nmodel = Net(d_model=2)\n")
    assert project.lint("train.py") == []


def test_noqa_on_the_construction_silences_every_call_site(project):
    write_package(project)
    models = MODELS.replace("nn.TransformerEncoderLayer(width, heads)", "nn.TransformerEncoderLayer(width, heads)  # noqa: LN001")
    project.write("pkg/models.py", models)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\nother = Net(2)  # noqa: LN001\n")
    assert project.lint("train.py") == []


def test_warmup_in_the_calling_file_counts_for_the_construction(project):
    project.write(
        "deep.py",
        "import torch.nn as nn\n\ndef encoder(depth):\n"
        "    return nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), depth)\n",
    )
    project.write("train.py", "from deep import encoder\n\nenc = encoder(24)\n")
    (finding,) = project.lint("train.py")
    assert (finding["code"], finding["severity"], finding["location"]["row"]) == ("LN005", "error", 3)
    project.write("train.py", "from deep import encoder\n\nenc = encoder(24)\nwarmup_steps = 4000\n")
    assert project.lint("train.py") == []


def test_sarif_carries_related_locations_and_a_code_flow(project):
    import jsonschema

    write_package(project)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\n")
    run = project.run("--isolated", "--output-format", "sarif", "train.py")
    document = json.loads(run.output)
    jsonschema.validate(document, json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    (result,) = document["runs"][0]["results"]
    assert [r["physicalLocation"]["region"]["startLine"] for r in result["relatedLocations"]] == [13, 7]
    (flow,) = result["codeFlows"]
    steps = flow["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps] == [
        "train.py", "pkg/models.py", "pkg/models.py"
    ]


def test_full_format_prints_the_chain(project):
    write_package(project)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\n")
    output = project.run("--isolated", "--output-format", "full", "train.py").output
    assert "  → pkg/models.py:13:24: Encoder(d_model * 1, nhead)" in output
    assert "  → pkg/models.py:7:22: TransformerEncoderLayer(...)" in output
    assert "self.layer = nn.TransformerEncoderLayer(width, heads)" in output


def test_src_setting_adds_a_module_root(project):
    project.write("pyproject.toml", '[tool.lnlint]\nsrc = ["lib"]\n')
    project.write("lib/shapes.py", "import torch.nn as nn\n\ndef norm(d):\n    return nn.LayerNorm(d)\n")
    project.write("app/run.py", "from shapes import norm\n\nn = norm(2)\n")
    run = project.run("--output-format", "json", "app/run.py")
    assert pick(run.json(), "filename", "code", "row") == [("app/run.py", "LN001", 3)]


TRAIN = """\
import argparse

from pkg.models import Net

parser = argparse.ArgumentParser()
parser.add_argument("--d-model", type=int, default={d_model})
parser.add_argument("--heads", dest="nhead", type=int, default="1")
group = parser.add_argument_group("depth")
group.add_argument("--pre-ln", action="store_true")
parser.add_argument("--data", required=True)


def main(args):
    return Net(args.d_model, args.nhead)


if __name__ == "__main__":
    main(parser.parse_args())
"""


def test_argparse_defaults_reach_the_model_through_a_function(project):
    write_package(project)
    project.write("train.py", TRAIN.format(d_model=2))
    (finding,) = project.lint("train.py")
    assert (finding["code"], finding["location"]["row"]) == ("LN001", 18)
    assert finding["values"]["d_model"]["origin"].startswith("`d_model * 1` with default of --d-model at line 6")
    assert "main(parser.parse_args()) (train.py:18) → Net(args.d_model, args.nhead) (train.py:14)" in finding["message"]
    project.write("train.py", TRAIN.format(d_model=512))
    assert project.lint("train.py") == []


@pytest.mark.parametrize(
    "option,expected",
    [
        ('parser.add_argument("--d-model", type=int, default=2)', ["LN001"]),
        ('parser.add_argument("--d-model", type=int, required=True)', []),
        ('parser.add_argument("d_model", type=int)', []),
        ('parser.add_argument("--d-model", type=int, default=2)\nparser.set_defaults(d_model=64)', []),
        ('parser.add_argument("--d-model", default=2)\nparser.add_argument("--d-model", default=3)', []),
    ],
)
def test_argparse_forms(project, option, expected):
    source = (
        "import argparse\nimport torch.nn as nn\nparser = argparse.ArgumentParser()\n"
        f"{option}\nargs = parser.parse_args()\nnorm = nn.LayerNorm(args.d_model)\n"
    )
    assert pick(project.findings(source), "code") == expected


def test_torch_subclass_in_another_module_is_followed_from_its_call(project):
    project.write(
        "model.py",
        "import torch.nn as nn\n\nclass TransformerModel(nn.Transformer):\n"
        "    def __init__(self, ntoken, ninp, nhead, nlayers):\n"
        "        super().__init__(d_model=ninp, nhead=nhead, num_encoder_layers=nlayers)\n",
    )
    project.write("main.py", "from model import TransformerModel\n\nm = TransformerModel(100, 2, 1, 2)\nok = TransformerModel(100, 200, 2, 2)\n")
    assert pick(project.lint("main.py"), "code", "row") == [("LN001", 3)]
    assert project.lint("model.py") == []


CONFIG_OBJECTS = {
    "dataclass default": ("cfg = Cfg()", ["LN001"]),
    "dataclass override": ("cfg = Cfg(d_model=256)", []),
    "dataclass positional": ("cfg = Cfg(4)", ["LN002"]),
    "dataclasses.replace": ("cfg = dataclasses.replace(Cfg(d_model=256), d_model=2)", ["LN001"]),
    "field(default=...)": ("cfg = FieldCfg()", ["LN001"]),
    "field without default": ("cfg = Required()", []),
    "NamedTuple": ("cfg = Tuple()", ["LN001"]),
    "pydantic": ("cfg = Model(d_model=2)", ["LN001"]),
    "SimpleNamespace": ("cfg = types.SimpleNamespace(d_model=2, nhead=1)", ["LN001"]),
    "not a config class": ("cfg = Plain()", []),
}
CONFIG_HEAD = """\
import dataclasses
import types
from dataclasses import dataclass, field
from typing import NamedTuple

import pydantic
import torch.nn as nn


@dataclass
class Cfg:
    d_model: int = 2
    nhead: int = 1


@dataclass
class FieldCfg:
    d_model: int = field(default=2)
    nhead: int = 1


@dataclass
class Required:
    d_model: int
    nhead: int = 1


class Tuple(NamedTuple):
    d_model: int = 2
    nhead: int = 1


class Model(pydantic.BaseModel):
    d_model: int = 512
    nhead: int = 1


class Plain:
    d_model: int = 2
    nhead: int = 1


class Head(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.nhead)


"""


@pytest.mark.parametrize("make,codes", CONFIG_OBJECTS.values(), ids=list(CONFIG_OBJECTS))
def test_config_objects_followed_into_the_model(project, make, codes):
    findings = project.findings(CONFIG_HEAD + make + "\nhead = Head(cfg)\n")
    assert pick(findings, "code") == codes


def test_dict_config_and_a_config_class_from_another_module(project):
    project.write("conf.py", "from dataclasses import dataclass\n\n@dataclass\nclass Cfg:\n    d_model: int = 2\n")
    project.write(
        "model.py",
        "import torch.nn as nn\nfrom conf import Cfg\n\ncfg = {'d_model': 2}\n"
        "a = nn.LayerNorm(cfg['d_model'])\nb = nn.LayerNorm(Cfg().d_model)\nc = nn.LayerNorm(Cfg(d_model=64).d_model)\n",
    )
    findings = project.lint("model.py")
    assert pick(findings, "code", "row") == [("LN001", 5), ("LN001", 6)]
    assert findings[1]["values"]["normalized_shape"]["origin"] == "default of Cfg.d_model at line 5"


REEXPORTED_CONFIGS = {  # configs/defs.py, configs/__init__.py, the codes for model.py
    "dataclass": ("from dataclasses import dataclass\n\n@dataclass\nclass Cfg:\n    d_model: int = 2\n", "from .defs import Cfg\n", ["LN001"]),
    "alias": ("import dataclasses\n\n@dataclasses.dataclass\nclass Base:\n    d_model: int = 2\n", "from .defs import Base as Cfg\n", ["LN001"]),
    "NamedTuple": ("import typing\n\nclass Cfg(typing.NamedTuple):\n    d_model: int = 2\n", "from .defs import Cfg\n", ["LN001"]),
    "attrs": ("import attr\n\n@attr.s(auto_attribs=True)\nclass Cfg:\n    d_model: int = 2\n", "from .defs import Cfg\n", ["LN001"]),
    "two packages": ("from dataclasses import dataclass\n\n@dataclass\nclass Cfg:\n    d_model: int = 2\n", "from .inner import Cfg\n", ["LN001"]),
    "not a config class": ("class Cfg:\n    d_model: int = 2\n", "from .defs import Cfg\n", []),
}


@pytest.mark.parametrize("defs,init,codes", REEXPORTED_CONFIGS.values(), ids=list(REEXPORTED_CONFIGS))
def test_config_class_reexported_by_a_package(project, defs, init, codes):
    project.write("configs/defs.py", defs)
    project.write("configs/inner/__init__.py", "from ..defs import Cfg\n")
    project.write("configs/__init__.py", init)
    project.write("model.py", "import torch.nn as nn\nfrom configs import Cfg\n\nnorm = nn.LayerNorm(Cfg().d_model)\n")
    assert pick(project.lint("model.py"), "code") == codes


CONFIG_CALLS = {
    "hydra": ("model:\n  _target_: pkg.models.Net\n  d_model: ${size.width}\nsize:\n  width: 2\n", (2, 3)),
    "lightning": ("model:\n  class_path: pkg.models.Net\n  init_args:\n    d_model: 2\n", (2, 3)),
    "hyperpyyaml": ("width: 2\nmodel: !new:pkg.models.Net\n  d_model: !ref <width>\n", (2, 8)),
    "hydra partial": ("model:\n  _target_: pkg.models.Net\n  _partial_: true\n  d_model: 2\n", (2, 3)),
}


@pytest.mark.parametrize("text,where", CONFIG_CALLS.values(), ids=list(CONFIG_CALLS))
def test_configs_that_name_the_projects_classes_are_call_sites(project, text, where):
    write_package(project)
    project.write("conf/model.yaml", text)
    findings = project.lint("conf/model.yaml")
    assert pick(findings, "filename", "code", "row", "column") == [("conf/model.yaml", "LN001", *where)]
    assert [(r["filename"], r["location"]["row"]) for r in findings[0]["related"]] == [("pkg/models.py", 13), ("pkg/models.py", 7)]


def test_config_calls_with_unknown_or_healthy_values_stay_silent(project):
    write_package(project)
    project.write("a.yaml", "model:\n  _target_: pkg.models.Net\n  d_model: 512\n  nhead: 8\n")
    project.write("b.yaml", "model:\n  _target_: pkg.models.Net\n  _partial_: true\n  nhead: 1\n")  # d_model left to the caller
    project.write("c.yaml", "model:\n  _target_: other.models.Net\n  d_model: 2\n")
    assert project.lint("a.yaml", "b.yaml", "c.yaml") == []


@pytest.mark.parametrize(
    "choice,codes",
    [("size: small", ["LN001"]), ("optional size: small", ["LN001"]), ("size: base", []), ("size: ???", []), ("size: missing", [])],
)
def test_hydra_defaults_list_composes_the_chosen_group_config(project, choice, codes):
    write_package(project)
    project.write("conf/size/small.yaml", "d_model: 2\n")
    project.write("conf/size/base.yaml", "d_model: 512\n")
    project.write(
        "conf/config.yaml",
        f"defaults:\n  - {choice}\n  - _self_\n\nmodel:\n  _target_: pkg.models.Net\n  d_model: ${{size.d_model}}\n",
    )
    findings = project.lint("conf/config.yaml")
    assert pick(findings, "code") == codes
    if codes:
        assert "with key d_model = ${size.d_model} = 2 (size/small.yaml:1)" in findings[0]["message"]


CLICK = """\
import click

from pkg.models import Net


@click.command()
@click.option("--d-model", type=int, default={d_model})
@click.option("--heads", "nhead", default=1)
@click.option("--verbose", is_flag=True)
def main(d_model, nhead, verbose):
    return Net(d_model, nhead)
{call}"""


@pytest.mark.parametrize(
    "d_model,call,where",
    [(2, "\nif __name__ == '__main__':\n    main()\n", ("LN001", 14)), (2, "", ("LN001", 11)), (512, "", None)],
)
def test_click_option_defaults(project, d_model, call, where):
    write_package(project)
    project.write("cli.py", CLICK.format(d_model=d_model, call=call))
    findings = project.lint("cli.py")
    assert pick(findings, "code", "row") == ([where] if where else [])


def test_tyro_config_defaults(project):
    write_package(project)
    project.write(
        "run.py",
        "from dataclasses import dataclass\n\nimport tyro\n\nfrom pkg.models import Net\n\n\n"
        "@dataclass\nclass Args:\n    d_model: int = 2\n\n\nargs = tyro.cli(Args)\nmodel = Net(args.d_model)\n",
    )
    assert pick(project.lint("run.py"), "code", "row") == [("LN001", 14)]


DATACLASS_PARSERS = {
    "HfArgumentParser unpacked": (
        "parser = HfArgumentParser((ModelArguments, TrainArguments))\n"
        "model_args, train_args = parser.parse_args_into_dataclasses()\nmodel = Net(model_args.d_model)\n"
    ),
    "HfArgumentParser indexed": (
        "parser = HfArgumentParser(ModelArguments)\nmodel_args = parser.parse_args_into_dataclasses()[0]\n"
        "model = Net(model_args.d_model)\n"
    ),
    "simple_parsing add_arguments": (
        "parser = simple_parsing.ArgumentParser()\nparser.add_arguments(ModelArguments, dest='model')\n"
        "args = parser.parse_args()\nmodel = Net(args.model.d_model)\n"
    ),
    "simple_parsing.parse": "args = simple_parsing.parse(ModelArguments)\nmodel = Net(args.d_model)\n",
}


@pytest.mark.parametrize("body", DATACLASS_PARSERS.values(), ids=list(DATACLASS_PARSERS))
def test_dataclass_argument_parsers(project, body):
    write_package(project)
    head = (
        "from dataclasses import dataclass\n\nimport simple_parsing\nfrom transformers import HfArgumentParser\n\n"
        "from pkg.models import Net\n\n\n@dataclass\nclass ModelArguments:\n    d_model: int = 2\n\n\n"
        "@dataclass\nclass TrainArguments:\n    steps: int = 10\n\n\n"
    )
    project.write("run.py", head + body)
    findings = project.lint("run.py")
    assert pick(findings, "code") == ["LN001"]
    assert "default of ModelArguments.d_model at line 11" in findings[0]["message"]


def test_unpacking_reads_items_and_loops_stay_unknown(project):
    source = (
        "import torch.nn as nn\nwidth, heads = 2, 1\na = nn.TransformerEncoderLayer(width, heads)\n"
        "for w in (2, 3):\n    b = nn.LayerNorm(w)\n"
    )
    assert pick(project.findings(source), "code", "row") == [("LN001", 3)]


def test_args_and_kwargs_passed_through(project):
    source = (
        "import torch.nn as nn\n\n"
        "def layer(*args, **kwargs):\n    return nn.TransformerEncoderLayer(*args, **kwargs)\n\n"
        "a = layer(2, 1)\nb = layer(d_model=2, nhead=1)\nc = layer(64, nhead=4)\n"
    )
    assert pick(project.findings(source), "code", "row") == [("LN001", 6), ("LN001", 7)]


FORMS = {
    "call site": ("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\n"),
    "argparse": ("train.py", TRAIN.format(d_model=2)),
    "dataclass": ("train.py", "from dataclasses import dataclass\n\nfrom pkg.models import Net\n\n\n@dataclass\nclass Cfg:\n    d_model: int = 2\n\n\nnet = Net(Cfg().d_model)\n"),
    "hydra": ("conf/model.yaml", "model:\n  _target_: pkg.models.Net\n  d_model: 2\n"),
}


@pytest.mark.parametrize("name,text", FORMS.values(), ids=list(FORMS))
def test_every_form_carries_its_chain_in_json_and_sarif(project, name, text):
    import jsonschema

    write_package(project)
    project.write(name, text)
    (finding,) = project.lint(name)
    assert finding["filename"] == name and finding["related"][-1]["filename"] == "pkg/models.py"
    sarif = json.loads(project.run("--isolated", "--output-format", "sarif", name).output)
    jsonschema.validate(sarif, json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text()))
    (result,) = sarif["runs"][0]["results"]
    assert len(result["relatedLocations"]) == len(finding["related"])
    steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert steps[0]["location"]["physicalLocation"]["artifactLocation"]["uri"] == name
    assert steps[-1]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/models.py"


def test_value_flow_can_be_turned_off(project):
    write_package(project)
    project.write("train.py", "from pkg.models import Net\n\nmodel = Net(d_model=2)\n")
    assert pick(project.lint("train.py"), "code") == ["LN001"]
    assert project.lint("--no-value-flow", "train.py") == []
    project.write("pyproject.toml", "[tool.lnlint]\nvalue-flow = false\n")
    assert project.run("--output-format", "json", "train.py").json() == []


def test_functools_partial_of_a_project_class_is_a_call_site(project):
    write_package(project)
    project.write(
        "train.py",
        "import functools\nfrom functools import partial\nfrom pkg.models import Net\n\n"
        "small = functools.partial(Net, 2)\n"  # d_model given: reported here
        "later = partial(Net, nhead=4)\n"  # d_model left to whoever calls the partial
        "healthy = partial(Net, d_model=512, nhead=8)\n",
    )
    findings = project.lint("train.py", "pkg/models.py")
    assert pick(findings, "filename", "code", "row", "column") == [("train.py", "LN001", 5, 9)]
    assert findings[0]["message"].endswith(
        "Value flow: functools.partial(Net, 2) (train.py:5) → Encoder(d_model * 1, nhead) (pkg/models.py:13)"
        " → TransformerEncoderLayer(...) (pkg/models.py:7)."
    )


def test_a_nested_hydra_target_of_a_project_class_is_a_call_site_of_its_own(project):
    project.write("pkg/__init__.py", "")
    project.write(
        "pkg/blocks.py",
        "import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n"
        "        self.norm = nn.LayerNorm(width)\n\n\nclass Net(nn.Module):\n    def __init__(self, block, depth=2):\n"
        "        super().__init__()\n        self.block = block\n",
    )
    project.write("conf.yaml", "model:\n  _target_: pkg.blocks.Net\n  depth: 3\n  block:\n    _target_: pkg.blocks.Block\n    width: 2\n")
    findings = project.lint("conf.yaml")
    assert pick(findings, "filename", "code", "row", "column") == [("conf.yaml", "LN001", 5, 5)]
    assert [(r["filename"], r["location"]["row"]) for r in findings[0]["related"]] == [("pkg/blocks.py", 7)]


DEFINITION_SHAPES = {
    "class under try": "import torch.nn as nn\n\ntry:\n    class Make:\n        def __init__(self, d):\n            self.n = nn.LayerNorm(d)\nexcept ImportError:\n    pass\n",
    "column-0 text in a string": (
        'import torch.nn as nn\n\n\ndef make(d):\n    text = """\nclass Other:\nwith open(x):\n"""\n'
        "    return nn.LayerNorm(d)\n"
    ),
    "aliased class": "from torch.nn import LayerNorm as LN\n\n\ndef make(d):\n    return LN(d)\n",
    "through a helper": "from pkg.helpers import norm\n\n\ndef make(d):\n    return norm(d)\n",
    "decorated": "import functools\nimport torch.nn as nn\n\n\n@functools.lru_cache\ndef make(d):\n    return nn.LayerNorm(d)\n",
}


@pytest.mark.parametrize("text", DEFINITION_SHAPES.values(), ids=DEFINITION_SHAPES.keys())
def test_the_shapes_a_definition_takes_in_another_module(project, text):
    name = "Make" if "Make" in text else "make"
    project.write("pkg/__init__.py", f"from .impl import {name}\n")
    project.write("pkg/helpers.py", "import torch.nn as nn\n\n\ndef norm(d):\n    return nn.LayerNorm(d)\n")
    project.write("pkg/impl.py", text)
    project.write("train.py", f"from pkg import {name}\n\nlayer = {name}(2)\n")
    assert pick(project.lint("train.py"), "filename", "code", "row") == [("train.py", "LN001", 3)]



@pytest.mark.parametrize("keep", [1, 2, 3])
def test_dropping_parsed_modules_during_a_run_changes_no_finding(monkeypatch, keep):
    import lnlint.lint as lint
    from lnlint.discover import discover
    from lnlint.settings import load_settings

    folder = REPO / "examples"
    settings = load_settings(None, True, folder)
    files = list(discover([folder], settings))

    def findings():
        return [(f.location, f.code, f.message) for f in lint.lint_paths(files, settings).findings]

    held = findings()
    monkeypatch.setattr(lint, "KEEP_MODULES", keep)  # the files drop what the ones before read
    assert findings() == held and any(f[1] == "LN005" for f in held)


def test_a_released_module_is_freed_by_reference_counting(project):
    """A large run holds a bounded number of parsed modules: one it releases, after calls were
    followed into it, is freed without the cyclic collector (which is off during a run)."""
    import gc
    import weakref
    from pathlib import Path

    from lnlint.frontends.python.project import PythonProject
    from lnlint.lint import lint_file
    from lnlint.settings import load_settings

    write_package(project)
    caller = project.write("train.py", "from pkg import Net\n\nmodel = Net(2, 2)\n")
    settings = load_settings(None, True, Path("train.py"))
    python = PythonProject(settings, [caller])
    collecting = gc.isenabled()
    gc.disable()
    try:
        assert lint_file(caller, settings, [], project=python)  # the call was followed into pkg/models.py
        module = python.module((project.root / "pkg" / "models.py").resolve())
        assert module is not None and module.extracted()
        held = [weakref.ref(part) for part in (module, module.extractor, module.index, module.resolver)]
        del module
        python.release(0)
        assert [ref() for ref in held] == [None] * len(held)
    finally:
        if collecting:
            gc.enable()
