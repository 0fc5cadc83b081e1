"""Search-key normalisation (検索キーの正規化).

Used only to build and match search keys; stored and displayed text is never rewritten.
"""

from __future__ import annotations

import unicodedata

import jaconv

LONG_VOWEL_MARK = "ー"
"""長音符 (U+30FC): the single mark every long-vowel, dash and wave-dash variant becomes."""

# Characters people type where they mean a long vowel (長音) or a hyphen; after NFKC the
# full-width and half-width forms have already become one of these.
_DASH_LIKE = frozenset(
    "-"  # U+002D hyphen-minus (also NFKC of － U+FF0D and ﹣ U+FE63)
    "~"  # U+007E tilde (NFKC of ～ U+FF5E)
    "\u00ad"  # soft hyphen
    "\u02d7"  # modifier letter minus sign
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # ‐ ‑ ‒ – — ―
    "\u2043"  # ⁃ hyphen bullet
    "\u2212"  # − minus sign
    "\u2500\u2501"  # ─ ━ box drawing (often used as a long dash in Japanese text)
    "\u301c"  # 〜 wave dash
    "\u3030"  # 〰 wavy dash
    "\u30fc"  # ー katakana-hiragana prolonged sound mark
    "\uff70"  # ｰ half-width prolonged sound mark (kept in case NFKC was skipped upstream)
)

# 中黒 and look-alikes: "スマート・モビリティ" must match "スマートモビリティ".
_MIDDLE_DOTS = frozenset("\u00b7\u2027\u2219\u22c5\u30fb\uff65")

# Invisible characters that are not str.isspace() but still separate words when pasted.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")

_DROP = _MIDDLE_DOTS | _INVISIBLE


def normalise_search_key(text: str) -> str:
    """Normalise ``text`` into a search key.

    Steps: NFKC (half-width katakana → full-width, full-width alphanumerics → ASCII), casefold,
    katakana → hiragana (カタカナ → ひらがな), every long-vowel/hyphen-like mark → ``ー``, and
    removal of all whitespace (including U+3000) and middle dots (中黒 ・).
    """
    # Casefolding can produce sequences that are not NFKC-normal again, hence the second pass.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    hiragana = jaconv.kata2hira(folded)
    out: list[str] = []
    for ch in hiragana:
        if ch.isspace() or ch in _DROP:
            continue
        out.append(LONG_VOWEL_MARK if ch in _DASH_LIKE else ch)
    return "".join(out)
