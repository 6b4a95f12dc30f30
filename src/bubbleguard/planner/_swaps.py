"""Fund swaps: replacing what drives a cap with a fund that holds less of it.

For every theme cap the holdings break (or sit within a point of), the held instruments that
contribute most to it are candidates for a swap into one of the bundled equity funds (broad,
equal-weight, ex-US: every equity role of ``universe.csv``). Each swap is valued through the
same look-through as ``check``: the whole position moves into the replacement, and the theme
shares of the portfolio are recomputed. The unresolved share of a replacement not yet held
counts toward every theme (as in planning), so a fund the data cannot see never looks clean.
A swap's cost is its trading cost, the tax on the position's gain when the account is taxable
and the basis is known, and the change in expense ratio where both are sourced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._model import ResultModel

if TYPE_CHECKING:
    from ..lookthrough import LookThrough
    from ..policy import Policy
    from ..reference._snapshot import Snapshot

__all__ = ["Swap", "suggest_swaps"]

THEMES = ("magnificent7", "ai", "circular_deals")
NEAR = 0.01  # a cap within one point of binding counts as binding


class Swap(ResultModel):
    """Move a whole position into another fund: what it removes and what it costs."""

    symbol: str
    replacement: str
    replacement_name: str = ""
    value: float
    drives: str
    removed: dict[str, float]
    unresolved_added: float
    trading_cost: float
    estimated_tax: float | None
    expense_ratio_change: float | None


def suggest_swaps(held: pd.DataFrame, lt: LookThrough, policy: Policy, snapshot: Snapshot, *,
                  total: float, candidates: list[str], taxable: np.ndarray, gain_frac: np.ndarray,
                  tax_rate: float, expense: dict[str, float], top: int = 3) -> list[Swap]:
    """The best ``top`` swaps for each held instrument that drives a binding theme cap.

    Parameters
    ----------
    held
        Non-cash position rows (``symbol``, ``market_value``; one row per lot and account).
    total
        The portfolio's value, cash included (theme shares are of it).
    lt
        Look-through over the held symbols and ``candidates`` (and ``CASH`` last).
    taxable, gain_frac
        Per row: taxable account; gain fraction ``1 - basis / value`` (NaN: unknown).
    expense
        Symbol → expense ratio in percent a year (sourced; missing: unknown).
    """
    symbols = list(lt.symbols)
    pos = {s: i for i, s in enumerate(symbols)}
    values = np.zeros(len(symbols))
    np.add.at(values, [pos[s] for s in held["symbol"]], held["market_value"].to_numpy(float))
    if total <= 0:
        return []
    w = values / total
    unresolved = lt.unresolved_vector()
    fresh = np.where(values > 0, 0.0, unresolved)  # funds not held count what they cannot show
    themes = {t: lt.theme_vector(t) for t in THEMES if t in policy.max_theme}
    binding = [t for t, vec in themes.items() if vec @ w >= policy.max_theme[t] - NEAR]
    out: list[Swap] = []
    seen: set[tuple[str, str]] = set()
    cand = [c for c in candidates if c in pos and values[pos[c]] == 0]
    for theme in binding:
        vec = themes[theme]
        drivers = np.argsort(-(vec * w), kind="stable")[:top]
        for i in drivers:
            if vec[i] * w[i] <= 0 or symbols[i] in cand:
                continue
            rows = held["symbol"].to_numpy() == symbols[i]
            gains = gain_frac[rows]
            known = ~np.isnan(gains) | ~taxable[rows]
            tax = (float(tax_rate * np.clip(np.nan_to_num(gains) * held["market_value"]
                                            .to_numpy(float)[rows] * taxable[rows], 0, None).sum())
                   if known.all() else None)
            options = []
            for c in cand:
                j = pos[c]
                removed = {t: float(w[i] * (v[i] - v[j] - fresh[j])) for t, v in themes.items()}
                if removed[theme] <= 0:
                    continue
                er = (expense[c] - expense[symbols[i]]
                      if c in expense and symbols[i] in expense else None)
                options.append(Swap(
                    symbol=symbols[i], replacement=c,
                    replacement_name=str(snapshot.securities["name"].get(c, "")),
                    value=float(values[i]), drives=theme, removed=removed,
                    unresolved_added=float(w[i] * fresh[j]),
                    trading_cost=float(2 * policy.transaction_cost * values[i]),
                    estimated_tax=tax, expense_ratio_change=er))
            options.sort(key=lambda s: (-s.removed[theme], s.replacement))
            for s in options[:top]:
                if (s.symbol, s.replacement) not in seen:
                    seen.add((s.symbol, s.replacement))
                    out.append(s)
    return out
