"""Bridges to other portfolio tools (PyPortfolioOpt, plain cvxpy, skfolio).

Each integration lives in its own module and imports its third-party library only when used:
``from bubbleguard.integrations.pypfopt import add_bubbleguard_constraints``.
"""

from __future__ import annotations

__all__: list[str] = []
