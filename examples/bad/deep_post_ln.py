"""A 24-layer post-LN encoder trained without warmup."""
import torch
from torch import nn

D_MODEL = 512
DEPTH = 24

layer = nn.TransformerEncoderLayer(D_MODEL, nhead=8, dim_feedforward=4 * D_MODEL)
encoder = nn.TransformerEncoder(layer, num_layers=DEPTH)
optimizer = torch.optim.Adam(encoder.parameters(), lr=3e-3)
