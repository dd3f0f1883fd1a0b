"""Measurements on torch modules and tensors (background.md §4). Pure functions of their
inputs: the same module, input and seed give the same numbers."""

from __future__ import annotations

import copy
import math
from typing import Callable

import torch
from torch import nn

from lnlint.confirm import calibration as cal


def random_input(shape: tuple[int, ...], seed: int, device: torch.device) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator).to(device)


def collapse(rows: torch.Tensor) -> dict[str, float]:
    """How many distinct points the rows (n, d) occupy: top-2 bin mass, distinct bins,
    effective rank of the centred rows, spread of the row norms."""
    rows = rows.detach().double().cpu()
    n, d = rows.shape
    # bins centred on the grid (round, not floor): a point that the rows reach exactly (±1)
    # and up to rounding (0.99999) falls in one bin
    bins = torch.round(rows / (cal.BIN_WIDTH * math.sqrt(d)))
    _, counts = torch.unique(bins, dim=0, return_counts=True)
    top2 = counts.sort(descending=True).values[:2].sum().item() / n
    centred = rows - rows.mean(dim=0)
    singular = torch.linalg.svdvals(centred)
    if singular.sum() > 0:
        p = singular / singular.sum()
        p = p[p > 0]
        effective_rank = math.exp(-(p * p.log()).sum().item())
        numeric_rank = int((singular > 1e-6 * singular.max()).sum().item())
    else:
        effective_rank, numeric_rank = 0.0, 0
    norms = rows.norm(dim=1)
    spread = (norms.std() / norms.mean()).item() if norms.mean() > 0 else 0.0
    return {
        "rows": float(n),
        "top2_mass": top2,
        "distinct_rows": float(len(counts)),
        "effective_rank": effective_rank,
        "rank": float(numeric_rank),
        "row_norm_spread": spread,
    }


def token_cosine(y: torch.Tensor) -> float:
    """Mean pairwise |cosine| between the tokens of each sequence (batch, tokens, d)."""
    y = nn.functional.normalize(y.detach().double(), dim=-1)
    cos = (y @ y.transpose(1, 2)).abs()
    tokens = y.shape[1]
    off_diagonal = cos.sum(dim=(1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(dim=1)
    return (off_diagonal / (tokens * (tokens - 1))).mean().item() if tokens > 1 else 1.0


def dead_gradients(model: nn.Module, x: torch.Tensor, seed: int) -> tuple[float, bool]:
    """(share of parameter elements whose gradient is exactly zero, any non-finite gradient)."""
    model.zero_grad(set_to_none=True)
    y = model(x)
    projection = random_input(tuple(y.shape), seed + 1, y.device)
    (y * projection).sum().backward()
    zero = total = 0
    finite = True
    for p in model.parameters():
        total += p.numel()
        if p.grad is None:
            zero += p.numel()
            continue
        zero += int((p.grad == 0).sum().item())
        finite = finite and bool(torch.isfinite(p.grad).all().item())
    model.zero_grad(set_to_none=True)
    return (zero / total if total else 0.0), not finite


@torch.no_grad()
def perturbed_change(model: nn.Module, x: torch.Tensor, seed: int) -> float:
    """Relative output change after shifting every weight by -1e-4·sign(noise) (Liu et al.).
    The model's weights are shifted in place."""
    before = model(x)
    generator = torch.Generator().manual_seed(seed + 2)
    for p in model.parameters():
        noise = torch.randn(p.shape, generator=generator).to(p.device)
        p.sub_(cal.PERTURBATION * noise.sign())
    after = model(x)
    return ((after - before).norm() / before.norm()).item()


def amplification(deep: nn.Module, single: nn.Module, depth: int, x: torch.Tensor, seed: int) -> dict[str, float]:
    """(c_N / c_1)^2 / N for a `depth`-layer model and its 1-layer version: about 1 where the
    output change grows O(N), small when rescaled. Both models are perturbed in place."""
    c_n = perturbed_change(deep, x, seed)
    c_1 = perturbed_change(single, x, seed)
    return {"c_N": c_n, "c_1": c_1, "amplification": (c_n / c_1) ** 2 / depth if c_1 > 0 else float("inf")}


@torch.no_grad()
def rms_growth(model: nn.Module, x: torch.Tensor) -> float:
    y = model(x)
    return (y.pow(2).mean().sqrt() / x.pow(2).mean().sqrt()).item()


def first_step_change(model: nn.Module, x: torch.Tensor, lr: float, seed: int) -> float:
    """Relative output change after one Adam step at `lr` on a random regression target."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        before = model(x)
    target = random_input(tuple(before.shape), seed + 3, x.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    nn.functional.mse_loss(model(x), target).backward()
    optimizer.step()
    with torch.no_grad():
        after = model(x)
    return ((after - before).norm() / before.norm()).item()


@torch.no_grad()
def distinct_attention_targets(attention: nn.MultiheadAttention, x: torch.Tensor) -> float:
    """Mean number of distinct keys that queries put their peak on, per head."""
    _, weights = attention(x, x, x, need_weights=True, average_attn_weights=False)
    targets = weights.argmax(dim=-1)  # (batch, heads, tokens)
    batch, heads, _ = targets.shape
    counts = [len(torch.unique(targets[b, h])) for b in range(batch) for h in range(heads)]
    return sum(counts) / len(counts)


def train_reversal(
    make_stack: Callable[[], nn.Module], d_model: int, lr: float, warmup: int, seed: int,
    device: torch.device, steps: int = 200, vocabulary: int = 10, tokens: int = 8,
) -> list[float]:
    """The loss at each of `steps` Adam steps on sequence reversal."""
    torch.manual_seed(seed)
    model = nn.ModuleDict(
        {
            "embed": nn.Embedding(vocabulary, d_model),
            "position": nn.Embedding(tokens, d_model),
            "stack": make_stack(),
            "head": nn.Linear(d_model, vocabulary),
        }
    ).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup) if warmup else 1.0)
    generator = torch.Generator().manual_seed(seed + 4)
    positions = torch.arange(tokens, device=device)
    losses = []
    for _ in range(steps):
        source = torch.randint(0, vocabulary, (32, tokens), generator=generator).to(device)
        hidden = model["embed"](source) + model["position"](positions)
        logits = model["head"](model["stack"](hidden))
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocabulary), source.flip(1).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    return losses
