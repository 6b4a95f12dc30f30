"""Every error bubbleguard raises on purpose: one base class and a few precise kinds.

The CLI turns any :class:`BubbleguardError` into one paragraph on stderr and exit code 2;
library users can catch the base class or the kind they care about.
"""

from __future__ import annotations

__all__ = [
    "BubbleguardError",
    "DataError",
    "DealsError",
    "HoldingsError",
    "OptimizationError",
    "PolicyError",
    "ScenarioError",
]


class BubbleguardError(Exception):
    """Base class: an expected failure whose message says what is wrong and how to fix it."""


class HoldingsError(BubbleguardError, ValueError):
    """The holdings input (file, DataFrame or dict) is malformed.

    Parameters
    ----------
    message
        The whole explanation (one paragraph).
    problems
        Every individual problem found, so callers can show or test them one by one.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class PolicyError(BubbleguardError, ValueError):
    """A policy file, profile name or override is invalid."""


class DataError(BubbleguardError):
    """The reference snapshot or a user-supplied data file cannot be used."""


class DealsError(BubbleguardError, ValueError):
    """A deal table (bundled or user-supplied) is malformed."""


class ScenarioError(BubbleguardError, ValueError):
    """A scenario definition is invalid (unknown symbol, theme, or a shock below -100%)."""


class OptimizationError(BubbleguardError):
    """No rebalance plan satisfies every guardrail; the message names the conflict.

    Parameters
    ----------
    message
        The diagnosis, in words.
    relaxations
        The smallest relaxation per constraint that would make the problem feasible.
    """

    def __init__(self, message: str, relaxations: dict[str, float] | None = None) -> None:
        super().__init__(message)
        self.relaxations = dict(relaxations or {})
