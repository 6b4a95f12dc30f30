"""Shared fixtures of the command-line tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bubbleguard.cli import cli


@pytest.fixture
def run():
    """Invoke the command line in-process: ``run("check", path, "-f", "json")``."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke
