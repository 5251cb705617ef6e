"""Rounding as people read numbers, shared by the figures and their formatting."""

from __future__ import annotations

import math


def round_half_up(value: float, places: int = 0) -> float:
    """Round as people do (2.5 -> 3), not as binary floats happen to fall."""
    factor = 10 ** places
    return math.floor(value * factor + 0.5 + 1e-9) / factor


def round_up(value: float, places: int = 1) -> float:
    """Up to the next 0.1 (for ``places=1``), ignoring float noise such as 3.2000000001."""
    factor = 10 ** places
    return math.ceil(round(value * factor, 6)) / factor
