"""Guardrails as linear maps of the weights: the one place a policy becomes numbers to compare.

:func:`caps` turns a :class:`~bubbleguard.Policy` and a look-through into a list of
:class:`Cap`: one matrix per policy field, over the looked-through instruments. Everything that
judges or constrains weights is built from that list, so none can disagree with another:

* the rules (``bubbleguard.rules``) evaluate ``cap.values(w)`` on the portfolio's weights;
* the planner gives the same matrices to cvxpy;
* ``integrations.pypfopt`` adds them as closures ``lambda w, A=A, b=b: A @ w <= b``;
* ``integrations.skfolio`` passes them as ``left_inequality``/``right_inequality``.

The linear form is always ``A @ w <= b`` with the constant alone on the right (floors are
negated caps), the form PyPortfolioOpt's ``max_sharpe`` transformation rescales correctly. The
top-10 share is the one cap that is not linear: the sum of the ten largest rows of a linear map
(convex; ``cvxpy.sum_largest``). numpy only: the check path imports no solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .lookthrough import LookThrough
    from .policy import Policy

__all__ = ["Cap", "caps"]


@dataclass(frozen=True, eq=False)
class Cap:
    """One guardrail as a linear map of the weights.

    Attributes
    ----------
    group
        The policy field, e.g. ``max_issuer``, ``max_theme.ai``, ``min_asset_class.bond``.
    matrix
        ``m × N`` over the look-through's instruments (one row per issuer, theme, class…).
    limit
        The cap or floor.
    upper
        True for a cap (``<=``), False for a floor (``>=``).
    labels
        A name per row (issuer ids for ``max_issuer``, symbols for ``max_position``).
    top
        If positive, the capped quantity is the sum of the ``top`` largest rows.
    """

    group: str
    matrix: np.ndarray
    limit: float
    upper: bool = True
    labels: tuple[str, ...] = ()
    top: int = 0

    def values(self, w: np.ndarray) -> np.ndarray:
        """``matrix @ w``: one number per row."""
        return np.asarray(self.matrix @ np.asarray(w, float)).ravel()

    def value(self, w: np.ndarray) -> float:
        """The constrained quantity.

        That is the largest row of a cap (the sum of the ``top`` largest for a top-k cap) and the
        smallest row of a floor.
        """
        return self.reduce(self.values(w))

    def reduce(self, v: np.ndarray) -> float:
        """The constrained quantity of the row values ``v`` (see :meth:`value`)."""
        if not len(v):
            return 0.0
        if self.top:  # the largest rows summed largest first, without sorting them all
            k = min(self.top, len(v))
            return float(np.sort(np.partition(v, len(v) - k)[len(v) - k:])[::-1].sum())
        return float(v.max() if self.upper else v.min())

    def excess(self, w: np.ndarray, limit: float | None = None) -> float:
        """How far ``w`` is beyond the limit (positive: broken)."""
        lim = self.limit if limit is None else limit
        v = self.value(w)
        return v - lim if self.upper else lim - v

    @property
    def linear(self) -> bool:
        """Whether the guardrail is one ``A @ w <= b`` (all but the top-k caps)."""
        return not self.top

    def inequality(self, margin: float = 0.0, long_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``(A, b)`` with the guardrail as ``A @ w <= b``, tightened by ``margin``.

        Caps are lowered and floors raised by ``margin`` (so that rounded weights still pass).
        For long-only weights that sum to at most 1, cap rows no single instrument could push
        above the limit cannot bind and are left out.
        """
        if not self.linear:
            raise ValueError(f"{self.group} is a top-{self.top} cap, not a linear inequality")
        if self.upper:
            b = max(self.limit - margin, 0.0)
            keep = self.matrix.max(axis=1) > b if long_only and len(self.matrix) else slice(None)
            A = self.matrix[keep]
            return A, np.full(len(A), b)
        return -self.matrix, np.full(len(self.matrix), -min(self.limit + margin, 1.0))


def caps(lt: LookThrough, policy: Policy, *, positions: np.ndarray | None = None,
         unresolved_as_ai: bool = False, market: Mapping[str, float] | None = None,
         unresolved_in_themes: np.ndarray | None = None) -> list[Cap]:
    """Every guardrail of ``policy`` as a :class:`Cap` over ``lt``'s instruments.

    Parameters
    ----------
    lt
        The look-through of the instruments (weights are one per ``lt.symbols``).
    policy
        The guardrails.
    positions
        Row positions of the instruments ``max_position`` caps (default: all but cash balances,
        money-market sweep funds and low-cost broad index funds, which may be the core).
    unresolved_as_ai
        Add a worst-case bound, ``max_theme.ai_or_unresolved``: the AI theme plus every value
        that could not be looked through, under the AI cap. The AI theme keeps its own cap, so
        "AI" is one number everywhere.
    market
        The market's theme shares the caps beyond the market use (default: the snapshot's).
    unresolved_in_themes
        Per instrument, 1 where its unresolved share counts toward every theme cap as if it
        were in the theme (the planner: funds not yet held, so that it never buys exposure it
        cannot see); default none.
    """
    issuers = np.ascontiguousarray(lt.issuer_matrix().T)
    unresolved = lt.unresolved_vector()
    classes = lt.asset_class_matrix()
    ids = tuple(lt.issuer_ids)
    out = [Cap("max_issuer", issuers, policy.max_issuer, labels=ids)]
    hidden = 0.0 if unresolved_in_themes is None else unresolved * unresolved_in_themes

    def theme(name: str) -> np.ndarray:
        return lt.theme_vector(name) + hidden

    for name, limit in policy.max_theme.items():
        out.append(Cap(f"max_theme.{name}", theme(name).reshape(1, -1), limit))
    if policy.max_theme_over_market:
        if market is None:
            from .exposures import market_context

            market = market_context(lt.snapshot)["themes"]
        equity = classes["equity"].to_numpy()
        for name, limit in policy.max_theme_over_market.items():
            beyond = theme(name) - market[name] * equity
            out.append(Cap(f"max_theme_over_market.{name}", beyond.reshape(1, -1), limit))
    if unresolved_as_ai and "ai" in policy.max_theme:
        worst = (lt.theme_vector("ai") + unresolved).reshape(1, -1)
        out.append(Cap("max_theme.ai_or_unresolved", worst, policy.max_theme["ai"]))
    out.append(Cap("max_top10", issuers, policy.max_top10, labels=ids, top=10))
    for cls, floor in policy.min_asset_class.items():
        if floor > 0:
            out.append(Cap(f"min_asset_class.{cls}", classes[cls].to_numpy().reshape(1, -1), floor,
                           upper=False))
    for cls, limit in policy.max_asset_class.items():
        out.append(Cap(f"max_asset_class.{cls}", classes[cls].to_numpy().reshape(1, -1), limit))
    if policy.max_position < 1.0:
        if positions is None:
            sec = lt.snapshot.securities.reindex(lt.symbols)
            broad = sec["broad_index"].astype(str).str.lower().eq("true").to_numpy()
            positions = np.flatnonzero((sec["kind"].to_numpy() != "cash") & ~broad)
        rows = np.asarray(positions, dtype=int)
        out.append(Cap("max_position", np.eye(len(lt.symbols))[rows], policy.max_position,
                       labels=tuple(lt.symbols[rows])))
    out.append(Cap("max_unresolved", unresolved.reshape(1, -1), policy.max_unresolved))
    return out
