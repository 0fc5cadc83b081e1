"""Templates of every kind, the MIME message around them, and the ICS attachment."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from libs.common.errors import InvalidInput
from libs.common.fiscal_year import TOKYO
from services.notify.config import NotifySettings
from services.notify.letters.ics import IcsMethod, invitation
from services.notify.letters.kinds import KINDS
from services.notify.letters.mime import build_email
from services.notify.letters.rendering import Recipient, render_message

SYMPOSIUM_ID = uuid.UUID("6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
SYMPOSIUM: dict[str, Any] = {
    "id": str(SYMPOSIUM_ID),
    "fiscal_year": 2021,
    "fiscal_year_label": "令和3年度",
    "number": 4,
    "theme": "共通の課題",
    "starts_at": "2022-02-17T13:30:00+09:00",
    "ends_at": "2022-02-17T15:00:00+09:00",
    "format": "web",
    "join_url": "https://meet.example.jp/r3-4",
    "status": "scheduled",
    "sequence": 2,
}
LINKS = {
    "attend": "https://notify.example.jp/v1/rsvp/tok?response=attend",
    "decline": "https://notify.example.jp/v1/rsvp/tok?response=decline",
    "unsubscribe": "https://notify.example.jp/v1/unsubscribe/tok2",
}
CONTEXTS: dict[str, dict[str, Any]] = {
    "symposium_invitation": {"symposium": SYMPOSIUM},
    "symposium_reminder": {"symposium": SYMPOSIUM, "audience": "unanswered"},
    "symposium_update": {
        "symposium": SYMPOSIUM,
        "previous": {
            "starts_at": "2022-02-10T13:30:00+09:00",
            "ends_at": "2022-02-10T15:00:00+09:00",
        },
    },
    "symposium_cancellation": {"symposium": SYMPOSIUM, "reason": "講師の体調不良"},
    "symposium_waitlist_promoted": {"symposium": SYMPOSIUM},
    "symposium_rsvp_confirmation": {
        "symposium": SYMPOSIUM,
        "response": "waitlisted",
        "position": 2,
    },
    "continuation_deadline_reminder": {
        "project_name": "ドローン物流実装事業",
        "local_government": "秩父市",
        "deadline": "2021-12-17",
    },
    "assessment_reminder": {"project_name": "ドローン物流実装事業", "due_date": "2021-11-30"},
    "assessment_escalation": {
        "project_name": "ドローン物流実装事業",
        "due_date": "2021-11-30",
        "reviewer_name": "審査 太郎",
    },
    "continuation_decision": {
        "project_name": "ドローン物流実装事業",
        "local_government": "秩父市",
        "decision": "approved",
        "decided_on": "2021-12-17",
        "term_end": "2024-03-31",
    },
    "joint_review_result": {
        "fiscal_year_label": "令和3年度",
        "region": "秩父市",
        "result": "selected",
        "programmes": ["未来技術社会実装事業", "スーパーシティ"],
    },
}
EXPECTED_SUBJECT = {
    "symposium_invitation": (
        "【ご案内】令和3年度 第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木）開催）"
    ),
    "symposium_cancellation": (
        "【開催中止のお知らせ】令和3年度 第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木））"
    ),
    "continuation_decision": "【通知】継続審査の結果について：ドローン物流実装事業",
    "continuation_deadline_reminder": (
        "【ご案内】継続申請の提出期限（令和3年12月17日（金））について：ドローン物流実装事業"
    ),
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
HANAKO = Recipient(name="秩父 花子", email="hanako@example.jp")


def render(kind: str, **overrides: Any) -> Any:
    links = LINKS if KINDS[kind].symposium else {}
    return render_message(
        kind,
        context={**CONTEXTS[kind], **overrides},
        recipient=HANAKO,
        links=links,
        sender_name="内閣府地方創生推進事務局",
    )


def test_every_kind_has_a_context_here() -> None:
    assert set(CONTEXTS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_japanese_subject_text_and_html(kind: str) -> None:
    rendered = render(kind)
    assert JAPANESE.search(rendered.subject)
    assert "\n" not in rendered.subject
    assert rendered.text.startswith("秩父 花子 様\n")
    assert "<p>秩父 花子 様</p>" in rendered.html
    assert '<html lang="ja">' in rendered.html
    assert "内閣府地方創生推進事務局" in rendered.text
    if kind in EXPECTED_SUBJECT:
        assert rendered.subject == EXPECTED_SUBJECT[kind]


def test_symposium_letters_show_theme_jst_time_format_join_url_and_links() -> None:
    rendered = render("symposium_invitation")
    for text in (rendered.text, rendered.html):
        assert "共通の課題" in text
        assert "令和4年2月17日（木）13:30〜15:00" in text
        assert "オンライン（Web会議）" in text
        assert "https://meet.example.jp/r3-4" in text
        assert "response=attend" in text and "response=decline" in text
        assert LINKS["unsubscribe"] in text
    # A UTC instant is shown in Japan time.
    utc = render(
        "symposium_invitation",
        symposium={
            **SYMPOSIUM,
            "starts_at": "2022-02-17T04:30:00Z",
            "ends_at": "2022-02-17T06:00Z",
        },
    )
    assert "令和4年2月17日（木）13:30〜15:00" in utc.text


def test_cancellation_has_no_rsvp_links_and_update_shows_previous_time() -> None:
    cancellation = render("symposium_cancellation")
    assert "response=attend" not in cancellation.text
    assert "講師の体調不良により" in cancellation.text
    update = render("symposium_update")
    assert "変更前の日時：令和4年2月10日（木）13:30〜15:00" in update.text


@pytest.mark.parametrize(
    ("reason", "written"),
    [
        ("講師の体調不良", "講師の体調不良により、開催を中止"),
        ("講師の都合により", "講師の都合により、開催を中止"),
        ("台風接近のため", "台風接近のため、開催を中止"),
        ("会場の都合によって", "会場の都合によって、開催を中止"),
    ],
)
def test_a_cancellation_reason_gets_its_particle_once(reason: str, written: str) -> None:
    rendered = render("symposium_cancellation", reason=reason)
    for text in (rendered.text, rendered.html):
        assert written in text
        assert "によりにより" not in text and "ためにより" not in text


@pytest.mark.parametrize("kind", sorted(k for k in KINDS if KINDS[k].symposium))
def test_every_symposium_subject_names_the_fiscal_year(kind: str) -> None:
    """第1回 recurs every 年度: the subject says which year's session it is."""
    assert "令和3年度 第4回 未来技術実装ミニシンポジウム" in render(kind).subject
    # A symposium without the registry's label still gets one, from its fiscal year.
    bare = {k: v for k, v in SYMPOSIUM.items() if k != "fiscal_year_label"}
    assert "令和3年度 第4回" in render(kind, symposium=bare).subject


def test_html_escapes_the_context_and_text_keeps_it() -> None:
    rendered = render("continuation_decision", project_name="<script>alert('x')</script>")
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in rendered.html
    assert "<script>alert('x')</script>" in rendered.text


def test_a_subject_cannot_smuggle_a_header() -> None:
    rendered = render("continuation_decision", project_name="事業\r\nBcc: victim@example.jp")
    assert "\r" not in rendered.subject and "\n" not in rendered.subject


def test_unknown_kind_and_missing_keys_are_422_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as unknown:
        render_message("birthday_card", context={}, recipient=HANAKO, links={})
    assert unknown.value.status == 422
    assert unknown.value.errors and unknown.value.errors[0].field == "body.kind"

    with pytest.raises(InvalidInput) as missing:
        render_message(
            "continuation_decision", context={"project_name": "x"}, recipient=HANAKO, links={}
        )
    assert missing.value.errors and missing.value.errors[0].field == "body.context.local_government"

    context = {"symposium": {k: v for k, v in SYMPOSIUM.items() if k != "theme"}}
    with pytest.raises(InvalidInput) as nested:
        render_message("symposium_invitation", context=context, recipient=HANAKO, links=LINKS)
    assert nested.value.errors and nested.value.errors[0].field == "body.context.symposium.theme"

    # A link the template needs is missing: StrictUndefined names it instead of printing a hole.
    with pytest.raises(InvalidInput) as link:
        render_message(
            "symposium_invitation",
            context=CONTEXTS["symposium_invitation"],
            recipient=HANAKO,
            links={"unsubscribe": "https://x"},
        )
    assert link.value.errors and link.value.errors[0].field == "body.context.attend"


def built(ics: bytes | None = None, method: IcsMethod = "REQUEST") -> tuple[bytes, EmailMessage]:
    raw = build_email(
        render("symposium_invitation"),
        settings=NotifySettings(),
        to=HANAKO,
        message_id="<0c1d2e3f@jisso>",
        ics=ics,
        ics_method=method,
        list_unsubscribe_url=LINKS["unsubscribe"],
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return raw, parsed


def test_headers_are_rfc2047_and_bodies_base64_or_quoted_printable() -> None:
    raw, parsed = built()
    raw.decode("ascii")  # 7-bit clean: any relay carries it
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert re.search(r"^Subject: =\?utf-8\?[bq]\?", head, re.M | re.I)
    assert re.search(r"^From: =\?utf-8\?[bq]\?.*\n?.*<office@jisso\.invalid>", head, re.M | re.I)
    assert "Message-ID: <0c1d2e3f@jisso>" in head
    assert f"List-Unsubscribe: <{LINKS['unsubscribe']}>" in head
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in head
    assert parsed["Subject"] == EXPECTED_SUBJECT["symposium_invitation"]
    assert parsed["To"].addresses[0].display_name == "秩父 花子"
    assert parsed.get_content_type() == "multipart/alternative"
    text_part, html_part = parsed.iter_parts()
    assert text_part["Content-Transfer-Encoding"] == "base64"
    assert html_part["Content-Transfer-Encoding"] == "quoted-printable"
    assert text_part.get_content().startswith("秩父 花子 様")
    assert "令和4年2月17日（木）13:30〜15:00" in html_part.get_content()


def test_the_ics_parses_with_tokyo_times_uid_sequence_and_method() -> None:
    ics = invitation(
        SYMPOSIUM,
        method="REQUEST",
        organizer_email="office@jisso.invalid",
        organizer_name="内閣府 事務局",
    ).for_attendee(HANAKO.email, HANAKO.name)
    _, parsed = built(ics)
    assert parsed.get_content_type() == "multipart/mixed"
    attachment = next(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    (event,) = calendar.walk("VEVENT")
    tokyo = ZoneInfo("Asia/Tokyo")
    assert event["DTSTART"].dt == datetime(2022, 2, 17, 13, 30, tzinfo=tokyo)
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event["DTEND"].dt == datetime(2022, 2, 17, 15, 0, tzinfo=tokyo)
    assert event["DTEND"].params["TZID"] == "Asia/Tokyo"
    assert b"DTSTART;TZID=Asia/Tokyo:20220217T133000" in ics
    assert str(event["UID"]) == f"symposium-{SYMPOSIUM_ID}@jisso"
    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == (
        "令和3年度 第4回 未来技術実装ミニシンポジウム（テーマ：共通の課題）"
    )
    assert str(event["URL"]) == "https://meet.example.jp/r3-4"
    assert str(event["ATTENDEE"]) == "mailto:hanako@example.jp"
    assert str(event["ORGANIZER"]) == "mailto:office@jisso.invalid"


def test_a_cancellation_ics_cancels_the_same_event_with_a_higher_sequence() -> None:
    cancelled = {**SYMPOSIUM, "status": "cancelled", "sequence": 3}
    ics = invitation(
        cancelled,
        method="CANCEL",
        organizer_email="office@jisso.invalid",
        organizer_name="事務局",
    ).for_attendee(HANAKO.email, HANAKO.name)
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert str(event["UID"]) == f"symposium-{SYMPOSIUM_ID}@jisso"


def test_a_format_the_registry_does_not_know_is_not_printed() -> None:
    """A symposium whose format the seed does not state is ``format: null``: the letter guesses
    nothing."""
    stated = render("symposium_invitation")
    assert "開催形式：オンライン（Web会議）" in stated.text
    unknown = render("symposium_invitation", symposium={**SYMPOSIUM, "format": None})
    assert "開催形式" not in unknown.text
    assert "開催形式" not in unknown.html
    assert "参加URL ：https://meet.example.jp/r3-4" in unknown.text


@pytest.mark.parametrize(
    ("days", "tag"), [(0, "【本日開催】"), (1, "【明日開催】"), (12, "【開催のご案内】")]
)
def test_the_attendee_reminder_says_tomorrow_only_on_the_day_before(days: int, tag: str) -> None:
    start = datetime.now(TOKYO).replace(hour=23, minute=50, second=0, microsecond=0)
    start += timedelta(days=days)
    symposium = {**SYMPOSIUM, "starts_at": start.isoformat(), "ends_at": start.isoformat()}
    rendered = render_message(
        "symposium_reminder",
        context={"symposium": symposium, "audience": "attending"},
        recipient=HANAKO,
        links=LINKS,
    )
    assert rendered.subject.startswith(tag)
