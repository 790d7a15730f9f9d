"""Fuzz the training routes (/api/train…, /api/labs/…, /api/gradcheck, /api/datasets) from the
API's own OpenAPI schema, as test_fuzz_schemathesis.py does every other route: a file of its own
so that the suite's two workers share the run (the training routes run to their time budgets,
about half of it)."""

import pytest

from tests.ops.fuzz import bounded, slow_routes

pytestmark = pytest.mark.slow  # scheduled first: tests/conftest.py

slow = slow_routes()


@slow.parametrize()
@bounded
def test_the_training_api_survives_fuzzing_from_its_own_schema(case):
    case.call_and_validate()
