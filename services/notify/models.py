"""The notify schema's declarative base and its messaging tables."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.db import service_metadata
from libs.common.outbox import effects_table, outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata("notify")


outbox = outbox_table(Base.metadata)
applied_effects = effects_table(Base.metadata)
