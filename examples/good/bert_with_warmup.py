"""24 post-LN layers, like BERT-large: fine with learning-rate warmup."""
import torch
from torch import nn
from transformers import get_linear_schedule_with_warmup

encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(1024, 16), num_layers=24)
optimizer = torch.optim.AdamW(encoder.parameters(), lr=1e-4)
scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=10_000, num_training_steps=1_000_000)
