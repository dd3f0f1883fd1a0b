"""Divisors of the sizes rules suggest (head counts, group counts), found in bounded time.

A source can write any integer (`d_model=10**12`, a 4,000-digit YAML value), so divisors are
found by trial division up to √n or a budget, whichever comes first, and each divisor found
brings its cofactor. When the budget stops the search first, every divisor up to the limit
and every divisor at least n / limit is known; only the ones strictly between are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import isqrt

# Trial divisions for a number of one machine word, a few milliseconds; a division costs in
# proportion to the number's length, so longer numbers get fewer. Widths up to 2**32 are
# searched completely, and every head or group count up to 65,536 is found in any width.
DIVISION_BUDGET = 65_536
# No suggested head or group count is larger than this (or than the one given): a width's
# huge cofactors are no count anyone builds, and they would fill the message.
LARGEST_SUGGESTION = 65_536


@dataclass(frozen=True)
class KnownDivisors:
    """The divisors of `n` found, sorted; `limit`: how far trial division went."""

    n: int
    divisors: tuple[int, ...]
    limit: int

    @property
    def complete(self) -> bool:
        return self.limit >= isqrt(self.n)

    def nearest(self, near: int, count: int = 3) -> list[int]:
        """Up to `count` of the known divisors closest to `near`, none above
        LARGEST_SUGGESTION or `near`, whichever is larger; in increasing order."""
        ceiling = max(near, LARGEST_SUGGESTION)
        candidates = (d for d in self.divisors if d <= ceiling)
        return sorted(sorted(candidates, key=lambda d: (abs(d - near), d))[:count])

    def largest_at_most(self, ceiling: int) -> int | None:
        """The largest divisor of n that is at most `ceiling`; None when there is none, or
        when a divisor the search did not reach could be larger than the one it found."""
        best = max((d for d in self.divisors if d <= ceiling), default=None)
        if best is None or self.complete or ceiling <= self.limit or best * self.limit >= self.n:
            return best
        return None


@lru_cache(maxsize=64)  # a file repeats its sizes: one search serves each finding on them
def known_divisors(n: int, budget: int = DIVISION_BUDGET) -> KnownDivisors:
    """The divisors of n (n >= 1) that trial division finds within `budget` divisions of a
    one-word number."""
    words = n.bit_length() // 64 + 1
    limit = min(isqrt(n), max(1, budget // words))
    found: set[int] = set()
    for d in range(1, limit + 1):
        if n % d == 0:
            found.add(d)
            found.add(n // d)
    return KnownDivisors(n, tuple(sorted(found)), limit)


def nearest_divisors(n: int, near: int, count: int = 3) -> str:
    """`count` divisors of n close to `near`, for a message's "e.g.": "4, 5, 8"."""
    return ", ".join(map(str, known_divisors(n).nearest(near, count)))
