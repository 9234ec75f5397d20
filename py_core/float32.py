"""float32 in pure Python: rounding, torch's linspace, and the two KV-cache layouts.

The engine (fade-in, the EOS comparison, voice states) and py_core.audio_prompt (its fade-out) share
these; stdlib only.
"""

from array import array


def linspace(start: float, stop: float, n: int) -> array:
    """torch.linspace(start, stop, n) in float32: the first half counts up, the second down from stop."""
    if n == 1:
        return array("f", [start])
    step = round_f32((stop - start) / (n - 1))
    half = n // 2
    return array(
        "f",
        [start + round_f32(step * i) if i < half else stop - round_f32(step * (n - 1 - i)) for i in range(n)],
    )


def round_f32(value: float) -> float:
    """`value` rounded to float32."""
    return array("f", [value])[0]


def positions_to_heads(values: memoryview, n: int, heads: int, dim: int) -> array:
    """[N, H, Dh] → [H, N, Dh], one row of Dh values per copy."""
    out = array("f", bytes(4 * n * heads * dim))
    target = memoryview(out)
    row = heads * dim
    for h in range(heads):
        base = h * n * dim
        for p in range(n):
            source = p * row + h * dim
            target[base + p * dim : base + (p + 1) * dim] = values[source : source + dim]
    return out


def heads_to_positions(values: array, n: int, heads: int, dim: int) -> array:
    """[H, N, Dh] → [N, H, Dh], one row of Dh values per copy."""
    out = array("f", bytes(4 * n * heads * dim))
    target, source = memoryview(out), memoryview(values)
    row = heads * dim
    for h in range(heads):
        base = h * n * dim
        for p in range(n):
            start = p * row + h * dim
            target[start : start + dim] = source[base + p * dim : base + (p + 1) * dim]
    return out
