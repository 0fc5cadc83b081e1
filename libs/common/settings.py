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
DEVELOPMENT_LINK_SECRET = "jisso-development-link-secret-change-me-0123456789"
MIN_SECRET_LENGTH = 32

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
    # Signs notify's RSVP and unsubscribe links, apart from JWT_SECRET: links in mails live a year,
    # API keys are rotated far more often (docs/operations.md, "Rotate the link key").
    link_secret: str = DEVELOPMENT_LINK_SECRET
    link_previous_secrets: str = ""
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
    # Connections past the pool size are closed on every return (SQLAlchemy's overflow), so a
    # burst above it paid a connect, type introspection and statement preparation per request: by
    # default the whole ceiling of 20 is pool, opened on demand and kept.
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    # Larger request bodies are refused with 413 before a handler reads them (libs/common/limits.py).
    max_body_bytes: int = Field(default=1_048_576, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> Settings:
        if self.environment in ("development", "test"):
            return self
        for variable, secret, default in (
            ("JWT_SECRET", self.jwt_secret, DEVELOPMENT_JWT_SECRET),
            ("LINK_SECRET", self.link_secret, DEVELOPMENT_LINK_SECRET),
        ):
            if secret == default or len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{variable} must be set to a secret of at least {MIN_SECRET_LENGTH} "
                    f"characters outside development (ENVIRONMENT={self.environment})"
                )
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def verification_secrets(self) -> list[str]:
        return [self.jwt_secret, *_listed(self.jwt_previous_secrets)]

    @property
    def link_verification_secrets(self) -> list[str]:
        return [self.link_secret, *_listed(self.link_previous_secrets)]

    def url_of(self, service: ServiceName) -> str:
        return {
            "registry": self.registry_url,
            "review": self.review_url,
            "notify": self.notify_url,
        }[service]


def _listed(secrets: str) -> list[str]:
    return [s.strip() for s in secrets.split(",") if s.strip()]


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
