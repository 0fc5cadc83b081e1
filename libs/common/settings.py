"""Settings read from the environment (pydantic-settings).

Shared values have no prefix (``DATABASE_URL``, ``REDIS_URL``, ``SMTP_URL``, ``JWT_SECRET`` …) so one
environment serves the whole system; each service may override any of them with its own prefix
(``REGISTRY_DATABASE_URL``, ``REVIEW_REDIS_URL``, ``NOTIFY_SMTP_URL`` …) to point at its own servers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "jisso-development-secret-change-me-0123456789"

ServiceName = Literal["registry", "review", "notify"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("registry", "review", "notify")
DEFAULT_PORTS: dict[str, int] = {"registry": 8001, "review": 8002, "notify": 8003}


class Settings(BaseSettings):
    """Settings of one service; the shared values fall back to the unprefixed variables."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service: ServiceName = "registry"
    environment: Literal["development", "test", "staging", "production"] = "development"
    database_url: str = ""
    redis_url: str = ""
    smtp_url: str = ""
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    # Secrets still accepted while a key is rotated (comma separated); never used to sign.
    jwt_previous_secrets: str = ""
    jwt_issuer: str = "jisso"
    token_ttl_seconds: int = 3600
    cors_origins: str = ""
    log_level: str = "INFO"
    registry_url: str = "http://127.0.0.1:8001"
    review_url: str = "http://127.0.0.1:8002"
    notify_url: str = "http://127.0.0.1:8003"
    public_base_url: str = ""
    http_timeout_seconds: float = 5.0
    http_retries: int = 3
    # Traces are exported over OTLP/HTTP only when this is set (e.g. http://collector:4318/v1/traces).
    otel_exporter_otlp_endpoint: str = ""
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # Larger request bodies are refused with 413 before a handler reads them (libs/common/limits.py).
    max_body_bytes: int = Field(default=1_048_576, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secret_outside_development(self) -> Settings:
        if self.environment not in ("development", "test") and (
            self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32
        ):
            raise ValueError(
                "JWT_SECRET must be set to a secret of at least 32 characters "
                f"outside development (ENVIRONMENT={self.environment})"
            )
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def verification_secrets(self) -> list[str]:
        previous = [s.strip() for s in self.jwt_previous_secrets.split(",") if s.strip()]
        return [self.jwt_secret, *previous]

    def url_of(self, service: ServiceName) -> str:
        return {
            "registry": self.registry_url,
            "review": self.review_url,
            "notify": self.notify_url,
        }[service]


def load_settings(service: ServiceName, **overrides: object) -> Settings:
    """Shared variables first, then the service's prefixed variables win."""
    shared = Settings(service=service)
    prefixed = _PrefixedSettings.for_service(service)
    values = shared.model_dump()
    values.update({k: v for k, v in prefixed.items() if v not in (None, "")})
    values.update(overrides)
    values["service"] = service
    return Settings(**values)


class _PrefixedSettings:
    @staticmethod
    def for_service(service: ServiceName) -> dict[str, object]:
        class Prefixed(BaseSettings):
            model_config = SettingsConfigDict(env_prefix=f"{service.upper()}_", extra="ignore")
            database_url: str | None = None
            redis_url: str | None = None
            smtp_url: str | None = None
            cors_origins: str | None = None
            log_level: str | None = None

        return Prefixed().model_dump()


@lru_cache
def get_settings(service: ServiceName) -> Settings:
    return load_settings(service)
