"""Join codes and presenter secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L, U/V: a code read off a projector is typed right. 29 symbols, 6 of them: about
# 595 million codes, against a few tens of guesses a minute per address (rate limited).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 6
SECRET_BYTES = 16  # 128 random bits
FOLLOWER_BYTES = 16


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str | None:
    """A typed code in canonical form (case, spaces and dashes forgiven), or None if it cannot
    be one."""
    c = code.strip().upper().replace("-", "").replace(" ", "")
    if len(c) != CODE_LENGTH or any(ch not in ALPHABET for ch in c):
        return None
    return c


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_follower() -> str:
    return secrets.token_urlsafe(FOLLOWER_BYTES)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(given: str | None, stored_digest: str) -> bool:
    """Constant time in the secret: the digests are compared, both always 64 characters."""
    return hmac.compare_digest(digest(given or ""), stored_digest)
