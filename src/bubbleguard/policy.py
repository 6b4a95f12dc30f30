"""Policy: the guardrails findings are judged against and the rebalancer must satisfy.

Three profiles give defaults; a TOML file or keyword overrides change any field. Caps are on
look-through weights (fractions of the whole portfolio); floors are minimum asset-class weights.

=====================================  ============  ==========  ========
field                                  conservative  balanced    growth
=====================================  ============  ==========  ========
max_issuer                             0.05          0.08        0.12
max_theme.magnificent7                 0.15          0.30        0.35
max_theme.ai                           0.20          0.35        0.45
max_theme.circular_deals               0.10          0.25        0.25
max_theme_over_market (each theme)     0.02          0.05        0.15
max_top10                              0.20          0.30        0.40
max_position (not broad index funds)   0.30          0.40        0.60
min_asset_class.bond                   0.35          0.20        0.10
min_asset_class.gold                   0.05          0.05        0.00
min_asset_class.real_estate            0.05          0.00        0.00
=====================================  ============  ==========  ========

The articles behind bubbleguard advise a low-cost broad index fund as the core, with bonds and
gold as ballast; the floors encode that advice. The theme caps judge what a portfolio holds
beyond the market: ``max_theme_over_market`` caps a theme's share minus the market's own share
of it scaled by the portfolio's equity share, so the articles' own 60% S&P 500 / 30% bonds /
10% gold portfolio (circular-deal parties 18.8%, about the S&P 500's 30.2% × 0.6) passes, while the
same equity share in AI stocks does not; ``max_theme`` stays as an outer bound on the share
itself. Calibration, on the bundled snapshot (theme share beyond the market, in points):

======================================  =====  =====  ========  =====================
portfolio                               Mag 7  AI     circular  balanced
======================================  =====  =====  ========  =====================
60 VOO / 30 BND / 10 GLD                +0.6   +0.9   +0.7      passes
50 VT / 30 BND / 10 GLD / 10 VNQ        -6.5   -7.0   -6.3      passes
QQQ 50 / NVDA 20 / BND 20 / GLD 10      +17.9  +20.5  +19.3     fails every theme cap
examples/holdings.csv                   +17.9  +25.1  +22.6     fails every theme cap
======================================  =====  =====  ========  =====================
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._model import Model
from .errors import PolicyError
from .i18n import N_, _
from .reference._snapshot import ASSET_CLASSES, THEMES

__all__ = ["PROFILES", "Policy", "load_policy"]

# field → (lowest, highest) allowed value
BOUNDS: dict[str, tuple[float, float]] = {
    "max_issuer": (0.0, 1.0), "max_top10": (0.0, 1.0), "max_unresolved": (0.0, 1.0),
    "max_position": (0.0, 1.0), "max_turnover": (0.0, 2.0), "transaction_cost": (0.0, 0.1),
    "min_trade": (0.0, math.inf), "min_trade_share": (0.0, 0.1), "max_data_age_days": (1, math.inf),
    "error_margin": (0.0, math.inf),
}
# dict field → (what its keys name, the keys allowed); every value is a fraction
KEYED = {"max_theme": ("max_theme", THEMES), "max_theme_over_market": ("max_theme_over_market", THEMES),
         "min_asset_class": ("asset class", ASSET_CLASSES),
         "max_asset_class": ("asset class", ASSET_CLASSES)}


@dataclass(frozen=True, kw_only=True)
class Policy(Model):
    """Guardrails for ``check`` and ``rebalance``; immutable (use :meth:`override`).

    Built from a profile with :func:`load_policy`, which validates files and overrides with
    pydantic (types, unknown settings); every construction checks ranges and keys.

    Attributes
    ----------
    profile
        The profile the defaults came from.
    max_issuer
        Cap on any single issuer's look-through weight.
    max_theme
        Caps per theme (``magnificent7``, ``ai``, ``circular_deals``): outer bounds on the
        theme's share of the portfolio.
    max_theme_over_market
        Caps per theme on what the portfolio holds beyond the market: the theme's share minus
        the market's own share of it (the S&P 500's, from IVV's holdings) times the portfolio's
        equity share. A portfolio whose equity is a broad market fund sits at about 0 whatever
        its equity share; an AI-heavy one is above. Positive numbers (fractions of the
        portfolio).
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
    min_trade, min_trade_share
        Smallest trade worth doing in a rebalance: the larger of ``min_trade`` (currency units)
        and ``min_trade_share`` of the account's value (default: 100 and 0.25%). A whole
        position smaller than that may still be sold. Both 0: any size.
    max_data_age_days
        Reference data older than this is reported.
    error_margin
        A cap exceeded by more than this fraction of itself is an error, not a warning.
    """

    __pydantic_config__ = {"extra": "forbid"}

    profile: str = "balanced"
    max_issuer: float = 0.08
    max_theme: dict[str, float] = field(default_factory=lambda: {
        "magnificent7": 0.30, "ai": 0.35, "circular_deals": 0.25})
    max_theme_over_market: dict[str, float] = field(default_factory=lambda: {
        "magnificent7": 0.05, "ai": 0.05, "circular_deals": 0.05})
    max_top10: float = 0.30
    min_asset_class: dict[str, float] = field(default_factory=lambda: {"bond": 0.20, "gold": 0.05})
    max_asset_class: dict[str, float] = field(default_factory=dict)
    max_unresolved: float = 0.05
    require_broad_index: bool = True
    max_position: float = 0.40
    max_turnover: float | None = None
    transaction_cost: float = 0.0005
    min_trade: float = 100.0
    min_trade_share: float = 0.0025
    max_data_age_days: int = 180
    error_margin: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        for name, (lo, hi) in BOUNDS.items():
            value = getattr(self, name)
            if value is None and name == "max_turnover":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                span = f"between {lo:g} and {hi:g}" if hi < math.inf else f"of at least {lo:g}"
                problems.append(f"{name} = {value!r} must be a number {span}")
        for name, (what, allowed) in KEYED.items():
            for key, value in getattr(self, name).items():
                if key not in allowed:
                    problems.append(f"unknown {what} '{key}' (known: {', '.join(allowed)})")
                elif not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                    problems.append(f"{what} '{key}' = {value!r} must be a fraction between 0 and 1")
        if problems:
            raise ValueError("; ".join(problems))

    def override(self, **changes: Any) -> Policy:
        """A copy with some fields changed (dict fields are merged, not replaced)."""
        return self._with(changes, N_("the overrides"))

    def _with(self, changes: dict[str, Any], where: str) -> Policy:
        """Merge ``changes`` (None: keep, except ``max_turnover``) and validate them with pydantic."""
        data = dataclasses.asdict(self)
        for key, value in changes.items():
            if value is None and key != "max_turnover":
                continue
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return _validated(data, where)


PROFILES: dict[str, dict[str, Any]] = {
    "conservative": {
        "max_issuer": 0.05, "max_top10": 0.20, "max_position": 0.30,
        "max_theme": {"magnificent7": 0.15, "ai": 0.20, "circular_deals": 0.10},
        "max_theme_over_market": {"magnificent7": 0.02, "ai": 0.02, "circular_deals": 0.02},
        "min_asset_class": {"bond": 0.35, "gold": 0.05, "real_estate": 0.05},
    },
    "balanced": {},
    "growth": {
        "max_issuer": 0.12, "max_top10": 0.40, "max_position": 0.60,
        "max_theme": {"magnificent7": 0.35, "ai": 0.45, "circular_deals": 0.25},
        "max_theme_over_market": {"magnificent7": 0.15, "ai": 0.15, "circular_deals": 0.15},
        "min_asset_class": {"bond": 0.10, "gold": 0.0},
    },
}


def _validated(data: dict[str, Any], where: str) -> Policy:
    """Validate settings from a file or a caller with pydantic; every problem in one message."""
    from pydantic import ValidationError

    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "unexpected_keyword_argument":
                import difflib

                close = difflib.get_close_matches(str(err["loc"][-1]), Policy.field_names(), n=1)
                hint = _("; did you mean '{name}'?").format(name=close[0]) if close else ""
                msg = _("unknown setting") + hint
            parts.append(f"{loc}: {msg}" if loc else msg)
        body = "; ".join(parts)
        stop = "" if body.endswith(("?", ".", "？")) else "."
        raise PolicyError(_("Invalid policy in {where}: {problems}{stop} Fix these settings (see "
                            "'bubbleguard check --help' for the fields).").format(
            where=_(where), problems=body, stop=stop)) from None


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
    where = N_("the policy")
    if path is not None:
        where = str(path)
        try:
            data = tomllib.loads(_text(Path(path)))
        except OSError as exc:
            raise PolicyError(_("Cannot read policy file {path}: {error}.").format(
                path=path, error=exc.strerror)) from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(_("{path} is not valid TOML ({error}); fix the syntax.").format(
                path=path, error=exc)) from None
        data = data.get("policy", data)
        if not isinstance(data, dict):
            raise PolicyError(_("{path}: 'policy' is {type} {value}, not a table of settings; write the "
                                "settings at the top level or under [policy].").format(
                path=path, type=type(data).__name__, value=f"{data!r:.40}"))
        file_profile = data.pop("profile", None)
        profile = profile or file_profile
    profile = profile or "balanced"
    if not isinstance(profile, str) or profile not in PROFILES:
        raise PolicyError(_("Unknown profile {profile}; choose one of {profiles}.").format(
            profile=f"{profile!r:.40}", profiles=", ".join(PROFILES)))
    policy = Policy(profile=profile, **PROFILES[profile])  # the built-in settings: no pydantic needed
    if data:
        policy = policy._with(data, where)
    return policy.override(**overrides) if overrides else policy


def _text(path: Path) -> str:
    """A policy file's text: UTF-8 (with or without a BOM) or UTF-16 with its BOM."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PolicyError(_("{path} is not UTF-8 text (byte {byte} cannot be read); save it as UTF-8 and "
                            "run again.").format(path=path, byte=exc.start + 1)) from None
