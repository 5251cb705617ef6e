"""The vocabulary every stage shares: England, the statuses, the staff ratio policy and
its formulas (ratio, recommended WTE, WTE needed), mergers and slugs, and the rounding
they use. The bottom floor: it imports nothing of kfh-site, and everything takes its
words from here rather than from the computation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

STATUS_NONE = "no-qualified-staff"
STATUS_MEETS = "meets-recommendation"
STATUS_BETTER = "better-than-2019-average"
STATUS_WORSE = "worse-than-2019-average"
STATUSES = (STATUS_MEETS, STATUS_BETTER, STATUS_WORSE, STATUS_NONE)
"""In the order charts and tables show them: best first."""
STATUS_NO_RETURNS = "no-returns"
"""An area no organisation sent a return from: not a status of its staffing."""

ENGLAND = "England"

NHS_STAFF_FROM_WORKFORCE = "NHS Workforce Statistics"
NHS_STAFF_FROM_RETURN = "return"
"""Where an organisation's NHS staff figure came from: the official monthly statistics
joined by the ``[workforce]`` setting, or the organisation's own return."""
WORKFORCE_CREDIT = ("Contains public sector information licensed under the Open Government Licence v3.0 "
                    "(NHS England, NHS Workforce Statistics)")
"""The licence credit the workforce statistics ask for, wherever their figures are shown."""

# How an organisation's staff ratio moved since the year before.
BETTER, WORSE, SAME, NEW, GAP = "better", "worse", "same", "new", "gap"


@dataclass(frozen=True)
class Policy:
    """The two numbers of the staff ratio policy, from the site config."""

    recommended_ratio: float
    baseline_ratio: float
    same_within: float = 0.02
    """A ratio that moved by less than this share of itself is "about the same": a
    change of a few staff per qualified WTE is noise in a return, not news."""


@dataclass(frozen=True)
class Merger:
    """Organisations that became one: ``into`` sent its first return in ``year``."""

    year: str
    into: str
    sources: tuple[str, ...]


def slugify(text: str) -> str:
    """A name as it appears in a URL: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def staff_per_qualified(nhs_staff_wte: float, qualified_lks_wte: float) -> float | None:
    """NHS staff WTE per qualified LKS WTE; None when there are no qualified staff."""
    if qualified_lks_wte <= 0:
        return None
    return nhs_staff_wte / qualified_lks_wte


def ratio_status(ratio: float | None, policy: Policy) -> str:
    """Where a ratio stands against the policy, judged on the ratio as published."""
    if ratio is None:
        return STATUS_NONE
    # Compare the ratio as published (a whole number), so "1 : 1,250" always meets it.
    shown = round_half_up(ratio)
    if shown <= policy.recommended_ratio:
        return STATUS_MEETS
    if shown <= policy.baseline_ratio:
        return STATUS_BETTER
    return STATUS_WORSE


def recommended_wte(nhs_staff_wte: float, policy: Policy) -> float:
    """Qualified WTE that would meet the recommended ratio, rounded up to 0.1."""
    return round_up(nhs_staff_wte / policy.recommended_ratio)


def qualified_wte_needed(nhs_staff_wte: float, qualified_lks_wte: float, policy: Policy) -> float:
    """More qualified WTE needed to meet the recommendation, rounded UP to 0.1 so that
    adding the stated figure always meets it; 0 when the ratio as shown already does."""
    if ratio_status(staff_per_qualified(nhs_staff_wte, qualified_lks_wte), policy) == STATUS_MEETS:
        return 0.0
    return max(0.0, round_up(nhs_staff_wte / policy.recommended_ratio - qualified_lks_wte))


_WHOLE = 2.0 ** 52
"""Every float this large is a whole number; rounding it would only overflow."""


def round_half_up(value: float, places: int = 0) -> float:
    """Round as people do (2.5 -> 3), not as binary floats happen to fall."""
    factor = 10 ** places
    scaled = value * factor
    if not abs(scaled) < _WHOLE:
        return value  # already whole at this precision (or not finite): nothing to round
    return math.floor(scaled + 0.5 + 1e-9) / factor


def round_up(value: float, places: int = 1) -> float:
    """Up to the next 0.1 (for ``places=1``), ignoring float noise such as 3.2000000001."""
    factor = 10 ** places
    scaled = value * factor
    if not abs(scaled) < _WHOLE:
        return value
    return math.ceil(round(scaled, 6)) / factor


def ratio_direction(now: float | None, before: float | None, same_within: float) -> str:
    """Better, worse or about the same; fewer staff per qualified member is better, and
    having qualified staff is better than having none. A move of less than
    ``same_within`` (a share of the earlier ratio, Policy.same_within) is the same."""
    if now is None and before is None:
        return SAME
    if before is None:
        return BETTER
    if now is None:
        return WORSE
    shown_now, shown_before = round_half_up(now), round_half_up(before)
    if shown_now == shown_before or abs(now - before) < same_within * before:
        return SAME
    return BETTER if shown_now < shown_before else WORSE
