"""Policy: the guardrails findings are judged against and the rebalancer must satisfy.

Three profiles give defaults; a TOML file or keyword overrides change any field. Caps are on
look-through weights (fractions of the whole portfolio); floors are minimum asset-class weights.

============================  ============  ==========  ========
field                         conservative  balanced    growth
============================  ============  ==========  ========
max_issuer                    0.05          0.08        0.12
max_theme.magnificent7        0.15          0.25        0.35
max_theme.ai                  0.20          0.30        0.45
max_theme.circular_deals      0.10          0.15        0.25
max_top10                     0.20          0.30        0.40
min_asset_class.bond          0.35          0.20        0.10
min_asset_class.gold          0.05          0.05        0.00
min_asset_class.real_estate   0.05          0.00        0.00
============================  ============  ==========  ========

The articles behind bubbleguard advise keeping a low-cost broad index fund and adding bonds and
gold as ballast; the floors encode that advice, the theme caps keep the AI-concentrated names to
a share a portfolio can lose without ruin.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import PolicyError
from .reference import ASSET_CLASSES, THEMES

__all__ = ["PROFILES", "Policy", "load_policy"]


class Policy(BaseModel):
    """Guardrails for ``check`` and ``rebalance``.

    Attributes
    ----------
    profile
        The profile the defaults came from.
    max_issuer
        Cap on any single issuer's look-through weight.
    max_theme
        Caps per theme (``magnificent7``, ``ai``, ``circular_deals``).
    max_top10
        Cap on the ten largest issuers together.
    min_asset_class, max_asset_class
        Floors and caps per asset class.
    max_unresolved
        Above this share of unresolved value, findings cannot be trusted (warning).
    require_broad_index
        Whether holding no low-cost broad index fund is a finding.
    max_position
        Cap on any single instrument's weight in a rebalance plan.
    max_turnover
        Cap on one-way turnover (sum of buys / portfolio value) in a rebalance, or None.
    transaction_cost
        Proportional cost of trading (fraction of traded value).
    min_trade
        Smallest trade worth doing, in currency units.
    max_data_age_days
        Reference data older than this is reported.
    error_margin
        A cap exceeded by more than this fraction of itself is an error, not a warning.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    profile: str = "balanced"
    max_issuer: float = Field(0.08, ge=0.0, le=1.0)
    max_theme: dict[str, float] = Field(default_factory=lambda: {
        "magnificent7": 0.25, "ai": 0.30, "circular_deals": 0.15})
    max_top10: float = Field(0.30, ge=0.0, le=1.0)
    min_asset_class: dict[str, float] = Field(default_factory=lambda: {"bond": 0.20, "gold": 0.05})
    max_asset_class: dict[str, float] = Field(default_factory=dict)
    max_unresolved: float = Field(0.05, ge=0.0, le=1.0)
    require_broad_index: bool = True
    max_position: float = Field(0.40, ge=0.0, le=1.0)
    max_turnover: float | None = Field(None, ge=0.0, le=2.0)
    transaction_cost: float = Field(0.0005, ge=0.0, le=0.1)
    min_trade: float = Field(0.0, ge=0.0)
    max_data_age_days: int = Field(450, ge=1)
    error_margin: float = Field(0.5, ge=0.0)

    @field_validator("max_theme")
    @classmethod
    def _themes(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_keys(v, THEMES, "max_theme")

    @field_validator("min_asset_class", "max_asset_class")
    @classmethod
    def _classes(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_keys(v, ASSET_CLASSES, "asset class")

    def override(self, **changes: Any) -> Policy:
        """A copy with some fields changed (dict fields are merged, not replaced)."""
        data = self.model_dump()
        for key, value in changes.items():
            if value is None and key != "max_turnover":
                continue
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return _validated(data, "the overrides")


def _check_keys(v: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    for key, value in v.items():
        if key not in allowed:
            raise ValueError(f"unknown {what} '{key}' (known: {', '.join(allowed)})")
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{what} '{key}' = {value} must be a fraction between 0 and 1")
    return {k: float(x) for k, x in v.items()}


PROFILES: dict[str, dict[str, Any]] = {
    "conservative": {
        "max_issuer": 0.05, "max_top10": 0.20, "max_position": 0.30,
        "max_theme": {"magnificent7": 0.15, "ai": 0.20, "circular_deals": 0.10},
        "min_asset_class": {"bond": 0.35, "gold": 0.05, "real_estate": 0.05},
    },
    "balanced": {},
    "growth": {
        "max_issuer": 0.12, "max_top10": 0.40, "max_position": 0.60,
        "max_theme": {"magnificent7": 0.35, "ai": 0.45, "circular_deals": 0.25},
        "min_asset_class": {"bond": 0.10, "gold": 0.0},
    },
}


def _validated(data: dict[str, Any], where: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                import difflib

                close = difflib.get_close_matches(str(err["loc"][-1]), list(Policy.model_fields), n=1)
                msg = "unknown setting" + (f"; did you mean '{close[0]}'?" if close else "")
            parts.append(f"{loc}: {msg}")
        raise PolicyError(f"Invalid policy in {where}: " + "; ".join(parts)
                          + ". Fix these settings (see 'bubbleguard check --help' for the fields).") from None


def load_policy(profile: str | None = None, path: str | Path | None = None, **overrides: Any) -> Policy:
    """Build a policy from a profile, an optional TOML file and keyword overrides.

    Parameters
    ----------
    profile
        ``conservative``, ``balanced`` or ``growth``. None: the policy file's ``profile``,
        else ``balanced``. A profile given here wins over the file's.
    path
        TOML file with any :class:`Policy` fields at the top level (or under ``[policy]``).
    **overrides
        Fields to set last (None values are ignored).

    Raises
    ------
    PolicyError
        Unknown profile, unreadable file, typo'd key or out-of-range value.
    """
    data: dict[str, Any] = {}
    where = "the policy"
    if path is not None:
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise PolicyError(f"Cannot read policy file {path}: {exc.strerror}.") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path} is not valid TOML ({exc}); fix the syntax.") from None
        data = data.get("policy", data)
        file_profile = data.pop("profile", None)
        profile = profile or file_profile
    profile = profile or "balanced"
    if profile not in PROFILES:
        raise PolicyError(f"Unknown profile '{profile}'; choose one of {', '.join(PROFILES)}.")
    base = Policy(profile=profile).model_dump()
    base.update({k: v for k, v in PROFILES[profile].items()})
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    policy = _validated(base, where)
    return policy.override(**overrides) if overrides else policy
