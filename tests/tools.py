"""Programs some tests need (LibreOffice, a PostgreSQL server): found, or the test is
skipped with the reason; where CI has installed them (GRIDKIT_REQUIRE_TOOLS=1, set by
.ci/run) a missing program fails the test instead, so nothing needed is skipped silently."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def unavailable(message: str) -> NoReturn:
    """Skip with ``message``; fail instead under GRIDKIT_REQUIRE_TOOLS."""
    if os.environ.get("GRIDKIT_REQUIRE_TOOLS"):
        pytest.fail(message + " (GRIDKIT_REQUIRE_TOOLS is set: .ci/run installs it)")
    pytest.skip(message)


def require_program(name: str, why: str) -> str:
    """The path of ``name`` on PATH; else skip (or fail under GRIDKIT_REQUIRE_TOOLS)."""
    exe = shutil.which(name)
    if exe is not None:
        return exe
    unavailable(f"{name} is not installed: {why}")
