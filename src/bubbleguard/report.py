"""The check report: positions, exposures, findings and data dates (types only).

:func:`bubbleguard.checker.check` builds it. The report types are dataclasses that pydantic
validates and serializes on demand (see :mod:`bubbleguard._model`). The JSON form
(``Report.model_dump(mode="json")``) is the documented ``bubbleguard.report/1`` schema: fields
may be added, never renamed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ._model import Model
from .rules import SEVERITIES, Finding

__all__ = ["HOME_COUNTRIES", "Counterparty", "ExposuresOut", "IssuerExposure", "MarketSplit",
           "Overlap", "Position", "Report", "Unresolved"]

SCHEMA = "bubbleguard.report/1"

#: The countries whose issuers count as "at home" for a report in each currency: a mainland
#: investor's domestic AI suppliers are Chinese companies, listed in Shanghai, Shenzhen or Hong Kong
HOME_COUNTRIES: dict[str, tuple[str, ...]] = {
    "CNY": ("China",), "HKD": ("Hong Kong", "China"), "USD": ("United States",),
    "GBP": ("United Kingdom",), "JPY": ("Japan",), "CAD": ("Canada",),
    "TWD": ("Taiwan",), "KRW": ("Korea (South)",), "AUD": ("Australia",)}


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
    reason: str = ""
    source: str = ""


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
class MarketSplit(Model):
    """Theme weights by where the issuers are: at home (the report currency's country) or abroad.

    ``domestic + abroad + unknown`` is the theme's weight; ``unknown`` is the part whose
    issuers the reference data gives no country for.
    """

    home: list[str]
    domestic: dict[str, float]
    abroad: dict[str, float]
    unknown: dict[str, float]
    by_country: dict[str, dict[str, float]]


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
    market_split: MarketSplit | None = None


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

    def _repr_html_(self) -> str:
        """Notebook display: the summary, findings and issuers (see ``bubbleguard.render``)."""
        from .renderers._html import fragment

        return fragment(self)

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
        from .i18n import _

        return _("from {first} to {last}").format(first=first, last=last) if last and last != first else first

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


