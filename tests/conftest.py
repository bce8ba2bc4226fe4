"""Session fixtures shared by the tests; the helpers they use are in tests/helpers/."""

from __future__ import annotations

import pytest

from tests.helpers.runs import run_sim


@pytest.fixture(scope="session")
def smoke_result():
    """One smoke run (seed 1), shared by the tests that only read it."""
    return run_sim("scenario=smoke", "seed=1")


@pytest.fixture(scope="session")
def stepped():
    """A smoke run (seed 1, orchestration, a seller network) stepped hour by hour with stock
    checks (tests/helpers/stepped.py)."""
    from tests.helpers.stepped import stepped_smoke_run

    return stepped_smoke_run()
