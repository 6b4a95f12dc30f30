"""Renderers: results in, text out. They format what they are given and never compute.

``render(obj, fmt)`` is the one entry point for a :class:`~bubbleguard.Report`, a
:class:`~bubbleguard.Plan` and :class:`~bubbleguard.scenarios.ScenarioResults`; each renderer
module imports only what its format needs (rich for tables, matplotlib for charts), and
dispatching on the type's name keeps the optimizer unloaded when a report is rendered.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["render"]

#: result type → (renderer module, function)
_RENDERERS = {
    "bubbleguard.report.Report": ("._check", "render"),
    "bubbleguard.planner._plan.Plan": ("._plan", "render"),
    "bubbleguard.scenarios._results.ScenarioResults": ("._scenarios", "render_scenarios"),
}


def render(obj: Any, fmt: str = "table", *, width: int = 120, **options: Any) -> str:
    """``obj`` as text in ``fmt`` (``table``, ``json``, ``csv``, ``markdown``; ``html`` for a report).

    ``options`` go to the renderer of ``obj``'s type (``fail_on`` for a report).
    """
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if kind not in _RENDERERS:
        raise TypeError(f"cannot render a {type(obj).__name__}: expected a Report, Plan or "
                        "ScenarioResults")
    module, function = _RENDERERS[kind]
    return getattr(import_module(module, __name__), function)(obj, fmt, width=width, **options)  # type: ignore[no-any-return]
