"""Run scenario definitions on one portfolio's exposures and assemble the result models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._scenario_defs import HistoricalScenario, ScenarioDef, ShockScenario
from .errors import ScenarioError
from .exposures import Exposures
from .scenarios import Contribution, ScenarioResult, ScenarioResults

__all__ = ["run_all"]


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


def historical(ex: Exposures, sc: HistoricalScenario) -> ScenarioResult:
    """Buy-and-hold returns of every holding over the window, proxies where needed."""
    from ._scenario_proxies import PriceWindow

    pos = ex.positions
    user = {s: c for s, c, k in zip(pos["symbol"], pos["asset_class"], pos["kind"], strict=True)
            if k == "unknown"}
    window = PriceWindow(ex.snapshot, sc.start, sc.end, asset_classes=user)
    if window.start_used >= window.end_used:
        raise ScenarioError(f"Scenario '{sc.id}' ({sc.source}): the window {sc.start} to {sc.end} "
                            "has no two different closes in the bundled prices (both map to "
                            f"{window.start_used}); before 2021 only month-end closes are kept, "
                            "so choose dates at least a month apart there.")
    priced = [window.price(s) for s in pos["symbol"]]
    rets = np.array([p.ret for p in priced])
    unpriced = [(s, w) for s, w, p in zip(pos["symbol"], ex.weights, priced, strict=True)
                if p.unpriced]
    share = float(sum(w for _, w in unpriced))
    notes = _window_notes(sc, window.start_used, window.end_used)
    if unpriced:
        notes.append(f"{share:.1%} of the portfolio ({', '.join(s for s, _ in unpriced)}) has no "
                     "price history in this window, not even through a proxy, and is counted at 0%")
    lines = _by_holding(ex, rets, [p.label for p in priced])
    total = float(ex.weights @ rets)
    return ScenarioResult.model_validate({
        "id": sc.id, "name": sc.name, "kind": "historical", "description": sc.description,
        "source": sc.source, "start": str(window.start_used), "end": str(window.end_used),
        "return": total, "value_change": total * ex.total_value,
        "proxies": {s: p.label for s, p in zip(pos["symbol"], priced, strict=True)},
        "contributions": lines, "worst": [c for c in lines if c.contribution < 0][:5],
        "unpriced_weight": share, "notes": notes})


def hypothetical(ex: Exposures, sc: ShockScenario, top: int,
                 dependence: dict[str, float] | None) -> ScenarioResult:
    """Shocks on the look-through: by holding, and by issuer (top lines plus 'other')."""
    from ._scenario_shocks import apply_shocks

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
        "by_issuer": by_issuer,
        "worst": [c for c in by_issuer if c.contribution < 0 and c.kind != "other"][:5]})


def run_all(ex: Exposures, defs: Sequence[ScenarioDef], top: int, source: str,
            currency: str) -> ScenarioResults:
    """Every definition on one portfolio, in order."""
    from ._scenario_shocks import dependence_scores

    shocks = any(isinstance(d, ShockScenario) for d in defs)
    dependence = dependence_scores(ex) if shocks else None
    results = [historical(ex, d) if isinstance(d, HistoricalScenario)
               else hypothetical(ex, d, top, dependence) for d in defs]
    return ScenarioResults(source=source, currency=currency, total_value=ex.total_value,
                           prices_as_of=str(ex.snapshot.as_of.get("prices", "")),
                           scenarios=results)
