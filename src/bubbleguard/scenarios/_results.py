"""The result types of stress scenarios (JSON: the ``bubbleguard.scenarios/1`` schema)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from .._model import ResultModel

__all__ = ["SCHEMA", "Contribution", "PlanComparison", "ScenarioResult", "ScenarioResults"]

SCHEMA = "bubbleguard.scenarios/1"


class Contribution(ResultModel):
    """One line of a scenario's loss: a holding, an issuer, an asset class or unresolved value.

    ``contribution = weight × return``; the contributions of one list add up to the portfolio
    return. ``source`` says where the return came from (the proxy for a historical replay, the
    matching shock for a hypothetical scenario).
    """

    kind: Literal["holding", "issuer", "asset", "unresolved", "other"]
    key: str
    name: str = ""
    weight: float
    return_: float = Field(alias="return")
    contribution: float
    source: str = ""


class ScenarioResult(ResultModel):
    """A scenario applied to one portfolio.

    Attributes
    ----------
    return_
        Portfolio return (signed fraction, buy-and-hold over the window); JSON key ``return``.
    value_change
        The same in currency units.
    proxies
        Holding → how its return was obtained (``"own prices"``, ``"SPY (same-category index
        fund; own prices start 2010-09-30)"``, or the shock rule for hypothetical scenarios).
    contributions
        By holding, most negative first.
    by_issuer
        Hypothetical scenarios: by issuer / asset class / unresolved remainder, most negative
        first, the ``top`` largest and one ``other`` line for the rest.
    worst
        The five most negative contributors (issuers for hypothetical, holdings for historical).
    unpriced_weight
        Share of the portfolio with no price history in the window, counted at 0%.
    currency
        The currency the return is in: the portfolio's, with a replay's exchange-rate move
        applied where the snapshot's FX history covers the window, else ``USD`` (a USD return,
        said in ``notes``). Hypothetical shocks move prices at unchanged exchange rates.
    """

    id: str
    name: str
    kind: Literal["historical", "hypothetical"]
    description: str = ""
    assumptions: str = ""
    source: str = "built-in"
    start: str | None = None
    end: str | None = None
    return_: float = Field(alias="return")
    value_change: float
    proxies: dict[str, str]
    contributions: list[Contribution]
    by_issuer: list[Contribution] = Field(default_factory=list)
    worst: list[Contribution] = Field(default_factory=list)
    unpriced_weight: float = 0.0
    notes: list[str] = Field(default_factory=list)
    currency: str = "USD"


class PlanComparison(ResultModel):
    """A scenario's portfolio return before and after a rebalance plan's trades."""

    id: str
    name: str
    before: float
    after: float
    change: float
    before_value_change: float
    after_value_change: float


class ScenarioResults(ResultModel):
    """Every scenario run on one portfolio (and, with a plan, on its post-trade holdings)."""

    schema_: str = Field(SCHEMA, alias="schema")
    source: str
    currency: str = "USD"
    total_value: float
    prices_as_of: str = ""
    scenarios: list[ScenarioResult]
    plan: list[PlanComparison] = Field(default_factory=list)
    after: ScenarioResults | None = None

    def __getitem__(self, scenario_id: str) -> ScenarioResult:
        for s in self.scenarios:
            if s.id == scenario_id:
                return s
        raise KeyError(scenario_id)

    @property
    def ids(self) -> list[str]:
        """Scenario ids, in order."""
        return [s.id for s in self.scenarios]

    def to_frame(self, table: str = "scenarios") -> pd.DataFrame:
        """One part of the results as a DataFrame.

        Parameters
        ----------
        table
            ``scenarios`` (one row per scenario), ``contributions`` (per holding),
            ``issuers`` (per issuer, hypothetical scenarios) or ``plan`` (before/after).
        """
        if table == "scenarios":
            return pd.DataFrame([{"id": s.id, "name": s.name, "kind": s.kind, "start": s.start,
                                  "end": s.end, "return": s.return_, "value_change": s.value_change,
                                  "unpriced_weight": s.unpriced_weight} for s in self.scenarios])
        if table == "plan":
            return pd.DataFrame([p.model_dump() for p in self.plan],
                                columns=list(PlanComparison.model_fields))
        if table in ("contributions", "issuers"):
            attr = "contributions" if table == "contributions" else "by_issuer"
            rows = [{"scenario": s.id, **c.model_dump()}
                    for s in self.scenarios for c in getattr(s, attr)]
            return pd.DataFrame(rows, columns=["scenario", "kind", "key", "name", "weight",
                                               "return", "contribution", "source"])
        raise ValueError(f"unknown table '{table}' (scenarios, contributions, issuers, plan)")


# --------------------------------------------------------------------------- definitions
