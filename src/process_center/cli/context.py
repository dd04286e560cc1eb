"""What every command shares: settings, the database, output and errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property, wraps
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from process_center.domain.errors import DomainError
from process_center.settings import Settings
from process_center.storage.database import Database
from process_center.storage.migrate import upgrade

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    def __init__(self, database_url: str | None) -> None:
        self.settings = (
            Settings(database_url=database_url) if database_url else Settings()
        )

    @cached_property
    def database(self) -> Database:
        database = Database(self.settings.database_url, pool_size=2)
        upgrade(database.engine)
        return database

    def close(self) -> None:
        """Release the database's connections, if a command opened any."""
        if "database" in self.__dict__:
            self.database.dispose()

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.database.write() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.database.session() as session:
            yield session


pass_app = click.make_pass_decorator(AppContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def emit(as_json: bool, value: Any, text: str) -> None:
    """Print ``value`` as JSON, or ``text`` for a person."""
    click.echo(json.dumps(value, indent=2, default=str) if as_json else text)


def domain_errors(command: F) -> F:
    """Turn a domain error into one line on stderr and exit code 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            click.echo(f"error: {error.detail}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
