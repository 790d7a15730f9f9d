"""The schemathesis run shared by the two fuzzing files: the API from its own OpenAPI schema,
in-process, with every schemathesis check and the repository's schemathesis.toml (the one
`schemathesis run` reads). The training routes are fuzzed by a file of their own
(test_fuzz_training.py), so that the suite's two workers share the run (it goes by files)."""

import os
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.main import create_app
from app.settings import Settings
from tests.ops import schemathesis_hooks  # noqa: F401  (registers the check, as the CLI does)

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
# Generated requests per operation and mode in the fuzzing phase. `make test` keeps a short run
# (every operation, phase, mode and check; the coverage phase whole); `make fuzz` runs the long one.
EXAMPLES = int(os.environ.get("BACKSTEP_FUZZ_EXAMPLES", "10"))
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


def fast_routes():
    return load(["examples", "coverage", "fuzzing"]).exclude(path_regex=SLOW)


def slow_routes():
    # the complement excluded, not SLOW included: schemathesis.toml's [[operations]] make every
    # operation match one include already (its priority filter), and includes add up
    return load(["examples", "fuzzing"]).exclude(path_regex=f"^(?!{SLOW[1:]})")


# Random on every run, so CI keeps exploring; a failure prints a curl line to reproduce it.
bounded = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
