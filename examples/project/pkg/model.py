import torch.nn as nn


class Net(nn.Module):
    """Sizes come from the caller: train.py (argparse), build.py (a dataclass config) and
    conf/model/small.yaml (Hydra) each build it differently."""

    def __init__(self, d_model, nhead, num_layers=2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers)

    def forward(self, x):
        return self.encoder(x)
