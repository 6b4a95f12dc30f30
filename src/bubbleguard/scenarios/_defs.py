"""Scenario definitions: the built-in ones in ``data/scenarios.toml`` and users' TOML files.

A definition is either a *historical* window (buy-and-hold between two closes of the bundled
prices) or a *hypothetical* set of shocks (signed fractions by symbol, issuer, role, theme,
sector or asset class). Reading a user's file collects every problem before failing and names
the file, the scenario and the key in one paragraph (:class:`~bubbleguard.errors.ScenarioError`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ScenarioError
from ..reference._snapshot import ASSET_CLASSES, THEMES, Snapshot, packaged
from ..symbols import printable

__all__ = ["DIMENSIONS", "ROLES", "HistoricalScenario", "ScenarioDef", "ShockScenario", "Shocks",
           "builtin_scenarios", "parse_scenarios", "read_scenario_file"]

#: Shock dimensions, most specific first: the first that matches an issuer wins.
DIMENSIONS = ("symbol", "issuer", "role", "theme", "sector", "asset_class")
#: AI roles of the issuer table (``issuers.csv`` column ``role``).
ROLES = ("chips", "foundry_equipment", "memory", "networking", "servers", "hyperscaler_cloud",
         "model_lab_partner", "ai_software", "ai_infrastructure_power")
GICS_SECTORS = ("Communication Services", "Consumer Discretionary", "Consumer Staples", "Energy",
                "Financials", "Health Care", "Industrials", "Information Technology", "Materials",
                "Real Estate", "Utilities", "Unknown")
#: Shocks above this look like percentages typed as numbers (30 for 30%).
MAX_SHOCK = 10.0
_SCENARIO_KEYS = {"id", "name", "description", "assumptions", "start", "end", "shocks",
                  "sourced_returns"}


class Shocks(BaseModel):
    """Signed return fractions by dimension (``-0.3`` = a 30% loss).

    Attributes
    ----------
    symbol, issuer, role, theme, sector, asset_class
        Key → shock. Issuers by id or name, sectors by GICS name.
    dependence_extra
        Added to the role/theme/sector/asset-class shock of each listed circular-deal party,
        times its dependence score (0..1) from the deal network; not added to explicit symbol
        or issuer shocks.
    """

    model_config = ConfigDict(frozen=True)

    symbol: dict[str, float] = Field(default_factory=dict)
    issuer: dict[str, float] = Field(default_factory=dict)
    role: dict[str, float] = Field(default_factory=dict)
    theme: dict[str, float] = Field(default_factory=dict)
    sector: dict[str, float] = Field(default_factory=dict)
    asset_class: dict[str, float] = Field(default_factory=dict)
    dependence_extra: float = 0.0


class SourcedReturn(BaseModel):
    """A window's return of a series outside the bundled prices, with where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    return_: float = Field(alias="return", ge=-1.0, le=100.0)
    series: str
    source: str


class HistoricalScenario(BaseModel):
    """A replay window: buy-and-hold from the close of ``start`` to the close of ``end``.

    ``sourced_returns`` (category or asset class → :class:`SourcedReturn`) prices holdings that
    no fund in the bundled prices can price in the window (bonds and gold before 2002), instead
    of counting them at 0%.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["historical"] = "historical"
    id: str
    name: str
    start: dt.date
    end: dt.date
    description: str = ""
    source: str = "built-in"
    sourced_returns: dict[str, SourcedReturn] = Field(default_factory=dict)


class ShockScenario(BaseModel):
    """A hypothetical scenario: shocks applied to the look-through."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["hypothetical"] = "hypothetical"
    id: str
    name: str
    shocks: Shocks
    description: str = ""
    assumptions: str = ""
    source: str = "built-in"


ScenarioDef = HistoricalScenario | ShockScenario


# --------------------------------------------------------------------------- reading
def read_scenario_file(path: str | Path, snapshot: Snapshot, *,
                       taken: Iterable[str] = ()) -> list[ScenarioDef]:
    """Read and validate a user's scenario file.

    Parameters
    ----------
    path
        TOML with ``[[hypothetical]]`` (or ``[[scenario]]``) and/or ``[[historical]]`` tables.
    snapshot
        Reference data the keys are checked against.
    taken
        Scenario ids already in use (the built-ins); a user scenario may not reuse them.

    Raises
    ------
    ScenarioError
        Unreadable file, bad TOML, or any invalid scenario (all problems in one paragraph).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ScenarioError(f"Cannot read scenario file {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path} is not a UTF-8 text file; save the scenario file as UTF-8 "
                            "TOML.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path} is not valid TOML ({exc}); fix the syntax (see the "
                            "'Scenarios' section of the README for an example).") from None
    return parse_scenarios(data, snapshot, where=str(path), taken=taken, source=str(path))


def parse_scenarios(data: Mapping[str, Any], snapshot: Snapshot | None, *, where: str,
                    taken: Iterable[str] = (), source: str = "built-in") -> list[ScenarioDef]:
    """Validate parsed TOML into scenario definitions (see :func:`read_scenario_file`).

    With ``snapshot=None`` only the structure and the shock values are checked, not whether
    symbols, issuers and sectors exist (used for the built-in file).
    """
    problems: list[str] = []
    unknown = sorted(set(data) - {"historical", "hypothetical", "scenario"})
    for key in unknown:
        problems.append(f"unknown table '{key}' (use [[hypothetical]] or [[historical]])")
    entries = [("historical", e) for e in _as_list(data.get("historical"))]
    entries += [("hypothetical", e) for k in ("hypothetical", "scenario")
                for e in _as_list(data.get(k))]
    if not entries and not problems:
        problems.append("no scenarios found; add [[hypothetical]] tables with an id and "
                        "[hypothetical.shocks], or [[historical]] tables with an id, start and end")
    seen = set(taken)
    out: list[ScenarioDef] = []
    for n, (kind, entry) in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            problems.append(f"[[{kind}]] entry {n} is not a table")
            continue
        sid = printable(str(entry.get("id", ""))).strip()
        label = f"scenario '{sid}'" if sid else f"[[{kind}]] entry {n}"
        mine: list[str] = []
        if not sid:
            mine.append("the id is missing (add id = \"my-scenario\")")
        elif sid in seen:
            mine.append(f"the id '{sid}' is already used (built-in or earlier in the file); "
                        "pick another")
        seen.add(sid)
        for key in sorted(set(entry) - _SCENARIO_KEYS):
            mine.append(f"unknown key '{key}'" + _hint(key, _SCENARIO_KEYS))
        name = printable(str(entry.get("name") or sid)).strip()
        text = {k: printable(str(entry.get(k, ""))).strip() for k in ("description", "assumptions")}
        if kind == "historical":
            start, end = (_date(entry.get(k), k, mine) for k in ("start", "end"))
            if start and end and start >= end:
                mine.append(f"start {start} is not before end {end}")
            sourced = _sourced(entry.get("sourced_returns", {}), mine)
            if start and end and not mine:
                out.append(HistoricalScenario(id=sid, name=name, start=start, end=end,
                                              description=text["description"], source=source,
                                              sourced_returns=sourced))
        else:
            shocks = _shocks(entry.get("shocks"), snapshot, mine)
            if shocks is not None and not mine:
                out.append(ShockScenario(id=sid, name=name, shocks=shocks, source=source,
                                         description=text["description"],
                                         assumptions=text["assumptions"]))
        problems += [f"{label}: {m}" for m in mine]
    if problems:
        more = f"; and {len(problems) - 12} more" if len(problems) > 12 else ""
        shown = "; ".join(problems[:12]) + more
        stop = "" if shown.endswith("?") else "."
        raise ScenarioError(f"{where}: {len(problems)} problem(s) in the scenario definitions: "
                            f"{shown}{stop} Shocks are signed fractions (-0.3 for a 30% loss); fix "
                            "the file and run again.")
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _sourced(value: Any, problems: list[str]) -> dict[str, SourcedReturn]:
    """``[historical.sourced_returns.<class>]`` tables: return, series and source each."""
    from pydantic import ValidationError

    if not isinstance(value, Mapping):
        problems.append("sourced_returns must be a table of tables (return, series, source)")
        return {}
    out = {}
    for key, entry in value.items():
        try:
            out[str(key)] = SourcedReturn.model_validate(entry)
        except ValidationError as exc:
            what = "; ".join(f"{'.'.join(map(str, e['loc'])) or key}: {e['msg']}"
                             for e in exc.errors())
            problems.append(f"sourced_returns.{key}: {what} (give return, series and source)")
    return out


def _date(value: Any, key: str, problems: list[str]) -> dt.date | None:
    if value is None or value == "":
        problems.append(f"'{key}' is missing (a date such as 2020-02-19)")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{key} '{value}' is not a date (write YYYY-MM-DD)")
        return None


def _known(snapshot: Snapshot | None) -> dict[str, dict[str, str]]:
    """Dimension → {lower-case spelling: canonical key} of what a shock may name."""
    known: dict[str, dict[str, str]] = {
        "theme": {t: t for t in THEMES},
        "asset_class": {a: a for a in ASSET_CLASSES},
        "role": {r: r for r in ROLES},
        "sector": {s.lower(): s for s in GICS_SECTORS},
    }
    if snapshot is not None:
        iss = snapshot.issuers
        known["role"].update({r: r for r in set(iss["role"]) if r})
        known["sector"].update({str(s).lower(): str(s) for s in set(iss["sector"]) if s})
        known["symbol"] = {s.lower(): s for s in snapshot.securities.index}
        issuer = {str(i).lower(): str(i) for i in iss.index}
        issuer.update({str(n).lower(): str(i) for i, n in iss["issuer"].items() if n})
        known["issuer"] = issuer
    return known


def _shocks(raw: Any, snapshot: Snapshot | None, problems: list[str]) -> Shocks | None:
    if raw is None:
        problems.append("no [shocks] table (add e.g. shocks.role = { chips = -0.4 })")
        return None
    if not isinstance(raw, Mapping):
        problems.append("'shocks' must be a table of dimensions (symbol, issuer, role, theme, "
                        "sector, asset_class)")
        return None
    known = _known(snapshot)
    out: dict[str, Any] = {}
    for dim, table in raw.items():
        if dim == "dependence_extra":
            v = _number(table, "shocks.dependence_extra", problems)
            if v is not None and not -1.0 <= v <= 1.0:
                problems.append(f"shocks.dependence_extra = {v} must be between -1 and 1 (it is "
                                "multiplied by a dependence score between 0 and 1)")
            elif v is not None:
                out[dim] = v
            continue
        if dim not in DIMENSIONS:
            problems.append(f"unknown shock dimension '{dim}'"
                            + _hint(dim, (*DIMENSIONS, "dependence_extra"))
                            + f" (use {', '.join(DIMENSIONS)})")
            continue
        if not isinstance(table, Mapping):
            problems.append(f"shocks.{dim} must be a table such as {{ key = -0.3 }}")
            continue
        names = known.get(dim)
        values: dict[str, float] = {}
        for key, value in table.items():
            where = f"shocks.{dim}.{key}"
            canon = str(key) if names is None else names.get(str(key).strip().lower())
            if canon is None:
                assert names is not None  # only a lookup in a table of names gives None
                what = dim.replace("_", " ")
                listing = ("" if dim in ("symbol", "issuer")
                           else f" (known: {', '.join(sorted(set(names.values())))})")
                close = difflib.get_close_matches(str(key).strip().lower(), list(names), n=1,
                                                  cutoff=0.6)
                hint = f"; did you mean '{names[close[0]]}'?" if close else ""
                problems.append(f"unknown {what} '{key}' in shocks.{dim}{listing}{hint}")
                continue
            v = _number(value, where, problems)
            if v is None:
                continue
            if v < -1.0:
                problems.append(f"{where} = {v:g} is below -100% (a holding cannot lose more than "
                                "all of its value)")
            elif v > MAX_SHOCK:
                problems.append(f"{where} = {v:g} is a gain above {MAX_SHOCK:.0%}; shocks are "
                                "fractions, so write 0.3 for +30%")
            else:
                values[canon] = v
        out[dim] = values
    if snapshot is not None and out.get("symbol"):
        _share_class_conflicts(out["symbol"], snapshot, problems)
    return Shocks(**out)


def _number(value: Any, where: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{where} = {value!r} is not a number")
        return None
    if math.isnan(value):  # TOML's nan: no shock is "not a number"
        problems.append(f"{where} = nan is not a number; write the shock as a fraction, e.g. -0.3")
        return None
    return float(value)


def _share_class_conflicts(shocks: dict[str, float], snapshot: Snapshot,
                           problems: list[str]) -> None:
    sec = snapshot.securities
    by_issuer: dict[str, dict[str, float]] = {}
    for sym, v in shocks.items():
        issuer = str(sec.at[sym, "issuer_id"]) if sym in sec.index else ""
        if issuer and sec.at[sym, "kind"] == "stock":
            by_issuer.setdefault(issuer, {})[sym] = v
    for issuer, per in by_issuer.items():
        if len(set(per.values())) > 1:
            problems.append(f"shocks.symbol gives different shocks to {' and '.join(sorted(per))}, "
                            f"share classes of one issuer ({issuer}); use one shocks.issuer entry")


@cache
def builtin_scenarios() -> tuple[ScenarioDef, ...]:
    """Return the scenarios shipped in ``bubbleguard/data/scenarios.toml``."""
    text = packaged("scenarios.toml").read_text(encoding="utf-8")
    return tuple(parse_scenarios(tomllib.loads(text), None, where="bundled scenarios.toml"))
