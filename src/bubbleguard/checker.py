"""check(): holdings → fund-holdings providers → look-through → exposures → rules → Report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from ._model import Model
from .exposures import Exposures, compute_exposures
from .holdings._portfolio import HoldingsInput, Portfolio, load_holdings
from .policy import Policy, load_policy
from .reference._snapshot import Snapshot, load_snapshot
from .report import (
    HOME_COUNTRIES,
    Counterparty,
    ExposuresOut,
    IssuerExposure,
    MarketSplit,
    Overlap,
    Position,
    Report,
    Unresolved,
)
from .rules import RuleContext

__all__ = ["check"]


def _models(model: type[Model], frame: pd.DataFrame) -> list[Any]:
    """One model per row, from the frame's columns that are the model's fields."""
    names = [n for n in model.field_names() if n in frame.columns]
    columns = [frame[n].tolist() for n in names]
    return [model(**dict(zip(names, row))) for row in zip(*columns)]


def _positions(ex: Exposures, portfolio: Portfolio, snapshot: Snapshot) -> pd.DataFrame:
    """Held instruments with where each value came from and, for funds, whose holdings and when."""
    pos = ex.positions
    sources = portfolio.positions.groupby("symbol", sort=False)["value_source"].agg(
        lambda v: "; ".join(dict.fromkeys(x for x in v if x)))
    funds = snapshot.funds.reindex(pos["symbol"])
    known = funds["as_of"].notna().to_numpy() & (pos["kind"] == "fund").to_numpy()

    def column(name: str) -> pd.Series:  # object dtype keeps None (JSON null) for non-funds
        return pd.Series([str(v) if k else None for v, k in zip(funds[name].to_numpy(), known)],
                         index=pos.index, dtype=object)

    # a fund the reference data has no holdings for says so: coverage "none"
    coverage = column("coverage").where(known | (pos["kind"] != "fund").to_numpy(), "none")
    return pos.assign(value_source=sources.reindex(pos["symbol"]).fillna("").to_numpy(),
                      holdings_as_of=column("as_of"), holdings_source=column("source"),
                      holdings_coverage=coverage)


def _data_as_of(snapshot: Snapshot, symbols: list[str]) -> dict[str, str]:
    """Snapshot dates; fund holdings dated by the oldest and newest fund the portfolio holds."""
    dates = snapshot.as_of
    held = snapshot.funds["as_of"].reindex(symbols).dropna()
    held = held[held != ""]
    if len(held):
        dates["fund_holdings"] = str(held.min())
        dates["fund_holdings_newest"] = str(held.max())
    return dates


def check(holdings: HoldingsInput | Portfolio, *, policy: Policy | None = None,
          profile: str = "balanced", snapshot: Snapshot | None = None,
          fund_holdings: pd.DataFrame | None = None, broker: str | None = None,
          fx: dict[str, float] | None = None, base_currency: str | None = None,
          deal_certainty: tuple[str, ...] | None = None,
          today: dt.date | None = None, scenarios: bool | list[str] = False) -> Report:
    """Look through a portfolio and judge it against a policy.

    Parameters
    ----------
    holdings
        A path, DataFrame, ``{ticker: weight}`` dict or an already loaded :class:`Portfolio`.
    policy
        Guardrails; default: the ``profile``'s.
    profile
        Profile name used when ``policy`` is not given.
    snapshot
        Reference data (default: the bundled snapshot).
    fund_holdings
        Extra or replacement fund holdings (columns fund, symbol, weight).
    broker
        Force a broker format when ``holdings`` is a file.
    fx
        Exchange rates to USD for mixed-currency holdings.
    base_currency
        Report values in this currency (default: the file's own; USD when it mixes).
    deal_certainty
        Deal certainties the counterparty section uses (default: confirmed, reported, uncertain).
    today
        Date used for data-age findings (default: today).
    scenarios
        Run the stress scenarios too (True: all built-in ones; or a list of scenario ids).

    Returns
    -------
    Report
    """
    from . import plugins
    from .deals._counterparties import DEFAULT_CERTAINTY, counterparty_exposures
    from .rules import run_rules

    snap = snapshot if snapshot is not None else load_snapshot()
    portfolio = holdings if isinstance(holdings, Portfolio) else load_holdings(
        holdings, broker=broker, snapshot=snap, fx=fx, base_currency=base_currency)
    notes = list(portfolio.notes)
    symbols = list(portfolio.values().index)
    snap, provided = plugins.with_providers(snap, symbols, fund_holdings)
    notes += provided
    pol = policy if policy is not None else load_policy(profile)
    ex = compute_exposures(portfolio, snap)
    ctx = RuleContext(portfolio=portfolio, exposures=ex, policy=pol, snapshot=snap,
                      today=today or dt.date.today())
    counterparties = counterparty_exposures(ex, certainty=deal_certainty)
    findings = run_rules(ctx, plugins.rules())
    scenario_results = None
    if scenarios:
        from .scenarios._run import run_scenarios

        scenario_results = run_scenarios(ex, None if scenarios is True else list(scenarios),
                                         snapshot=snap, source=portfolio.source)
    exposures = ExposuresOut(
        issuers=_models(IssuerExposure, ex.issuers),
        themes=ex.themes, sectors=ex.sectors, asset_classes=ex.asset_classes,
        unresolved=_models(Unresolved, ex.unresolved),
        concentration=ex.concentration,
        overlap=_models(Overlap, ex.overlap.head(20)),
        counterparties=[Counterparty(**c) for c in counterparties],
        market_split=MarketSplit(**ex.market_split(HOME_COUNTRIES.get(portfolio.currency, ()))),
    )
    return Report(
        source=portfolio.source,
        currency=portfolio.currency,
        data_as_of=_data_as_of(snap, symbols),
        total_value=float(ex.total_value),
        policy=dataclasses.asdict(pol),
        positions=_models(Position, _positions(ex, portfolio, snap)),
        exposures=exposures,
        findings=findings,
        market_context=ctx.market,
        notes=notes,
        deals_used=list(deal_certainty or DEFAULT_CERTAINTY),
        layout=portfolio.format,
        scenarios=scenario_results,
    )
