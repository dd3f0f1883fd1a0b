"""A pre-LN stack with a final norm, as in GPT-2."""
import torch.nn as nn


class GPT(nn.Module):
    def __init__(self, d_model=768, nhead=12, depth=12):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, nhead, norm_first=True, batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x):
        return self.ln_f(self.blocks(x))
