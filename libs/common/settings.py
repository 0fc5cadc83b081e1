"""Settings read from the environment (pydantic-settings).

Shared values have no prefix (``DATABASE_URL``, ``REDIS_URL``, ``SMTP_URL``, ``JWT_SECRET`` …) so
one environment serves the whole system; each service may override any of them with its own prefix
(``REGISTRY_DATABASE_URL``, ``REVIEW_REDIS_URL``, ``REVIEW_JWT_SECRET`` …) to point at its own
servers or keys. A prefixed variable that no setting reads is refused, not ignored.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.common.key_strength import weakness

DEVELOPMENT_JWT_SECRET = "jisso-development-secret-change-me-0123456789"
DEVELOPMENT_LINK_SECRET = "jisso-development-link-secret-change-me-0123456789"
# Public (they are in this file): refused in every key variable outside development.
DEVELOPMENT_SECRETS = frozenset({DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LINK_SECRET})


@dataclass(frozen=True)
class ServiceSpec:
    """One service of the system, as the kernel needs to know it.

    The kernel declares no service of its own: the composition root (services/catalogue.py) hands
    it these with `register_services`, so the names, ports and migration folders live in one place
    outside the kernel. The name is also the service's schema, its variable prefix
    (``<NAME>_DATABASE_URL``) and its peers' ``<NAME>_URL``."""

    name: str
    port: int  # the API's default port
    # Prometheus metrics, on a port apart from the API's (libs/common/metrics_endpoint.py); the
    # worker's `--metrics-port` is 9100 by convention.
    metrics_port: int
    migrations: Path  # the service's Alembic folder
    # It mails personal links (RSVP, unsubscribe) built on PUBLIC_BASE_URL, which it then needs.
    mails_links: bool = False
    # The service's own knobs under its prefix (``NOTIFY_SEND_RATE_PER_SECOND``): their names
    # are known prefixed variables, not typos (`refuse_unknown_prefixed`).
    own_settings: type[BaseSettings] | None = None


_registered: dict[str, ServiceSpec] = {}


def register_services(*specs: ServiceSpec) -> None:
    """Make these services known to settings and migrations (the composition root calls it)."""
    for spec in specs:
        _registered[spec.name] = spec


def service_spec(name: str) -> ServiceSpec:
    try:
        return _registered[name]
    except KeyError:
        known = ", ".join(_registered) or "none registered: importing `services` registers them"
        raise LookupError(f"unknown service {name!r} ({known})") from None


def _peer_urls() -> dict[str, str]:
    """Each registered service's base URL: its ``<NAME>_URL`` variable, else its local port."""
    return {
        name: os.environ.get(f"{name.upper()}_URL", f"http://127.0.0.1:{spec.port}")
        for name, spec in _registered.items()
    }


class LogSettings(BaseSettings):
    """How a process logs: read by every ``jisso`` command before it does anything else (a
    refused value is one line), and by each service with its prefix like any setting."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # auto: console lines (coloured unless NO_COLOR) when stdout is a terminal, else JSON lines.
    log_format: Literal["auto", "json", "console"] = "auto"

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()


class Settings(LogSettings):
    """Settings of one service; the shared values fall back to the unprefixed variables."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service: str = ""  # a registered ServiceSpec's name (load_settings checks it)
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
    # The longest a token may live (exp − iat): a longer one is refused (401) and never minted; a
    # leaked token is usable at most this long. `jisso token` mints a day by default.
    jwt_max_lifetime_seconds: int = Field(default=86_400, ge=60)
    token_ttl_seconds: int = Field(default=3600, ge=1)
    cors_origins: str = ""
    # log_level, log_format: LogSettings
    # Peers by service name (`url_of`), each from its own variable (``<NAME>_URL``, not this field).
    service_urls: dict[str, str] = Field(default_factory=_peer_urls)
    public_base_url: str = ""
    http_timeout_seconds: float = 5.0
    http_retries: int = 3
    # Traces are exported over OTLP/HTTP only when this is set (e.g. http://collector:4318/v1/traces).
    otel_exporter_otlp_endpoint: str = ""
    # Connections past the pool size are closed on every return (SQLAlchemy's overflow), so a
    # burst above it paid a connect, type introspection and statement preparation per request: by
    # default the whole ceiling of 20 is pool, opened on demand and kept.
    db_pool_size: int = Field(default=20, ge=1)
    # "transaction" behind PgBouncer (or another pooler) in transaction mode: no statement
    # caches, no state kept past a transaction (libs/common/db.py, docs/operations.md).
    database_pooler: Literal["none", "transaction"] = "none"
    db_max_overflow: int = Field(default=0, ge=0)
    # Larger request bodies are refused with 413 before a handler reads them
    # (libs/common/limits.py).
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # The request line and header fields together, and how many fields: over either, `jisso serve`
    # answers 431 before the head is read whole (libs/common/header_limits.py).
    max_header_bytes: int = Field(default=16_384, ge=1024)
    max_header_fields: int = Field(default=100, ge=10)
    # Empty: the service's own port (its ServiceSpec's metrics_port); 0: no metrics server.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # Peers whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips): the address the
    # rate limits key on. "*" only where nothing but the ingress controller reaches the API port.
    forwarded_allow_ips: str = "127.0.0.1"
    # Inbound rate limits in the `limits` package's notation ("30/minute", "10/second;500/hour");
    # empty: no limit for that class (libs/common/rate_limits.py, docs/operations.md).
    rate_limit_public: str = "30/minute"
    rate_limit_authenticated: str = "6000/minute"
    rate_limit_unauthenticated: str = "30/minute"

    @model_validator(mode="after")
    def _token_ttl_within_the_maximum(self) -> Settings:
        if self.token_ttl_seconds > self.jwt_max_lifetime_seconds:
            raise ValueError(
                f"TOKEN_TTL_SECONDS must not exceed JWT_MAX_LIFETIME_SECONDS "
                f"({self.jwt_max_lifetime_seconds})"
            )
        return self

    @field_validator("jwt_secret", "jwt_previous_secrets", "link_secret", "link_previous_secrets")
    @classmethod
    def _refuse_weak_keys_outside_development(cls, value: str, info: ValidationInfo) -> str:
        """Each key variable, the rotation lists included (a development key listed as previous
        would still verify tokens anyone can mint): rules in libs/common/key_strength.py."""
        environment = info.data.get("environment", "development")
        if environment in ("development", "test"):
            return value
        variable = str(info.field_name).upper()
        if variable.endswith("_PREVIOUS_SECRETS"):
            keys = _listed(value)
            named = [(f"{variable} (key {i} of {len(keys)})", k) for i, k in enumerate(keys, 1)]
        else:
            named = [(variable, value)]
        problems = [
            f"{name} {why}" for name, key in named if (why := weakness(key, DEVELOPMENT_SECRETS))
        ]
        if problems:
            raise ValueError("; ".join(problems) + f" (ENVIRONMENT={environment})")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_links_are_https_outside_development(cls, value: str, info: ValidationInfo) -> str:
        """The address people reach jisso at: the RSVP and unsubscribe links in mails are built
        on it (the service whose spec says ``mails_links``). Outside development it must be
        https (a token in a plain-http link is read on the way), and that service must have one:
        its fallback, its own ``<NAME>_URL``, is an address inside the cluster that no
        recipient reaches."""
        environment = info.data.get("environment", "development")
        if environment in ("development", "test"):
            return value
        if not value.strip():
            spec = _registered.get(str(info.data.get("service")))
            if spec is None or not spec.mails_links:
                return value  # only the service that mails links needs it
            raise ValueError(
                "PUBLIC_BASE_URL must be set to the https:// address recipients reach "
                f"{spec.name} at (the links in mails are built on it; ENVIRONMENT={environment})"
            )
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                f"PUBLIC_BASE_URL must be an https:// URL such as https://notify.example.go.jp, "
                f"not {value.strip()!r} (ENVIRONMENT={environment})"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_tls_options_read(cls, value: str) -> str:
        from libs.common.redis_options import redis_target  # its rules, named in its errors

        if value.strip():
            redis_target(value)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_safe(cls, value: str) -> str:
        from libs.common.smtp_url import read_smtp_url  # its rules, named in its errors

        if value.strip():
            read_smtp_url(value)
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _empty_metrics_port_is_the_default(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("rate_limit_public", "rate_limit_authenticated", "rate_limit_unauthenticated")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        from limits import parse_many  # the notation is the library's: refuse what it cannot read

        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit such as '30/minute' ({exc})") from None
        return value

    @property
    def metrics_listen_port(self) -> int:
        """The port of the metrics server; 0 when there is none."""
        if self.metrics_port is None:
            return service_spec(self.service).metrics_port
        return self.metrics_port

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def verification_secrets(self) -> list[str]:
        return [self.jwt_secret, *_listed(self.jwt_previous_secrets)]

    @property
    def link_verification_secrets(self) -> list[str]:
        return [self.link_secret, *_listed(self.link_previous_secrets)]

    def url_of(self, service: str) -> str:
        """The base URL of a service, this one included (``<NAME>_URL``)."""
        try:
            return self.service_urls[service]
        except KeyError:
            raise LookupError(f"no URL for service {service!r}") from None


def _listed(secrets: str) -> list[str]:
    return [s.strip() for s in secrets.split(",") if s.strip()]


def load_settings(service: str, **overrides: object) -> Settings:
    """Shared variables first, then the service's prefixed variables win, then `overrides`.

    Every field may be prefixed (``REVIEW_JWT_SECRET``); a prefixed variable that names nothing
    this service reads (``REVIEW_JWT_SECRT``) is refused (:class:`UnknownVariable`) rather than
    silently ignored. An override ``<name>_url`` (``registry_url=…``) sets that peer's entry in
    `service_urls`."""
    service_spec(service)  # a registered service, or a LookupError naming the known ones
    refuse_unknown_prefixed(service)
    shared = Settings(service=service)
    values = shared.model_dump()
    values.update({k: v for k, v in _prefixed_values(service).items() if v not in (None, "")})
    urls = dict(shared.service_urls)
    for name in _registered:
        if f"{name}_url" in overrides:
            urls[name] = str(overrides.pop(f"{name}_url"))
    values.update(overrides, service_urls=urls, service=service)
    return Settings(**values)


# Not read per service: the service's name itself, and the peers' URLs (each ``<NAME>_URL``).
_UNPREFIXED_FIELDS = frozenset({"service", "service_urls"})


@lru_cache
def _prefixed_model(service: str) -> type[BaseSettings]:
    """A model generated from `Settings`' fields, each optional text read with ``<SERVICE>_``
    (`Settings` validates it after the shared values merge): a field added to `Settings` is
    prefixable without a second list to keep in step."""

    class Prefixed(BaseSettings):
        model_config = SettingsConfigDict(
            env_prefix=f"{service.upper()}_", extra="ignore", env_file=None
        )

    fields: dict[str, Any] = {
        name: (str | None, None) for name in Settings.model_fields if name not in _UNPREFIXED_FIELDS
    }
    return create_model(f"{service.title()}PrefixedSettings", __base__=Prefixed, **fields)


def _prefixed_values(service: str) -> dict[str, object]:
    return _prefixed_model(service)().model_dump()


class UnknownVariable(ValueError):
    """A ``<SERVICE>_…`` variable that no setting of that service reads: a typo would otherwise
    leave the shared value (a development key, another service's database) silently in force."""


# Kubernetes sets these for every Service in the namespace (``REVIEW_SERVICE_HOST``,
# ``REVIEW_PORT_8002_TCP_ADDR`` …): a Service named like a jisso service shares its prefix.
_SERVICE_LINK = re.compile(r"(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_\w+)?)?)")


def prefixed_names(service: str) -> frozenset[str]:
    """Every variable name with ``<SERVICE>_`` that this service reads: `Settings`' fields, the
    service's own settings class (its `ServiceSpec`), and its peer URL ``<SERVICE>_URL``."""
    prefix = f"{service.upper()}_"
    names = {prefix + name.upper() for name in Settings.model_fields} - {
        prefix + name.upper() for name in _UNPREFIXED_FIELDS
    }
    names.add(prefix + "URL")
    own = _registered[service].own_settings
    if own is not None:
        names |= {prefix + name.upper() for name in own.model_fields}
    return frozenset(names)


def refuse_unknown_prefixed(service: str) -> None:
    prefix = f"{service.upper()}_"
    known = prefixed_names(service)
    for variable in sorted(os.environ):
        name = variable.upper()
        if not name.startswith(prefix) or name in known:
            continue
        if _SERVICE_LINK.fullmatch(name.removeprefix(prefix)):
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f": did you mean {close[0]}?" if close else ""
        raise UnknownVariable(
            f"{variable} is set but {service} reads no such setting{hint} "
            f"(each {prefix}… variable overrides one setting of {service})"
        )


@lru_cache
def get_settings(service: str) -> Settings:
    return load_settings(service)
