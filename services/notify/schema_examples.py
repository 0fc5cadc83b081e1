"""The examples the notify contract shows: one office's invitation to one symposium.

The kernel composes every operation's example from its fields' examples
(libs/common/contract_examples.py). Drawn from one story — the 令和3年度 第4回 mini-symposium,
its invitation campaign and 秩父 花子's letter — the ids and times of one example agree with those
of the next, as a partner reading them side by side expects.
"""

from __future__ import annotations

from typing import Any

SYMPOSIUM_ID = "0b8f3f7e-1d2c-4c1a-9d8e-6a1f2b3c4d5e"
CAMPAIGN_ID = "7c2e9a14-5b3d-4f6a-8e21-3d9b0c4a5f67"
CONTACT_ID = "a3d51f08-6c2b-4e97-b1a4-52e8f0c9d736"
DELIVERY_ID = "5f1c2a52-9a57-4c3e-8c39-0b6c4b7f7a10"
MESSAGE_ID = "e1b07c3a-92d4-4b8f-a6e5-1c7d3f9a2b40"
RSVP_ID = "c8a4e2f1-3b6d-4a9e-8f07-2d5b1e6c9a83"
OPERATOR = "operator:office-1"
EMAIL = "hanako.chichibu@example.jp"
NAME = "秩父 花子"

DRAFTED_AT = "2022-01-20T10:15:00+09:00"
APPROVED_AT = "2022-01-20T14:02:11+09:00"
COMPLETED_AT = "2022-01-20T14:09:30+09:00"
ANSWERED_AT = "2022-01-24T09:12:40+09:00"
# A transactional message: the review service's continuation decision letter.
RECEIVED_AT = "2021-12-17T16:40:12+09:00"
DELIVERED_AT = "2021-12-17T16:40:15+09:00"

# The symposium as the registry's GET /v1/symposia/{id} describes it (what a campaign keeps).
SYMPOSIUM: dict[str, Any] = {
    "id": SYMPOSIUM_ID,
    "fiscal_year": 2021,
    "fiscal_year_label": "令和3年度",
    "number": 4,
    "theme": "共通の課題",
    "starts_at": "2022-02-17T13:30:00+09:00",
    "ends_at": "2022-02-17T15:00:00+09:00",
    "format": "web",
    "venue": None,
    "audience": ["local_government", "private_company"],
    "capacity": 120,
    "tentative": False,
    "status": "scheduled",
    "cancellation_reason": None,
    "sequence": 0,
    "join_url": "https://meet.example.jp/abc",
    "version": 3,
}

# The invitation as rendered for 秩父 花子 (the beginning of each part).
SUBJECT = "【ご案内】令和3年度 第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木）開催）"
TEXT = (
    "秩父 花子 様\n\n平素より未来技術社会実装事業にご協力を賜り、誠にありがとうございます。\n"
    "下記のとおり「第4回 未来技術実装ミニシンポジウム」を開催いたしますので、"
    "ご案内申し上げます。\n…"
)
HTML = (
    '<!DOCTYPE html>\n<html lang="ja">\n…\n<p>秩父 花子 様</p>\n'
    "<p>平素より未来技術社会実装事業にご協力を賜り、誠にありがとうございます。<br>\n…"
)
