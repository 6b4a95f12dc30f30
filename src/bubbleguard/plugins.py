"""Plugins: pluggy hooks through which rules, data providers and CLI commands are added.

Third-party packages register a module or object under the entry-point group ``bubbleguard``;
the built-in rules and the local fund-files provider are registered through the same hooks.
Plugins are loaded lazily, the first time :func:`plugin_manager` is called, never at import.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import pluggy

from .reference._providers import LocalFundFiles, Provider, merge_fund_holdings
from .rules import Rule

if TYPE_CHECKING:
    import pandas as pd

    from .reference._snapshot import Snapshot

__all__ = ["hookimpl", "hookspec", "plugin_manager", "providers", "rules", "with_providers"]

hookspec = pluggy.HookspecMarker("bubbleguard")
hookimpl = pluggy.HookimplMarker("bubbleguard")

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


def with_providers(snapshot: Snapshot, symbols: list[str],
                   fund_holdings: pd.DataFrame | None = None) -> tuple[Snapshot, list[str]]:
    """The snapshot with user and provider fund holdings for the held funds, and notes on them.

    ``fund_holdings`` (a ``--funds`` file) wins; then registered providers (plugins, the local
    fund-files folder) are asked, in order, for every other held fund.
    """
    return merge_fund_holdings(snapshot, symbols, fund_holdings, providers())
