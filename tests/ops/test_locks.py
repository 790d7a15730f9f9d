"""The lock files `make` and the Dockerfile install from: every dependency of pyproject.toml
pinned to one version with hashes, the app's lock a subset of the test lock, torch the CPU build."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, str]:
    """{package: version} of a lock, each pin with its hashes (pip and uv then check them all)."""
    found = {}
    for block in re.split(r"\n(?=\S)", (ROOT / name).read_text().strip()):  # a pin, its hashes
        if block.startswith("#"):
            continue
        package, version = block.split(" ", 1)[0].split("==")
        assert "--hash=sha256:" in block, block
        found[canonicalize_name(package)] = version
    return found


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def test_every_dependency_is_pinned_in_the_locks():
    app, test = pins("requirements.lock"), pins("requirements-test.lock")
    extras = PROJECT["optional-dependencies"]
    assert names(PROJECT["dependencies"]) <= set(app)
    assert names(PROJECT["dependencies"] + extras["test"] + extras["oracle"]) <= set(test)


def test_the_app_lock_names_the_test_locks_versions():
    app, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {n: test.get(n) for n in app} == app


def test_torch_is_exactly_the_cpu_build_of_2_13_0():
    assert pins("requirements-test.lock")["torch"] == "2.13.0+cpu"
    assert "torch" not in pins("requirements.lock")
