"""Whether a signing key is fit to sign outside development (``JWT_SECRET``, ``LINK_SECRET`` and
every key of their ``*_PREVIOUS_SECRETS`` lists; ``Settings`` applies it).

A key is refused when it is:

- written with leading or trailing whitespace: the key is used exactly as written, so a copy trimmed
  elsewhere would not verify, and a space in front once let the public development key past an
  equality check;
- one of the public development keys, or shorter than ``MIN_SECRET_LENGTH`` characters;
- one block repeated (``ab`` × 16, ``0123456789abcdef`` × 2): a key has a period shorter than half
  its length only when it was typed, not generated;
- of too few symbols: its Shannon entropy by its own character frequencies (bits per character,
  times its length) is under ``MIN_SECRET_BITS``. That estimate is what an attacker who knows the
  alphabet and the frequencies of the key's characters must still guess; ``"A" * 32`` scores 0,
  ``"ab" * 16`` 32. For a random key it is an underestimate (a short sample shows fewer distinct
  symbols than its alphabet): 32 random hex characters (128 bits) score at least ~92 in 20,000
  draws, 44 base64 characters at least ~190, so 80 refuses no key ``openssl rand -hex 16`` or
  longer makes.

No measure proves a key random (a dictionary phrase scores like noise); these refuse the keys people
type by hand, and the documentation says how to generate one (``openssl rand -hex 32``). The
standard library is enough: a password-strength library (zxcvbn) models human passwords, not keys.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection

MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 80


def weakness(key: str, public_keys: Collection[str]) -> str | None:
    """Why ``key`` may not sign outside development, or ``None``. Never quotes the key."""
    if key != key.strip():
        return "must not begin or end with whitespace (a key is used exactly as written)"
    if key in public_keys or len(key) < MIN_SECRET_LENGTH:
        return (
            f"must be set to a secret of at least {MIN_SECRET_LENGTH} characters outside "
            "development, not the public development key"
        )
    if repeats_a_block(key):
        return "repeats a shorter block of characters: generate one with `openssl rand -hex 32`"
    bits = estimated_bits(key)
    if bits < MIN_SECRET_BITS:
        return (
            f"has too few distinct symbols (about {bits:.0f} bits by its character frequencies, "
            f"at least {MIN_SECRET_BITS} needed): generate one with `openssl rand -hex 32`"
        )
    return None


def estimated_bits(key: str) -> float:
    """Shannon entropy of the key's character distribution times its length."""
    counts = Counter(key).values()
    return -sum(n * math.log2(n / len(key)) for n in counts)


def repeats_a_block(key: str) -> bool:
    """``key`` has a period at most half its length (it is one block written twice or more)."""
    return any(key[period:] == key[:-period] for period in range(1, len(key) // 2 + 1))
