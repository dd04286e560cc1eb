"""Running the ``process-center`` command in-process against a test store."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from process_center.cli import main


def invoke(database_url: str, *args: str, expect_exit: int = 0) -> Result:
    result = CliRunner().invoke(main, ["--database-url", database_url, *args])
    assert result.exit_code == expect_exit, (result.output, result.exception)
    return result


def invoke_json(database_url: str, *args: str) -> Any:
    return json.loads(invoke(database_url, *args, "--json").stdout)
