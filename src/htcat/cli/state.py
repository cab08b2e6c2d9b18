"""What the global options decided, handed to every command through the Typer context."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from htcat import catalog
from htcat.store.memory import Catalog
from htcat.store.paths import catalog_path


@dataclass(frozen=True)
class State:
    db: Path | None
    no_input: bool
    lock_timeout: float

    @property
    def path(self) -> Path:
        return catalog_path(self.db)

    @property
    def interactive(self) -> bool:
        """Questions may be asked: a person at a terminal, and no ``--no-input``."""
        return not self.no_input and sys.stdin.isatty() and sys.stdout.isatty()

    def read(self) -> Catalog:
        return catalog.read(self.path)

    @contextmanager
    def change(self) -> Iterator[Catalog]:
        with catalog.change(self.path, self.lock_timeout) as changing:
            yield changing


def state_of(ctx: typer.Context) -> State:
    state = ctx.find_root().obj
    assert isinstance(state, State)
    return state
