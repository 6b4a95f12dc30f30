"""Lazy re-exports for package ``__init__`` modules (PEP 562).

A stage's public names load with their module on first use, so importing one module of a
stage never imports the rest of it (the check path stays free of the optimizer and plotting).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: dict[str, list[str]]) -> tuple[
        Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` of ``package`` for ``{module: [names]}``."""
    where = {name: module for module, names in exports.items() for name in names}
    namespace = import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name], package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__, sorted(where)
