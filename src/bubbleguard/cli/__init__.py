"""The ``bubbleguard`` command line: a thin layer over the library.

Library errors become one paragraph on stderr and exit code 2; findings at or above
``--fail-on`` give exit code 1. Anything else is a bug in bubbleguard: one paragraph that says so,
with the version, and exit code 3 (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import gc
import re
import sys
from importlib import import_module
from typing import Any

import click

from ..errors import BubbleguardError

__all__ = ["cli", "main"]

EXIT_ERROR = 2
EXIT_INTERNAL = 3
MAX_QUOTE = 200  # characters of one quoted value in an error message
MAX_MESSAGE = 2_000  # characters of a whole error message
_LONG_RUN = re.compile(rf"\S{{{MAX_QUOTE + 1},}}")


# command name → module in this package; a module is imported only when its command is used
COMMANDS = {"check": "check", "batch": "batch", "rebalance": "rebalance", "deals": "deals",
            "scenarios": "scenarios", "funds": "funds", "data": "data"}


class _Group(click.Group):
    """Command group with lazily imported commands and plugins, and one-paragraph errors."""

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
    click.echo(f"Error: {bounded(message)}", err=True)
    sys.exit(EXIT_ERROR)


def _internal(exc: Exception) -> None:
    from importlib.metadata import version

    detail = bounded(f"{type(exc).__name__}: {exc}")
    if len(detail) > 300:
        detail = detail[:300] + "…"
    click.echo(f"Internal error in bubbleguard {version('bubbleguard')} ({detail}). This is a bug, "
               "not a problem with your input: please report it with the command you ran; "
               "'bubbleguard --debug …' shows the traceback.", err=True)
    sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bubbleguard")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
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

