from __future__ import annotations

import pytest

from libs.common.search_text import normalise_search_key


def test_katakana_forms_give_one_key() -> None:
    key = normalise_search_key("スマートモビリティ")
    assert key == "すまーともびりてぃ"
    assert normalise_search_key("ｽﾏｰﾄﾓﾋﾞﾘﾃｨ") == key
    assert normalise_search_key("すまーと もびりてぃ") == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｽﾏｰﾄﾓﾋﾞﾘﾃｨ", "すまーともびりてぃ"),  # half-width katakana
        ("スマート・モビリティ", "すまーともびりてぃ"),  # middle dot
        ("スマート･モビリティ", "すまーともびりてぃ"),  # half-width middle dot
        ("スマート　モビリティ", "すまーともびりてぃ"),  # ideographic space
        ("スマート\tモビリティ\n", "すまーともびりてぃ"),
        ("スマ\u200bート", "すまーと"),  # zero-width space
        ("ＡＢＣ１２３", "abc123"),  # full-width alphanumerics
        ("Society5.0", "society5.0"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("ヴァイオリン", "ゔぁいおりん"),
        ("ラ-メン", "らーめん"),
        ("ラ－メン", "らーめん"),
        ("ラ‐メン", "らーめん"),
        ("ラ‑メン", "らーめん"),
        ("ラ–メン", "らーめん"),
        ("ラ—メン", "らーめん"),
        ("ラ―メン", "らーめん"),
        ("ラ─メン", "らーめん"),
        ("ラ−メン", "らーめん"),
        ("ラ～メン", "らーめん"),
        ("ラ〜メン", "らーめん"),
        ("ラｰメン", "らーめん"),
        ("e-Gov", "eーgov"),
        ("㈱未来", "(株)未来"),
        ("", ""),
        ("　 ", ""),
    ],
)
def test_normalise_search_key(text: str, expected: str) -> None:
    assert normalise_search_key(text) == expected


def test_is_idempotent() -> None:
    once = normalise_search_key("ｽﾏｰﾄ・ｼﾃｨ　ＡＢＣ")
    assert once == "すまーとしてぃabc"
    assert normalise_search_key(once) == once
