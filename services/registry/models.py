"""The registry schema's declarative base, its messaging tables and its Idempotency-Key store."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.db import service_metadata
from libs.common.idempotency import idempotency_table
from libs.common.outbox import effects_table, outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata("registry")


outbox = outbox_table(Base.metadata)
applied_effects = effects_table(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)


def load_all_models() -> None:
    """Import every domain's models so the metadata is complete (migrations, tests)."""
    from services.registry.audit import models as _audit  # noqa: F401
    from services.registry.contacts import models as _contacts  # noqa: F401
    from services.registry.councils import models as _councils  # noqa: F401
    from services.registry.figures import models as _figures  # noqa: F401
    from services.registry.local_governments import models as _lg  # noqa: F401
    from services.registry.programmes import models as _programmes  # noqa: F401
    from services.registry.projects import models as _projects  # noqa: F401
    from services.registry.symposia import models as _symposia  # noqa: F401
