"""Continuation reminders, as built by the review (``notices.deadline_reminder``) and rendered
by notify: each states the deadline's 和暦 day and time and is worded for its stage — あとN日,
明日締切, 本日締切, 期限超過 — in subject and body. The whole path (sweep → outbox → notify →
SMTP) is played in test_continuation_fy2019_cohort.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from libs.common.fiscal_year import TOKYO
from services.notify.letters.rendering import Recipient, render_message
from services.review.continuation import notices
from services.review.continuation.sweeps.service import window

DEADLINE = datetime(2021, 11, 1, 17, tzinfo=TOKYO)  # a Monday
DUE = "令和3年11月1日（月）17:00"
SNAPSHOT = {
    "title": "ドローン物流実装事業",
    "term_end": "2022-03-31",
    "proposers": [{"lg_code": "052159", "name": "仙北市", "prefecture": "秋田県", "is_lead": True}],
    "contacts": [{"contact_id": None, "name": "秋田 花子", "email": "hanako@example.jp"}],
}


def letter(as_of: str, days_before: int | None) -> tuple[dict[str, object], str, str]:
    payload = notices.deadline_reminder(
        cycle_id="c",
        fiscal_year=2021,
        project_id="p",
        snapshot=SNAPSHOT,
        deadline=DEADLINE,
        days_before=days_before,
        as_of=datetime.fromisoformat(as_of).replace(tzinfo=TOKYO),
    )
    rendered = render_message(
        payload["kind"],
        context=payload["context"],
        recipient=Recipient(name="秋田 花子", email="hanako@example.jp"),
        links={},
        sender_name="内閣府地方創生推進事務局",
    )
    return payload, rendered.subject, rendered.text


@pytest.mark.parametrize(
    ("as_of", "days_before", "stage", "subject", "lead"),
    [
        (
            "2021-10-18T18:00",
            14,
            ("days_left", 14),
            f"【あと14日】継続申請の提出期限は{DUE}です：ドローン物流実装事業",
            "継続申請の提出期限まであと14日となりましたので",
        ),
        (
            "2021-10-31T18:00",
            1,
            ("tomorrow", 1),
            f"【明日締切】継続申請の提出期限は明日 {DUE} です：ドローン物流実装事業",
            f"継続申請の提出期限は明日 {DUE} です。まだ提出を確認できておりません",
        ),
        (
            "2021-11-01T09:00",
            0,
            ("today", 0),
            f"【本日締切】継続申請の提出期限は本日 {DUE} です：ドローン物流実装事業",
            f"継続申請の提出期限は本日 {DUE} です。まだ提出を確認できておりません",
        ),
        (
            "2021-11-01T18:00",
            None,
            ("overdue", 0),
            f"【期限超過】継続申請の提出期限（{DUE}）を過ぎました：ドローン物流実装事業",
            f"継続申請の提出期限（{DUE}）を過ぎましたが、継続申請書の提出を確認できておりません",
        ),
    ],
)
def test_each_stage_has_its_own_subject_and_lead_and_states_the_time(
    as_of: str, days_before: int | None, stage: tuple[str, int], subject: str, lead: str
) -> None:
    payload, rendered_subject, text = letter(as_of, days_before)
    context = payload["context"]
    assert isinstance(context, dict)
    assert (context["stage"], context["days_left"]) == stage
    assert context["deadline"] == "2021-11-01T17:00:00+09:00"
    assert rendered_subject == subject
    assert lead in text
    assert f"■ 提出期限：{DUE}" in text
    overdue = days_before is None
    assert ("支援期間の満了（令和4年3月31日（木））をもって支援は終了となります" in text) is overdue
    assert ("期限までに継続申請の提出がない場合" in text) is not overdue
    key = "overdue" if overdue else f"{days_before}d"
    assert payload["dedupe_key"] == f"reminder:c:p:{key}"


def test_the_stage_follows_the_calendar_not_the_threshold() -> None:
    """A 1-day reminder first sent on the deadline's own morning says 本日締切, not 明日締切."""
    payload, subject, _ = letter("2021-11-01T08:00", 1)
    assert payload["dedupe_key"] == "reminder:c:p:1d"
    assert subject.startswith("【本日締切】")
    _, late, _ = letter("2021-10-19T10:00", 14)  # first sweep a day late: the truth, 13 days
    assert late.startswith("【あと13日】")


def test_the_deadline_day_reminder_starts_at_nine_and_ends_at_the_deadline() -> None:
    days = (14, 7, 1, 0)
    at = lambda text: datetime.fromisoformat(text).replace(tzinfo=TOKYO)  # noqa: E731
    assert window(DEADLINE, at("2021-10-31T16:59"), days) == 7
    assert window(DEADLINE, at("2021-10-31T17:00"), days) == 1
    assert window(DEADLINE, at("2021-11-01T08:59"), days) == 1
    assert window(DEADLINE, at("2021-11-01T09:00"), days) == 0
    assert window(DEADLINE, at("2021-11-01T16:59"), days) == 0
    assert window(DEADLINE, DEADLINE, days) is None


def test_a_letter_without_a_stage_still_states_the_time() -> None:
    """A message written before stages existed (still in an outbox) renders as before, with the
    deadline's time."""
    payload, _, _ = letter("2021-10-18T18:00", 14)
    written = payload["context"]
    assert isinstance(written, dict)
    context = {k: v for k, v in written.items() if k not in ("stage", "days_left")}
    rendered = render_message(
        "continuation_deadline_reminder",
        context=context,
        recipient=Recipient(name="秋田 花子", email="hanako@example.jp"),
        links={},
    )
    assert (
        rendered.subject == f"【ご案内】継続申請の提出期限（{DUE}）について：ドローン物流実装事業"
    )
    assert f"■ 提出期限：{DUE}" in rendered.text
