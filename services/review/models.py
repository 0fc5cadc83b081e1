"""The review schema's declarative base and its messaging tables."""

from sqlalchemy.orm import DeclarativeBase

from libs.common.db import service_metadata
from libs.common.idempotency import idempotency_table
from libs.common.outbox import effects_table, outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata("review")


outbox = outbox_table(Base.metadata)
applied_effects = effects_table(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)


def load_all_models() -> None:
    """Import every domain's models so the metadata is complete (migrations, tests)."""
    from services.review.audit import models as _audit  # noqa: F401
    from services.review.continuation import models as _continuation  # noqa: F401
    from services.review.joint_review import models as _joint_review  # noqa: F401
    from services.review.reviewers import models as _reviewers  # noqa: F401
