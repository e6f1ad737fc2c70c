"""docker-compose.yml and the Dockerfile agree with the code (no engine runs here).

A compose file that names a setting the code does not read, or a command the
CLI does not have, fails only on deployment day; these tests fail it now.
"""

from __future__ import annotations

import re

import pytest
import yaml

from core.settings import Settings
from sohoa.cli import main as cli
from testkit.programs import REPO

ROOT = REPO
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
SOHOA_SERVICES = ("api", "worker", "migrate")
SETTING_NAMES = {f"SOHOA_{name.upper()}" for name in Settings.model_fields}


def test_every_expected_service_is_there():
    assert {"api", "worker", "migrate", "redis", "minio", "minio-buckets", "postgres"} <= set(
        SERVICES
    )


@pytest.mark.parametrize("service", SOHOA_SERVICES)
def test_sohoa_services_use_only_settings_the_code_reads(service):
    env = SERVICES[service]["environment"]
    unknown = {k for k in env if k.startswith("SOHOA_")} - SETTING_NAMES
    assert not unknown, f"{service} sets {unknown}, which Settings does not read"
    # Production differs from the embedded default in exactly these.
    assert env["SOHOA_OBJECT_STORE"] == "s3"
    assert env["SOHOA_BROKER_URL"].startswith("redis://redis:")
    assert env["SOHOA_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["SOHOA_DATABASE_URL"]
    assert env["SOHOA_S3_ENDPOINT"] == "minio:9000"


@pytest.mark.parametrize("service", SOHOA_SERVICES)
def test_sohoa_services_run_real_cli_commands(service):
    command = SERVICES[service]["command"]
    assert command[0] in cli.commands, f"sohoa has no '{command[0]}' command"
    options = {p.opts[0] for p in cli.commands[command[0]].params if p.opts}
    for arg in command[1:]:
        if arg.startswith("--"):
            assert arg in options, f"'sohoa {command[0]}' has no option {arg}"


def test_settings_values_in_compose_parse():
    env = {
        k.removeprefix("SOHOA_").lower(): v for k, v in SERVICES["worker"]["environment"].items()
    }
    env = {k: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(v)) for k, v in env.items()}
    settings = Settings(**env)
    assert settings.object_store == "s3"
    assert (
        settings.s3_bucket
        == COMPOSE["services"]["minio-buckets"]["command"][0].split("store/")[1].split()[0]
    )


def test_workers_scale_and_services_are_healthy_and_persistent():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale needs neither"
    for name in ("api", "worker", "redis", "minio", "postgres"):
        assert "healthcheck" in SERVICES[name], name
    for name, path in (
        ("postgres", "/var/lib/postgresql/data"),
        ("redis", "/data"),
        ("minio", "/data"),
    ):
        mounts = SERVICES[name]["volumes"]
        volume = next(m.split(":")[0] for m in mounts if m.endswith(":" + path))
        assert volume in COMPOSE["volumes"], f"{name} must keep its data in a named volume"
    # Redis persists queued tasks across a broker restart.
    assert "--appendonly" in SERVICES["redis"]["command"]
    for name in ("api", "worker"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_dockerfile_installs_what_the_makefile_installs():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    block = makefile.split("APT_PACKAGES :=", 1)[1].split("\n\n", 1)[0]
    wanted = set(block.replace("\\", " ").split()) - {"python3-venv", "python3-pip"}
    missing = {p for p in wanted if p not in dockerfile.split()}
    assert not missing, f"Dockerfile lacks {missing}"
    for package in ("sohoa", "ingest", "ocr", "classifiers", "storage", "pipeline", "api"):
        assert f"COPY {package} {package}" in dockerfile
    entry = re.search(r'ENTRYPOINT \["(\w+)"\]', dockerfile)
    assert entry and entry.group(1) == "sohoa"


def test_installed_package_carries_the_migrations():
    """The image runs `pip install .`: migrations must ship as package data."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["storage"]
    files = [
        p.relative_to(ROOT / "storage").as_posix()
        for p in (ROOT / "storage" / "migrations").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
