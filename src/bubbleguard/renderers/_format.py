"""The one copy of the formatting helpers every renderer uses: percent, money, bars, labels."""

from __future__ import annotations

import io
import re
from typing import IO, TYPE_CHECKING, Any

from ..i18n import N_, format_money, format_percent

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.text import Text

    from ..report import Report

__all__ = ["FORMATS", "LABELS", "THEME_NAMES", "Printable", "bar", "console", "csv_text", "label",
           "market_split_text", "md", "md_document", "money", "pad", "pct", "prose", "theme_name",
           "to_text", "wrap_cells"]

#: Output formats of the check report.
FORMATS = ("table", "json", "csv", "markdown", "html")
#: Display names of the themes (and the top-10 share).
THEME_NAMES = {"magnificent7": N_("Magnificent 7"), "ai": N_("AI universe"),
               "circular_deals": N_("Circular-deal parties"), "top10": N_("Top-10 issuers")}


#: Words shown as they are in English and translated otherwise: theme tags, asset classes, the
#: reference data's sectors and AI roles, deal certainty, severities, trade sides, fund coverage
#: (``_(key)`` looks them up).
LABELS = (N_("magnificent7"), N_("ai"), N_("circular_deals"), N_("equity"), N_("bond"), N_("gold"),
          N_("real_estate"), N_("cash"), N_("commodity"), N_("other"), N_("Information Technology"),
          N_("Communication Services"), N_("Consumer Discretionary"), N_("Consumer Staples"),
          N_("Energy"), N_("Financials"), N_("Health Care"), N_("Industrials"), N_("Materials"),
          N_("Real Estate"), N_("Utilities"), N_("Unknown"), N_("Unresolved"), N_("confirmed"),
          N_("reported"), N_("uncertain"), N_("superseded"), N_("error"), N_("warning"), N_("info"),
          N_("buy"), N_("sell"), N_("full"), N_("top10"), N_("hyperscaler cloud"),
          N_("ai infrastructure power"), N_("foundry equipment"), N_("chips"), N_("networking"),
          N_("memory"), N_("servers"), N_("ai software"), N_("model lab partner"), N_("China"),
          N_("Hong Kong"), N_("United States"), N_("Taiwan"), N_("Japan"), N_("Korea (South)"),
          N_("Netherlands"), N_("United Kingdom"))

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


def label(key: str) -> str:
    """One of :data:`LABELS` in the active language (any other text as it is)."""
    from ..i18n import _

    return _(key) if key else key


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def theme_name(theme: str) -> str:
    """The display name of a theme in the active language (the theme's key when it has none)."""
    from ..i18n import _

    return _(THEME_NAMES[theme]) if theme in THEME_NAMES else theme


def market_split_text(report: Report, theme: str = "ai", countries: int = 4) -> str:
    """``AI universe 59.0%: 35.0% at home (China), 24.0% abroad (United States 23.8%, …)``.

    Empty when the report carries no split, its home is the United States (whose investors'
    funds are mostly at home), or the theme is not held.
    """
    from ..i18n import _

    split, total = report.exposures.market_split, report.exposures.themes.get(theme, 0.0)
    if split is None or not split.home or "United States" in split.home or total <= 0:
        return ""
    text = _("{theme} {total}: {domestic} at home ({home}), {abroad} abroad").format(
        theme=theme_name(theme), total=pct(total), domestic=pct(split.domestic.get(theme, 0.0)),
        home=", ".join(map(label, split.home)), abroad=pct(split.abroad.get(theme, 0.0)))
    abroad = [(c, w) for c, w in split.by_country.get(theme, {}).items()
              if c and c not in split.home and w >= 5e-4][:countries]
    if abroad:
        text += " (" + ", ".join(f"{label(c)} {pct(w)}" for c, w in abroad) + ")"
    if split.unknown.get(theme, 0.0) > 0:
        text += _("; {weight} with issuers of unknown country").format(
            weight=pct(split.unknown[theme]))
    return text


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


def pct(x: float | None, signed: bool = False, decimals: int = 1) -> str:
    """``12.3%`` (``+12.3%`` when signed) in the active language; empty for None."""
    if x is None:
        return ""
    return format_percent(x, decimals, signed)


def money(x: float | None, currency: str = "", decimals: int = 2) -> str:
    """``1,234.50 USD`` (``¥1,234.50`` in Chinese; no currency when none is given); empty for None."""
    if x is None:
        return ""
    return format_money(x, currency, decimals)


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


_CLOSING = "）。，；：、！？”"  # never at the start of a line
_OPENING = "（“"  # never at the end of one
_TOKEN = re.compile(r"[\x21-\x7e]+|\s+|.")  # an ASCII word, a run of spaces, or one character


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` terminal cells, broken between Chinese characters.

    rich and click break lines at spaces only, so a Chinese sentence (which has none) would be
    pushed whole to the next line; here any character boundary may break, except inside an
    ASCII word and before closing punctuation.
    """
    from rich.cells import cell_len

    lines, line = [], ""
    for token in _TOKEN.findall(" ".join(text.split())):
        if line and cell_len(line) + cell_len(token) > width and not token.isspace():
            carry = ""
            while line and (line[-1] in _OPENING or (token in _CLOSING and not carry)):
                carry, line = line[-1] + carry, line[:-1]  # no opening at an end, no closing at a start
            if line.strip():
                lines.append(line.rstrip())
                line = carry
            else:
                line += carry
        if line or not token.isspace():
            line += token
    return [*lines, line.rstrip()]


class Prose:
    """A paragraph that rich wraps at its width with :func:`wrap_cells` (for Chinese text)."""

    def __init__(self, text: str, style: str | None = None) -> None:
        self.text, self.style = text, style

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        for part in self.text.split("\n"):
            for line in wrap_cells(part, options.max_width):
                yield Text(line, style=self.style or "")


def prose(text: str, style: str | None = None) -> Any:
    """A paragraph for the terminal: rich's own wrapping in English, :class:`Prose` otherwise."""
    from rich.text import Text

    from ..i18n import get_language

    return Text(text, style=style or "") if get_language() == "en" else Prose(text, style)


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
