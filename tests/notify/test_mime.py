"""The bytes of a letter (``mime.py``) and a batch's letters (``Composer``): standard MIME that a
7-bit relay carries, read back intact by the standard library and icalendar."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from email.header import decode_header, make_header
from email.message import EmailMessage

import icalendar
import pytest

from libs.common.settings import Settings
from services.notify.campaigns.models import Campaign
from services.notify.config import NotifySettings
from services.notify.deliveries.compose import Composer
from services.notify.deliveries.models import Delivery
from services.notify.letters.ics import invitation
from services.notify.letters.links import verify_link
from services.notify.letters.mime import build_email
from services.notify.letters.rendering import Recipient, Rendered
from tests.notify.test_rendering import SYMPOSIUM

SUBJECT = (
    "【ご案内】第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木）開催）"
    "テーマ：地域公共交通と自動運転の社会実装に向けたデータ連携基盤の在り方"
)
LONG_NAME = "秩父市役所 総合政策部 地域デジタル推進課 スマートシティ推進担当 主任主事 秩父 花子"
# As long as a real unsubscribe link (a signed token), and with no space to fold at.
UNSUBSCRIBE = "https://notify.example.jp/v1/unsubscribe/" + "eyJhbGciOiJIUzI1NiJ9." * 12
TEXT = "秩父 花子 様\n\n" + "長い行です。" * 30 + "\nA=B and 100% \n.\n末尾の空白  \n"
HTML = (
    '<p class="x">秩父 花子 様</p>\n<p>' + "長い段落" * 40 + '</p>\n.\n<a href="?a=1&b=2">x</a>\n'
)


def letter(
    to: Recipient = Recipient(LONG_NAME, "hanako@example.jp"), ics: bytes | None = None
) -> tuple[bytes, EmailMessage]:
    raw = build_email(
        Rendered(subject=SUBJECT, text=TEXT, html=HTML),
        settings=NotifySettings(),
        to=to,
        message_id="<0c1d2e3f@jisso>",
        ics=ics,
        list_unsubscribe_url=UNSUBSCRIBE,
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return raw, parsed


def raw_header(raw: bytes, name: str) -> str:
    """The header as written, continuation lines unfolded."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    found = re.search(rf"^{name}: ([^\r]*(?:\r\n[ \t][^\r]*)*)", head, re.M)
    assert found, name
    return found.group(1)


def decoded(value: str) -> str:
    """As RFC 2047 reads it: whitespace between adjacent encoded-words does not count."""
    return str(make_header(decode_header(value)))


def test_every_line_ends_in_crlf_is_ascii_and_at_most_78_long() -> None:
    ics = invitation(
        SYMPOSIUM,
        method="REQUEST",
        organizer_email="o@x.jp",
        organizer_name="事務局",
    )
    raw, parsed = letter(ics=ics.for_attendee("hanako@example.jp", LONG_NAME))
    raw.decode("ascii")
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and not any(b"\r" in line or b"\n" in line for line in lines)
    long_lines = [line for line in lines if len(line) > 78]
    # The one exception: a List-Unsubscribe URL cannot be folded, and stays within RFC 5322's 998.
    assert long_lines == [f"List-Unsubscribe: <{UNSUBSCRIBE}>".encode()]
    assert parsed["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert not parsed.defects and all(not part.defects for part in parsed.walk())
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]


def test_a_long_japanese_subject_and_name_fold_into_encoded_words_and_decode_back() -> None:
    raw, parsed = letter()
    for name, expected in [("Subject", SUBJECT), ("To", f"{LONG_NAME} <hanako@example.jp>")]:
        value = raw_header(raw, name)
        assert "\r\n " in value  # folded
        assert all(len(word) <= 75 for word in re.findall(r"=\?[^?]+\?[bq]\?[^?]*\?=", value, re.I))
        assert decoded(value) == expected
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"].addresses[0].addr_spec == "hanako@example.jp"
    assert decoded(raw_header(raw, "From")) == (
        f"{NotifySettings().sender_name} <{NotifySettings().sender_address}>"
    )


@pytest.mark.parametrize(
    ("name", "display_name"),
    [
        ("秩父 花子", "秩父 花子"),
        ("Hanako Chichibu", "Hanako Chichibu"),
        ('Sato, "Ichiro" (PR) <boss@example.jp>', 'Sato, "Ichiro" (PR) <boss@example.jp>'),
        ("秩父 花子\r\nBcc: attacker@example.com", "秩父 花子 Bcc: attacker@example.com"),
        ("", ""),
    ],
)
def test_any_display_name_stays_one_recipient(name: str, display_name: str) -> None:
    _, parsed = letter(Recipient(name, "hanako@example.jp"))
    (address,) = parsed["To"].addresses
    assert (address.display_name, address.addr_spec) == (display_name, "hanako@example.jp")
    assert parsed.get_all("Bcc") is None


@pytest.mark.parametrize(
    "to", [Recipient("x", "hanako@example.jp\r\nBcc: a@b.jp"), Recipient("x", "a b@example.jp")]
)
def test_an_address_that_could_start_a_header_is_refused(to: Recipient) -> None:
    with pytest.raises(ValueError):
        letter(to)


def test_both_bodies_decode_to_the_rendered_text() -> None:
    _, parsed = letter()
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text is not None and html is not None
    assert (text["Content-Transfer-Encoding"], html["Content-Transfer-Encoding"]) == (
        "base64",
        "quoted-printable",
    )
    # Text travels in its canonical form, CRLF line ends (RFC 2046 4.1.1).
    assert text.get_content().replace("\r\n", "\n") == TEXT
    assert html.get_content().replace("\r\n", "\n") == HTML


def test_one_calendar_per_campaign_each_copy_names_only_its_attendee() -> None:
    calendar = invitation(
        SYMPOSIUM,
        method="REQUEST",
        organizer_email="o@x.jp",
        organizer_name="事務局",
    )
    name = '加藤, "一郎"; 代理:1'
    first, second = calendar.for_attendee("kato@x.jp", name), calendar.for_attendee("b@x.jp", "b")

    def without_attendee(ics: bytes) -> bytes:
        return re.sub(rb"ATTENDEE[^\r]*\r\n(?: [^\r]*\r\n)*", b"", ics)

    assert without_attendee(first) == without_attendee(second)
    assert all(len(line) <= 75 for line in first.split(b"\r\n"))
    (event,) = icalendar.Calendar.from_ical(first).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:kato@x.jp"
    assert event["ATTENDEE"].params["CN"] == name
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(event["ORGANIZER"]) == "mailto:o@x.jp"


@pytest.mark.parametrize(
    ("kind", "method"), [("invitation", "REQUEST"), ("cancellation", "CANCEL")]
)
def test_a_batch_of_a_campaign_gives_each_recipient_their_own_letter(
    kind: str, method: str
) -> None:
    settings = Settings()
    campaign = Campaign(
        id=uuid.uuid4(),
        symposium_id=uuid.UUID(SYMPOSIUM["id"]),
        kind=kind,
        symposium=SYMPOSIUM,
        sequence=SYMPOSIUM["sequence"],
        context={"reason": "講師の体調不良"},
    )
    deliveries = [
        Delivery(
            id=uuid.uuid4(),
            campaign_id=campaign.id,
            kind=f"symposium_{kind}",
            contact_id=uuid.uuid4(),
            email=f"staff{n}@example.lg.jp",
            name=f"受信者 {n}",
            smtp_message_id=f"<{uuid.uuid4().hex}@jisso>",
        )
        for n in range(3)
    ]
    composer = Composer(
        campaigns={campaign.id: campaign}, messages={}, settings=settings, notify=NotifySettings()
    )
    for delivery in deliveries:
        parsed = email.message_from_bytes(composer.compose(delivery), policy=email.policy.default)
        assert parsed["Message-ID"] == delivery.smtp_message_id
        assert parsed["To"].addresses[0].addr_spec == delivery.email
        token = parsed["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
        assert verify_link(settings, token, action="unsubscribe").contact_id == delivery.contact_id
        text = parsed.get_body(("plain",))
        assert text is not None and f"{delivery.name} 様" in text.get_content()
        assert ("response=attend" in text.get_content()) is (method == "REQUEST")
        (ics,) = parsed.iter_attachments()
        assert ics.get_param("method") == method
        (event,) = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
        assert str(event["ATTENDEE"]) == f"mailto:{delivery.email}"
        assert str(event["UID"]) == f"symposium-{SYMPOSIUM['id']}@jisso"
    assert len(composer.letters) == 1
