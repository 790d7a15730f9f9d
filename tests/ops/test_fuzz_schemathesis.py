"""Fuzz the whole API from its own OpenAPI schema, in-process, with every schemathesis check and
the repository's schemathesis.toml (the one `schemathesis run` reads): no 5xx, responses that
match their declared schemas, valid input accepted and invalid input (`[false]` for a number, a
string for an int...) refused, and valid input refused only for a rule the schema lists in
x-cross-field-rules (tests/ops/schemathesis_hooks.py). About a minute in all; BACKSTEP_FUZZ_EXAMPLES runs more."""

import os
import re
import tomllib
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.api.schemas.common import CROSS_FIELD_RULES
from app.main import create_app
from app.settings import Settings
from tests.ops import schemathesis_hooks  # noqa: F401  (registers the check, as the CLI does)

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
EXAMPLES = int(os.environ.get("BACKSTEP_FUZZ_EXAMPLES", "25"))  # per operation and mode
# Training runs up to its wall-time budget (seconds) per request: boundary cases of every field
# (the coverage phase) would take minutes there, so those routes get examples + fuzzing only.
SLOW = "^/api/(train|labs|gradcheck|datasets)"


def load(phases: list[str]):
    app = create_app(Settings(access_log=False))
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=SchemathesisConfig.from_path(CONFIG)
    )
    schema.config.phases.update(phases=phases)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    schema.config.checks.update(included_check_names=["all"])
    return schema


fast = load(["examples", "coverage", "fuzzing"]).exclude(path_regex=SLOW)
# the complement excluded, not SLOW included: schemathesis.toml's [[operations]] make every
# operation match one include already (its priority filter), and includes add up
slow = load(["examples", "fuzzing"]).exclude(path_regex=f"^(?!{SLOW[1:]})")

# Random on every run, so CI keeps exploring; a failure prints a curl line to reproduce it.
bounded = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@fast.parametrize()
@bounded
def test_the_api_survives_fuzzing_from_its_own_schema(case):
    case.call_and_validate()


@slow.parametrize()
@bounded
def test_the_training_api_survives_fuzzing_from_its_own_schema(case):
    case.call_and_validate()


def test_each_operation_is_fuzzed_by_one_of_the_two_tests():
    """The training test takes the slow routes only; the other, every other route."""

    def labels(schema) -> set[str]:
        return {op.ok().label for op in schema.get_all_operations()}

    slow_routes, others = labels(slow), labels(fast)
    assert slow_routes and others and not slow_routes & others
    assert slow_routes | others == labels(load([]))
    assert all(re.match(SLOW, label.split()[1]) for label in slow_routes), slow_routes


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
