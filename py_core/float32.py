"""float32 in pure Python: rounding and torch's linspace.

The engine (fade-in, the EOS comparison) and py_core.audio_prompt (its fade-out) share
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
