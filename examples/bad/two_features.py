"""The original report: every output row is (1, -1) or (-1, 1)."""
import torch.nn as nn

layer = nn.TransformerEncoderLayer(d_model=2, nhead=2, batch_first=True)
