"""Alembic per service: its own folder, its own schema and version table; run by ``jisso migrate``.

Never at app start-up. ``upgrade`` runs inside an event loop by sharing one connection with
Alembic (its cookbook's connection-sharing recipe), so tests and the CLI use the same path.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from alembic.runtime.migration import MigrationInfo
from sqlalchemy import MetaData, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.db import engine_options
from libs.common.settings import service_spec


def alembic_config(service: str) -> Config:
    """The registered service's own Alembic folder; its schema is its name."""
    config = Config()
    config.set_main_option("script_location", str(service_spec(service).migrations))
    config.attributes["schema"] = service
    return config


async def upgrade(
    service: str,
    database_url: str,
    revision: str = "head",
    *,
    pooler: str = "none",
    report: Callable[[str], None] | None = None,
) -> None:
    """``pooler`` as ``DATABASE_POOLER``; TLS comes with the URL (libs.common.db). ``report`` is
    handed one line per migration as it is applied (``jisso migrate`` prints them: a long one
    is seen to be running, not hung)."""
    url, options = engine_options(database_url, pooler=pooler, application_name="jisso-migrate")
    engine = create_async_engine(url, **options)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))

            def run(sync_conn: Connection) -> None:
                config = alembic_config(service)
                config.attributes["connection"] = sync_conn
                config.attributes["report"] = report
                command.upgrade(config, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """Body of every service's ``env.py``; the connection is handed over by :func:`upgrade`."""
    connection: Connection | None = context.config.attributes.get("connection")
    schema: str = context.config.attributes["schema"]
    if connection is None:
        raise RuntimeError("run migrations with `jisso migrate`, which provides the connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=lambda name, type_, _: type_ != "schema" or name == schema,
        compare_type=True,
        on_version_apply=_reporter(context.config.attributes.get("report")),
    )
    with context.begin_transaction():
        context.run_migrations()


def _reporter(report: Callable[[str], None] | None) -> Callable[..., None] | None:
    """Alembic's ``on_version_apply`` hook: after each step, one line naming it."""
    if report is None:
        return None

    def applied(*, ctx: object, step: MigrationInfo, heads: object, run_args: object) -> None:
        schema = context.config.attributes["schema"]
        # Scripts from a folder are alembic's Script, whose doc is the message line.
        doc = " ".join(str(getattr(step.up_revision, "doc", "")).split())  # one line each
        report(f"{schema}: applied {step.up_revision_id} ({doc})")

    return applied


def create_messaging_tables(schema: str) -> None:
    """The outbox and applied-effects tables every service schema holds (see libs.common.outbox)."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("function", sa.String(100), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_unsent",
        "outbox",
        ["created_at"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "applied_effects",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column(
            "applied_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name="pk_applied_effects"),
        schema=schema,
    )


def add_outbox_due_at(schema: str) -> None:
    """``outbox.due_at``: a message re-armed after its job ran out of tries waits until then."""
    op.add_column(
        "outbox",
        sa.Column(
            "due_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        schema=schema,
    )


def drop_outbox_due_at(schema: str) -> None:
    op.drop_column("outbox", "due_at", schema=schema)


def create_idempotency_table(schema: str) -> None:
    """The Idempotency-Key store (see libs.common.idempotency)."""
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("route", sa.String(300), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("body", JSONB()),
        sa.Column("headers", JSONB()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
        schema=schema,
    )
