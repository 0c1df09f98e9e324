"""What can be checked of the container files without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from privet_manager.settings import DEV_SECRETS

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILES = sorted(DOCKER.glob("docker-compose*.yml"))
VAR_REF = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY$|ACCESS_KEY|DATABASE_URL|USER$")
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]+:[^/@\s]+@")
# PRODUCT.md §9 and the secrets the app refuses to run without.
REQUIRED_SETTINGS = {
    "DATABASE_URL",
    "JWT_SECRET",
    "MANAGER_JWT_SECRET",
    "MANAGER_ACCESS_TOKEN_EXPIRE_MINUTES",
    "S3_ENDPOINT",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "S3_BUCKET",
    "CONTRACT_SIGNATURE_SECRET",
    "PASSPORT_ENCRYPTION_KEY",
    "ENVIRONMENT",
    "TRUSTED_PROXIES",
    "MAX_PHOTO_MB",
    *DEV_SECRETS,
}


def env_example() -> dict[str, str]:
    values = {}
    for line in (DOCKER / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"not NAME=value: {line!r}"
            values[name] = value
    return values


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def services(name: str) -> dict[str, dict[str, Any]]:
    return load(DOCKER / name)["services"]


def env_items(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: str(v) for k, v in env.items()}


def test_both_variants_exist() -> None:
    assert [p.name for p in COMPOSE_FILES] == ["docker-compose.full.yml", "docker-compose.yml"]


def test_external_variant_services_and_profiles() -> None:
    svc = services("docker-compose.yml")
    assert set(svc) == {"privet_manager_api", "privet_manager_migrator"}
    assert "profiles" not in svc["privet_manager_api"]
    assert svc["privet_manager_migrator"]["profiles"] == ["migrate"]
    assert svc["privet_manager_migrator"]["command"] == ["migrate"]
    assert svc["privet_manager_api"]["command"][0] == "serve"
    for s in svc.values():
        assert s["env_file"] == [".env"]
        assert s["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
        # Without these the container would quietly start an embedded database / local files.
        assert env_items(s)["DATABASE_URL"].startswith("${DATABASE_URL:?")
        assert env_items(s)["S3_ENDPOINT"].startswith("${S3_ENDPOINT:?")


def test_full_variant_start_order() -> None:
    svc = services("docker-compose.full.yml")
    assert set(svc) == {
        "privet_manager_db",
        "privet_manager_minio",
        "privet_manager_minio_init",
        "privet_manager_migrator",
        "privet_manager_api",
    }
    api_deps = svc["privet_manager_api"]["depends_on"]
    assert api_deps == {
        "privet_manager_db": {"condition": "service_healthy"},
        "privet_manager_minio": {"condition": "service_healthy"},
        "privet_manager_minio_init": {"condition": "service_completed_successfully"},
        "privet_manager_migrator": {"condition": "service_completed_successfully"},
    }
    migrator = svc["privet_manager_migrator"]
    assert migrator["command"] == ["migrate"]
    assert migrator["restart"] == "no"
    assert migrator["depends_on"] == {"privet_manager_db": {"condition": "service_healthy"}}
    init = svc["privet_manager_minio_init"]
    assert init["depends_on"] == {"privet_manager_minio": {"condition": "service_healthy"}}
    script = " ".join(init["command"])
    assert "mc mb --ignore-existing" in script and "$$BUCKET" in script
    # The app services talk to the bundled ones by their service names.
    for name in ("privet_manager_api", "privet_manager_migrator"):
        env = env_items(svc[name])
        assert "@privet_manager_db:5432/" in env["DATABASE_URL"]
        assert env["S3_ENDPOINT"] == "http://privet_manager_minio:9000"
    assert svc["privet_manager_db"]["image"].startswith("${POSTGRES_IMAGE:-postgres:16")


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_variable_is_in_env_example(path: Path) -> None:
    used = set(VAR_REF.findall(path.read_text()))
    assert used, "expected ${VAR} substitutions"
    missing = used - set(env_example())
    assert not missing, f"{path.name} uses variables missing from docker/.env.example: {missing}"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_long_running_services_have_health_checks(path: Path) -> None:
    for name, s in load(path)["services"].items():
        one_shot = s.get("restart") == "no"
        health = s.get("healthcheck") or {}
        if one_shot:
            continue
        assert not health.get("disable"), name
        test = health.get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"
        assert health.get("interval") and health.get("retries"), name
    api = load(path)["services"]["privet_manager_api"]
    assert "/health" in " ".join(api["healthcheck"]["test"])


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_no_secret_values_inline(path: Path) -> None:
    for name, s in load(path)["services"].items():
        for key, value in env_items(s).items():
            if SECRET_NAME.search(key) or CREDENTIALS_IN_URL.search(value):
                # Only references to .env (`${VAR}`) or to the container's env (`$$VAR`).
                literal = re.sub(r"\$\{[^}]*\}|\$\$[A-Za-z_]+", "", value)
                assert not CREDENTIALS_IN_URL.search(literal), f"{name}.{key}: {value}"
                if key != "DATABASE_URL":
                    assert literal == "", f"{name}.{key} has an inline value: {value!r}"
    # And no literal credentials anywhere in the file (commands, URLs, defaults).
    text = path.read_text()
    assert "minioadmin" not in text
    assert not re.search(r":-[^}]*(secret|password|minioadmin)", text, re.I)


def test_env_example_documents_settings_and_holds_no_secrets() -> None:
    env = env_example()
    missing = REQUIRED_SETTINGS - set(env)
    assert not missing, missing
    for name, value in env.items():
        if name in DEV_SECRETS or name in {"S3_ACCESS_KEY", "S3_SECRET_KEY", "POSTGRES_PASSWORD"}:
            assert value == "", f"{name} must be an empty placeholder, not {value!r}"
    # Every secret's placeholder differs from the development defaults the app refuses.
    assert not set(DEV_SECRETS.values()) & set(env.values())


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    lines = (DOCKER / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    for line in lines:
        line = line.strip()
        if line.startswith("FROM "):
            stages.append([])
        if stages and line and not line.startswith("#"):
            stages[-1].append(line)
    return stages


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 3
    assert re.match(r"FROM \$\{NODE_IMAGE\} AS spa", stages[0][0])
    assert any("npm ci" in line for line in stages[0])
    assert any("npm run build" in line for line in stages[0])
    final = stages[-1]
    final_text = "\n".join(final)
    assert "build-essential" not in final_text and "apt-get install" not in final_text
    assert any(line.startswith("HEALTHCHECK") and "/health" in line for line in final)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert 'ENTRYPOINT ["privet-manager"]' in final
    assert 'CMD ["serve", "--host", "0.0.0.0"]' in final
    assert "COPY --from=spa /src/frontend-manager/dist /app/frontend-manager/dist" in final
    assert "PRIVET_SPA_DIST=/app/frontend-manager/dist" in final_text
    # migrate.py finds alembic.ini and the migrations two levels above the package.
    assert "COPY --from=builder /app/server /app/server" in final
    assert any("/app/alembic.ini" in line for line in final)
    # No secrets baked into the image.
    for line in final:
        if line.startswith(("ENV ", "ARG ")):
            assert not re.search(r"SECRET|PASSWORD|_KEY=", line), line


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in ("**/.env", "**/.venv", "**/node_modules", "var", "**/.git"):
        assert pattern in ignored
