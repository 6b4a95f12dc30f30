"""bubbleguard's guardrails as skfolio constraints.

::

    from skfolio.optimization import MeanRisk
    from bubbleguard.integrations.skfolio import bubbleguard_constraints

    model = MeanRisk(**bubbleguard_constraints(X.columns, policy=bubbleguard.load_policy()))
    model.fit(X)                                    # X: asset returns, one column per ticker
    bubbleguard.check(dict(zip(X.columns, model.weights_)))   # no cap findings

The linear guardrails are skfolio's ``left_inequality`` ``A`` and ``right_inequality`` ``b``
(``A @ w <= b``), built by :func:`bubbleguard.guardrails.caps` like every other use. The top-10
issuer share is not linear; it goes in ``add_constraints`` as ``cvxpy.sum_largest``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..guardrails import caps
from ..lookthrough import look_through
from ..policy import Policy, load_policy
from ..reference._snapshot import Snapshot, load_snapshot
from ..symbols import normalize

__all__ = ["bubbleguard_constraints"]


def bubbleguard_constraints(tickers: Sequence[str], policy: Policy | None = None,
                            snapshot: Snapshot | None = None, *,
                            margin: float = 1e-3) -> dict[str, Any]:
    """``MeanRisk`` keyword arguments that keep its weights inside bubbleguard's guardrails.

    Parameters
    ----------
    tickers
        The assets, in the order of the returns' columns.
    policy
        Guardrails (default: the balanced profile).
    snapshot
        Reference data (default: the bundled snapshot).
    margin
        Caps are lowered and floors raised by this much, so rounded weights still pass ``check``.

    Returns
    -------
    dict
        ``left_inequality`` (``m × len(tickers)``), ``right_inequality`` (``m``) and
        ``add_constraints`` (a callable of skfolio's weight variable returning the top-10 cap).
    """
    pol = policy if policy is not None else load_policy()
    snap = snapshot if snapshot is not None else load_snapshot()
    symbols = [normalize(t, broker=True) for t in tickers]
    rows, bounds = [], []
    nonlinear: list[tuple[np.ndarray, float, int]] = []
    for cap in caps(look_through(symbols, snap), pol):
        if cap.linear:
            A, b = cap.inequality(margin)
            rows.append(A)
            bounds.append(b)
        elif len(cap.matrix):
            nonlinear.append((cap.matrix, max(cap.limit - margin, 0.0), min(cap.top, len(cap.matrix))))

    def add_constraints(w: Any) -> list[Any]:
        import cvxpy as cp

        return [cp.sum_largest(A @ w, k) <= c for A, c, k in nonlinear]

    constraints: Callable[[Any], list[Any]] = add_constraints
    return {"left_inequality": np.vstack(rows), "right_inequality": np.concatenate(bounds),
            "add_constraints": constraints}
