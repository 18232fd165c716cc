"""The checks of the scorecard: rules that turn a claim's value into a verdict.

:func:`near`, :func:`above` and :func:`below` are the rules; the frozen dataclasses (:class:`Near`,
:class:`Above`, :class:`Below`, :class:`WithinFactor`, ...) are the same rules with their thresholds bound, so
that a claim of :mod:`wiringup.report.scorecard.claims` states its check as data (``check=Near(54.0, tol=0.5)``)
and the check is called on the value: ``check(value) -> verdict``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NOT_RUN = "not run at this scale"
RUN_TOLERANCE_PP = 10.0   # this run vs the paper: a different benchmark suite and scale, so only indicative


def _decimals(target: float) -> int:
    text = f"{target:g}"
    return len(text.split(".")[1]) if "." in text else 0


def near(value: float | None, target: float, tol: float) -> str:
    """``reproduces`` within ``tol``; else ``differs by ±x``, marked where the paper truncates instead of rounding
    (e.g. 53.8 stated as 53)."""
    if value is None or not np.isfinite(value):
        return "not checkable"
    if abs(value - target) <= tol + 1e-9:
        return "reproduces"
    d = _decimals(target)
    scale = 10 ** d
    truncated = math.floor(abs(value) * scale) / scale == abs(target) and np.sign(value) == np.sign(target)
    return f"differs by {value - target:+.{1 if abs(value - target) >= 0.1 else 2}f}" + \
        (" (the paper truncates)" if truncated else "")


def above(value: float | None, threshold: float, rounding: float = 0.05) -> str:
    """``holds`` if value > threshold; ``holds only when rounded`` within ``rounding`` below it; else ``fails``."""
    if value is None or not np.isfinite(value):
        return "not checkable"
    if value > threshold:
        return "holds"
    return f"holds only when rounded ({value:.2f})" if value > threshold - rounding else "fails"


def below(value: float | None, threshold: float) -> str:
    """``holds`` if value < threshold, else ``fails``."""
    if value is None or not np.isfinite(value):
        return "not checkable"
    return "holds" if value < threshold else "fails"


@dataclass(frozen=True)
class Near:
    """The value reproduces ``target`` within ``tol`` (:func:`near`)."""

    target: float
    tol: float

    def __call__(self, value) -> str:
        return near(value, self.target, self.tol)


@dataclass(frozen=True)
class Above:
    """The value exceeds ``threshold`` (:func:`above`)."""

    threshold: float

    def __call__(self, value) -> str:
        return above(value, self.threshold)


@dataclass(frozen=True)
class Below:
    """The value is under ``threshold`` (:func:`below`)."""

    threshold: float

    def __call__(self, value) -> str:
        return below(value, self.threshold)


def exact_permutation_min_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p an exact permutation test of two groups of ``n_a`` and ``n_b`` values can give:
    the observed split is one of C(n_a + n_b, n_a) and the two-sided p doubles the smaller tail
    (10 vs 10: 2 / 184,756 = 1.08e-5)."""
    return min(1.0, 2.0 / math.comb(n_a + n_b, n_a))


def short_float(x: float) -> str:
    """A number as ``1.08e-5`` (three significant digits, no exponent padding)."""
    mantissa, _, exponent = f"{x:.2e}".partition("e")
    return f"{mantissa}e{int(exponent)}" if abs(x) < 1e-3 else f"{x:.3g}"


@dataclass(frozen=True)
class BelowReachable:
    """:class:`Below` for a p-value whose test has a floor ``minimum`` (e.g. :func:`exact_permutation_min_p`):
    when the threshold is at or below the floor no outcome of the test can pass it, and the verdict says so
    instead of ``fails``."""

    threshold: float
    minimum: float
    test: str = "the test"

    def __call__(self, value) -> str:
        if self.minimum >= self.threshold:
            return f"unreachable by {self.test}: minimum p = {short_float(self.minimum)}"
        return below(value, self.threshold)


@dataclass(frozen=True)
class Reported:
    """The paper draws the quantity but states no number: the value is reported, nothing is checked."""

    def __call__(self, value) -> str:
        return "reported (the paper states no number)" if value is not None else "not checkable"


@dataclass(frozen=True)
class WithinFactor:
    """``reproduces`` when the value lies within a factor ``factor`` of ``target`` ('about'), else ``differs``."""

    target: float
    factor: float

    def __call__(self, value) -> str:
        return "reproduces" if value is not None and self.target / self.factor <= value <= self.target * self.factor \
            else "differs"


@dataclass(frozen=True)
class CloseAndBelow:
    """For a pair of differences (a, b): ``holds`` when |a| ≤ ``tol`` and b < 0 (conv1 ≈ CT > BatchNorm)."""

    tol: float

    def __call__(self, value) -> str:
        return "holds" if value is not None and abs(value[0]) <= self.tol and value[1] < 0 else "fails"


@dataclass(frozen=True)
class VerdictInValue:
    """The value is a text that starts with its own verdict (``holds: ...``): the part before the colon."""

    def __call__(self, value) -> str:
        return value.split(":")[0] if value else "not checkable"


@dataclass(frozen=True)
class NotCheckable:
    """The raw scores cannot answer the claim."""

    def __call__(self, value) -> str:
        return "not checkable"


@dataclass(frozen=True)
class NotComparable:
    """This run's value exists but measures something else (``why``)."""

    why: str

    def __call__(self, value) -> str:
        return f"not comparable ({self.why})" if value is not None else NOT_RUN
