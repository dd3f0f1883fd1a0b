"""A pre-LN model whose stack has no final norm, and heads that do not divide the width."""
import copy

import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d_model=192, nhead=5, depth=6):
        super().__init__()
        block = nn.TransformerEncoderLayer(d_model, nhead, norm_first=True, batch_first=True)
        self.blocks = nn.ModuleList([copy.deepcopy(block) for _ in range(depth)])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x
