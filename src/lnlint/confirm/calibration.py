"""Probe thresholds, in one place, from shared/background.md §4 (torch 2.13, CPU, float32).

healthy vs broken, as measured there:
- top-2 mass of output rows: 0.004 (d=64) vs 1.00 (d=2 post-LN)
- token |cosine| at init: post-LN 0.20 / 0.40 / 0.69 / 0.83 at 6 / 12 / 18 / 24 layers (d=32)
- amplification (c_N/c_1)^2/N: post-LN 1.0-1.35, admin_torch 0.15-0.41, DeepNorm <= 0.13
- first optimizer step: post-LN 1.25 at 18-24 layers vs pre-LN 0.99, Admin 0.64
- zero-gradient share: d=1 100%, d=2 21%, d=64 0.002%
- output RMS growth of a pre-LN stack without final norm: 1.2 at 6 layers, 2.6 at 48
- 200 steps of sequence reversal: post-LN sticks at 18-24 layers without warmup; a 50-step
  warmup rescues 18 layers
"""

TOP2_COLLAPSED = 0.9  # share of rows in the 2 fullest bins
BIN_WIDTH = 0.05  # times sqrt(d)
COSINE_COLLAPSED = 0.99
COSINE_DEEP = 0.6  # token |cos| at init that marks a deep post-LN stack
AMPLIFICATION_LINEAR = 0.8  # O(N) regime at or above
FIRST_STEP_SCRAMBLES = 1.2
DEAD_GRADIENTS = 0.5
DISTINCT_TARGETS = 3.0  # mean distinct argmax keys per head at or below: degenerate heads
RMS_GROWTH = 1.1
STUCK_LOSS = 0.9  # times ln(vocabulary): a training run that learned nothing
WARMUP_RESCUES = 0.5  # times ln(vocabulary): how much lower the warmed-up run must end

SEED = 0
BATCH, TOKENS = 8, 64  # collapse probes: 512 rows
DEPTH_BATCH, DEPTH_TOKENS = 4, 32
PERTURBATION = 1e-4
PROXY_WIDTH = 64
FEEDFORWARD_RATIO = 4  # a proxy's dim_feedforward at most this times d_model
MAX_ACTIVATION_BYTES = 2**30  # float32 activations one probe may keep for a backward pass
