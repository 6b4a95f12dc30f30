"""Historical replays: each holding's buy-and-hold return over a window, with documented proxies.

The return of an instrument over a window is ``close(end) / close(start) - 1`` from the bundled
adjusted closes. An instrument without both closes gets a proxy, tried in this order (the first
that has both closes wins):

1. **own prices**;
2. **the fund it tracks** (``tracks`` column: QDII and mutual-fund share classes), itself
   resolved by these same rules;
3. **a same-category index fund** for index categories (:data:`CATEGORY_FUNDS`: S&P 500 →
   SPY, IVV, VOO; Nasdaq-100 → QQQ; semiconductors → SOXX, SMH; aggregate bonds → AGG, BND;
   long treasuries → TLT; gold → GLD, IAU; US REITs → VNQ, IYR; developed markets → EFA, ...);
4. **look-through**, for other funds with holdings data (thematic, active, country funds): the
   weighted return of the held securities that have prices, the rest of the fund at the fund's
   default (rule 5);
5. **a default**: stocks → QQQ when technology (sector Information Technology or Communication
   Services, or an AI role), else SPY; funds → the defaults of their category
   (:data:`CATEGORY_DEFAULTS`, e.g. thematic AI → QQQ, emerging markets → EEM, VWO, long
   bonds → TLT, IEF, AGG), then of their asset class (:data:`ASSET_CLASS_DEFAULTS`: equity →
   SPY, bond → AGG, BND, IEF, gold → GLD, IAU, real estate → VNQ, IYR, commodity → DBC);
   equity always ends at SPY; unknown symbols are treated as their user-given asset class, else
   as US equity (SPY);
6. **cash** (``CASH``) returns 0%; cash-like funds use BIL or SGOV when they have prices, else 0%;
7. otherwise (for example bonds or gold before 2002, when no bond or gold fund in the snapshot
   had started trading) a **sourced return** of the scenario (``sourced_returns``, by category
   then asset class: the dot-com replay cites bond, Treasury, gold and REIT series), else the
   holding is **unpriced**: counted at 0% and reported, so the gap is visible instead of
   silently filled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from ..i18n import _
from ..reference._snapshot import Snapshot

__all__ = ["ASSET_CLASS_DEFAULTS", "CATEGORY_DEFAULTS", "CATEGORY_FUNDS", "Priced", "PriceWindow"]

#: Category prefix → same-category index funds (rule 3), first match wins.
CATEGORY_FUNDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("us_large_blend", ("SPY", "IVV", "VOO")), ("us_total_market", ("VTI", "ITOT", "SCHB")),
    ("nasdaq100_equal_weight", ()), ("nasdaq100", ("QQQ", "QQQM")), ("us_equal_weight", ("RSP",)),
    ("us_large_growth", ("VUG", "MGK")), ("us_large_value", ("VTV",)), ("us_small", ("IWM",)),
    ("dividend", ("VYM", "SCHD", "VIG")), ("semiconductors_memory", ()),
    ("semiconductors", ("SOXX", "SMH")), ("us_sector_tech", ("XLK", "VGT")),
    ("us_sector_communication", ("XLC",)), ("us_sector_consumer_discretionary", ("XLY",)),
    ("us_sector_consumer_staples", ("XLP",)), ("us_sector_energy", ("XLE",)),
    ("us_sector_financials", ("XLF",)), ("us_sector_health_care", ("XLV",)),
    ("us_sector_industrials", ("XLI",)), ("us_sector_materials", ("XLB",)),
    ("us_sector_utilities", ("XLU",)), ("international_developed", ("EFA", "IEFA", "VEA")),
    ("emerging_markets", ("EEM", "IEMG", "VWO")), ("international_total_market", ("VXUS", "IXUS")),
    ("global", ("ACWI", "VT")), ("us_aggregate_bond", ("AGG", "BND")),
    ("us_treasury_long", ("TLT", "VGLT")), ("us_treasury_intermediate", ("IEF", "VGIT", "GOVT")),
    ("us_treasury_short", ("SHY", "VGSH")), ("tips", ("TIP", "SCHP")),
    ("corporate_bond", ("LQD",)), ("high_yield", ("HYG",)), ("international_bond", ("BNDX",)),
    ("gold", ("GLD", "IAU", "GLDM")), ("reit_us", ("VNQ", "IYR", "SCHH", "XLRE")),
    ("reit_", ("VNQI",)), ("broad_commodities", ("DBC",)), ("silver", ("SLV",)),
)
#: Category prefix → default funds (rule 5), first match wins.
CATEGORY_DEFAULTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("semiconductors", ("SOXX", "SMH", "QQQ")), ("nasdaq100", ("QQQ",)),
    ("thematic_ai", ("QQQ",)), ("thematic_cloud", ("QQQ",)), ("thematic_internet", ("QQQ",)),
    ("thematic_fang", ("QQQ",)), ("thematic_magnificent7", ("QQQ",)),
    ("thematic_innovation", ("ARKK", "QQQ")), ("thematic_social_media", ("QQQ",)),
    ("thematic_cybersecurity", ("QQQ",)), ("thematic_ecommerce", ("QQQ",)),
    ("us_sector_software", ("XLK", "QQQ")), ("us_sector_tech", ("XLK", "QQQ")),
    ("emerging_markets", ("EEM", "VWO")), ("country_cn", ("EEM", "VWO")),
    ("country_in", ("EEM", "VWO")), ("country_br", ("EEM", "VWO")), ("country_tw", ("EEM", "VWO")),
    ("country_kr", ("EEM", "VWO")), ("country_mx", ("EEM", "VWO")), ("country_za", ("EEM", "VWO")),
    ("country_id", ("EEM", "VWO")), ("country_th", ("EEM", "VWO")), ("country_tr", ("EEM", "VWO")),
    ("country_sa", ("EEM", "VWO")), ("country_cl", ("EEM", "VWO")), ("country_ar", ("EEM", "VWO")),
    ("country_gr", ("EEM", "VWO")), ("country", ("EFA", "VEA")), ("region", ("EFA", "VEA")),
    ("international", ("EFA", "VEA")), ("global", ("ACWI", "VT")),
    ("us_treasury_long", ("TLT", "IEF")), ("us_bond_long", ("TLT", "IEF")),
    ("us_treasury_short", ("SHY", "AGG")), ("us_bond_short", ("SHY", "AGG")),
    ("international_bond", ("BNDX", "AGG")), ("high_yield", ("HYG", "AGG")),
    ("reit", ("VNQ", "IYR")), ("silver", ("SLV",)),
)
#: Asset class → default funds (rule 5, after the category's).
ASSET_CLASS_DEFAULTS: dict[str, tuple[str, ...]] = {
    "equity": ("SPY",), "bond": ("AGG", "BND", "IEF"), "gold": ("GLD", "IAU"),
    "real_estate": ("VNQ", "IYR"), "commodity": ("DBC",), "cash": ("BIL", "SGOV"),
    "other": ("SPY",),
}
TECH_SECTORS = ("Information Technology", "Communication Services")
MAX_DEPTH = 6


@dataclass(frozen=True)
class Priced:
    """An instrument's return over the window and where it came from.

    Attributes
    ----------
    ret
        Buy-and-hold return (signed fraction).
    label
        How it was obtained, e.g. ``"own prices"`` or ``"SPY (same-category index fund; own
        prices start 2010-09-30)"``.
    unpriced
        True when nothing had prices in the window and 0% was assumed.
    """

    ret: float
    label: str
    unpriced: bool = False
    proxy: str = ""


def _match(table: tuple[tuple[str, tuple[str, ...]], ...], category: str) -> tuple[str, ...]:
    for prefix, funds in table:
        if category.startswith(prefix):
            return funds
    return ()


@dataclass
class PriceWindow:
    """Returns of every instrument between two dates of the snapshot's prices.

    Parameters
    ----------
    snapshot
        Reference data (prices, securities, fund holdings).
    start, end
        Window dates; the closes used are those of the nearest dates with prices (the dates
        themselves for the built-in scenarios, which the snapshot keeps).
    asset_classes
        User-given asset classes of symbols the snapshot does not know.
    sourced
        Category or asset class → (return, description): sourced returns for what no fund in
        the snapshot prices in the window (rule 7).
    """

    snapshot: Snapshot
    start: dt.date
    end: dt.date
    asset_classes: dict[str, str] = field(default_factory=dict)
    sourced: dict[str, tuple[float, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        prices = self.snapshot.prices
        if len(prices):
            ends = [pd.Timestamp(self.start), pd.Timestamp(self.end)]
            i0, i1 = prices.index.get_indexer(cast(pd.Index, ends), method="nearest")
            self.start_used, self.end_used = prices.index[int(i0)].date(), prices.index[int(i1)].date()
            own = prices.iloc[i1] / prices.iloc[i0] - 1.0
            self.own = own[np.isfinite(own)]
        else:
            self.start_used, self.end_used = self.start, self.end
            self.own = pd.Series(dtype=float)
        self.first: pd.Series = prices.notna().idxmax()  # first priced day of each symbol
        self._cache: dict[str, Priced] = {}

    # ------------------------------------------------------------------ helpers
    def _info(self, symbol: str, column: str) -> str:
        sec = self.snapshot.securities
        return str(sec.at[symbol, column] or "") if symbol in sec.index else ""

    def _why_not(self, symbol: str) -> str:
        if symbol in self.first.index and self.snapshot.prices[symbol].notna().any():
            return _("own prices start {date}").format(date=self.first[symbol].date())
        return _("no own prices in the snapshot")

    def _first_priced(self, funds: tuple[str, ...], skip: str) -> str | None:
        return next((f for f in funds if f != skip and f in self.own.index), None)

    def _asset_class(self, symbol: str) -> str:
        cls = self._info(symbol, "asset_class")
        if self._info(symbol, "kind") == "cash":
            return "cash"
        return cls or self.asset_classes.get(symbol, "") or "equity"

    # ------------------------------------------------------------------ rules
    def price(self, symbol: str, depth: int = 0) -> Priced:
        """Return ``symbol``'s return over the window (rules 1-7 of the module docstring)."""
        if symbol not in self._cache:
            self._cache[symbol] = self._price(symbol, depth)
        return self._cache[symbol]

    def _price(self, symbol: str, depth: int) -> Priced:
        if symbol == "CASH":
            return Priced(0.0, _("cash (0%)"))
        if symbol in self.own.index:
            return Priced(float(self.own[symbol]), _("own prices"), proxy=symbol)
        why = self._why_not(symbol)
        if depth > MAX_DEPTH:
            return self.default(symbol, why)
        tracks = self._info(symbol, "tracks")
        if tracks and tracks != symbol:
            got = self.price(tracks, depth + 1)
            if not got.unpriced:
                via = (_("the fund it tracks") if got.proxy == tracks
                       else _("via {fund}, the fund it tracks").format(fund=tracks))
                return Priced(got.ret, _("{fund} ({what}; {why})").format(fund=got.proxy, what=via, why=why),
                              proxy=got.proxy)
        category = self._info(symbol, "category")
        peer = self._first_priced(_match(CATEGORY_FUNDS, category), symbol)
        if peer:
            return Priced(float(self.own[peer]), _("{fund} (same-category index fund; {why})").format(
                fund=peer, why=why),
                          proxy=peer)
        if self._info(symbol, "kind") == "fund":
            mixed = self.look_through(symbol, why)
            if mixed is not None:
                return mixed
        return self.default(symbol, why)

    def default_fund(self, symbol: str) -> tuple[str | None, str]:
        """Return the default proxy (rule 5) and its description; None when none has prices."""
        kind = self._info(symbol, "kind")
        cls = self._asset_class(symbol)
        if kind == "stock":
            issuer = self._info(symbol, "issuer_id")
            iss = self.snapshot.issuers
            role = str(iss.at[issuer, "role"]) if issuer in iss.index else ""
            tech = self._info(symbol, "sector") in TECH_SECTORS or bool(role)
            fund = self._first_priced(("QQQ", "SPY") if tech else ("SPY",), symbol)
            tech_default = tech and fund == "QQQ"
            return fund, _("default for technology stocks") if tech_default else _("default for stocks")
        category = self._info(symbol, "category")
        funds = _match(CATEGORY_DEFAULTS, category) + ASSET_CLASS_DEFAULTS.get(cls, ())
        if cls == "equity" or (not funds and cls != "cash"):
            funds += ("SPY",)
        fund = self._first_priced(funds, symbol)
        what = (category or cls).replace("_", " ")
        if symbol not in self.snapshot.securities.index:
            what = _("unknown symbol, treated as {asset_class}").format(asset_class=_(cls.replace("_", " ")))
        return fund, _("default for {what}").format(what=what)

    def default(self, symbol: str, why: str) -> Priced:
        """Rules 5-7: the default proxy, cash at 0%, or unpriced."""
        fund, what = self.default_fund(symbol)
        if fund is not None:
            said = _("{fund} ({what}; {why})").format(fund=fund, what=what, why=why)
            return Priced(float(self.own[fund]), said, proxy=fund)
        cls = self._asset_class(symbol)
        if cls == "cash":
            return Priced(0.0, _("0% (cash-like; no T-bill fund has prices in this window; {why})").format(
                why=why))
        key = next((k for k in (self._info(symbol, "category"), cls) if k in self.sourced), None)
        if key is not None:
            ret, what = self.sourced[key]
            return Priced(ret, _("{series} (sourced return: no {asset_class} fund in the snapshot has "
                                 "prices in this window; {why})").format(
                series=what, asset_class=_(cls.replace("_", " ")), why=why), proxy="sourced")
        return Priced(0.0, _("unpriced: counted at 0% (no {asset_class} fund in the snapshot has prices in "
                             "this window; {why})").format(asset_class=_(cls.replace("_", " ")), why=why),
                      unpriced=True)

    def look_through(self, fund: str, why: str) -> Priced | None:
        """Rule 4: priced holdings at their own returns, the rest at the fund's default."""
        from ..lookthrough import look_through

        if fund not in self.snapshot.funds.index:
            return None
        lt = look_through([fund], self.snapshot)
        weights = pd.Series(security_weights(lt, np.ones(1)), index=self.snapshot.index)
        weights = weights[weights > 0]
        priced = weights[weights.index.isin(self.own.index)]
        if priced.empty:
            return None
        rest, what = self.default_fund(fund)
        share = float(priced.sum())
        rest_ret = float(self.own[rest]) if rest is not None else 0.0
        ret = float((priced * self.own[priced.index]).sum()) + max(1.0 - share, 0.0) * rest_ret
        rest_text = _("rest {fund}").format(fund=rest) if rest is not None else _("rest unpriced at 0%")
        label = _("look-through ({share} of the fund in {n} priced holdings, {rest}; {why})").format(
            share=f"{share:.0%}", n=len(priced), rest=rest_text, why=why)
        return Priced(ret, label, proxy="look-through",
                      unpriced=rest is None and share < 0.5)


def security_weights(lt: object, weights: np.ndarray) -> np.ndarray:
    """Weight of every snapshot security in a look-through (dense or sparse implementations)."""
    fn = getattr(lt, "security_weights", None)
    if fn is not None:
        return np.asarray(fn(weights), dtype=float)
    securities = lt.securities  # type: ignore[attr-defined]
    return np.asarray(weights @ securities, dtype=float).ravel()
