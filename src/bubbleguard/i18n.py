"""The language of what a person reads: gettext catalogues, and numbers in that language.

English is the source language and the library's default; ``set_language("zh")`` (or the
command line's ``--lang zh``, which defaults to the locale) switches findings, reports, help
and error messages to Simplified Chinese from the catalogue shipped in
``bubbleguard/locale/zh_CN/LC_MESSAGES/bubbleguard.mo``. Messages are ``str.format`` templates
with named placeholders, so a translation may put them in its own order::

    _("{symbol} alone is {value} of the portfolio").format(symbol="QQQ", value="41.0%")

Reading a catalogue is the standard library's :mod:`gettext`; Babel formats numbers in Chinese
(and extracts and compiles the catalogues for development), and is imported only then. Machine
readable output (JSON keys, codes, CSV columns) never changes with the language.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

__all__ = ["LANGUAGES", "N_", "_", "extract", "extract_toml", "format_money", "format_percent",
           "format_percents", "format_rounded", "get_language", "language", "language_from_env",
           "ngettext", "set_language"]

#: Languages there is a catalogue for (``en`` is the source text) → their gettext/Babel locale.
LANGUAGES = {"en": "en_US", "zh": "zh_CN"}
DOMAIN = "bubbleguard"

_active = "en"


def set_language(lang: str) -> None:
    """Write everything from now on in ``lang`` (``en`` or ``zh``; ``zh_CN``, ``zh-Hant`` … are zh)."""
    global _active
    _active = normalize(lang)


def get_language() -> str:
    """The active language, ``en`` or ``zh``."""
    return _active


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Write in ``lang`` inside the ``with`` block, then go back to the language before it."""
    before = _active
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def normalize(lang: str) -> str:
    """``zh``, ``zh_CN``, ``zh-HK``, ``zh_TW.UTF-8`` → ``zh``; ``en``, ``en_GB`` → ``en``."""
    code = lang.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}': choose one of {', '.join(LANGUAGES)}")
    return code


def language_from_env(environ: dict[str, str] | None = None) -> str:
    """The language the locale asks for: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` set.

    ``zh_CN``, ``zh_HK``, ``zh_TW`` and ``zh`` give ``zh``; anything else (``C``, ``POSIX``,
    ``en_US.UTF-8``, ``de_DE``) gives ``en``.
    """
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


@cache
def _catalogue(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    from importlib.resources import files

    return _gettext.translation(DOMAIN, localedir=str(files(__package__ or "bubbleguard") / "locale"),
                                languages=[LANGUAGES[lang]])


def _(message: str) -> str:
    """``message`` in the active language (itself when there is no translation)."""
    return message if _active == "en" or not message else _catalogue(_active).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the active language."""
    return _catalogue(_active).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it where shown."""
    return message


def format_percent(x: float, decimals: int = 1, signed: bool = False) -> str:
    """``x`` as a percentage in the active language (Babel for Chinese)."""
    if _active == "en":
        return f"{x:+.{decimals}%}" if signed else f"{x:.{decimals}%}"
    from babel.numbers import format_percent as babel_percent

    digits = "0." + "0" * decimals if decimals else "0"
    pattern = f"+#,##{digits}%;-#,##{digits}%" if signed else f"#,##{digits}%"
    return babel_percent(x, format=pattern, locale=LANGUAGES[_active], decimal_quantization=True)


def format_percents(x: Any, decimals: int = 1) -> Any:
    """:func:`format_percent` of every value of an array, as an object array of texts."""
    return format_rounded(x, decimals + 2, lambda v: format_percent(v, decimals))


def format_rounded(x: Any, digits: int, fmt: Callable[[float], str]) -> Any:
    """``fmt`` of every value of an array, where ``fmt`` shows a value rounded to ``digits`` decimals.

    Each distinct rounded value is formatted once, so a million weights cost a few thousand
    calls. A value within a millionth of a rounding step from a tie (or not finite, or a
    negative zero) is formatted on its own, so every text is exactly ``fmt``'s.
    """
    import numpy as np

    x = np.asarray(x, float)
    t = x * 10.0 ** digits
    r = np.rint(t)
    with np.errstate(invalid="ignore"):
        own = ~np.isfinite(t) | (np.abs(np.abs(t - np.floor(t)) - 0.5) < 1e-6) | (r == 0) & np.signbit(x)
    keys = np.where(own, x, r / 10.0 ** digits)
    bits, inverse = np.unique(keys.view(np.int64), return_inverse=True)  # bits: -0.0 is not 0.0
    texts = np.array([fmt(float(v)) for v in bits.view(float)] or [""], dtype=object)
    return texts[inverse.reshape(x.shape)] if x.size else np.empty(x.shape, dtype=object)


def format_money(x: float, currency: str = "", decimals: int = 2) -> str:
    """``1,234.50 USD`` in English; ``¥1,234.50``, ``HK$1,234.50``, ``US$1,234.50`` in Chinese."""
    if _active == "en":
        return f"{x:,.{decimals}f}" + (f" {currency}" if currency else "")
    from babel.numbers import format_currency, format_decimal

    digits = "." + "0" * decimals if decimals else ""
    locale = LANGUAGES[_active]
    if not currency:
        return format_decimal(x, format=f"#,##0{digits}", locale=locale, decimal_quantization=True)
    return format_currency(x, currency, format=f"¤#,##0{digits}", locale=locale, currency_digits=False,
                           decimal_quantization=True)


def extract(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel extraction method: Python's ``_()``/``N_()`` messages, plus click commands' help.

    A command's help is its function's docstring (cleaned as click shows it), so it has no
    ``_()`` call; the command line translates it where it writes the help (see ``babel.cfg``).
    """
    import ast
    import io

    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(data)):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                and d.func.attr in ("command", "group") for d in node.decorator_list):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, None, doc.partition("\f")[0], []


#: The texts of a scenario file a person reads (``data/scenarios.toml``); the renderers translate them.
TOML_TEXTS = ("name", "description", "assumptions")


def extract_toml(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel extraction method: the names, descriptions and assumptions of a scenario file."""
    import tomllib

    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for kind in ("historical", "hypothetical"):
        for entry in data.get(kind, []):
            for key in TOML_TEXTS:
                if entry.get(key):
                    yield 0, None, entry[key], []
