"""The intake site, shared by the intake tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers.intake_site import IntakeSite


@pytest.fixture(scope="session")
def site() -> Iterator[IntakeSite]:
    running = IntakeSite().start()
    yield running
    running.stop()
