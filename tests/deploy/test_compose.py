"""docker-compose.yml, checked against the CLI and the settings."""

from __future__ import annotations

from services.catalogue import DEFAULT_PORTS, SERVICE_NAMES
from tests.deploy.manifests import (
    APIS,
    BACKGROUND_METRICS_PORTS,
    compose,
    compose_jisso_services,
    known_variables,
    parse_cli,
)


def test_compose_runs_known_cli_commands() -> None:
    for name, service in compose_jisso_services().items():
        command, params = parse_cli(service["command"])
        if command == "serve":
            assert params["service"] == name
            assert params["port"] == DEFAULT_PORTS[name]
            assert params["host"] == "0.0.0.0"
            assert service["ports"] == [f"{DEFAULT_PORTS[name]}:{DEFAULT_PORTS[name]}"]
        else:
            assert command == name


def test_compose_healthchecks_and_start_order() -> None:
    services = compose()["services"]
    for name in ("postgres", "redis", "mailpit", *APIS):
        assert services[name]["healthcheck"]["test"], name
    for name in APIS:
        assert f"127.0.0.1:{DEFAULT_PORTS[name]}/readyz" in " ".join(
            services[name]["healthcheck"]["test"]
        )
    # The worker and the scheduler: the liveness heartbeat on the port their command passes.
    for name, port in BACKGROUND_METRICS_PORTS.items():
        _, params = parse_cli(services[name]["command"])
        assert params["metrics_port"] == port
        assert f"127.0.0.1:{port}/healthz" in " ".join(services[name]["healthcheck"]["test"])
        assert "ports" not in services[name]  # so that `--scale worker=N` works
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            condition = condition["condition"]
            assert condition in ("service_healthy", "service_completed_successfully"), name
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            else:
                assert services[dependency].get("restart") == "no", (name, dependency)
    # Nothing that serves or works starts before the migration has finished.
    for name in (*APIS, "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["notify"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_environment_matches_the_settings() -> None:
    required = {"ENVIRONMENT", "DATABASE_URL", "REDIS_URL", "SMTP_URL", "JWT_SECRET", "LINK_SECRET"}
    for name, service in compose_jisso_services().items():
        env = set(service["environment"])
        assert env <= known_variables(), f"{name}: {env - known_variables()} are read by nothing"
        assert required <= env, name
        assert {f"{peer.upper()}_URL" for peer in SERVICE_NAMES} <= env, name
        for peer in SERVICE_NAMES:
            assert service["environment"][f"{peer.upper()}_URL"] == (
                f"http://{peer}:{DEFAULT_PORTS[peer]}"
            )
