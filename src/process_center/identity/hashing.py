"""Client secrets: made random, stored as argon2id hashes, checked quickly when repeated."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from process_center.identity.cache import TTLCache

# OWASP's argon2id baseline (19 MiB, 2 passes): about 20 ms a check here.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Checks that may run at once. Each holds 19 MiB for its 20 ms: a burst of
# token requests (64 clients starting together, or someone guessing secrets)
# would otherwise hold a gigabyte and starve every other request of CPU.
CHECK_SLOTS = threading.BoundedSemaphore(2)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


class SecretCheckCache:
    """Remembers which stored secret a presented secret matched, for a while.

    A client asking for tokens again and again would otherwise pay a full
    argon2 check each time. The cache keys on an HMAC with a per-process random
    key, so neither secrets nor fast hashes of them are ever kept.
    """

    def __init__(self, ttl_seconds: float = 300.0, maxsize: int = 10_000) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl_seconds
        self._matches: TTLCache[bytes, UUID] = TTLCache(maxsize)

    def _fingerprint(self, client_id: UUID, secret: str) -> bytes:
        message = client_id.bytes + secret.encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def matched_secret(self, client_id: UUID, secret: str) -> UUID | None:
        return self._matches.get(self._fingerprint(client_id, secret))

    def remember(self, client_id: UUID, secret: str, secret_id: UUID) -> None:
        self._matches.put(self._fingerprint(client_id, secret), secret_id, self._ttl)
