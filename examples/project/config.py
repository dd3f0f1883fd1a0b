from dataclasses import dataclass


@dataclass
class TrainConfig:
    d_model: int = 512
    nhead: int = 8
    num_layers: int = 24
