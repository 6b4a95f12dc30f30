"""Hypothetical scenarios: shocks applied to the look-through of a portfolio.

Every leaf of the look-through (issuer, non-equity asset class, unresolved remainder) gets one
shock; a holding's return is its look-through mix of leaf shocks, unless the scenario shocks the
holding's own symbol (then that shock applies to the whole position). A fund's symbol shock does
not reach into other funds that hold it: there the fund is already looked through, its issuers
take their own shocks and only its unresolved part takes the fund's shock.

* **Issuers** (also those inside funds): the first match of symbol (any of its share classes),
  issuer, role, theme (``magnificent7``, then ``circular_deals``, then ``ai``), sector, and the
  ``equity`` asset-class shock; 0 when nothing matches. For listed circular-deal parties,
  ``dependence_extra`` × their dependence score is added to a role/theme/sector/asset-class shock
  (not to an explicit symbol or issuer shock), and the total is floored at -100%.
* **Non-equity asset classes** (bond, gold, real estate, cash, commodity, other): the asset-class
  shock, else 0.
* **Unresolved value** (a fund's part that is not itemised, an equity fund without holdings
  data, an unknown symbol): a shock on the origin fund's symbol; else the theme of its category
  when that theme is shocked (:data:`CATEGORY_THEMES`: AI, semiconductor and cloud funds → ``ai``;
  Magnificent-7 and FANG funds → ``magnificent7``); else its asset-class shock; else 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exposures import Exposures
from ._defs import ShockScenario

__all__ = ["CATEGORY_THEMES", "ShockOutcome", "apply_shocks", "dependence_scores"]

THEME_ORDER = ("magnificent7", "circular_deals", "ai")
#: Fund category prefix → theme whose shock the fund's unresolved value takes.
CATEGORY_THEMES = (("thematic_ai", "ai"), ("semiconductors", "ai"), ("thematic_cloud", "ai"),
                   ("thematic_magnificent7", "magnificent7"), ("thematic_fang", "magnificent7"))


@dataclass(frozen=True)
class ShockOutcome:
    """Per-holding and per-leaf results of a shock scenario.

    Attributes
    ----------
    holding_returns
        Return of each holding (aligned with the look-through's symbols).
    holding_rules
        How each holding's return was obtained.
    leaves
        One row per leaf with weight > 0 outside symbol-shocked holdings: kind, key, name,
        weight, return, contribution, rule.
    """

    holding_returns: np.ndarray
    holding_rules: list[str]
    leaves: pd.DataFrame


def dependence_scores(ex: Exposures) -> dict[str, float]:
    """Issuer id → dependence score of listed circular-deal parties (bundled deal network)."""
    sec = ex.snapshot.securities
    out: dict[str, float] = {}
    for ticker, info in ex.snapshot.deal_network["parties"].items():
        if ticker in sec.index and info.get("dependence"):
            out[str(sec.at[ticker, "issuer_id"])] = float(info["dependence"])
    return out


def _pct(x: float) -> str:
    return f"{x:+.0%}"


class _Rules:
    """The shock of each look-through leaf under one scenario (rules in the module docstring)."""

    def __init__(self, ex: Exposures, scenario: ShockScenario,
                 dependence: dict[str, float]) -> None:
        snap = ex.snapshot
        self.s = scenario.shocks
        self.sec = snap.securities
        self.issuers = snap.issuers
        self.themes = snap.themes
        self.dependence = dependence
        stocks = self.sec[self.sec["kind"] == "stock"]
        self.share_classes: dict[str, list[str]] = {}
        for sym in self.s.symbol:
            if sym in stocks.index:
                self.share_classes.setdefault(str(stocks.at[sym, "issuer_id"]), []).append(sym)
        by_name = {str(n).lower(): str(i) for i, n in self.issuers["issuer"].items()}
        by_id = {str(i).lower(): str(i) for i in self.issuers.index}
        self.issuer_shocks = {by_id.get(k.lower()) or by_name.get(k.lower()) or k: v
                              for k, v in self.s.issuer.items()}
        self.sector_shocks = {k.lower(): v for k, v in self.s.sector.items()}

    def issuer(self, issuer: str) -> tuple[float, str]:
        s = self.s
        shocked = self.share_classes.get(issuer)
        if shocked:
            return s.symbol[shocked[0]], f"symbol {shocked[0]} {_pct(s.symbol[shocked[0]])}"
        if issuer in self.issuer_shocks:
            return self.issuer_shocks[issuer], f"issuer {_pct(self.issuer_shocks[issuer])}"
        known = issuer in self.issuers.index
        role = str(self.issuers.at[issuer, "role"]) if known else ""
        sector = str(self.issuers.at[issuer, "sector"]) if known else "Unknown"
        theme = next((t for t in THEME_ORDER
                      if t in s.theme and issuer in self.themes.get(t, ())), None)
        if role and role in s.role:
            base, rule = s.role[role], f"role {role} {_pct(s.role[role])}"
        elif theme is not None:
            base, rule = s.theme[theme], f"theme {theme} {_pct(s.theme[theme])}"
        elif sector.lower() in self.sector_shocks:
            base = self.sector_shocks[sector.lower()]
            rule = f"sector {sector} {_pct(base)}"
        elif "equity" in s.asset_class:
            base, rule = s.asset_class["equity"], f"equity {_pct(s.asset_class['equity'])}"
        else:
            base, rule = 0.0, "no shock"
        dep = self.dependence.get(issuer, 0.0)
        if s.dependence_extra and dep > 0:
            extra = s.dependence_extra * dep
            base = max(base + extra, -1.0)
            rule += f", deal dependence {dep:.2f} × {s.dependence_extra:.0%} = {_pct(extra)}"
        return base, rule

    def asset(self, cls: str) -> tuple[float, str]:
        if cls in self.s.asset_class:
            return self.s.asset_class[cls], f"{cls} {_pct(self.s.asset_class[cls])}"
        return 0.0, "no shock"

    def unresolved(self, origin: str, cls: str) -> tuple[float, str]:
        s = self.s
        category = str(self.sec.at[origin, "category"]) if origin in self.sec.index else ""
        theme = next((t for prefix, t in CATEGORY_THEMES if category.startswith(prefix)), None)
        if origin in s.symbol:
            return s.symbol[origin], f"symbol {origin} {_pct(s.symbol[origin])}"
        if theme is not None and theme in s.theme:
            return s.theme[theme], f"theme {theme} {_pct(s.theme[theme])} (fund category)"
        return self.asset(cls)


def apply_shocks(ex: Exposures, scenario: ShockScenario,
                 dependence: dict[str, float] | None = None) -> ShockOutcome:
    """Apply a shock scenario to a portfolio's look-through (rules in the module docstring).

    ``dependence`` (issuer id → score) defaults to the bundled deal network's.
    """
    if dependence is None:
        dependence = dependence_scores(ex) if scenario.shocks.dependence_extra else {}
    rules = _Rules(ex, scenario, dependence)
    lt, s, sec = ex.lookthrough, scenario.shocks, ex.snapshot.securities
    leaves = lt.leaves
    kinds = leaves["kind"].to_numpy()
    ret = np.zeros(len(leaves))
    texts: list[str] = []
    names: list[str] = []
    for j, (kind, key, cls) in enumerate(zip(kinds, leaves["key"], leaves["asset_class"],
                                             strict=True)):
        if kind == "issuer":
            ret[j], rule = rules.issuer(str(key))
            name = rules.issuers.at[key, "issuer"] if key in rules.issuers.index else key
        elif kind == "asset":
            ret[j], rule = rules.asset(str(cls))
            name = str(cls).replace("_", " ")
        else:
            ret[j], rule = rules.unresolved(str(key), str(cls))
            name = f"{key} (unresolved)"
        texts.append(rule)
        names.append(str(name))
    matrix = lt.matrix
    holding = matrix @ ret
    holding_rules: list[str] = []
    overridden = np.zeros(len(lt.symbols), dtype=bool)
    for i, sym in enumerate(lt.symbols):
        kind = sec["kind"].get(sym)
        if sym in s.symbol and kind != "stock":
            holding[i], overridden[i] = s.symbol[sym], True
            holding_rules.append(f"symbol {sym} {_pct(s.symbol[sym])}")
        elif kind == "fund" and (matrix[i] > 0).sum() > 1:
            holding_rules.append(f"look-through ({int((matrix[i][kinds == 'issuer'] > 0).sum())} "
                                 "issuers)")
        else:
            holding_rules.append(texts[int(np.argmax(matrix[i]))])
    leaf_w = (ex.weights * ~overridden) @ matrix
    out = pd.DataFrame({"kind": kinds, "key": leaves["key"].to_numpy(), "name": names,
                        "weight": leaf_w, "return": ret, "contribution": leaf_w * ret,
                        "rule": texts})
    out = out[out["weight"] > 0]
    if overridden.any():
        w = ex.weights[overridden]
        whole = pd.DataFrame({"kind": "holding", "key": lt.symbols[overridden],
                              "name": [f"{k} (whole holding)" for k in lt.symbols[overridden]],
                              "weight": w, "return": holding[overridden],
                              "contribution": w * holding[overridden],
                              "rule": [r for r, o in zip(holding_rules, overridden, strict=True)
                                       if o]})
        out = pd.concat([out, whole], ignore_index=True)
    out = out.sort_values(["contribution", "key"]).reset_index(drop=True)
    return ShockOutcome(holding_returns=holding, holding_rules=holding_rules, leaves=out)
