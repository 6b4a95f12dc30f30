"""bubbleguard's guardrails as PyPortfolioOpt constraints, and its exposure maps as numpy arrays.

::

    from pypfopt import EfficientFrontier
    from bubbleguard.integrations.pypfopt import add_bubbleguard_constraints

    ef = EfficientFrontier(mu, cov)                 # tickers = ef.tickers
    add_bubbleguard_constraints(ef, policy=bubbleguard.load_policy("balanced"))
    ef.max_sharpe()                                 # or ef.min_volatility()
    bubbleguard.check(ef.clean_weights())           # no cap findings

Every guardrail is one linear map of the weights (the same :func:`bubbleguard.guardrails.caps`
that ``check``'s rules evaluate and the planner constrains with), added as a closure
``lambda w, A=A, b=b: A @ w <= b`` with the constant alone on the right-hand side (floors are
negated), the form PyPortfolioOpt's ``max_sharpe`` variable transformation rescales correctly
(``A @ w - b <= 0`` would silently break there). The top-10 share is
``cp.sum_largest(A @ w, 10) <= b``, which is convex and positively homogeneous, so it survives the
same transformation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..guardrails import caps
from ..lookthrough import LookThrough, look_through
from ..policy import Policy, load_policy
from ..reference._snapshot import ASSET_CLASSES, THEMES, Snapshot, load_snapshot
from ..symbols import normalize

if TYPE_CHECKING:
    from pypfopt import EfficientFrontier

__all__ = ["ExposureMatrices", "add_bubbleguard_constraints", "exposure_matrices"]


@dataclass(frozen=True)
class ExposureMatrices:
    """Look-through exposure maps of a list of tickers, as numpy arrays.

    For weights ``w`` (one per ticker): issuer weights are ``issuer.T @ w``, a theme's weight is
    ``themes[name] @ w``, asset-class weights are ``asset_classes.T @ w`` and the unresolved
    share is ``unresolved @ w``.

    Attributes
    ----------
    tickers
        Row order of every array.
    issuer
        ``len(tickers) × len(issuer_ids)``: each ticker's look-through share in each issuer.
    issuer_ids
        Column labels of ``issuer``.
    themes
        Theme name → vector of each ticker's share in the theme.
    asset_classes
        ``len(tickers) × len(asset_class_names)`` (equity includes unresolved value).
    asset_class_names
        Column labels of ``asset_classes``.
    unresolved
        Each ticker's share that could not be looked through.
    """

    tickers: list[str]
    issuer: np.ndarray
    issuer_ids: list[str]
    themes: dict[str, np.ndarray]
    asset_classes: np.ndarray
    asset_class_names: list[str]
    unresolved: np.ndarray

    def top10_share(self, weights: np.ndarray) -> float:
        """Sum of the ten largest issuer weights (as ``check`` reports it)."""
        v = self.issuer.T @ np.asarray(weights, float)
        return float(np.sort(v)[::-1][:10].sum())


def exposure_matrices(tickers: Sequence[str], snapshot: Snapshot | None = None,
                      lookthrough: LookThrough | None = None) -> ExposureMatrices:
    """Look through ``tickers`` and return the exposure maps as numpy arrays.

    Parameters
    ----------
    tickers
        Ticker symbols (unknown ones become unresolved equity).
    snapshot
        Reference data (default: the bundled snapshot).
    lookthrough
        The tickers' look-through, when already computed.
    """
    lt = lookthrough if lookthrough is not None else look_through(
        [normalize(t, broker=True) for t in tickers],
        snapshot if snapshot is not None else load_snapshot())
    dense = lambda m: np.asarray(m.toarray() if hasattr(m, "toarray") else m, float)  # noqa: E731
    unresolved = lt.unresolved_vector()
    classes = lt.asset_class_matrix()
    return ExposureMatrices(
        tickers=list(tickers), issuer=dense(lt.issuer_matrix()), issuer_ids=list(lt.issuer_ids),
        themes={t: np.asarray(lt.theme_vector(t), float).ravel() for t in THEMES},
        asset_classes=classes[list(ASSET_CLASSES)].to_numpy(float),
        asset_class_names=list(ASSET_CLASSES), unresolved=unresolved)


def add_bubbleguard_constraints(ef: EfficientFrontier, policy: Policy | None = None,
                                snapshot: Snapshot | None = None, *, margin: float = 1e-3,
                                top10: bool = True, unresolved: bool = True,
                                positions: bool = True) -> ExposureMatrices:
    """Add bubbleguard's caps and floors to a PyPortfolioOpt ``EfficientFrontier``.

    Parameters
    ----------
    ef
        The frontier; its ``tickers`` are looked through.
    policy
        Guardrails (default: the balanced profile).
    snapshot
        Reference data (default: the bundled snapshot).
    margin
        Caps are lowered and floors raised by this much, so that ``clean_weights()`` (which
        rounds weights and drops tiny ones) still passes ``check``.
    top10
        Add the top-10 issuer share cap (``cp.sum_largest``, convex).
    unresolved
        Cap the share of value that cannot be looked through at ``policy.max_unresolved``, so
        the optimiser cannot hide exposure in funds it cannot see into.
    positions
        Cap every ticker at ``policy.max_position``.

    Returns
    -------
    ExposureMatrices
        The maps used, to evaluate results with the same numbers.

    Notes
    -----
    Unless the frontier was given a ``solver``, Clarabel (installed with bubbleguard) solves it:
    PyPortfolioOpt's default for ``max_sharpe``, OSQP, returns "optimal_inaccurate" weights
    that break the top-10 cap by several tenths of a point with these constraints.
    Cap rows no single ticker could push above the cap are left out (exact for long-only
    frontiers, the default ``weight_bounds=(0, 1)``); with negative lower bounds every row is
    constrained.
    """
    import cvxpy as cp

    pol = policy if policy is not None else load_policy()
    snap = snapshot if snapshot is not None else load_snapshot()
    if getattr(ef, "_solver", None) is None:  # OSQP, the default, is inaccurate on these rows
        ef._solver = "CLARABEL"
    lt = look_through([normalize(t, broker=True) for t in ef.tickers], snap)
    long_only = bool(np.all(np.asarray(getattr(ef, "_lower_bounds", 0.0)) >= 0))
    left_out = {"max_top10": not top10, "max_unresolved": not unresolved,
                "max_position": not positions}
    for cap in caps(lt, pol):
        if left_out.get(cap.group):
            continue
        if cap.linear:
            A, b = cap.inequality(margin, long_only)
            if len(b):
                ef.add_constraint(lambda w, A=A, b=b: A @ w <= b)
        elif len(cap.matrix):
            A, c, k = cap.matrix, max(cap.limit - margin, 0.0), min(cap.top, len(cap.matrix))
            ef.add_constraint(lambda w, A=A, c=c, k=k: cp.sum_largest(A @ w, k) <= c)
    return exposure_matrices(list(ef.tickers), snap, lt)
