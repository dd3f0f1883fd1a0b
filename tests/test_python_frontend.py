"""Every construction and resolution form the Python frontend supports, through the CLI."""

from __future__ import annotations

import pytest

IMPORT_FORMS = {
    "import torch": "import torch\nx = torch.nn.TransformerEncoderLayer(2, 1)\n",
    "import torch.nn": "import torch.nn\nx = torch.nn.TransformerEncoderLayer(2, 1)\n",
    "import torch.nn as nn": "import torch.nn as nn\nx = nn.TransformerEncoderLayer(2, 1)\n",
    "import torch.nn as tnn": "import torch.nn as tnn\nx = tnn.TransformerEncoderLayer(2, 1)\n",
    "from torch import nn": "from torch import nn\nx = nn.TransformerEncoderLayer(2, 1)\n",
    "from torch.nn import X": "from torch.nn import TransformerEncoderLayer\nx = TransformerEncoderLayer(2, 1)\n",
    "from torch.nn import X as Y": "from torch.nn import TransformerEncoderLayer as TEL\nx = TEL(2, 1)\n",
    "from torch.nn.modules import X": "from torch.nn.modules import TransformerEncoderLayer\nx = TransformerEncoderLayer(2, 1)\n",
    "from torch.nn.modules.transformer import X": (
        "from torch.nn.modules.transformer import TransformerEncoderLayer\nx = TransformerEncoderLayer(2, 1)\n"
    ),
    "from torch.nn.modules.normalization import LayerNorm": (
        "from torch.nn.modules.normalization import LayerNorm\nx = LayerNorm(2)\n"
    ),
    "from torch.nn import *": "from torch.nn import *\nx = TransformerEncoderLayer(2, 1)\n",
    "alias assignment": "import torch.nn as nn\nLayer = nn.TransformerEncoderLayer\nx = Layer(2, 1)\n",
    "alias of alias": "from torch import nn\nA = nn.LayerNorm\nB = A\nx = B(2)\n",
}


@pytest.mark.parametrize("source", IMPORT_FORMS.values(), ids=IMPORT_FORMS.keys())
def test_import_forms_are_torch(project, source):
    findings = project.findings(source)
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LN001", source.count("\n"))]


NOT_TORCH = {
    "fairseq": "from fairseq.modules import TransformerEncoderLayer\nx = TransformerEncoderLayer(2, 1)\n",
    "paddle": "import paddle.nn as nn\nx = nn.TransformerEncoderLayer(2, 1)\nn = nn.LayerNorm(2)\n",
    "local class": "class LayerNorm:\n    def __init__(self, d): pass\nx = LayerNorm(2)\n",
    "parameter named nn": (
        "import torch.nn as nn\n"
        "def build(nn):\n"
        "    return nn.TransformerEncoderLayer(2, 1)\n"
    ),
    "rebinding of nn": "import torch.nn as nn\nimport paddle.nn as nn\nx = nn.LayerNorm(2)\n",
    "docstring": '"""Use nn.LayerNorm(2) and nn.TransformerEncoderLayer(2, 2)."""\nimport torch.nn as nn\n',
    "comment": "import torch.nn as nn  # nn.LayerNorm(1)\n# x = nn.TransformerEncoderLayer(2, 2)\n",
    "string": "import torch.nn as nn\ncode = 'nn.LayerNorm(1)'\n",
    "no import": "x = nn.TransformerEncoderLayer(2, 1)\n",
    "another library's layer_norm": "import paddle.nn.functional as F\ny = F.layer_norm(x, (2,))\n",
}


@pytest.mark.parametrize("source", NOT_TORCH.values(), ids=NOT_TORCH.keys())
def test_lookalikes_are_not_torch(project, source):
    assert project.findings(source) == []


FUNCTIONAL = {
    "F.layer_norm": ("import torch.nn.functional as F\ny = F.layer_norm(x, (2,))\n", "LN001", "LayerNorm over 2 features"),
    "torch.layer_norm keyword": ("import torch\ny = torch.layer_norm(x, normalized_shape=[4])\n", "LN002", "LayerNorm over 4 features"),
    "F.rms_norm": ("from torch.nn import functional as F\ny = F.rms_norm(x, (1,), eps=1e-6)\n", "LN001", "RMSNorm over 1 feature"),
    "F.layer_norm eps": ("import torch.nn.functional as F\ny = F.layer_norm(x, (512,), None, None, 0.0)\n", "LN010", "eps = 0.0"),
}


@pytest.mark.parametrize(("source", "code", "start"), FUNCTIONAL.values(), ids=FUNCTIONAL.keys())
def test_functional_norms_are_read_as_their_classes(project, source, code, start):
    (finding,) = project.findings(source)
    assert finding["code"] == code and finding["message"].startswith(start)


def _values(project, source):
    (finding,) = [f for f in project.findings(source) if f["code"] == "LN001"]
    return finding["values"]


RESOLVED_D_MODEL = {
    "literal": ("x = nn.TransformerEncoderLayer(2, 1)", "literal"),
    "keyword": ("x = nn.TransformerEncoderLayer(nhead=1, d_model=2)", "literal"),
    "module constant": ("D = 2\nx = nn.TransformerEncoderLayer(D, 1)", "constant D at line 2"),
    "arithmetic": ("x = nn.TransformerEncoderLayer(4 // 2, 1)", "`4 // 2`"),
    "arithmetic on constants": (
        "H = 64\nx = nn.TransformerEncoderLayer(H // 64 + 1, 1)",
        "`H // 64 + 1` with constant H at line 2",
    ),
    "float that is integral": ("x = nn.TransformerEncoderLayer(2.0, 1)", "literal"),
    "function default": (
        "def build(width=2):\n    return nn.TransformerEncoderLayer(width, 1)",
        "default of parameter width at line 2",
    ),
    "default from a constant": (
        "W = 2\ndef build(width=W):\n    return nn.TransformerEncoderLayer(width, 1)",
        "default of parameter width at line 3",
    ),
    "self attribute": (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        self.d = 2\n"
        "        self.layer = nn.TransformerEncoderLayer(self.d, 1)",
        "self.d at line 4",
    ),
    "self attribute from a parameter default": (
        "class M(nn.Module):\n"
        "    def __init__(self, d_model=2):\n"
        "        self.d = d_model\n"
        "    def build(self):\n"
        "        return nn.TransformerEncoderLayer(self.d, 1)",
        "self.d at line 4 = default of parameter d_model at line 3",
    ),
    "dict literal": ("x = nn.TransformerEncoderLayer(**{'d_model': 2, 'nhead': 1})", "literal"),
    "dict call": ("x = nn.TransformerEncoderLayer(**dict(d_model=2, nhead=1))", "literal"),
    "name bound to a dict": (
        "cfg = dict(d_model=2, nhead=1)\nx = nn.TransformerEncoderLayer(**cfg)",
        "literal",
    ),
    "star args": ("x = nn.TransformerEncoderLayer(*(2, 1))", "literal"),
    "local variable": (
        "def f():\n    d = 2\n    return nn.TransformerEncoderLayer(d, 1)",
        "variable d at line 3",
    ),
    "same value bound twice": ("D = 2\nD = 2\nx = nn.TransformerEncoderLayer(D, 1)", "constant D at line 2"),
}


@pytest.mark.parametrize("body,origin", RESOLVED_D_MODEL.values(), ids=RESOLVED_D_MODEL.keys())
def test_values_are_resolved_with_provenance(project, body, origin):
    values = _values(project, "import torch.nn as nn\n" + body + "\n")
    assert values["d_model"]["value"] == 2
    assert values["d_model"]["origin"] == origin


UNRESOLVED = {
    "function parameter without default": "def f(d):\n    return nn.TransformerEncoderLayer(d, 1)",
    "assigned twice": "D = 2\nD = 64\nx = nn.TransformerEncoderLayer(D, 1)",
    "augmented": "D = 1\nD += 1\nx = nn.TransformerEncoderLayer(D, 1)",
    "loop variable": "for d in (2, 4):\n    x = nn.TransformerEncoderLayer(d, 1)",
    "attribute of an object": "x = nn.TransformerEncoderLayer(args.d_model, 1)",
    "call result": "x = nn.TransformerEncoderLayer(int('2'), 1)",
    "unresolved kwargs": "x = nn.TransformerEncoderLayer(**config)",
    "unresolved star args": "x = nn.TransformerEncoderLayer(*dims)",
    "huge power": "x = nn.TransformerEncoderLayer(2 ** 10 ** 9, 1)",
    "division by zero": "x = nn.TransformerEncoderLayer(2 // 0, 1)",
    "cycle": "a = b\nb = a\nx = nn.TransformerEncoderLayer(a, 1)",
    "class attribute seen from a method": (
        "class M:\n    D = 2\n    def f(self):\n        return nn.TransformerEncoderLayer(D, 1)"
    ),
    "comprehension variable": "xs = [nn.TransformerEncoderLayer(d, 1) for d in range(1, 3)]",
}


@pytest.mark.parametrize("body", UNRESOLVED.values(), ids=UNRESOLVED.keys())
def test_unresolved_values_stay_silent(project, body):
    assert project.findings("import torch.nn as nn\n" + body + "\n") == []


def test_partial_is_reported_at_the_partial_with_unbound_values_unknown(project):
    findings = project.findings(
        "import functools\nimport torch.nn as nn\n"
        "make = functools.partial(nn.TransformerEncoderLayer, 2, nhead=1)\n"
        "enc = make()\n"
    )
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LN001", 3)]
    assert findings[0]["values"]["norm_first"]["unknown"] == "left to the caller of the partial"


def test_from_functools_import_partial(project):
    source = "from functools import partial\nfrom torch import nn\np = partial(nn.LayerNorm, 1)\n"
    assert project.codes(source) == ["LN001"]


SUBCLASS = """\
import torch.nn as nn

class Block(nn.TransformerEncoderLayer):
    def __init__(self, width, heads=1, **kwargs):
        super().__init__(width, heads, norm_first=True, **kwargs)

small = Block(2)
wide = Block(64, heads=4)
"""


def test_subclass_binds_the_call_through_super_init(project):
    findings = project.findings(SUBCLASS)
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LN001", 7)]
    assert findings[0]["values"]["d_model"] == {"value": 2, "origin": "literal"}
    assert "pre-LN" in findings[0]["message"]


def test_subclass_without_init_binds_the_torch_signature(project):
    source = "import torch.nn as nn\nclass N(nn.LayerNorm):\n    pass\nn = N(2)\n"
    assert [(f["code"], f["location"]["row"]) for f in project.findings(source)] == [("LN001", 4)]


def test_subclass_never_instantiated_is_reported_at_super_init(project):
    source = (
        "import torch.nn as nn\n"
        "class Block(nn.TransformerEncoderLayer):\n"
        "    def __init__(self, d=2):\n"
        "        super().__init__(d, 1)\n"
    )
    assert [(f["code"], f["location"]["row"]) for f in project.findings(source)] == [("LN001", 4)]


def test_subclass_of_subclass(project):
    source = (
        "from torch import nn\n"
        "class A(nn.TransformerEncoderLayer):\n    pass\n"
        "class B(A):\n    pass\n"
        "b = B(2, 1)\n"
    )
    assert [(f["code"], f["location"]["row"]) for f in project.findings(source)] == [("LN001", 6)]


def test_subclass_overriding_forward_makes_placement_unknown(project):
    source = (
        "import torch.nn as nn\n"
        "class Block(nn.TransformerEncoderLayer):\n"
        "    def forward(self, x):\n        return x\n"
        "enc = nn.TransformerEncoder(Block(512, 8), 48)\n"
        "tiny = Block(2, 1)\n"
    )
    findings = project.findings(source)
    assert [f["code"] for f in findings] == ["LN001"]
    assert "pre-LN or post-LN" in findings[0]["message"]


STACKS = {
    "inline layer": "enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8), {n})",
    "named layer": "layer = nn.TransformerEncoderLayer(512, 8)\nenc = nn.TransformerEncoder(layer, num_layers={n})",
    "decoder": "layer = nn.TransformerDecoderLayer(512, 8)\ndec = nn.TransformerDecoder(layer, {n})",
    "ModuleList comprehension": (
        "layers = nn.ModuleList([nn.TransformerEncoderLayer(512, 8) for _ in range({n})])"
    ),
    "ModuleList deepcopy": (
        "import copy\nlayer = nn.TransformerEncoderLayer(512, 8)\n"
        "layers = nn.ModuleList([copy.deepcopy(layer) for _ in range({n})])"
    ),
    "list repeat": "layer = nn.TransformerEncoderLayer(512, 8)\nlayers = nn.ModuleList([layer] * {n})",
    "bare list repeat": "layer = nn.TransformerEncoderLayer(512, 8)\nlayers = {n} * [layer]",
    "Sequential star": "blocks = nn.Sequential(*[nn.TransformerEncoderLayer(512, 8) for _ in range({n})])",
    "range with start": "layers = nn.ModuleList([nn.TransformerEncoderLayer(512, 8) for _ in range(2, {n} + 2)])",
    "in a function": (
        "def build(depth={n}):\n"
        "    layer = nn.TransformerEncoderLayer(512, 8)\n"
        "    return nn.TransformerEncoder(layer, depth)"
    ),
    "self attribute layer": (
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        self.layer = nn.TransformerEncoderLayer(512, 8)\n"
        "        self.enc = nn.TransformerEncoder(self.layer, {n})"
    ),
}


@pytest.mark.parametrize("body", STACKS.values(), ids=STACKS.keys())
def test_stack_forms_have_depth(project, body):
    assert project.codes("import torch.nn as nn\n" + body.format(n=11) + "\n") == []
    findings = project.findings("import torch.nn as nn\n" + body.format(n=24) + "\n")
    assert [f["code"] for f in findings] == ["LN005"]
    assert findings[0]["values"]["depth"]["value"] == 24
    assert findings[0]["severity"] == "error"


def test_nn_transformer_counts_encoder_and_decoder_separately(project):
    findings = project.findings(
        "import torch.nn as nn\nm = nn.Transformer(num_encoder_layers=24, num_decoder_layers=12)\n"
    )
    assert [(f["code"], f["severity"]) for f in findings] == [("LN005", "warning"), ("LN005", "error")]
    assert "decoder of 12 layers" in findings[0]["message"]
    assert "encoder of 24 layers" in findings[1]["message"]


def test_nn_transformer_custom_encoder_is_not_counted(project):
    source = "import torch.nn as nn\nm = nn.Transformer(num_encoder_layers=24, num_decoder_layers=6, custom_encoder=enc)\n"
    assert project.codes(source) == []


def test_positions_are_one_based_with_exclusive_end(project):
    findings = project.findings("import torch.nn as nn\n\nif True:\n    n = nn.LayerNorm(\n        2)\n")
    assert findings[0]["location"] == {"row": 4, "column": 9}
    assert findings[0]["end_location"] == {"row": 5, "column": 11}
