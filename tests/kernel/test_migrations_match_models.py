"""Each service's migrations build exactly the schema its models describe: a column or index added
to a model without a migration (or the other way round) fails here, not in production."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.db import async_url
from services.catalogue import SERVICE_NAMES


def _differences(connection: Connection, service: str, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_schemas": True,
            "include_name": lambda name, type_, _: type_ != "schema" or name == service,
            "version_table_schema": service,
        },
    )
    return [d for d in compare_metadata(context, metadata) if d[0] != "remove_table"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_the_migrated_schema_is_the_models_schema(database_url: str, service: str) -> None:
    models = importlib.import_module(f"services.{service}.models")
    models.load_all_models()
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences, service, models.Base.metadata)
    finally:
        await engine.dispose()
    assert differences == []
