"""Names real projects use for stabilisers and final norms (see shared/vocabulary.md).

Shared by the Python and config frontends so that both recognise the same mitigations.
"""

WARMUP_KEYS = frozenset(
    {
        "warmup_updates",
        "warmup_steps",
        "n_warmup_steps",
        "num_warmup_steps",
        "warmup_ratio",
        "lr_warmup_steps",
        "warmup_epochs",
        "learning_rate_warmup_epochs",
        "warmup_iters",
        "warmup_proportion",
    }
)

# Schedulers that warm up by construction. LinearLR warms up only when start_factor < 1,
# which is its default (1/3); an explicit start_factor >= 1 is checked where it is found.
WARMUP_SCHEDULERS = frozenset(
    {
        "get_linear_schedule_with_warmup",
        "get_cosine_schedule_with_warmup",
        "get_cosine_with_hard_restarts_schedule_with_warmup",
        "get_constant_schedule_with_warmup",
        "get_polynomial_decay_schedule_with_warmup",
        "get_inverse_sqrt_schedule",
        "OneCycleLR",
        "NoamScheduler",
        "NoamLR",
        "LinearLR",
    }
)

WARMUP_SCHEDULER_STRINGS = frozenset({"inverse_sqrt", "noam", "linear_warmup", "warmup_cosine"})

# Attribute names that, applied after a stack, normalise its output.
FINAL_NORM_NAMES = frozenset(
    {
        "ln_f",
        "ln_post",
        "ln_final",
        "final_layer_norm",
        "final_norm",
        "out_norm",
        "norm_out",
        "norm",
        "layer_norm",
        "layernorm",
    }
)
