from config import TrainConfig
from pkg.model import Net

config = TrainConfig()
model = Net(config.d_model, config.nhead, config.num_layers)
