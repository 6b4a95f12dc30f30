"""The one copy of the formatting helpers every renderer uses: percent, money, bars, labels."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.text import Text

__all__ = ["FORMATS", "THEME_NAMES", "bar", "csv_text", "md", "money", "pct", "to_text"]

#: Output formats of the check report.
FORMATS = ("table", "json", "csv", "markdown", "html")
#: Display names of the themes (and the top-10 share).
THEME_NAMES = {"magnificent7": "Magnificent 7", "ai": "AI universe",
               "circular_deals": "Circular-deal parties", "top10": "Top-10 issuers"}


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """``frame`` as CSV text, with cells a spreadsheet would run as formulas quoted as text.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (and not
    a number) gets a leading apostrophe, the usual defence: ``=HYPERLINK(...)`` in a symbol or
    a name stays text when the file is opened in Excel or LibreOffice.
    """
    from pandas.api.types import is_numeric_dtype

    def safe(value: Any) -> Any:
        if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
            return "'" + value
        return value

    text_columns = [c for c in frame.columns if not is_numeric_dtype(frame[c])]
    out = frame.assign(**{str(c): frame[c].map(safe) for c in text_columns})
    return str(out.to_csv(index=False, lineterminator="\n", **options))


def md(text: object) -> str:
    """Text for a Markdown table cell: ``|`` escaped, line breaks folded."""
    return " ".join(str(text).split()).replace("|", "\\|")


def pct(x: float | None, signed: bool = False) -> str:
    """``12.3%`` (``+12.3%`` when signed); empty for None."""
    if x is None:
        return ""
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def money(x: float | None, currency: str = "", decimals: int = 2) -> str:
    """``1,234.50 USD`` (without a currency when none is given); empty for None."""
    if x is None:
        return ""
    return f"{x:,.{decimals}f}" + (f" {currency}" if currency else "")


def bar(value: float, limit: float | None, width: int = 24, scale: float | None = None) -> Text:
    """A bar of ``value`` with the ``limit`` marked; bars drawn with one ``scale`` compare."""
    from rich.text import Text

    scale = scale or max(value, limit or 0.0, 1e-9) * 1.05
    filled = round(width * value / scale)
    mark = round(width * (limit or 0) / scale) if limit else None
    over = limit is not None and value > limit
    t = Text()
    for i in range(width):
        ch = "█" if i < filled else "─"
        style = ("red" if over else "green") if i < filled else "grey50"
        if mark is not None and i == min(mark, width - 1):
            ch, style = "│", "bold white"
        t.append(ch, style=style)
    return t


def to_text(renderable: Any, width: int = 120) -> str:
    """Plain text of a rich renderable at a fixed width (for files and snapshot tests)."""
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, color_system=None, force_terminal=False, markup=False, emoji=False,
            highlight=False).print(renderable)
    return buf.getvalue()
