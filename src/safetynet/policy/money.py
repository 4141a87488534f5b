"""Money: rounding half-up to the fen, and conversions between yuan, fen and Decimal.

Rules compute in float64 and round at documented points with :func:`round_half_up`; amounts at
rest are integer fen (int64). Rounding goes half away from zero, which is "half-up" for the
positive amounts of the law and symmetric for reversals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

UNKNOWN_FEN = np.iinfo(np.int64).min
"""Marks an amount that cannot be computed because a parameter is unknown (shown as null)."""

# Products such as 0.6 x 12434 are not exact in binary; snapping to 1e-6 of the rounding unit
# before rounding makes 7460.4 and 1432.4 behave as the decimals they stand for.
_SNAP = 1e6


def round_half_up(values: npt.ArrayLike, decimals: int = 2) -> FloatArray:
    """Round half away from zero to ``decimals`` places, vectorised."""
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**decimals
    # the same operations in the same order as sign(s) x floor(|s| + 0.5) / scale with
    # s = round(x x scale x snap) / snap, in one buffer: a million amounts allocate one array
    scaled = np.multiply(x, scale, out=np.empty_like(x))
    scaled *= _SNAP
    np.round(scaled, out=scaled)
    scaled /= _SNAP
    sign = np.sign(scaled)
    np.abs(scaled, out=scaled)
    scaled += 0.5
    np.floor(scaled, out=scaled)
    scaled *= sign
    scaled /= scale
    return scaled if scaled.ndim else scaled[()]


def to_fen(yuan: npt.ArrayLike) -> IntArray:
    """Yuan (float) to integer fen, rounding half-up."""
    return round_half_up(np.asarray(yuan, dtype=np.float64) * 100.0, 0).astype(np.int64)


def fen_to_yuan(fen: npt.ArrayLike) -> FloatArray:
    return np.asarray(fen, dtype=np.int64).astype(np.float64) / 100.0


def fen_to_decimal(fen: int) -> Decimal:
    """One amount in fen as an exact Decimal in yuan with two places."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


MAX_AMOUNT_YUAN = Decimal("1000000000000")
"""No single amount the system accepts reaches a trillion yuan (10^12; int64 fen would hold
about 9 x 10^16 yuan): larger input is refused before any arithmetic, so that no amount such
as ``1e30`` or 27 digits overflows a Decimal context or a database column. Callers check
their own, much lower, limits (wages, claims, premiums) after this one."""
_AMOUNT_TEXT_LIMIT = 40


def parse_yuan(value: object) -> Decimal | str:
    """An amount in yuan as an exact Decimal (thousands separators allowed) with at most two
    decimals and at most :data:`MAX_AMOUNT_YUAN` in size, or the reason it is not one: callers
    that report every bad row of a file need the reason, not an exception."""
    if isinstance(value, bool) or value is None:
        return "expected an amount in yuan"
    text = str(value).strip().replace(",", "")
    if len(text) > _AMOUNT_TEXT_LIMIT:
        return f"expected an amount in yuan of at most {_AMOUNT_TEXT_LIMIT} characters"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"expected an amount in yuan, got {value!r}"
    if not amount.is_finite():
        return "amount must be finite"
    if abs(amount) >= MAX_AMOUNT_YUAN:
        return f"amount {text} is not below the maximum of {MAX_AMOUNT_YUAN} yuan"
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        return f"amount {amount} has more than two decimals (fen)"
    return amount


def decimal_to_fen(amount: Decimal | str | float | int) -> int:
    """An amount in yuan (exact where given as Decimal or str) to integer fen, half-up."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
