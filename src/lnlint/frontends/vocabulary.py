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

# Config keys, in order of preference within one section (vocabulary.md: prefer d_model-style
# width keys over hidden_size, which some projects use for the feed-forward width).
WIDTH_KEYS = (
    "d_model", "dim_model", "model_dim", "embed_dim", "embedding_dim", "encoder_embed_dim",
    "decoder_embed_dim", "n_embd", "n_embed", "n_emb", "embedding_size", "encoder_dim",
    "emsize", "ninp", "output_size", "dim", "hidden_size", "hidden_dim",
)
HEADS_KEYS = (
    "nhead", "num_heads", "n_head", "n_heads", "num_attention_heads", "attention_heads",
    "encoder_attention_heads", "decoder_attention_heads", "heads", "attn_heads",
)
DEPTH_KEYS = (
    "num_layers", "num_hidden_layers", "n_layer", "n_layers", "nlayers", "depth", "layers",
    "num_blocks", "encoder_layers", "decoder_layers", "enc_layers", "dec_layers",
)
# An explicit size per head: attention projects to heads x head size, whatever d_model is
# (T5's d_kv, Gemma/Llama/Mistral head_dim, Megatron kv_channels, Transformer-XL d_head).
HEAD_DIM_KEYS = ("head_dim", "d_kv", "kv_channels", "attention_head_size", "head_size", "dim_head", "d_head")
# Keys the layer-argument rules (LN008, LN010, LN011) read from a section that describes a
# transformer. The activation's name is read only where a config builds torch's own class
# (a Hydra target): HuggingFace and fairseq accept names torch's layers do not ("silu").
DROPOUT_KEYS = ("dropout", "hidden_dropout_prob", "hidden_dropout", "resid_pdrop", "dropout_rate", "dropout_prob")
EPS_KEYS = ("layer_norm_eps", "layer_norm_epsilon", "layernorm_eps", "rms_norm_eps", "norm_eps", "ln_eps")
FEEDFORWARD_KEYS = (
    "dim_feedforward", "ffn_dim", "ffn_embed_dim", "d_ff", "intermediate_size", "n_inner", "ffn_hidden_size",
    "hidden_ffn_dim", "feedforward_dim", "mlp_dim",
)
# HuggingFace models that still require d_model % heads == 0 although their configs carry a
# head size (DeBERTa checks before reading attention_head_size; XLNet's d_head must equal it).
HF_HEADS_MUST_DIVIDE = frozenset({"deberta", "deberta-v2", "xlnet"})
# True means pre-LN for every one of these.
PLACEMENT_KEYS = (
    "norm_first", "pre_norm", "prenorm", "pre_ln", "pre_lnorm", "normalize_before",
    "encoder_normalize_before", "decoder_normalize_before", "layer_norm_first",
    "do_layer_norm_before", "do_stable_layer_norm",
)
# Prefixes that split one flat section into an encoder and a decoder (fairseq, DETR).
PART_PREFIXES = {"encoder_": "encoder", "enc_": "encoder", "decoder_": "decoder", "dec_": "decoder"}
PART_KEYS = {"num_encoder_layers": ("encoder", "num_layers"), "num_decoder_layers": ("decoder", "num_layers")}

# HuggingFace config.json `model_type` → placement (vocabulary.md).
HF_POST_LN = frozenset({
    "bert", "roberta", "xlm-roberta", "albert", "electra", "distilbert", "deberta", "deberta-v2",
    "bart", "marian", "fsmt", "xlnet", "transfo-xl",
})
HF_PRE_LN = frozenset({
    "gpt2", "gpt_neo", "gptj", "gpt_neox", "bloom", "mbart", "pegasus", "m2m_100", "whisper",
    "vit", "clip", "clip_vision_model", "clip_text_model",
})
HF_PRE_RMSNORM = frozenset({"t5", "mt5", "llama", "mistral", "qwen2", "gemma"})
# model_type → the key that overrides its default placement (true = pre-LN).
HF_PLACEMENT_KEYS = {"opt": "do_layer_norm_before", "transfo-xl": "pre_lnorm", "wav2vec2": "do_stable_layer_norm", "hubert": "do_stable_layer_norm"}
HF_DEFAULT_PRE = {"opt": True, "transfo-xl": False, "wav2vec2": False, "hubert": False}

# Transformer-Clinic's Admin initialisation flag values.
ADMIN_INIT_TYPES = frozenset({"adaptive", "adaptive-profiling"})

# Weights loaded from a checkpoint: what such a file or class builds is not trained from
# scratch, so LN005's warning about training a deep post-LN stack does not apply.
PRETRAINED_CALLS = frozenset({"from_pretrained", "load_state_dict", "load_checkpoint", "load_pretrained", "load_from_checkpoint", "Pretrainer"})
PRETRAINED_KEYS = frozenset({
    "pretrainer", "pretrained_path", "from_pretrained", "load_from", "init_from", "pretrained_checkpoint",
    "pretrained_model_name_or_path", "load_pretrained", "pretrained_weights",
})
