"""案内キャンペーン — invitations (and reminders, updates, cancellations) for one symposium."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from libs.common.db import state_type
from services.notify.campaigns.states import CampaignState
from services.notify.models import Base


class Campaign(Base):
    """draft → sending → done (or cancelled while a draft): ``states.py``."""

    __tablename__ = "campaigns"
    # At most one invitation under way per symposium (migration 0005); the service says so first
    # with a problem, this catches two drafts made at the same moment.
    __table_args__ = (
        Index(
            "uq_campaigns_one_active_invitation",
            "symposium_id",
            unique=True,
            postgresql_where=text(
                "kind = 'invitation' AND status IN ('draft', 'approved', 'sending')"
            ),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    symposium_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))  # invitation | reminder | update | cancellation
    status: Mapped[CampaignState] = mapped_column(
        state_type(CampaignState, 20), default=CampaignState.draft
    )
    # The symposium as the registry described it when the campaign was drafted (time, sequence…).
    symposium: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Template context beyond the symposium: audience (reminders), previous (updates), reason.
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
