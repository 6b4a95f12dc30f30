"""Every message a person reads has its Chinese translation, and the shipped catalogue is current."""

from __future__ import annotations

import ast
import gettext
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bubbleguard import i18n

PACKAGE = Path(i18n.__file__).parent
LOCALE = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    """msgid → where it is used, as ``pybabel extract -F babel.cfg`` finds them in the package."""
    found: dict[str, list[str]] = {}
    method = [("**.py", "bubbleguard.i18n:extract"),  # as babel.cfg says
              ("**/data/scenarios.toml", "bubbleguard.i18n:extract_toml")]
    for filename, lineno, message, _comments, _context in extract_from_dir(str(PACKAGE), method):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural: by its singular
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue():
    with (LOCALE / "bubbleguard.po").open("rb") as f:
        return read_po(f, locale="zh_CN")


def test_every_message_has_a_chinese_translation(extracted, catalogue):
    missing = []
    for msgid, where in extracted.items():
        entry = catalogue.get(msgid)
        strings = [] if entry is None else (list(entry.string) if entry.pluralizable else [entry.string])
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{where[0]}: {msgid!r}")
    assert missing == [], f"{len(missing)} messages without a translation:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders(catalogue):
    wrong = []
    for entry in catalogue:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        want = set().union(*(_fields(i) for i in ids))
        for s in strings:
            if s and _fields(s) != want:
                wrong.append(f"{ids[0]!r}: {sorted(_fields(s))} instead of {sorted(want)}")
    assert wrong == []


def test_the_shipped_mo_is_compiled_from_the_po(catalogue):
    with (LOCALE / "bubbleguard.mo").open("rb") as f:
        shipped = gettext.GNUTranslations(f)
    for entry in catalogue:
        if not entry.id or entry.fuzzy:
            continue
        if entry.pluralizable:
            for n, s in zip((1, 2), entry.string):
                assert shipped.ngettext(entry.id[0], entry.id[1], n) == s, entry.id
        else:
            assert shipped.gettext(entry.id) == entry.string, entry.id
    assert len(shipped._catalog) == len([e for e in catalogue if e.id and not e.fuzzy]) + 1  # type: ignore[attr-defined]


def test_no_module_that_translates_rebinds_the_underscore():
    """``for _ in …`` or ``a, _ = …`` in a module that imports ``_`` breaks its messages at run time."""
    rebound = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = any(isinstance(n, ast.ImportFrom) and (n.module or "").endswith("i18n")
                      and any(a.name == "_" for a in n.names) for n in ast.walk(tree))
        if not imports:
            continue
        inner = {id(g) for c in ast.walk(tree) if isinstance(c, ast.comprehension)
                 for g in ast.walk(c.target)}
        rebound += [f"{path.name}:{n.lineno}" for n in ast.walk(tree)
                    if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                    and id(n) not in inner]
    assert rebound == []


def test_no_message_hides_inside_an_f_string():
    """Babel does not look inside f-strings: ``f"{_('Trades')}"`` would never reach the catalogue."""
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                hidden += [f"{path.name}:{call.lineno}" for call in ast.walk(node)
                           if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                           and call.func.id in ("_", "N_", "ngettext")
                           and any(isinstance(a, ast.Constant) for a in call.args)]
    assert hidden == []


def test_language_from_the_locale():
    assert i18n.language_from_env({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.language_from_env({"LC_ALL": "zh_HK.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"
    assert i18n.language_from_env({"LC_MESSAGES": "zh_TW", "LANG": "en_US"}) == "zh"
    assert i18n.language_from_env({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.language_from_env({"LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.language_from_env({}) == "en"


def test_set_language_and_the_context_manager():
    assert i18n.get_language() == "en"
    with i18n.language("zh_CN"):
        assert i18n.get_language() == "zh"
    assert i18n.get_language() == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_percents_of_an_array_are_each_format_percent(lang):
    """Distinct rounded values formatted once: ties, negative zero, NaN and big values each exact."""
    import numpy as np

    rng = np.random.default_rng(4)
    x = np.concatenate([rng.random(3000), rng.random(300) ** 6, np.arange(0, 1.0001, 0.00005),
                        [0.0, -0.0, -1e-18, 1e-18, np.nan, np.inf, 0.4000000000000001, 12.3456,
                         0.0125, 0.0135, 0.12345]])
    with i18n.language(lang):
        for decimals in (0, 1, 2):
            got = i18n.format_percents(x, decimals)
            assert list(got) == [i18n.format_percent(float(v), decimals) for v in x]
        assert i18n.format_percents(np.zeros(0)).shape == (0,)
        assert i18n.format_rounded(x, 3, lambda v: f"{v * 100:.1f}").tolist() == [
            f"{v * 100:.1f}" for v in x]


def test_numbers_in_chinese_through_babel():
    assert i18n.format_percent(0.1234) == "12.3%"
    assert i18n.format_money(1234.5, "CNY") == "1,234.50 CNY"
    with i18n.language("zh"):
        assert i18n.format_percent(0.1234) == "12.3%"
        assert i18n.format_percent(-0.05, signed=True) == "-5.0%"
        assert i18n.format_percent(0.05, signed=True) == "+5.0%"
        assert i18n.format_money(1234.5, "CNY") == "¥1,234.50"
        assert i18n.format_money(98765.4, "HKD", 0) == "HK$98,765"
        assert i18n.format_money(1000, "USD", 0) == "US$1,000"
        assert i18n.format_money(1000.25) == "1,000.25"
