"""Plugins: pluggy hooks through which rules, data providers and CLI commands are added.

Third-party packages register a module or object under the entry-point group ``bubbleguard``;
the built-in rules and the local fund-files provider are registered through the same hooks.
Plugins are loaded lazily, the first time :func:`plugin_manager` is called, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pluggy

if TYPE_CHECKING:
    import pandas as pd

    from .report import Finding, RuleContext

__all__ = ["Provider", "Rule", "hookimpl", "hookspec", "plugin_manager", "providers", "rules"]

hookspec = pluggy.HookspecMarker("bubbleguard")
hookimpl = pluggy.HookimplMarker("bubbleguard")

Rule = Callable[["RuleContext"], Iterable["Finding"]]


@runtime_checkable
class Provider(Protocol):
    """A source of fund holdings for funds the snapshot lacks (or should override).

    Attributes
    ----------
    name
        Shown in reports as the source of the holdings.
    """

    name: str

    def fund_holdings(self, symbols: list[str]) -> pd.DataFrame | None:
        """Holdings (columns fund, symbol, weight[, as_of]) of those ``symbols`` it knows."""


class HookSpecs:
    """The hooks a plugin may implement."""

    @hookspec
    def register_rules(self) -> list[Rule]:  # type: ignore[empty-body]
        """Return rules: callables taking a ``RuleContext`` and yielding ``Finding`` objects."""

    @hookspec
    def register_providers(self) -> list[Provider]:  # type: ignore[empty-body]
        """Return fund-holdings providers, asked in order for funds held by the user."""

    @hookspec
    def register_commands(self, cli: Any) -> None:
        """Add click commands to the ``bubbleguard`` command group ``cli``."""


class LocalFundFiles:
    """Fund holdings from CSV files in a folder (one file per fund or several funds per file).

    The folder is ``$BUBBLEGUARD_FUNDS_DIR``, else ``~/.bubbleguard/funds``. Each file has the
    columns fund, symbol, weight (see ``bubbleguard.reference.read_fund_holdings``); use it for
    401(k) funds, QDII funds or any fund the bundled snapshot does not cover.
    """

    name = "local fund files"

    def __init__(self, folder: str | Path | None = None) -> None:
        default = Path.home() / ".bubbleguard" / "funds"
        self.folder = Path(folder or os.environ.get("BUBBLEGUARD_FUNDS_DIR") or default)

    def fund_holdings(self, symbols: list[str]) -> pd.DataFrame | None:
        """Holdings of the requested funds found in the folder's CSV files."""
        if not self.folder.is_dir():
            return None
        import pandas as pd

        from .reference import read_fund_holdings

        frames = [read_fund_holdings(p) for p in sorted(self.folder.glob("*.csv"))]
        if not frames:
            return None
        df = pd.concat(frames, ignore_index=True)
        df = df[df["fund"].isin(symbols)]
        return df if len(df) else None


class _Builtins:
    @hookimpl
    def register_rules(self) -> list[Rule]:
        from .rules import BUILTIN_RULES

        return list(BUILTIN_RULES)

    @hookimpl
    def register_providers(self) -> list[Provider]:
        return [LocalFundFiles()]


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The plugin manager, with built-ins and installed plugins (loaded on first call)."""
    pm = pluggy.PluginManager("bubbleguard")
    pm.add_hookspecs(HookSpecs)
    pm.register(_Builtins(), name="bubbleguard.builtins")
    if not os.environ.get("BUBBLEGUARD_NO_PLUGINS"):
        pm.load_setuptools_entrypoints("bubbleguard")
    return pm


def rules() -> list[Rule]:
    """Every registered rule, built-ins first."""
    return [r for group in reversed(plugin_manager().hook.register_rules()) for r in group]


def providers() -> list[Provider]:
    """Every registered provider, plugins first (the first to answer for a fund wins)."""
    return [p for group in plugin_manager().hook.register_providers() for p in group]
