"""lnlint: catch broken Transformer normalisation set-ups before training."""

__version__ = "0.1.0"
