"""The check report: positions, exposures, findings and data dates.

``check()`` is the whole pipeline: holdings → look-through → exposures → rules → Report. The
report types are dataclasses that pydantic validates and serializes on demand (see
:mod:`bubbleguard._model`). The JSON form (``Report.model_dump(mode="json")``) is the documented
``bubbleguard.report/1`` schema: fields may be added, never renamed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._model import Model
from .exposures import Exposures, compute_exposures
from .holdings import HoldingsInput, Portfolio, load_holdings
from .lookthrough import look_through
from .policy import Policy, load_policy
from .reference import Snapshot, load_snapshot

__all__ = ["Finding", "Report", "RuleContext", "check", "SEVERITIES"]

SCHEMA = "bubbleguard.report/1"
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


@dataclass(kw_only=True)
class Position(Model):
    """A held instrument (accounts summed)."""

    symbol: str
    name: str = ""
    market_value: float
    weight: float
    kind: str
    asset_class: str
    value_source: str = ""
    holdings_as_of: str | None = None
    holdings_source: str | None = None
    holdings_coverage: str | None = None


@dataclass(kw_only=True)
class IssuerExposure(Model):
    """Look-through weight of one issuer, split into direct holdings and via funds."""

    issuer: str
    issuer_id: str
    symbols: list[str]
    weight: float
    direct_weight: float
    via_funds_weight: float
    sector: str
    role: str = ""
    themes: list[str]


@dataclass(kw_only=True)
class Unresolved(Model):
    """Value that could not be resolved to an issuer, with the reason."""

    symbol: str
    origin: str
    weight: float
    reason: str


@dataclass(kw_only=True)
class Overlap(Model):
    """Share of two funds' holdings that is the same (Σ min of issuer weights)."""

    fund_a: str
    fund_b: str
    overlap: float


@dataclass(kw_only=True)
class Counterparty(Model):
    """Exposure to a listed party of the deal graph."""

    issuer: str
    issuer_id: str
    symbols: list[str]
    weight: float
    via: list[dict[str, Any]]
    cycles: list[list[str]]
    dependence: float | None = None


@dataclass(kw_only=True)
class ExposuresOut(Model):
    """All exposures; issuers + non-equity asset classes + unresolved = 1."""

    issuers: list[IssuerExposure]
    themes: dict[str, float]
    sectors: dict[str, float]
    asset_classes: dict[str, float]
    unresolved: list[Unresolved]
    concentration: dict[str, float]
    overlap: list[Overlap] = field(default_factory=list)
    counterparties: list[Counterparty] = field(default_factory=list)


@dataclass(kw_only=True)
class Report(Model):
    """Everything ``bubbleguard check`` found about a portfolio."""

    schema: str = SCHEMA
    source: str
    currency: str
    data_as_of: dict[str, str]
    total_value: float
    policy: dict[str, Any]
    positions: list[Position]
    exposures: ExposuresOut
    findings: list[Finding]
    market_context: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    deals_used: list[str] = field(default_factory=list)
    layout: str = "generic"  # the file layout the holdings were read with (a broker id)
    scenarios: Any = None  # a bubbleguard.scenarios.ScenarioResults when asked for

    def to_frame(self, table: str = "issuers") -> pd.DataFrame:
        """One part of the report as a DataFrame.

        Parameters
        ----------
        table
            ``issuers`` (default), ``positions``, ``findings``, ``unresolved``, ``themes``,
            ``asset_classes``, ``sectors`` or ``counterparties``.
        """
        if table in ("positions", "findings"):
            rows = getattr(self, table)
        elif table in ("themes", "asset_classes", "sectors"):
            d = getattr(self.exposures, table)
            return pd.DataFrame({"name": list(d), "weight": list(d.values())})
        elif table in ("issuers", "unresolved", "counterparties", "overlap"):
            rows = getattr(self.exposures, table)
        else:
            raise ValueError(f"unknown table '{table}'")
        columns = _ROW_TYPES[table].field_names()
        return pd.DataFrame([dataclasses.asdict(r) for r in rows], columns=columns)

    def __repr__(self) -> str:
        """A one-line summary (the whole report is ``model_dump()``)."""
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        return (f"Report(source={self.source!r}, total_value={self.total_value:,.2f} {self.currency}, "
                f"positions={len(self.positions)}, issuers={len(self.exposures.issuers)}, "
                f"findings: {counts})")

    def fund_holdings_dates(self) -> str:
        """The held funds' holdings dates as words: ``from 2024-06-04 to 2025-11-18`` (or one date)."""
        a = self.data_as_of
        first, last = a.get("fund_holdings", ""), a.get("fund_holdings_newest", "")
        return f"from {first} to {last}" if last and last != first else first

    def counts(self) -> dict[str, int]:
        """Number of findings per severity, worst first."""
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES[::-1]}

    def worst(self) -> str | None:
        """The most severe finding's severity, or None."""
        found = [SEVERITIES.index(f.severity) for f in self.findings]
        return SEVERITIES[max(found)] if found else None

    def exit_code(self, fail_on: str = "error") -> int:
        """0 when no finding is at or above ``fail_on`` (always for ``never``), else 1."""
        if fail_on == "never":
            return 0
        level = SEVERITIES.index(fail_on)
        return int(any(SEVERITIES.index(f.severity) >= level for f in self.findings))


#: The row type of each table ``Report.to_frame`` returns (an empty table keeps its columns).
_ROW_TYPES: dict[str, type[Model]] = {
    "positions": Position, "findings": Finding, "issuers": IssuerExposure,
    "unresolved": Unresolved, "counterparties": Counterparty, "overlap": Overlap}


@dataclass(frozen=True)
class RuleContext:
    """What a rule sees: the portfolio, its exposures, the policy and the reference data."""

    portfolio: Portfolio
    exposures: Exposures
    policy: Policy
    snapshot: Snapshot
    today: dt.date


def market_context(snapshot: Snapshot, benchmark: str = "IVV") -> dict[str, Any]:
    """The S&P 500's own concentration (IVV holdings) for comparison.

    The bundled snapshot stores it precomputed (the builder runs this function); a snapshot
    with user fund holdings recomputes it.
    """
    stored = snapshot.manifest.get("market_context")
    if stored and not snapshot.overrides:
        return dict(stored)
    ex = Exposures(lookthrough=look_through([benchmark], snapshot), values=np.ones(1))
    return {"benchmark": f"S&P 500 ({benchmark} holdings)",
            "as_of": str(snapshot.funds.loc[benchmark, "as_of"]),
            "themes": ex.themes, "top10_share": ex.concentration["top10_share"]}


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

    return pos.assign(value_source=sources.reindex(pos["symbol"]).fillna("").to_numpy(),
                      holdings_as_of=column("as_of"), holdings_source=column("source"),
                      holdings_coverage=column("coverage"))


def _data_as_of(snapshot: Snapshot, symbols: list[str]) -> dict[str, str]:
    """Snapshot dates; fund holdings dated by the oldest and newest fund the portfolio holds."""
    dates = snapshot.as_of
    held = snapshot.funds["as_of"].reindex(symbols).dropna()
    held = held[held != ""]
    if len(held):
        dates["fund_holdings"] = str(held.min())
        dates["fund_holdings_newest"] = str(held.max())
    return dates


def with_providers(snapshot: Snapshot, symbols: list[str],
                   fund_holdings: pd.DataFrame | None = None) -> tuple[Snapshot, list[str]]:
    """The snapshot with user and provider fund holdings for the held funds, and notes on them.

    ``fund_holdings`` (a ``--funds`` file) wins; then registered providers (plugins, the local
    fund-files folder) are asked, in order, for every other held fund; the snapshot's own
    holdings serve the rest.
    """
    from . import plugins

    notes: list[str] = []
    given: set[str] = set()
    if fund_holdings is not None:
        snapshot = snapshot.with_fund_holdings(fund_holdings, source="user fund-holdings file")
        given = set(fund_holdings["fund"])
    kind = snapshot.securities["kind"]
    wanted = [s for s in symbols if s not in given and kind.get(s) != "stock"]
    for provider in plugins.providers():
        if not wanted:
            break
        extra = provider.fund_holdings(wanted)
        if extra is not None and len(extra):
            snapshot = snapshot.with_fund_holdings(extra, source=provider.name)
            funds = set(extra["fund"])
            notes.append(f"holdings of {', '.join(sorted(funds))} from {provider.name}")
            wanted = [s for s in wanted if s not in funds]
    return snapshot, notes


def check(holdings: HoldingsInput | Portfolio, *, policy: Policy | None = None,
          profile: str = "balanced", snapshot: Snapshot | None = None,
          fund_holdings: pd.DataFrame | None = None, broker: str | None = None,
          fx: dict[str, float] | None = None, deal_certainty: tuple[str, ...] | None = None,
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
    from .counterparties import DEFAULT_CERTAINTY, counterparty_exposures
    from .rules import run_rules

    snap = snapshot if snapshot is not None else load_snapshot()
    portfolio = holdings if isinstance(holdings, Portfolio) else load_holdings(
        holdings, broker=broker, snapshot=snap, fx=fx)
    notes = list(portfolio.notes)
    symbols = list(portfolio.values().index)
    snap, provided = with_providers(snap, symbols, fund_holdings)
    notes += provided
    pol = policy if policy is not None else load_policy(profile)
    ex = compute_exposures(portfolio, snap)
    ctx = RuleContext(portfolio=portfolio, exposures=ex, policy=pol, snapshot=snap,
                      today=today or dt.date.today())
    counterparties = counterparty_exposures(ex, certainty=deal_certainty)
    findings = run_rules(ctx, plugins.rules())
    scenario_results = None
    if scenarios:
        from .scenarios import run_scenarios

        scenario_results = run_scenarios(ex, None if scenarios is True else list(scenarios),
                                         snapshot=snap, source=portfolio.source)
    exposures = ExposuresOut(
        issuers=_models(IssuerExposure, ex.issuers),
        themes=ex.themes, sectors=ex.sectors, asset_classes=ex.asset_classes,
        unresolved=_models(Unresolved, ex.unresolved),
        concentration=ex.concentration,
        overlap=_models(Overlap, ex.overlap.head(20)),
        counterparties=[Counterparty(**c) for c in counterparties],
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
        market_context=market_context(snap),
        notes=notes,
        deals_used=list(deal_certainty or DEFAULT_CERTAINTY),
        layout=portfolio.format,
        scenarios=scenario_results,
    )
