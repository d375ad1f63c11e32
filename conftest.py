"""Loaded by pytest before the tests: a run started by an interpreter that lacks the project's
packages (Debian's ``python3`` when setup.sh installed into ``.venv``) continues in .venv's
Python, so that ``python3 -m pytest`` works as the README writes it on either kind of machine."""

from __future__ import annotations

import os

import pytest

from annual_report.cli.reenter import RUNTIME_MODULES, TEST_MODULES, reenter


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    def give_back_the_terminal() -> None:
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.stop_global_capturing()
        os.chdir(config.invocation_params.dir)

    problem = reenter(["-m", "pytest", *config.invocation_params.args],
                      (*RUNTIME_MODULES, *TEST_MODULES), "bash setup.sh --test",
                      before=give_back_the_terminal)
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
