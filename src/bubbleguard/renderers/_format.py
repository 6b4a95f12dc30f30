"""The one copy of the formatting helpers every renderer uses: percent, money, bars, labels."""

from __future__ import annotations

import io
import re
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.text import Text

__all__ = ["FORMATS", "THEME_NAMES", "Printable", "bar", "console", "csv_text", "md", "md_document", "money",
           "pct", "to_text"]

#: Output formats of the check report.
FORMATS = ("table", "json", "csv", "markdown", "html")
#: Display names of the themes (and the top-10 share).
THEME_NAMES = {"magnificent7": "Magnificent 7", "ai": "AI universe",
               "circular_deals": "Circular-deal parties", "top10": "Top-10 issuers"}


_FORMULA = re.compile(r"^[=+\-@\t\r]")
#: Control characters a CSV cell may not keep (tabs and line breaks are quoted as cell text).
_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The same, for the text of a terminal line (line breaks are rich's own).
_LINE_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """``frame`` as CSV text, with cells a spreadsheet would run as formulas quoted as text.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (and not
    a number) gets a leading apostrophe, the usual defence: ``=HYPERLINK(...)`` in a symbol or
    a name stays text when the file is opened in Excel or LibreOffice. Control characters
    (escape sequences) are dropped, so the CSV is also safe to print on a terminal.
    """
    from pandas.api.types import is_numeric_dtype

    def safe(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = _CSV_CONTROL.sub("", value)
        return "'" + value if _FORMULA.match(value) and not _NUMBER.match(value) else value

    text_columns = [c for c in frame.columns if not is_numeric_dtype(frame[c])]
    out = frame.assign(**{str(c): frame[c].map(safe) for c in text_columns})
    return str(out.to_csv(index=False, lineterminator="\n", **options))


def md(text: object) -> str:
    """Text for a Markdown table cell: ``|`` and HTML escaped, line breaks folded."""
    return md_document(" ".join(str(text).split()).replace("|", "\\|"))


def md_document(text: str) -> str:
    """A Markdown document with no HTML and no control character in it: ``<`` written ``&lt;``.

    Markdown viewers pass HTML through, so a name such as ``<script>`` or ``<img src=…>`` in a
    holdings or deal file would run there; without ``<`` no tag, comment or autolink can
    start. Each Markdown renderer applies it to its whole output, so no line is missed.
    """
    return _CSV_CONTROL.sub("", text).replace("<", "&lt;")


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
    buf = io.StringIO()
    console(file=buf, width=width, plain=True).print(Printable(renderable))
    return buf.getvalue()


def console(file: IO[str] | None = None, width: int | None = None, plain: bool = False) -> Console:
    """The one way a renderer's output reaches text: rich with markup, emoji codes and highlighting off.

    The text comes from data (issuer, account and file names), so a name such as ``[A]`` prints
    as it is; ``plain`` writes no colours (files and snapshot tests). Print through
    :class:`Printable` so that no control character in the data reaches the terminal.
    """
    from rich.console import Console

    options: dict[str, Any] = {"color_system": None, "force_terminal": False} if plain else {}
    return Console(file=file, width=width, markup=False, emoji=False, highlight=False, **options)


class Printable:
    """A rich renderable with every control character dropped from its text.

    Escape sequences in a symbol, an account or a scenario's name would clear the screen or
    plant a link on the user's terminal; the readers drop them already, and this drops them
    again at the last step, whatever renderer built the text. rich's own styles are control
    segments and are kept; control characters take no cells, so the layout is unchanged.
    """

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        for seg in console.render(self.renderable, options):
            if seg.control or not _LINE_CONTROL.search(seg.text):
                yield seg
            else:
                yield Segment(_LINE_CONTROL.sub("", seg.text), seg.style)
