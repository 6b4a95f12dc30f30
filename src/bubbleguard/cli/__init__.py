"""The ``bubbleguard`` command line: a thin layer over the library.

Library errors become one paragraph on stderr and exit code 2; findings at or above
``--fail-on`` give exit code 1. Anything else is a bug in bubbleguard: one paragraph that says so,
with the version, and exit code 3 (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import gc
import inspect
import re
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import Any

import click

from ..errors import BubbleguardError
from ..i18n import N_, _, get_language, language_from_env, set_language

__all__ = ["cli", "main"]

EXIT_ERROR = 2
EXIT_INTERNAL = 3
MAX_QUOTE = 200  # characters of one quoted value in an error message
MAX_MESSAGE = 2_000  # characters of a whole error message
_LONG_RUN = re.compile(rf"\S{{{MAX_QUOTE + 1},}}")


# command name → module in this package; a module is imported only when its command is used
COMMANDS = {"check": "check", "batch": "batch", "rebalance": "rebalance", "deals": "deals",
            "scenarios": "scenarios", "funds": "funds", "data": "data"}


#: click's own help texts, translated where they are shown (``_HelpFormatter``).
_CLICK_TEXTS = (N_("Usage: "), N_("Options"), N_("Commands"), N_("Show this message and exit."),
                N_("Show the version and exit."), N_("required"), N_("default: {default}"))
_EXTRA = re.compile(r"^(?P<help>.*?)(?:  )?\[(?P<extra>[^\[\]]*)\]$", re.S)


class _HelpFormatter(click.HelpFormatter):
    """Help in the active language: each text is looked up in the catalogue as it is written."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else _("Usage: "))

    def write_heading(self, heading: str) -> None:
        if get_language() == "en":
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{_(heading)}：\n")  # a full-width colon after Chinese

    def write_text(self, text: str) -> None:
        text = _(text)
        if get_language() != "en":  # click wraps by characters; a Chinese character takes two cells
            text = _wrapped(text, self.width - self.current_indent)
        super().write_text(text)

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _option_help(text)) for term, text in rows]
        if get_language() != "en" and rows:
            first = min(max(len(term) for term, _text in rows), col_max) + col_spacing
            rows = [(term, _wrapped(text, max(self.width - first - 2, 10))) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


def _wrapped(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` terminal cells, each paragraph marked for click to keep as is."""
    from ..renderers._format import wrap_cells

    return "\n\n".join(p if p.startswith("\b") else "\b\n" + "\n".join(wrap_cells(p, width))
                       for p in text.split("\n\n"))


def _option_help(text: str) -> str:
    """An option's help with click's ``[default: …; required]`` after it, both translated."""
    match = _EXTRA.match(text) if get_language() != "en" else None
    if not match:
        return _(text)
    extra = []
    for item in match["extra"].split("; "):
        name, sep, value = item.partition(": ")
        extra.append(_("default: {default}").format(default=value) if name == "default" and sep
                     else _(item))
    body = _(match["help"])
    return f"{body}  [{'; '.join(extra)}]" if body else f"[{'; '.join(extra)}]"


class _Context(click.Context):
    formatter_class = _HelpFormatter


class _Command(click.Command):
    """A command with ``--lang`` and help in the active language."""

    context_class = _Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_lang(self)


def _add_lang(cmd: click.Command) -> None:
    from .options import lang_option

    if not any(p.name == "lang" for p in cmd.params):
        cmd.params.append(lang_option())


class _HelpGroup(click.Group):
    """A group whose commands have ``--lang`` and help in the active language."""

    context_class = _Context
    command_class = _Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_lang(self)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if get_language() == "en":
            return super().format_commands(ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:  # the first sentence of the translated help
                text = _(inspect.cleandoc(cmd.help or "").partition("\f")[0]).split("\n\n")[0]
                rows.append((name, " ".join(text.split()).split("。")[0].split(". ")[0]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


_HelpGroup.group_class = _HelpGroup


class _Group(_HelpGroup):
    """Command group with lazily imported commands and plugins, and one-paragraph errors."""

    def main(self, args: Sequence[str] | None = None, *pargs: Any, **kwargs: Any) -> Any:
        """Run the command line in the language of ``--lang`` or the locale, then restore it."""
        before = get_language()
        argv = list(sys.argv[1:] if args is None else args)
        lang = language_from_env()
        for i, arg in enumerate(argv):  # before parsing, so that help and usage errors follow it
            if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("zh", "en"):
                lang = argv[i + 1]
            elif arg.startswith("--lang=") and arg[7:] in ("zh", "en"):
                lang = arg[7:]
        set_language(lang)
        try:
            return super().main(args, *pargs, **kwargs)
        finally:
            set_language(before)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BubbleguardError as exc:
            _fail(str(exc))
        except click.exceptions.ClickException as exc:
            exc.message = bounded(exc.message)  # type: ignore[misc]  # click's Final, set before it prints
            raise  # click reports these itself
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            _internal(exc)

    def _plugin_commands(self) -> None:
        if getattr(self, "_plugins_loaded", False):
            return
        self._plugins_loaded = True
        from ..plugins import plugin_manager

        plugin_manager().hook.register_commands(cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for name in COMMANDS:
            self.get_command(ctx, name)
        self._plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS and name not in self.commands:
            module = import_module(f"{__name__}.{COMMANDS[name]}")
            self.add_command(getattr(module, name), name)
        cmd = super().get_command(ctx, name)
        if cmd is None:
            self._plugin_commands()
            cmd = super().get_command(ctx, name)
        return cmd


def bounded(message: str) -> str:
    """An error message as one bounded paragraph of printable text.

    Messages quote what they refuse (a cell, a key, an option's value), and a file can hold a
    cell of megabytes or an escape sequence: any run of more than :data:`MAX_QUOTE` characters
    without a space is cut, control characters are dropped and the paragraph stops at
    :data:`MAX_MESSAGE` characters.
    """
    from ..symbols import printable

    text = _LONG_RUN.sub(lambda m: m.group()[:MAX_QUOTE] + "…", printable(message))
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE].rstrip() + f"… (cut at {MAX_MESSAGE:,} characters)"
    return text


def _fail(message: str) -> None:
    click.echo(_("Error: {message}").format(message=bounded(message)), err=True)
    sys.exit(EXIT_ERROR)


def _internal(exc: Exception) -> None:
    from importlib.metadata import version

    detail = bounded(f"{type(exc).__name__}: {exc}")
    if len(detail) > 300:
        detail = detail[:300] + "…"
    click.echo(_("Internal error in bubbleguard {version} ({detail}). This is a bug, not a problem with "
                 "your input: please report it with the command you ran; 'bubbleguard --debug …' shows "
                 "the traceback.").format(version=version("bubbleguard"), detail=detail), err=True)
    sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bubbleguard")
@click.option("--debug", is_flag=True, help=N_("Show the traceback of an internal error."))
def cli(debug: bool) -> None:
    """Look through your funds, measure AI-bubble concentration, rebalance under guardrails.

    Everything runs offline on the bundled reference snapshot; your holdings never leave
    this machine.
    """


def main() -> None:
    """Console-script entry point."""
    # A command is a short-lived process that creates a few hundred thousand long-lived objects
    # (pandas, pydantic and rich at import) and few reference cycles. Cyclic collection would walk
    # those objects again and again, and once more at interpreter exit (about a fifth of the
    # run time); so it is off for the command, and what exists at the end is frozen so the exit
    # does not walk it. Peak memory is unchanged (benchmarks/bench_check.py reports it). The
    # library never touches the collector; this is the command-line process only.
    gc.disable()
    try:
        cli(prog_name="bubbleguard")
    finally:
        gc.freeze()

