"""Review's own knobs (``REVIEW_…``): who operators are for escalations, when reminders go out.

Kept apart from the shared ``Settings`` because only the review service reads them. The prefix is
shared with the per-service overrides of ``Settings`` (``REVIEW_DATABASE_URL`` …); each class
ignores the other's variables.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReviewSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore", env_file=None)

    # Overdue assessments are escalated to this mailbox (the programme office's shared address):
    # one address rather than each operator, because operators are token subjects, not contacts.
    # The default is a placeholder: set REVIEW_OPERATOR_EMAIL in every real deployment.
    operator_email: str = "review-office@example.jp"
    operator_name: str = "内閣府地方創生推進事務局 継続審査担当"
    # Days before the application deadline at which projects without a submission are reminded;
    # 0 is the deadline's own day, from 09:00 (本日締切). Each letter names its stage (あと14日,
    # 明日締切, 本日締切) from the calendar, not from the threshold.
    deadline_reminder_days: tuple[int, ...] = Field(default=(14, 7, 1, 0))
    # A project that became 未申請 at the deadline is told so (期限超過) once, by a sweep within
    # this many days after the deadline; a later first sweep sends no stale notice.
    overdue_notice_days: int = Field(default=7, ge=0)
    # Days before the review due date at which reviewers with unsubmitted assessments are reminded.
    assessment_reminder_days: tuple[int, ...] = Field(default=(7, 1))


@lru_cache
def get_review_settings() -> ReviewSettings:
    return ReviewSettings()
