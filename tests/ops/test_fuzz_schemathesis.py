"""Fuzz the whole API from its own OpenAPI schema, in-process, with every schemathesis check:
no 5xx, responses that match their declared schemas, valid input accepted and invalid input
(`[false]` for a number, a string for an int...) refused. About a minute in all."""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import NegativeDataRejectionConfig, PositiveDataAcceptanceConfig

from app.main import create_app
from app.settings import Settings

EXAMPLES = int(os.environ.get("BACKSTEP_FUZZ_EXAMPLES", "25"))  # per operation and mode
# Training runs up to its wall-time budget (seconds) per request: boundary cases of every field
# (the coverage phase) would take minutes there, so those routes get examples + fuzzing only.
SLOW = "^/api/(train|labs|gradcheck|datasets)"


def load(phases: list[str]):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(access_log=False)))
    schema.config.phases.update(phases=phases)
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    # Schema-valid data may still break a cross-field rule JSON Schema cannot state (weight
    # shapes match `layers`, sample < samples): 422 with a message is right. 400/413 are not.
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "404", "422"]
    )
    # Invalid data must be refused with one of our own 4xx (413 for a body over the limit):
    # tighter than schemathesis' default list, which also tolerates 5xx.
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=["400", "404", "405", "413", "422"]
    )
    return schema


fast = load(["examples", "coverage", "fuzzing"]).exclude(path_regex=SLOW)
slow = load(["examples", "fuzzing"]).include(path_regex=SLOW)

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
