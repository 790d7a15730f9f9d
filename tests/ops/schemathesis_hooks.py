"""A schemathesis check for Backstep, loaded by `schemathesis run` (schemathesis.toml: hooks) and
by tests/ops/test_fuzz_schemathesis.py: valid data may get a 422 only for a stated rule."""

from typing import get_args

import schemathesis
from pydantic_core.core_schema import ErrorType

# pydantic's own error types say a field broke its own type or bounds, which the schema states;
# value_error and our own types (expression_syntax) are the rules it cannot state.
FIELD_ERRORS = frozenset(get_args(ErrorType)) - {"value_error"}


@schemathesis.check
def refused_only_for_a_stated_rule(ctx, response, case):
    """A 422 for schema-valid data names rules between fields (x-cross-field-rules), never one
    field's type, bounds or pattern: valid data keeps those, so such a 422 is a schema bug."""
    if not case.meta or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    broken = [e for e in response.json()["detail"] if e["type"] in FIELD_ERRORS]
    assert not broken, f"valid data refused for a rule the schema states: {broken}"
    return None
