"""Built-in rules: each turns exposures and a policy into findings.

A rule is any callable taking a :class:`RuleContext` and yielding :class:`Finding` objects.
The built-ins below are registered through the same ``register_rules`` hook as plugins' rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from ._model import Model
from .guardrails import Cap, caps
from .i18n import N_, _, format_percent

if TYPE_CHECKING:
    from .exposures import Exposures
    from .holdings._portfolio import Portfolio
    from .policy import Policy
    from .reference._snapshot import Snapshot

__all__ = ["BUILTIN_RULES", "SEVERITIES", "Finding", "Rule", "RuleContext", "run_rules"]

#: Sums of float weights carry round-off (40% can come out as 0.4000000000000001): a cap is
#: broken only beyond it.
NOISE = 1e-12

SEVERITIES = ("info", "warning", "error")
Severity = Literal["info", "warning", "error"]


@dataclass(kw_only=True)
class Finding(Model):
    """One result of a rule: what, how bad, the value against its limit, and what to do."""

    code: str
    severity: Severity
    subject: str
    value: float | None = None
    limit: float | None = None
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding {self.code}: severity '{self.severity}' is not one of "
                             f"{', '.join(SEVERITIES)}")


@dataclass(frozen=True)
class RuleContext:
    """What a rule sees: the portfolio, its exposures, the policy and the reference data."""

    portfolio: Portfolio
    exposures: Exposures
    policy: Policy
    snapshot: Snapshot
    today: dt.date

    @cached_property
    def caps(self) -> dict[str, Cap]:
        """The policy's guardrails over the held instruments, by policy field (see guardrails)."""
        market = self.market_themes if self.policy.max_theme_over_market else None
        return {c.group: c for c in caps(self.exposures.lookthrough, self.policy, market=market)}

    @cached_property
    def market(self) -> dict[str, Any]:
        """The market the portfolio is compared with (the S&P 500, from IVV's holdings)."""
        from .exposures import market_context

        return market_context(self.snapshot)

    @property
    def market_themes(self) -> dict[str, float]:
        """The market's own theme shares."""
        return dict(self.market["themes"])

    def value(self, group: str) -> float:
        """The guarded quantity of one policy field for the portfolio's weights."""
        return self.caps[group].value(self.exposures.weights)


#: A rule: a callable taking a RuleContext and yielding findings.
Rule = Callable[[RuleContext], Iterable[Finding]]


THEME_LABELS = {"magnificent7": N_("the Magnificent 7"), "ai": N_("AI-concentrated issuers"),
                "circular_deals": N_("circular-deal counterparties")}


def _p(x: float, decimals: int = 1) -> str:
    """A weight in a message: ``12.3%`` (in the active language)."""
    return format_percent(x, decimals)


def _cap_severity(value: float, limit: float, margin: float) -> Literal["error", "warning"]:
    return "error" if value > limit * (1.0 + margin) else "warning"


def issuer_caps(ctx: RuleContext) -> Iterator[Finding]:
    """Any single issuer above ``max_issuer``."""
    cap = ctx.caps["max_issuer"]
    weight = dict(zip(cap.labels, cap.values(ctx.exposures.weights)))
    iss = ctx.exposures.issuers
    for row in cast("Iterator[Any]", iss[iss["issuer_id"].map(weight) > cap.limit + NOISE]
                    .itertuples()):
        value = weight[row.issuer_id]
        yield Finding(
            code="issuer_cap_exceeded", severity=_cap_severity(value, cap.limit, ctx.policy.error_margin),
            subject=row.issuer, value=value, limit=cap.limit,
            message=_(MESSAGES["issuer_cap_exceeded"]).format(
                issuer=row.issuer, value=_p(value), direct=_p(row.direct_weight),
                via_funds=_p(row.via_funds_weight), limit=_p(cap.limit, 0)))


def position_cap(ctx: RuleContext) -> Iterator[Finding]:
    """Any single holding (not a cash balance) above ``max_position``."""
    cap = ctx.caps.get("max_position")
    if cap is None:
        return
    for symbol, value in zip(cap.labels, cap.values(ctx.exposures.weights)):
        if value > cap.limit + NOISE:
            yield Finding(
                code="position_cap_exceeded", severity="warning", subject=symbol, value=float(value),
                limit=cap.limit,
                message=_(MESSAGES["position_cap_exceeded"]).format(
                    symbol=symbol, value=_p(value), limit=_p(cap.limit, 0)))


def theme_caps(ctx: RuleContext) -> Iterator[Finding]:
    """Themes above their caps."""
    for theme, limit in ctx.policy.max_theme.items():
        value = ctx.value(f"max_theme.{theme}")
        if value > limit + NOISE:
            yield Finding(
                code="theme_cap_exceeded", severity=_cap_severity(value, limit, ctx.policy.error_margin),
                subject=theme, value=value, limit=limit,
                message=_(MESSAGES["theme_cap_exceeded"]).format(
                    value=_p(value), theme=_(THEME_LABELS[theme]), limit=_p(limit, 0)))


def theme_over_market(ctx: RuleContext) -> Iterator[Finding]:
    """Themes held beyond the market's own share (scaled by the equity share) above their caps."""
    equity = ctx.exposures.asset_classes.get("equity", 0.0)
    for theme, limit in ctx.policy.max_theme_over_market.items():
        value = ctx.value(f"max_theme_over_market.{theme}")
        if value > limit + NOISE:
            yield Finding(
                code="theme_over_market_exceeded",
                severity=_cap_severity(value, limit, ctx.policy.error_margin), subject=theme,
                value=value, limit=limit,
                message=_(MESSAGES["theme_over_market_exceeded"]).format(
                    share=_p(ctx.exposures.themes[theme]), theme=_(THEME_LABELS[theme]),
                    points=f"{value * 100:.1f}", equity=_p(equity, 0), market=_p(ctx.market_themes[theme]),
                    limit=f"{limit * 100:.0f}"))


def top10_cap(ctx: RuleContext) -> Iterator[Finding]:
    """The ten largest issuers together above ``max_top10``."""
    value = ctx.value("max_top10")
    limit = ctx.policy.max_top10
    if value > limit + NOISE:
        yield Finding(
            code="top10_cap_exceeded", severity=_cap_severity(value, limit, ctx.policy.error_margin),
            subject="top10", value=value, limit=limit,
            message=_(MESSAGES["top10_cap_exceeded"]).format(value=_p(value), limit=_p(limit, 0)))


def asset_class_bounds(ctx: RuleContext) -> Iterator[Finding]:
    """Asset-class floors (bonds, gold, real estate) and caps."""
    for cls, floor in ctx.policy.min_asset_class.items():
        value = ctx.value(f"min_asset_class.{cls}") if floor > 0 else 0.0
        if floor > 0 and value < floor - 1e-9:
            yield Finding(
                code="asset_class_floor_missed", severity="warning", subject=cls, value=value,
                limit=floor,
                message=_(MESSAGES["asset_class_floor_missed"]).format(
                    asset_class=class_name(cls), value=_p(value), floor=_p(floor, 0),
                    advice=floor_advice(ctx.snapshot, ctx.portfolio.currency, cls)))
    for cls, cap in ctx.policy.max_asset_class.items():
        value = ctx.value(f"max_asset_class.{cls}")
        if value > cap + 1e-9:
            yield Finding(
                code="asset_class_cap_exceeded", severity="warning", subject=cls, value=value,
                limit=cap,
                message=_(MESSAGES["asset_class_cap_exceeded"]).format(
                    asset_class=class_name(cls), value=_p(value), limit=_p(cap, 0)))


_FLOOR_ADVICE = {
    "bond": N_("bonds cushion a falling stock market; add a low-cost aggregate or treasury bond fund "
               "({funds})"),
    "gold": N_("gold tends to hold up when stocks fall; add a low-cost gold fund ({funds})"),
    "real_estate": N_("real estate gives steady income; add a REIT index fund ({funds})"),
    "cash": N_("keep some cash or a treasury-bill fund ({funds}) for needs and opportunities"),
}
#: The market whose funds the advice names, by the portfolio's currency (else the US listings).
_CURRENCY_MARKET = {"CNY": "cn", "HKD": "hk"}


def example_funds(snapshot: Snapshot, currency: str, asset_class: str, n: int = 3) -> str:
    """The first ``n`` core funds of ``asset_class`` in the market of ``currency`` (``universe.csv``).

    A mainland (CNY) book is told of Shanghai and Shenzhen funds, a Hong Kong (HKD) one of HKEX
    funds; where that market's universe has none of the class, of the US-listed ones.
    """
    from .reference._snapshot import universe_rows

    table = universe_rows()
    table = table[table["core"].str.lower().eq("true")]
    table = table[table["symbol"].map(snapshot.securities["asset_class"]).eq(asset_class)]
    for market in dict.fromkeys((_CURRENCY_MARKET.get(currency, "us"), "us")):
        funds = table.loc[table["market"] == market, "symbol"].head(n)
        if len(funds):
            return _(", ").join(funds)
    return ""


_ADD_TO_IT = N_("add to it")
#: Asset classes as a message's subject (``Real estate is 2.0% of the portfolio``).
_CLASS_NAMES = {"equity": N_("Equity"), "bond": N_("Bond"), "gold": N_("Gold"),
                "real_estate": N_("Real estate"), "cash": N_("Cash"), "commodity": N_("Commodity"),
                "other": N_("Other")}


def floor_advice(snapshot: Snapshot, currency: str, cls: str) -> str:
    """What to add to an asset class below its floor, naming funds of the portfolio's market."""
    funds = example_funds(snapshot, currency, cls) if cls in _FLOOR_ADVICE else ""
    return _(_FLOOR_ADVICE[cls]).format(funds=funds) if funds else _(_ADD_TO_IT)


def broad_funds(snapshot: Snapshot, currency: str) -> str:
    """Two broad index funds of the portfolio's market, for the no-broad-index advice."""
    return _(" or ").join(example_funds(snapshot, currency, "equity", 2).split(_(", ")))


def class_name(cls: str) -> str:
    """An asset class as a message's subject."""
    return _(_CLASS_NAMES[cls]) if cls in _CLASS_NAMES else cls.replace("_", " ").capitalize()


def broad_index(ctx: RuleContext) -> Iterator[Finding]:
    """No low-cost broad index fund among the holdings."""
    if not ctx.policy.require_broad_index:
        return
    sec = ctx.snapshot.securities
    held = ctx.exposures.positions
    broad = held["symbol"].map(sec["broad_index"]).astype(str).str.lower().eq("true")
    share = float(held.loc[broad.to_numpy(), "weight"].sum())
    if share == 0.0:
        yield Finding(
            code="no_broad_index_fund", severity="warning", subject="broad_index", value=0.0,
            limit=None, message=_(MESSAGES["no_broad_index_fund"]).format(
                funds=broad_funds(ctx.snapshot, ctx.portfolio.currency)))


def unresolved_names(symbols: Iterable[str], weights: Iterable[str]) -> str:
    """The largest unresolved holdings as a message names them (weights formatted): ``ARKK 12.0%``."""
    return _(", ").join(f"{s} {w}" for s, w in zip(symbols, weights))


def unresolved_share(ctx: RuleContext) -> Iterator[Finding]:
    """Too much value that could not be looked through."""
    value = ctx.value("max_unresolved")
    limit = ctx.policy.max_unresolved
    if value > limit + NOISE:
        un = ctx.exposures.unresolved
        top = un.groupby("symbol")["weight"].sum().sort_values(ascending=False).head(3)
        yield Finding(
            code="unresolved_high", severity="warning", subject="unresolved", value=value, limit=limit,
            message=_(MESSAGES["unresolved_high"]).format(
                value=_p(value), names=unresolved_names(top.index, [_p(w) for w in top])))


def unknown_symbols(ctx: RuleContext) -> Iterator[Finding]:
    """Symbols the reference data does not know (kept as unresolved value)."""
    un = ctx.exposures.unresolved
    unknown = un[ctx.snapshot.index.get_indexer(pd.Index(un["origin"])) < 0]  # not a fund's remainder
    for row in cast("Iterator[Any]", unknown.itertuples()):
        yield Finding(code="unknown_symbol", severity="info", subject=row.symbol, value=row.weight,
                      limit=None, message=_(MESSAGES["unknown_symbol"]).format(
                          symbol=row.symbol, weight=_p(row.weight), reason=row.reason))


def stale_funds(funds: pd.DataFrame, held: Iterable[str], today: dt.date,
                max_days: int) -> list[tuple[str, str, int]]:
    """(symbol, as-of date, age in days) of the held funds whose holdings are older than ``max_days``."""
    old: list[tuple[str, str, int]] = []
    for sym in held:
        as_of = str(funds.at[sym, "as_of"]) if sym in funds.index else ""
        if not as_of:
            continue
        age = (today - dt.date.fromisoformat(as_of)).days
        if age > max_days:
            old.append((sym, as_of, age))
    return old


def stale_message(old: list[tuple[str, str, int]], max_days: int) -> str:
    """The data_stale message for the funds :func:`stale_funds` found, with how to renew each."""
    from .reference._sources import source_for

    listed = _(", ").join(_("{symbol} ({date}, {days} days)").format(symbol=s, date=d, days=a)
                       for s, d, a in old)
    where = {s: source_for(s) for s, *_when in old}
    renew = [s for s, *_when in old if where[s] is not None]
    cannot = [s for s, *_when in old if where[s] is None]
    how = []
    if renew:
        command = "bubbleguard data refresh " + " ".join(f"--fund {s}" for s in renew)
        named = _(", ").join(f"{s} ({src.label})" for s in renew if (src := where[s]) is not None)
        how.append(_("Refresh {funds} with '{command}'.").format(funds=named, command=command))
    if cannot:
        how.append(_("{funds} cannot be refreshed automatically yet: save the issuer's current holdings as "
                     "a CSV and pass it with --funds FILE.").format(funds=_(", ").join(cannot)))
    return _(MESSAGES["data_stale"]).format(max_days=max_days, funds=listed, how=" ".join(how))


def data_age(ctx: RuleContext) -> Iterator[Finding]:
    """Holdings of a held fund older than ``max_data_age_days``: a warning that says how to renew them.

    Funds that ``bubbleguard data refresh`` can renew (the sources table of
    :mod:`bubbleguard.reference._sources`: an issuer's file or SEC N-PORT) are named with that
    command and their source; for the others the finding says they cannot be refreshed and how
    to supply them.
    """
    days = ctx.policy.max_data_age_days
    old = stale_funds(ctx.snapshot.funds, ctx.exposures.positions["symbol"], ctx.today, days)
    if old:
        yield Finding(code="data_stale", severity="warning", subject="fund_holdings", value=None,
                      limit=None, message=stale_message(old, days))


def fund_overlap(ctx: RuleContext) -> Iterator[Finding]:
    """Pairs of funds that largely hold the same issuers."""
    ov = ctx.exposures.overlap
    for row in cast("Iterator[Any]", ov[ov["overlap"] >= 0.5].head(5).itertuples()):
        yield Finding(code="fund_overlap", severity="info", subject=f"{row.fund_a}/{row.fund_b}",
                      value=row.overlap, limit=0.5,
                      message=_(MESSAGES["fund_overlap"]).format(
                          fund_a=row.fund_a, fund_b=row.fund_b, overlap=_p(row.overlap, 0)))


#: Each built-in code's message, a ``str.format`` template (translated where it is shown). The
#: batch engine fills the same templates, so a batch finding reads as ``check``'s.
MESSAGES = {
    "issuer_cap_exceeded": N_(
        "{issuer} is {value} of the portfolio ({direct} held directly, {via_funds} through funds), above "
        "the {limit} single-issuer cap; trim the direct holding or the funds that concentrate it."),
    "position_cap_exceeded": N_(
        "{symbol} alone is {value} of the portfolio, above the {limit} cap on one holding; spread new "
        "money over other funds."),
    "theme_cap_exceeded": N_(
        "{value} of the portfolio rides on {theme}, above the {limit} cap; move part of it into broad "
        "index, bond or gold funds ('bubbleguard rebalance' proposes the trades)."),
    "theme_over_market_exceeded": N_(
        "{share} of the portfolio rides on {theme}, {points} points more than a market-weight holding of "
        "your {equity} in equity would ({market} of the S&P 500), above the {limit}-point cap; move the "
        "excess into a broad index fund, bonds or gold ('bubbleguard rebalance' proposes the trades)."),
    "top10_cap_exceeded": N_(
        "The ten largest issuers are {value} of the portfolio, above the {limit} cap; add broadly "
        "diversified or equal-weight funds."),
    "asset_class_floor_missed": N_("{asset_class} is {value} of the portfolio, below the {floor} floor; "
                                   "{advice}."),
    "asset_class_cap_exceeded": N_("{asset_class} is {value}, above the {limit} cap."),
    "no_broad_index_fund": N_(
        "No low-cost broad index fund is held; make one (a broad market index fund such as {funds}, "
        "plus a bond index fund) the core."),
    "unresolved_high": N_(
        "{value} of the portfolio could not be looked through ({names}); the exposures above may be "
        "understated. Add those funds' holdings with --funds FILE."),
    "unknown_symbol": N_(
        "{symbol} ({weight}): {reason}; it is kept as unresolved equity. Give it an asset_class column "
        "or its fund holdings."),
    "data_stale": N_("Holdings data older than {max_days} days for {funds}; the weights may have "
                     "drifted. {how}"),
    "fund_overlap": N_("{fund_a} and {fund_b} overlap by {overlap}: holding both adds little "
                       "diversification."),
}


BUILTIN_RULES: tuple[Rule, ...] = (issuer_caps, position_cap, theme_caps, theme_over_market,
                                   top10_cap, asset_class_bounds, broad_index, unresolved_share,
                                   unknown_symbols, data_age, fund_overlap)


def run_rules(ctx: RuleContext, rules: Iterable[Rule]) -> list[Finding]:
    """Run every rule; findings sorted by severity (worst first), then code."""
    found = [f for rule in rules for f in rule(ctx)]
    return sorted(found, key=lambda f: (-SEVERITIES.index(f.severity), f.code, -(f.value or 0.0)))
