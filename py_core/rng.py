"""The sampler's noise: seedable Gaussian draws in pure Python (stdlib `random`, Mersenne Twister).

Upstream draws the flow sampler's starting point x0 ~ N(0, temperature) with torch's generator;
py_core cannot reproduce torch's stream, so it draws its own. The same seed gives the same noise in
CPython and Pyodide (both run the stdlib's pure-Python `random.gauss` over MT19937; only libm's last
bit in log/cos/sin could differ). `noise_clamp` gives a truncated normal, sampled as torch's
`trunc_normal_` does (a uniform draw between the bounds' CDF values through the inverse CDF; never
clipping). The bounds are absolute, not in units of the standard deviation.
"""

import math
import os
import random
from array import array
from statistics import NormalDist


def random_seed() -> int:
    """A fresh random seed (64 bits, from the OS)."""
    return int.from_bytes(os.urandom(8), "little")


class NoiseSource:
    """Gaussian noise for the sampler: `draw(n, temperature, clamp)` returns array('f') of n values."""

    def __init__(self, seed: int | None = None):
        self.seed = seed if seed is not None else random_seed()
        self._random = random.Random(self.seed)

    def draw(self, n: int, temperature: float, clamp: float | None = None) -> array:
        """n draws of N(0, temperature) (std = sqrt(temperature)); truncated to [-clamp, clamp] if set."""
        if temperature <= 0:
            return array("f", bytes(4 * n))
        std = math.sqrt(temperature)
        gauss = self._random.gauss
        if clamp is None:
            return array("f", [gauss(0.0, std) for _ in range(n)])
        if clamp <= 0:
            raise ValueError(f"noise clamp must be positive, not {clamp}")
        normal = NormalDist(0.0, std)
        low, high = normal.cdf(-clamp), normal.cdf(clamp)
        uniform = self._random.uniform
        values = (normal.inv_cdf(min(max(uniform(low, high), 1e-300), 1 - 1e-16)) for _ in range(n))
        return array("f", [min(max(v, -clamp), clamp) for v in values])
