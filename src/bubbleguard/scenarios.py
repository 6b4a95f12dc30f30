"""Stress scenarios: historical replays and hypothetical shocks on a portfolio's look-through.

Two kinds, both defined in ``bubbleguard/data/scenarios.toml`` (users add their own with a TOML
file, see :func:`load_scenarios`):

* **historical** replays (``dotcom``, ``gfc-2008``, ``bear-2022``, ``deepseek-2025``,
  ``ai-selloff-2025-11``): each holding's buy-and-hold return between the closes of the window's
  start and end, from the bundled adjusted prices; holdings without prices in the window get a
  documented proxy (rules in :mod:`bubbleguard._scenario_proxies`), named per holding in
  :attr:`ScenarioResult.proxies`.
* **hypothetical** shocks (``ai-unwind`` and user scenarios): signed fractions by symbol,
  issuer, role, theme, sector or asset class, applied to the look-through so that an issuer
  shock hits the issuer inside every fund too (rules in :mod:`bubbleguard._scenario_shocks`).

Example::

    from bubbleguard.scenarios import run_scenarios
    res = run_scenarios("holdings.csv")            # or a Portfolio, Exposures, Report, dict
    res["dotcom"].return_                          # portfolio return, e.g. -0.52
    res.to_frame()                                 # one row per scenario

Returns are signed fractions of the portfolio's value; contributions add up to the return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ._scenario_defs import (
    HistoricalScenario,
    ScenarioDef,
    Shocks,
    ShockScenario,
    builtin_scenarios,
    read_scenario_file,
)
from .errors import ScenarioError
from .exposures import Exposures, compute_exposures
from .holdings import Portfolio, load_holdings
from .reference import Snapshot, load_snapshot

__all__ = ["Contribution", "HistoricalScenario", "PlanComparison", "ScenarioDef", "ScenarioResult",
           "ScenarioResults", "ShockScenario", "Shocks", "load_scenarios", "run_scenarios"]

SCHEMA = "bubbleguard.scenarios/1"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:  # noqa: D102 - by alias ("return")
        kwargs.setdefault("by_alias", True)
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:  # noqa: D102
        kwargs.setdefault("by_alias", True)
        return super().model_dump_json(**kwargs)


class Contribution(_Model):
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


class ScenarioResult(_Model):
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


class PlanComparison(_Model):
    """A scenario's portfolio return before and after a rebalance plan's trades."""

    id: str
    name: str
    before: float
    after: float
    change: float
    before_value_change: float
    after_value_change: float


class ScenarioResults(_Model):
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
def load_scenarios(file: str | Path | None = None, *,
                   snapshot: Snapshot | None = None) -> list[ScenarioDef]:
    """Return the built-in scenario definitions, plus those of a user's TOML file.

    Parameters
    ----------
    file
        A TOML file with ``[[hypothetical]]`` and/or ``[[historical]]`` tables::

            [[hypothetical]]
            id = "chip-glut"
            name = "Chip glut"
            [hypothetical.shocks]
            role = { chips = -0.4, memory = -0.5 }
            issuer = { "Oracle" = -0.35 }
            asset_class = { equity = -0.1, bond = 0.02 }

    snapshot
        Reference data the file's symbols, issuers, roles and sectors are checked against.

    Raises
    ------
    ScenarioError
        When the file is unreadable or a scenario names an unknown key or a shock below -100%.
    """
    defs = list(builtin_scenarios())
    if file is not None:
        snap = snapshot if snapshot is not None else load_snapshot()
        defs += read_scenario_file(file, snap, taken=[d.id for d in defs])
    return defs


def _select(defs: list[ScenarioDef], ids: Sequence[str] | None) -> list[ScenarioDef]:
    if not ids:
        return defs
    by_id = {d.id: d for d in defs}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ScenarioError(f"Unknown scenario id(s) {', '.join(repr(i) for i in unknown)}; choose "
                            f"from {', '.join(by_id)} (or add your own with a scenario file).")
    return [by_id[i] for i in dict.fromkeys(ids)]


# --------------------------------------------------------------------------- inputs
def _exposures(holdings: Any, snap: Snapshot) -> tuple[Exposures, str, str]:
    """Any supported input → (Exposures, source name, currency)."""
    if isinstance(holdings, Exposures):
        return holdings, "Exposures", "USD"
    if isinstance(holdings, Portfolio):
        return compute_exposures(holdings, snap), holdings.source, holdings.currency
    if all(hasattr(holdings, a) for a in ("positions", "exposures", "findings")):  # a Report
        rows = [{"symbol": p.symbol, "market_value": p.market_value,
                 "asset_class": p.asset_class if p.kind == "unknown" else ""}
                for p in holdings.positions]
        pf = load_holdings(pd.DataFrame(rows), snapshot=snap)
        return compute_exposures(pf, snap), str(holdings.source), str(holdings.currency)
    pf = load_holdings(holdings, snapshot=snap)
    return compute_exposures(pf, snap), pf.source, pf.currency


def post_trade_exposures(plan: Any, snap: Snapshot) -> Exposures:
    """Return the exposures after a rebalance plan's trades (duck-typed).

    Tried in order: ``plan.post_trade_holdings()`` (a holdings DataFrame, as
    :class:`bubbleguard.planner.Plan` gives), then ``plan.after`` (Exposures, Portfolio or a
    Report), then ``plan.targets`` (``{symbol: value}``, a Series or a DataFrame with symbol and
    value columns).
    """
    method = getattr(plan, "post_trade_holdings", None)
    if callable(method):
        frame = method()
        if isinstance(frame, pd.DataFrame) and len(frame):
            return compute_exposures(load_holdings(frame, snapshot=snap), snap)
    for attr in ("after", "targets"):
        value = getattr(plan, attr, None)
        if value is None:
            continue
        if isinstance(value, Exposures):
            return value
        if isinstance(value, Portfolio) or hasattr(value, "findings"):
            return _exposures(value, snap)[0]
        if isinstance(value, pd.Series):
            value = value.to_dict()
        if isinstance(value, pd.DataFrame):
            value = _frame_values(value)
        if isinstance(value, Sequence) and value and hasattr(value[0], "value_after"):
            value = {t.symbol: t.value_after for t in value}
        if isinstance(value, Mapping) and value:
            positive = {str(k): float(v) for k, v in value.items() if float(v) > 0}
            return compute_exposures(load_holdings(positive, snapshot=snap), snap)
    raise ScenarioError("Cannot find the post-trade holdings of the rebalance plan: expected "
                        "post_trade_holdings(), an 'after' Exposures, Portfolio or Report, or "
                        "'targets' as {symbol: value}.")


def _frame_values(df: pd.DataFrame) -> dict[str, float]:
    sym = next((c for c in ("symbol", "ticker") if c in df.columns), None)
    val = next((c for c in ("target_value", "after_value", "market_value", "value", "target_weight",
                            "after_weight", "weight") if c in df.columns), None)
    if sym is None or val is None:
        if val is None and df.shape[1] == 1:
            return {str(k): float(v) for k, v in df.iloc[:, 0].items()}
        return {}
    return df.groupby(sym)[val].sum().astype(float).to_dict()


def run_scenarios(holdings: Any, ids: Sequence[str] | None = None, *,
                  file: str | Path | Sequence[ScenarioDef] | None = None,
                  snapshot: Snapshot | None = None, plan: Any = None, top: int = 15,
                  source: str | None = None) -> ScenarioResults:
    """Run stress scenarios on a portfolio (and on a rebalance plan's post-trade holdings).

    Parameters
    ----------
    holdings
        A path, DataFrame or ``{ticker: value}`` dict (read with
        :func:`~bubbleguard.load_holdings`), a :class:`~bubbleguard.Portfolio`, an
        :class:`~bubbleguard.exposures.Exposures` or a :class:`~bubbleguard.Report`.
    ids
        Scenario ids to run, in this order (default: the built-in ones, then the file's:
        its historical windows, then its hypothetical scenarios).
    file
        A user scenario TOML file (see :func:`load_scenarios`) or a list of definitions.
    snapshot
        Reference data (default: the bundled snapshot).
    plan
        A rebalance plan: its post-trade holdings are read from ``plan.after`` (Exposures or
        Portfolio) or ``plan.targets`` (``{symbol: value}``, Series or DataFrame); the results
        then carry :attr:`ScenarioResults.plan` (before/after per scenario) and ``after``.
    top
        How many issuer lines hypothetical scenarios keep before an ``other`` line.
    source
        Name of the portfolio in the results (default: the holdings file's name).

    Returns
    -------
    ScenarioResults

    Raises
    ------
    ScenarioError
        Invalid scenario file or unknown scenario id.
    """
    snap = snapshot if snapshot is not None else load_snapshot()
    if file is None or isinstance(file, (str, Path)):
        defs = load_scenarios(file, snapshot=snap)
    else:
        defs = [*builtin_scenarios(), *file]
    defs = _select(defs, ids)
    from ._scenario_run import run_all

    ex, found, currency = _exposures(holdings, snap)
    source = source or found
    results = run_all(ex, defs, top, source, currency)
    if plan is not None:
        after = run_all(post_trade_exposures(plan, snap), defs, top, f"{source} after the plan",
                        currency)
        results.after = after
        results.plan = [
            PlanComparison(id=b.id, name=b.name, before=b.return_, after=a.return_,
                           change=a.return_ - b.return_, before_value_change=b.value_change,
                           after_value_change=a.value_change)
            for b, a in zip(results.scenarios, after.scenarios, strict=True)]
    return results
