"""Stress scenarios: historical replays and hypothetical shocks on a portfolio's look-through.

Two kinds, both defined in ``bubbleguard/data/scenarios.toml`` (users add their own with a TOML
file, see :func:`load_scenarios`):

* **historical** replays (``dotcom``, ``gfc-2008``, ``bear-2022``, ``deepseek-2025``,
  ``ai-selloff-2025-11``): each holding's buy-and-hold return between the closes of the window's
  start and end, from the bundled adjusted prices; holdings without prices in the window get a
  documented proxy (rules in :mod:`bubbleguard.scenarios._historical`), named per holding in
  :attr:`ScenarioResult.proxies`.
* **hypothetical** shocks (``ai-unwind`` and user scenarios): signed fractions by symbol,
  issuer, role, theme, sector or asset class, applied to the look-through so that an issuer
  shock hits the issuer inside every fund too (rules in :mod:`bubbleguard.scenarios._shocks`).

Example::

    from bubbleguard.scenarios import run_scenarios
    res = run_scenarios("holdings.csv")            # or a Portfolio, Exposures, Report, dict
    res["dotcom"].return_                          # portfolio return, e.g. -0.52
    res.to_frame()                                 # one row per scenario

Returns are signed fractions of the portfolio's value; contributions add up to the return.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..exposures import Exposures, compute_exposures
from ..holdings._portfolio import Portfolio, load_holdings
from ..i18n import _
from ..plugins import with_providers
from ..reference._snapshot import Snapshot, load_snapshot
from ._defs import HistoricalScenario, ScenarioDef, ShockScenario, builtin_scenarios, read_scenario_file
from ._results import Contribution, PlanComparison, ScenarioResult, ScenarioResults

__all__ = ["load_scenarios", "post_trade_exposures", "run_all", "run_scenarios"]

def _line(kind: str, key: str, name: str, weight: float, ret: float, contribution: float,
          source: str) -> Contribution:
    return Contribution.model_validate({"kind": kind, "key": key, "name": name, "weight": weight,
                                        "return": ret, "contribution": contribution,
                                        "source": source})


def _by_holding(ex: Exposures, rets: np.ndarray, sources: Sequence[str]) -> list[Contribution]:
    pos = ex.positions
    rows = [_line("holding", k, n, float(w), float(r), float(w * r), s)
            for k, n, w, r, s in zip(pos["symbol"], pos["name"], ex.weights, rets, sources,
                                     strict=True)]
    return sorted(rows, key=lambda c: (c.contribution, c.key))


def _window_notes(sc: HistoricalScenario, start: object, end: object) -> list[str]:
    if (start, end) == (sc.start, sc.end):
        return []
    gap = max(abs((sc.start - start).days), abs((sc.end - end).days))  # type: ignore[operator]
    coarse = "; before 2021 the snapshot keeps only month-end closes" if gap > 5 else ""
    return [f"closes of {start} and {end} used (the nearest prices to {sc.start} and "
            f"{sc.end}){coarse}"]


def historical(ex: Exposures, sc: HistoricalScenario, currency: str = "USD") -> ScenarioResult:
    """Buy-and-hold returns of every holding over the window, proxies where needed.

    Returns are in ``currency`` where the snapshot's FX history covers the window (see
    :mod:`bubbleguard.scenarios._fx`), else in USD, as the result's notes say.
    """
    from ._fx import fx_move, series_currency
    from ._historical import PriceWindow

    pos = ex.positions
    user = {s: c for s, c, k in zip(pos["symbol"], pos["asset_class"], pos["kind"], strict=True)
            if k == "unknown"}
    window = PriceWindow(ex.snapshot, sc.start, sc.end, asset_classes=user,
                         sourced={k: (r.return_, f"{r.series}, {r.source}")
                                  for k, r in sc.sourced_returns.items()})
    if window.start_used >= window.end_used:
        raise ScenarioError(f"Scenario '{sc.id}' ({sc.source}): the window {sc.start} to {sc.end} "
                            "has no two different closes in the bundled prices (both map to "
                            f"{window.start_used}); before 2021 only month-end closes are kept, "
                            "so choose dates at least a month apart there.")
    priced = [window.price(s) for s in pos["symbol"]]
    series = [series_currency(p.proxy) for p in priced]
    move = fx_move(ex.snapshot, currency, window.start_used, window.end_used, set(series))
    rets = move.apply(np.array([p.ret for p in priced]), series)
    unpriced = [(s, w) for s, w, p in zip(pos["symbol"], ex.weights, priced, strict=True)
                if p.unpriced]
    share = float(sum(w for _, w in unpriced))
    notes = _window_notes(sc, window.start_used, window.end_used) + list(move.notes)
    if unpriced:
        notes.append(_("{share} of the portfolio ({symbols}) has no price history in this window, not even "
                       "through a proxy, and is counted at 0%").format(
            share=f"{share:.1%}", symbols=", ".join(s for s, _w in unpriced)))
    lines = _by_holding(ex, rets, [p.label for p in priced])
    total = float(ex.weights @ rets)
    return ScenarioResult.model_validate({
        "id": sc.id, "name": sc.name, "kind": "historical", "description": sc.description,
        "source": sc.source, "start": str(window.start_used), "end": str(window.end_used),
        "return": total, "value_change": total * ex.total_value,
        "proxies": {s: p.label for s, p in zip(pos["symbol"], priced, strict=True)},
        "contributions": lines, "worst": [c for c in lines if c.contribution < 0][:5],
        "unpriced_weight": share, "notes": notes, "currency": move.currency})


def hypothetical(ex: Exposures, sc: ShockScenario, top: int,
                 dependence: dict[str, float] | None, currency: str = "USD") -> ScenarioResult:
    """Shocks on the look-through: by holding, and by issuer (top lines plus 'other').

    Shocks move prices at unchanged exchange rates, so the return is in ``currency``.
    """
    from ._shocks import apply_shocks

    out = apply_shocks(ex, sc, dependence)
    leaves = out.leaves
    by_issuer = [_line(r["kind"], str(r["key"]), str(r["name"]), float(r["weight"]),
                       float(r["return"]), float(r["contribution"]), str(r["rule"]))
                 for r in leaves.head(top).to_dict("records")]
    rest = leaves.iloc[top:]
    if len(rest):
        w, c = float(rest["weight"].sum()), float(rest["contribution"].sum())
        by_issuer.append(_line("other", "other", f"{len(rest)} others", w, c / w if w else 0.0, c,
                               "sum of the remaining lines"))
    total = float(ex.weights @ out.holding_returns)
    return ScenarioResult.model_validate({
        "id": sc.id, "name": sc.name, "kind": "hypothetical", "description": sc.description,
        "assumptions": sc.assumptions, "source": sc.source, "return": total,
        "value_change": total * ex.total_value,
        "proxies": dict(zip(ex.positions["symbol"], out.holding_rules, strict=True)),
        "contributions": _by_holding(ex, out.holding_returns, out.holding_rules),
        "by_issuer": by_issuer, "currency": currency,
        "notes": [] if currency == "USD" else [_(
            "in {currency}: the shocks move prices in each market's own currency, with exchange rates "
            "unchanged").format(currency=currency)],
        "worst": [c for c in by_issuer if c.contribution < 0 and c.kind != "other"][:5]})


def run_all(ex: Exposures, defs: Sequence[ScenarioDef], top: int, source: str,
            currency: str) -> ScenarioResults:
    """Every definition on one portfolio, in order."""
    from ._shocks import dependence_scores

    shocks = any(isinstance(d, ShockScenario) for d in defs)
    dependence = dependence_scores(ex) if shocks else None
    results = [historical(ex, d, currency) if isinstance(d, HistoricalScenario)
               else hypothetical(ex, d, top, dependence, currency) for d in defs]
    return ScenarioResults(source=source, currency=currency, total_value=ex.total_value,
                           prices_as_of=str(ex.snapshot.as_of.get("prices", "")),
                           scenarios=results)


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
def _exposures(holdings: Any, snap: Snapshot,
               fund_holdings: pd.DataFrame | None) -> tuple[Exposures, str, str]:
    """Any supported input → (Exposures, source name, currency).

    Fund holdings come from ``fund_holdings`` and the registered providers, as in ``check``.
    """
    if isinstance(holdings, Exposures):
        return holdings, "Exposures", "USD"
    if isinstance(holdings, Portfolio):
        pf = holdings
    elif all(hasattr(holdings, a) for a in ("positions", "exposures", "findings")):  # a Report
        rows = [{"symbol": p.symbol, "market_value": p.market_value,
                 "asset_class": p.asset_class if p.kind == "unknown" else ""}
                for p in holdings.positions]
        pf = load_holdings(pd.DataFrame(rows), snapshot=snap)
        pf = dataclasses.replace(pf, source=str(holdings.source), currency=str(holdings.currency))
    else:
        pf = load_holdings(holdings, snapshot=snap)
    snap, _notes = with_providers(snap, list(pf.values().index), fund_holdings)
    return compute_exposures(pf, snap), pf.source, pf.currency


def post_trade_exposures(plan: Any, snap: Snapshot) -> Exposures:
    """Return the exposures after a rebalance plan's trades (duck-typed).

    Tried in order: ``plan.post_trade_holdings()`` (a holdings DataFrame, as
    :class:`bubbleguard.Plan` gives), then ``plan.after`` (Exposures, Portfolio or a
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
            return _exposures(value, snap, None)[0]
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
    return cast("dict[str, float]", df.groupby(sym)[val].sum().astype(float).to_dict())


def run_scenarios(holdings: Any, ids: Sequence[str] | None = None, *,
                  file: str | Path | Sequence[ScenarioDef] | None = None,
                  snapshot: Snapshot | None = None, plan: Any = None, top: int = 15,
                  source: str | None = None,
                  fund_holdings: pd.DataFrame | None = None) -> ScenarioResults:
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
    fund_holdings
        Extra or replacement fund holdings (columns fund, symbol, weight), as for ``check``;
        registered providers are asked for the other held funds.

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
    ex, found, currency = _exposures(holdings, snap, fund_holdings)
    source = source or found
    results = run_all(ex, defs, top, source, currency)
    if plan is not None:
        after = run_all(post_trade_exposures(plan, ex.snapshot), defs, top, f"{source} after the plan",
                        currency)
        results.after = after
        results.plan = [
            PlanComparison(id=b.id, name=b.name, before=b.return_, after=a.return_,
                           change=a.return_ - b.return_, before_value_change=b.value_change,
                           after_value_change=a.value_change)
            for b, a in zip(results.scenarios, after.scenarios, strict=True)]
    return results
