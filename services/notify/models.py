"""The notify schema's declarative base and its messaging tables."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.db import service_metadata
from libs.common.idempotency import idempotency_table
from libs.common.outbox import effects_table, outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata("notify")


outbox = outbox_table(Base.metadata)
applied_effects = effects_table(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)


def load_all_models() -> None:
    """Import every domain's models so the metadata is complete (migrations, tests)."""
    from services.notify.audit import models as _audit  # noqa: F401
    from services.notify.campaigns import models as _campaigns  # noqa: F401
    from services.notify.deliveries import models as _deliveries  # noqa: F401
    from services.notify.messages import models as _messages  # noqa: F401
    from services.notify.rsvp import models as _rsvp  # noqa: F401
