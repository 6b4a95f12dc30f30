"""Where an account trades: the buy universe, board lots and prices of a mainland or HK account.

``data/universe.csv`` lists the diversifier candidates of every market (``us``, ``cn``, ``hk``)
in one table: one row per fund with its role, whether the role is core, and for exchange
listings the board lot and where the lot was found. ``rebalance(..., market="cn")`` buys only
the ``cn`` rows (Shanghai and Shenzhen listings: government bond, gold, money-market, broad
A-share and QDII ETFs) and trades them in whole lots; ``market="hk"`` the ``hk`` rows (Hong Kong
listings). The bundled data has no Hong Kong bond or gold ETF, which the plan says.

Prices are in the listing's currency (``securities.price_currency``); :func:`prices_in` turns
them into the portfolio's currency at the snapshot's reference rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import OptimizationError
from ..i18n import _
from ..reference._snapshot import universe_rows
from ..symbols import market_currency

if TYPE_CHECKING:
    from ..policy import Policy
    from ..reference._snapshot import Snapshot

__all__ = ["MARKETS", "board_lots", "check_floors", "market_notes", "prices_in", "qdii_funds",
           "universe_table"]

#: Markets an account can be restricted to (``us`` is the default universe).
MARKETS = ("us", "cn", "hk")
#: A-share board lot: Shanghai and Shenzhen buy orders are in 100 units or multiples.
A_SHARE_LOT = 100


def universe_table(market: str = "us") -> pd.DataFrame:
    """The rows of ``data/universe.csv`` for one market (symbol, role, core, market, lot…)."""
    if market not in MARKETS:
        raise OptimizationError(_("Unknown market '{market}'; choose one of {markets}.").format(
            market=market, markets=", ".join(MARKETS)))
    table = universe_rows()
    return table[table["market"] == market].reset_index(drop=True)


def board_lots(symbols: Sequence[str], market: str) -> tuple[np.ndarray, list[str]]:
    """Board lot of each symbol in ``market`` (1 where units trade singly) and the unknown ones.

    A symbol's lot is its universe row's; otherwise every Shanghai or Shenzhen code trades in
    lots of 100 units. A Hong Kong listing outside the table has a lot the data does not give:
    it trades in single units, and the symbol is returned so the plan can say so.
    """
    lots = np.ones(len(symbols))
    unknown: list[str] = []
    if market == "us":
        return lots, unknown
    table = universe_table(market)
    given = {s: int(lot) for s, lot in zip(table["symbol"], table["lot"], strict=True) if lot}
    for i, s in enumerate(symbols):
        if s == "CASH":
            continue
        if s in given:
            lots[i] = given[s]
        elif market_currency(s) == "CNY":
            lots[i] = A_SHARE_LOT
        elif s.isdigit():  # a Hong Kong code (US tickers trade in single shares)
            unknown.append(s)
    return lots, unknown


def prices_in(snapshot: Snapshot, symbols: Iterable[str], currency: str,
              notes: list[str]) -> np.ndarray:
    """Last snapshot price of each symbol in ``currency`` (NaN without a price or a rate).

    A price in another currency is converted at the snapshot's reference rates (``fx.csv``);
    the notes name the rate used.
    """
    sec = snapshot.securities
    fx = snapshot.fx
    per_usd = {"USD": 1.0, **{str(c): float(r) for c, r in fx["per_usd"].items()}}
    out, used = [], set()
    for s in symbols:
        if s not in sec.index or "price" not in sec.columns:
            out.append(np.nan)
            continue
        p = pd.to_numeric(pd.Series([sec.at[s, "price"]]), errors="coerce").iloc[0]
        if not (p and p > 0):
            out.append(np.nan)
            continue
        cur = str(sec.at[s, "price_currency"]) if "price_currency" in sec.columns else ""
        cur = cur or "USD"
        if cur == currency:
            out.append(float(p))
        elif cur in per_usd and currency in per_usd:
            out.append(float(p) * per_usd[currency] / per_usd[cur])
            used.update({cur, currency} - {"USD"})
        else:
            out.append(np.nan)
    for cur in sorted(used):
        notes.append(_("prices in other currencies converted at the bundled reference rate of {rate} {cur} "
                       "per USD ({date})").format(rate=f"{per_usd[cur]:g}", cur=cur,
                                                  date=fx.at[cur, "date"]))
    return np.array(out, dtype=float)


def check_floors(policy: Policy, market: str, buyable: Iterable[str], held_classes: pd.Series,
                 snapshot: Snapshot) -> None:
    """Raise when a floor names an asset class that nothing the account can buy or holds offers.

    ``held_classes`` is the value per asset class of the holdings (fractions or money).
    """
    if market == "us":
        return
    sec = snapshot.securities
    offered = {str(sec.at[s, "asset_class"]) for s in buyable if s in sec.index}
    short = [c for c, floor in policy.min_asset_class.items()
             if floor > 0 and c not in offered and held_classes.get(c, 0.0) <= 0]
    if short:
        floors = ", ".join(f"{_(c.replace('_', ' '))} {policy.min_asset_class[c]:.0%}" for c in short)
        options = " ".join(f"--min-{c.replace('_', '-')} 0" for c in short)
        raise OptimizationError(_(
            "The {market} account can buy no fund of {classes} in the bundled data (Hong Kong-listed bond "
            "and gold ETFs are not sourced), so the floor(s) {floors} cannot be met. Lower them "
            "({options}) or give a universe with such a fund (--universe FILE).").format(
            market=market, classes=", ".join(_(c.replace("_", " ")) for c in short), floors=floors,
            options=options))


def market_notes(market: str, *, bought: dict[str, tuple[float, str]], no_price: list[str],
                 unknown_lot: list[str], qdii: list[str]) -> list[str]:
    """What a plan for a mainland or HK account says about lots, prices and QDII funds.

    ``bought`` maps each bought symbol to its (price, price date).
    """
    if market == "us":
        return []
    notes = [_("mainland account: buys only Shanghai/Shenzhen-listed funds, in whole lots of 100 units")
             if market == "cn" else
             _("Hong Kong account: buys only HKEX-listed funds, in whole board lots; the bundled data has "
               "no Hong Kong bond, gold or money-market ETF, so the plan cannot add bonds or gold")]
    if bought:
        priced = ", ".join(f"{s} {p:g} ({d})" for s, (p, d) in sorted(bought.items()))
        notes.append(_("the buys are priced at the snapshot's last closes: {prices}; check today's price "
                       "before placing the orders").format(prices=priced))
    if no_price:
        notes.append(_("no price in the snapshot for {symbols}, so the plan does not buy them; give a price "
                       "column or a universe without them").format(symbols=", ".join(no_price)))
    if unknown_lot:
        notes.append(_("board lot unknown for {symbols}: a sale is given in single units; check the lot "
                       "size with your broker (odd lots sell at a discount in Hong Kong)").format(
            symbols=", ".join(unknown_lot)))
    if qdii:
        notes.append(_("QDII funds ({symbols}): their exchange price can stand well above the net asset "
                       "value when the fund's foreign-exchange quota is used up and subscriptions are "
                       "paused; check the premium before buying, and expect it to shrink when you "
                       "sell").format(symbols=", ".join(qdii)))
    return notes


def qdii_funds(symbols: Iterable[str], snapshot: Snapshot) -> list[str]:
    """The symbols that are mainland-listed funds tracking a foreign (US-listed) fund's index."""
    sec = snapshot.securities
    out = []
    for s in symbols:
        if s in sec.index and market_currency(s) == "CNY" and str(sec.at[s, "tracks"] or ""):
            out.append(s)
        elif s in sec.index and "QDII" in str(sec.at[s, "name"]).upper():
            out.append(s)
    return sorted(set(out))
