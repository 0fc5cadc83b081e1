"""Reads run by the driver (libs/common/driver_reads.py) answer what SQLAlchemy's execution
answers, on a connection the pool lends or on a caller's, behind a transaction-mode pooler too,
and refuse statements whose values SQLAlchemy would convert."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import (
    Integer,
    Numeric,
    TypeDecorator,
    Uuid,
    bindparam,
    column,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common import db
from libs.common.driver_reads import MAX_SHAPES, CompiledRead, Reads, Shapes
from libs.common.errors import ServiceUnavailable
from libs.common.settings import Settings

ROWS = (
    select(
        column("n"),
        (column("n") * 2).label("twice"),
        literal_column("""'{"k": [1, "二"]}'::jsonb""", JSONB).label("document"),
    )
    .select_from(text("generate_series(1, 3) AS n"))
    .where(column("n") >= bindparam("least"))
)
READ = CompiledRead(ROWS)


@pytest.fixture
async def service_engine(make_settings: Callable[..., Settings]) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(make_settings("registry", db_pool_size=1, db_max_overflow=0))
    yield engine
    await engine.dispose()


async def _sqlalchemy_rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(ROWS, {"least": 2})).all()]


async def test_the_driver_answers_what_sqlalchemy_answers_in_autocommit(
    service_engine: AsyncEngine,
) -> None:
    reads = Reads(service_engine, in_transactions=False)
    rows = await READ.all(reads, {"least": 2})
    await reads.release()

    assert [tuple(row) for row in rows] == await _sqlalchemy_rows(service_engine)
    assert rows[0]._fields == ("n", "twice", "document")
    assert (rows[0].n, rows[0].twice, rows[0].document) == (2, 4, {"k": [1, "二"]})


async def test_on_a_caller_s_connection_the_driver_sees_its_uncommitted_rows(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection, connection.begin():
        await connection.execute(text("CREATE TEMPORARY TABLE seen (id uuid) ON COMMIT DROP"))
        written = uuid.uuid4()
        await connection.execute(text("INSERT INTO seen VALUES (:id)"), {"id": written})
        seen = table("seen", column("id", Uuid()))
        read = CompiledRead(select(seen.c.id).where(seen.c.id == bindparam("id")))
        reads = Reads(connection, in_transactions=False)

        row = await read.first(reads, {"id": written})

        assert row is not None and row.id == written
        assert await read.first(reads, {"id": uuid.uuid4()}) is None


class _Shouted(TypeDecorator[str]):
    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value


def test_a_statement_whose_values_sqlalchemy_converts_is_refused() -> None:
    with pytest.raises(ValueError, match="converts column amount"):
        CompiledRead(select(literal_column("1.5", Numeric(asdecimal=False)).label("amount")))
    with pytest.raises(ValueError, match="parameters SQLAlchemy converts"):
        CompiledRead(select(literal(1).label("n")).where(bindparam("x", type_=_Shouted()) == 1))


def test_each_shape_is_compiled_once_and_the_cache_is_bounded() -> None:
    built: list[int] = []

    def build(shape: int) -> Any:
        built.append(shape)
        return select(literal_column(str(shape)).label("n"))

    shapes = Shapes(build)
    assert shapes[1] is shapes[1] and built == [1]
    for shape in range(2, MAX_SHAPES + 3):
        shapes[shape]
    shapes[1]
    assert built.count(1) == 2


async def test_a_connection_the_server_ended_answers_503_and_is_not_pooled_again(
    service_engine: AsyncEngine, engine: AsyncEngine
) -> None:
    reads = Reads(service_engine, in_transactions=False)
    (row,) = await CompiledRead(
        select(literal_column("pg_backend_pid()", Integer).label("pid"))
    ).all(reads, {})
    async with engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row.pid})

    with pytest.raises(ServiceUnavailable) as lost:
        await READ.all(reads, {"least": 1})
    await reads.release()
    assert lost.value.status == 503

    again = Reads(service_engine, in_transactions=False)
    assert len(await READ.all(again, {"least": 1})) == 3
    await again.release()


@pytest.mark.parametrize("pooler", [False, True])
async def test_a_request_s_reads_borrow_one_pooled_connection_and_give_it_back(
    service_engine: AsyncEngine, pooler: bool
) -> None:
    """``ReadsDep``: no session; behind a transaction-mode pooler each read in a transaction."""
    for _ in range(2):  # one connection in the pool: the second request gets it back
        reads = Reads(service_engine, in_transactions=pooler)
        first = await READ.all(reads, {"least": 2})
        again = await READ.first(reads, {"least": 3})
        await reads.release()
        assert [tuple(row) for row in first] == [(2, 4, {"k": [1, "二"]}), (3, 6, {"k": [1, "二"]})]
        assert again is not None and again.n == 3
    assert service_engine.sync_engine.pool.checkedout() == 0


async def test_on_a_caller_s_connection_a_refused_read_leaves_its_transaction_usable(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("SELECT 1"))
        reads = Reads(connection, in_transactions=False)
        divided = CompiledRead(select(literal_column("1 / 0", Integer).label("x")))
        with pytest.raises(asyncpg.DivisionByZeroError):  # refused by the server
            await divided.all(reads, {})
        assert len(await READ.all(reads, {"least": 1})) == 3
        await reads.release()
        assert (await connection.execute(text("SELECT 2"))).scalar() == 2
