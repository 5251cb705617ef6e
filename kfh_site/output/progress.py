"""How a caller shows progress, if it wants to: stages report, only the CLI displays."""

from __future__ import annotations

from typing import Callable

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""
