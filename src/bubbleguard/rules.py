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

from ._model import Model
from .guardrails import Cap, caps

if TYPE_CHECKING:
    from .exposures import Exposures
    from .holdings._portfolio import Portfolio
    from .policy import Policy
    from .reference._snapshot import Snapshot

__all__ = ["BUILTIN_RULES", "SEVERITIES", "Finding", "Rule", "RuleContext", "run_rules"]

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


THEME_LABELS = {"magnificent7": "the Magnificent 7", "ai": "AI-concentrated issuers",
                "circular_deals": "circular-deal counterparties"}


def _cap_severity(value: float, limit: float, margin: float) -> Literal["error", "warning"]:
    return "error" if value > limit * (1.0 + margin) else "warning"


def issuer_caps(ctx: RuleContext) -> Iterator[Finding]:
    """Any single issuer above ``max_issuer``."""
    cap = ctx.caps["max_issuer"]
    weight = dict(zip(cap.labels, cap.values(ctx.exposures.weights)))
    iss = ctx.exposures.issuers
    for row in cast("Iterator[Any]", iss[iss["issuer_id"].map(weight) > cap.limit].itertuples()):
        value = weight[row.issuer_id]
        yield Finding(
            code="issuer_cap_exceeded", severity=_cap_severity(value, cap.limit, ctx.policy.error_margin),
            subject=row.issuer, value=value, limit=cap.limit,
            message=(f"{row.issuer} is {value:.1%} of the portfolio ({row.direct_weight:.1%} held "
                     f"directly, {row.via_funds_weight:.1%} through funds), above the {cap.limit:.0%} "
                     "single-issuer cap; trim the direct holding or the funds that concentrate it."))


def position_cap(ctx: RuleContext) -> Iterator[Finding]:
    """Any single holding (not a cash balance) above ``max_position``."""
    cap = ctx.caps.get("max_position")
    if cap is None:
        return
    for symbol, value in zip(cap.labels, cap.values(ctx.exposures.weights)):
        if value > cap.limit:
            yield Finding(
                code="position_cap_exceeded", severity="warning", subject=symbol, value=float(value),
                limit=cap.limit,
                message=(f"{symbol} alone is {value:.1%} of the portfolio, above the {cap.limit:.0%} "
                         "cap on one holding; spread new money over other funds."))


def theme_caps(ctx: RuleContext) -> Iterator[Finding]:
    """Themes above their caps."""
    for theme, limit in ctx.policy.max_theme.items():
        value = ctx.value(f"max_theme.{theme}")
        if value > limit:
            yield Finding(
                code="theme_cap_exceeded", severity=_cap_severity(value, limit, ctx.policy.error_margin),
                subject=theme, value=value, limit=limit,
                message=(f"{value:.1%} of the portfolio rides on {THEME_LABELS[theme]}, above the "
                         f"{limit:.0%} cap; move part of it into broad index, bond or gold funds "
                         "('bubbleguard rebalance' proposes the trades)."))


def theme_over_market(ctx: RuleContext) -> Iterator[Finding]:
    """Themes held beyond the market's own share (scaled by the equity share) above their caps."""
    equity = ctx.exposures.asset_classes.get("equity", 0.0)
    for theme, limit in ctx.policy.max_theme_over_market.items():
        value = ctx.value(f"max_theme_over_market.{theme}")
        if value > limit:
            yield Finding(
                code="theme_over_market_exceeded",
                severity=_cap_severity(value, limit, ctx.policy.error_margin), subject=theme,
                value=value, limit=limit,
                message=(f"{ctx.exposures.themes[theme]:.1%} of the portfolio rides on "
                         f"{THEME_LABELS[theme]}, {value * 100:.1f} points more than a market-weight "
                         f"holding of your {equity:.0%} in equity would ({ctx.market_themes[theme]:.1%} "
                         f"of the S&P 500), above the {limit * 100:.0f}-point cap; move the excess "
                         "into a broad index fund, bonds or gold ('bubbleguard rebalance' proposes "
                         "the trades)."))


def top10_cap(ctx: RuleContext) -> Iterator[Finding]:
    """The ten largest issuers together above ``max_top10``."""
    value = ctx.value("max_top10")
    limit = ctx.policy.max_top10
    if value > limit:
        yield Finding(
            code="top10_cap_exceeded", severity=_cap_severity(value, limit, ctx.policy.error_margin),
            subject="top10", value=value, limit=limit,
            message=(f"The ten largest issuers are {value:.1%} of the portfolio, above the "
                     f"{limit:.0%} cap; add broadly diversified or equal-weight funds."))


def asset_class_bounds(ctx: RuleContext) -> Iterator[Finding]:
    """Asset-class floors (bonds, gold, real estate) and caps."""
    for cls, floor in ctx.policy.min_asset_class.items():
        value = ctx.value(f"min_asset_class.{cls}") if floor > 0 else 0.0
        if floor > 0 and value < floor - 1e-9:
            yield Finding(
                code="asset_class_floor_missed", severity="warning", subject=cls, value=value,
                limit=floor,
                message=(f"{cls.replace('_', ' ').capitalize()} is {value:.1%} of the portfolio, below "
                         f"the {floor:.0%} floor; {_FLOOR_ADVICE.get(cls, 'add to it')}."))
    for cls, cap in ctx.policy.max_asset_class.items():
        value = ctx.value(f"max_asset_class.{cls}")
        if value > cap + 1e-9:
            yield Finding(
                code="asset_class_cap_exceeded", severity="warning", subject=cls, value=value,
                limit=cap,
                message=f"{cls.replace('_', ' ').capitalize()} is {value:.1%}, above the {cap:.0%} cap.")


_FLOOR_ADVICE = {
    "bond": ("bonds cushion a falling stock market; add a low-cost aggregate or treasury bond fund "
             "(BND, AGG, IEF)"),
    "gold": "gold tends to hold up when stocks fall; add a low-cost gold fund (GLDM, IAU)",
    "real_estate": "real estate gives steady income; add a REIT index fund (VNQ, SCHH)",
    "cash": "keep some cash or a treasury-bill fund (SGOV, BIL) for needs and opportunities",
}


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
            limit=None, message=("No low-cost broad index fund is held; make one (a total-market or "
                                 "S&P 500 fund such as VTI or VOO, plus a total-bond fund) the core."))


def unresolved_share(ctx: RuleContext) -> Iterator[Finding]:
    """Too much value that could not be looked through."""
    value = ctx.value("max_unresolved")
    limit = ctx.policy.max_unresolved
    if value > limit:
        un = ctx.exposures.unresolved
        top = un.groupby("symbol")["weight"].sum().sort_values(ascending=False).head(3)
        names = ", ".join(f"{s} {w:.1%}" for s, w in top.items())
        yield Finding(
            code="unresolved_high", severity="warning", subject="unresolved", value=value, limit=limit,
            message=(f"{value:.1%} of the portfolio could not be looked through ({names}); the "
                     "exposures above may be understated. Add those funds' holdings with --funds FILE."))


def unknown_symbols(ctx: RuleContext) -> Iterator[Finding]:
    """Symbols the reference data does not know (kept as unresolved value)."""
    un = ctx.exposures.unresolved
    unknown = un[un["reason"].str.startswith("unknown symbol")]
    for row in cast("Iterator[Any]", unknown.itertuples()):
        yield Finding(code="unknown_symbol", severity="info", subject=row.symbol, value=row.weight,
                      limit=None, message=f"{row.symbol} ({row.weight:.1%}): {row.reason}; it is kept "
                      "as unresolved equity. Give it an asset_class column or its fund holdings.")


def data_age(ctx: RuleContext) -> Iterator[Finding]:
    """Holdings of a held fund older than ``max_data_age_days``: a warning that says how to renew them.

    Funds whose issuer publishes a file ``bubbleguard data refresh`` reads are named with that
    command; for the others the finding says they cannot be refreshed and how to supply them.
    """
    funds = ctx.snapshot.funds
    held = [s for s in ctx.exposures.positions["symbol"] if s in funds.index]
    old: list[tuple[str, str, int]] = []
    for sym in held:
        as_of = str(funds.at[sym, "as_of"])
        if not as_of:
            continue
        age = (ctx.today - dt.date.fromisoformat(as_of)).days
        if age > ctx.policy.max_data_age_days:
            old.append((sym, as_of, age))
    if not old:
        return
    from .reference.refresh import supported_funds

    can = set(supported_funds())
    listed = ", ".join(f"{s} ({d}, {a} days)" for s, d, a in old)
    renew = [s for s, _, _ in old if s in can]
    cannot = [s for s, _, _ in old if s not in can]
    how = []
    if renew:
        how.append("Refresh " + ", ".join(renew) + " with 'bubbleguard data refresh "
                   + " ".join(f"--fund {s}" for s in renew) + "'.")
    if cannot:
        how.append(", ".join(cannot) + " cannot be refreshed automatically yet: save the issuer's "
                   "current holdings as a CSV and pass it with --funds FILE.")
    yield Finding(code="data_stale", severity="warning", subject="fund_holdings", value=None,
                  limit=None,
                  message=(f"Holdings data older than {ctx.policy.max_data_age_days} days for {listed}; "
                           f"the weights may have drifted. {' '.join(how)}"))


def fund_overlap(ctx: RuleContext) -> Iterator[Finding]:
    """Pairs of funds that largely hold the same issuers."""
    ov = ctx.exposures.overlap
    for row in cast("Iterator[Any]", ov[ov["overlap"] >= 0.5].head(5).itertuples()):
        yield Finding(code="fund_overlap", severity="info", subject=f"{row.fund_a}/{row.fund_b}",
                      value=row.overlap, limit=0.5,
                      message=(f"{row.fund_a} and {row.fund_b} overlap by {row.overlap:.0%}: holding "
                               "both adds little diversification."))


BUILTIN_RULES: tuple[Rule, ...] = (issuer_caps, position_cap, theme_caps, theme_over_market,
                                   top10_cap, asset_class_bounds, broad_index, unresolved_share,
                                   unknown_symbols, data_age, fund_overlap)


def run_rules(ctx: RuleContext, rules: Iterable[Rule]) -> list[Finding]:
    """Run every rule; findings sorted by severity (worst first), then code."""
    found = [f for rule in rules for f in rule(ctx)]
    return sorted(found, key=lambda f: (-SEVERITIES.index(f.severity), f.code, -(f.value or 0.0)))
