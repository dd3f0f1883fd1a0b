"""Frontends: source files → the IR (`lnlint.spec`). One package per input language, and
what they share: reading source (`source`), torch's constructor signatures (`signatures`),
the names real projects use (`vocabulary`) and the decisions both apply alike (`policy`)."""
