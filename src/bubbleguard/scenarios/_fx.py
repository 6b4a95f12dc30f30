"""The exchange-rate move of a replay, for money counted in CNY or HKD (or prices in CNY).

A historical replay returns each holding's buy-and-hold return in the currency of the price
series behind it: USD for US-listed funds (and the sourced pre-2002 series), CNY for the
mainland ETFs' own prices. An investor who counts in CNY gets, on a USD series,
``(1 + r) × rate(end) / rate(start) - 1`` with ``rate`` the CNY per USD of the snapshot's FX
history (``fx_history.csv``: FRED's DEXCHUS and DEXHKUS). Where that history does not cover
the window, nothing is translated and the result says plainly that it is a USD return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import _
from ..symbols import market_currency

if TYPE_CHECKING:
    from ..reference._snapshot import Snapshot

__all__ = ["FxMove", "fx_move", "series_currency"]

#: Proxies that are no price series of one instrument but stand for US-listed (USD) prices.
USD_PROXIES = ("sourced", "look-through")


def series_currency(proxy: str) -> str:
    """Currency of the prices behind a return ("" for cash and unpriced holdings: no series)."""
    if not proxy:
        return ""
    if proxy in USD_PROXIES:
        return "USD"
    return market_currency(proxy) or "USD"


@dataclass(frozen=True)
class FxMove:
    """How a window's returns are translated into the investor's currency.

    Attributes
    ----------
    currency
        The currency of the translated returns (the base currency, or ``USD`` when the FX
        history does not cover the window).
    factors
        Series currency → ``(1 + r)`` multiplier; a currency not listed is not translated.
    notes
        What was applied, or why nothing was.
    """

    currency: str
    factors: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def apply(self, returns: np.ndarray, currencies: list[str]) -> np.ndarray:
        """The returns of holdings whose series are in ``currencies``, in :attr:`currency`."""
        f = np.array([self.factors.get(c, 1.0) for c in currencies])
        return (1.0 + returns) * f - 1.0


def _rate(snapshot: Snapshot, cur: str, day: dt.date) -> float:
    if cur == "USD":
        return 1.0
    hist = snapshot.fx_history
    if cur not in hist.columns:
        return float("nan")
    value = hist[cur].get(pd.Timestamp(day), float("nan"))
    return float(value)


def _coverage(snapshot: Snapshot, cur: str) -> str:
    hist = snapshot.fx_history
    s = hist[cur].dropna() if cur in hist.columns else hist.iloc[:0, :0]
    if not len(s):
        return _("the snapshot has no {cur} per USD history").format(cur=cur)
    return _("the snapshot's {cur} per USD history runs {first} to {last}").format(
        cur=cur, first=s.index[0].date(), last=s.index[-1].date())


def fx_move(snapshot: Snapshot, base: str, start: dt.date, end: dt.date,
            series: set[str]) -> FxMove:
    """The translation of returns priced in ``series`` currencies into ``base`` over a window."""
    needed = sorted(c for c in series if c and c != base)
    if not needed:
        return FxMove(base)
    rates = {c: (_rate(snapshot, c, start), _rate(snapshot, c, end)) for c in {*needed, base}}
    missing = sorted(c for c, (a, b) in rates.items() if not (np.isfinite(a) and np.isfinite(b)))
    if missing:
        why = "; ".join(_coverage(snapshot, c) for c in missing)
        note = _("USD return: no exchange-rate move applied ({why}); US-listed holdings count in "
                 "USD").format(why=why)
        if "CNY" in series and base != "CNY":
            note += _("; mainland-priced ones in CNY")
        return FxMove("USD", notes=(note,))
    b0, b1 = rates[base]
    factors = {c: (b1 / rates[c][1]) / (b0 / rates[c][0]) for c in needed}
    notes = []
    for c in needed:
        a, b = (b0 / rates[c][0], b1 / rates[c][1])
        notes.append(_("in {base}: {base} per {cur} moved from {start} to {end} ({change}) over the window, "
                       "applied to the holdings priced in {cur}").format(
            base=base, cur=c, start=f"{a:.4f}", end=f"{b:.4f}", change=f"{b / a - 1:+.2%}"))
    return FxMove(base, factors, tuple(notes))
