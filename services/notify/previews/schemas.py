"""A letter rendered for one recipient, nothing sent."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from services.notify.letters.kinds import KINDS

KIND_HELP = "; ".join(
    f"{k.name}: {k.description} (context: {', '.join(k.required)}"
    + (f"; optional {', '.join(k.optional)}" if k.optional else "")
    + ")"
    for k in KINDS.values()
)


class PreviewRecipient(BaseModel):
    name: str = Field(default="", max_length=200, examples=["秩父 花子"])
    email: str = Field(max_length=320, examples=["hanako.chichibu@example.jp"])


class PreviewRequest(BaseModel):
    kind: str = Field(description=KIND_HELP, examples=["symposium_invitation"])
    context: dict[str, Any] = Field(
        examples=[
            {
                "symposium": {
                    "id": "0b8f3f7e-1d2c-4c1a-9d8e-6a1f2b3c4d5e",
                    "number": 4,
                    "theme": "共通の課題",
                    "starts_at": "2022-02-17T13:30:00+09:00",
                    "ends_at": "2022-02-17T15:00:00+09:00",
                    "format": "web",
                    "join_url": "https://meet.example.jp/abc",
                }
            }
        ]
    )
    recipient: PreviewRecipient


class PreviewOut(BaseModel):
    subject: str = Field(
        examples=["【ご案内】第4回 未来技術実装ミニシンポジウム（令和4年2月17日（木）開催）"]
    )
    text: str
    html: str
