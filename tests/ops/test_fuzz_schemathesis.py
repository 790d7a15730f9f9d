"""Fuzz the whole API from its own OpenAPI schema, in-process, with every schemathesis check and
the repository's schemathesis.toml (the one `schemathesis run` reads): no 5xx, responses that
match their declared schemas, valid input accepted and invalid input (`[false]` for a number, a
string for an int...) refused, and valid input refused only for a rule the schema lists in
x-cross-field-rules (tests/ops/schemathesis_hooks.py). This file takes every route but the
training ones (test_fuzz_training.py: the two halves take about as long, and the suite's two
workers take one file each); a short run here, the long one (over 10,000 requests) by `make fuzz`."""

import re
import tomllib

import pytest

from app.api.schemas.common import CROSS_FIELD_RULES
from app.main import create_app
from app.settings import Settings
from tests.ops.fuzz import CONFIG, SLOW, bounded, fast_routes, load

pytestmark = pytest.mark.slow  # scheduled first: tests/conftest.py

fast = fast_routes()


@fast.parametrize()
@bounded
def test_the_api_survives_fuzzing_from_its_own_schema(case):
    case.call_and_validate()


def test_each_operation_is_fuzzed_by_one_of_the_two_tests():
    """The training file takes the slow routes only; this one, every other route."""
    from tests.ops import test_fuzz_training

    def labels(schema) -> set[str]:
        return {op.ok().label for op in schema.get_all_operations()}

    slow, others = labels(test_fuzz_training.slow), labels(fast)
    assert slow and others and not slow & others
    assert slow | others == labels(load([]))
    assert all(re.match(SLOW, label.split()[1]) for label in slow), slow


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_schemathesis_toml_allows_422_exactly_where_the_schema_states_cross_field_rules():
    doc = create_app(Settings(access_log=False)).openapi()
    schemas = doc["components"]["schemas"]

    def reachable(node) -> set[str]:
        seen, todo = set(), _refs(node)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo |= _refs(schemas[name])
        return seen

    with_rules = {
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if any(CROSS_FIELD_RULES in schemas[n] for n in reachable(op.get("requestBody", {})))
    }
    operations = tomllib.loads(CONFIG.read_text())["operations"]
    listed = [
        name
        for o in operations
        if "422"
        in o.get("checks", {}).get("positive_data_acceptance", {}).get("expected-statuses", [])
        for name in o["include-name"]
    ]
    assert sorted(listed) == sorted(with_rules)
