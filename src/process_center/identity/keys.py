"""Token signing keys: kept in the database so every server process signs alike
and a restart changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from process_center.storage.database import Database
from process_center.storage.models import SigningKey, as_utc

# How often a process may reload keys on meeting a kid it does not know
# (another process may have rotated); bounds the cost of junk kids to one
# query a second while keeping the window in which a fresh key is refused short.
_RELOAD_INTERVAL_SECONDS = 1.0
# How long a process trusts its view of which key is active, so a rotation
# done elsewhere is picked up without a restart.
_REFRESH_SECONDS = 60.0
# A process may go on signing with a retired key until its next refresh, and
# verifiers allow a few seconds of clock skew: a retired key stays published
# for that long beyond the token lifetime.
_RETENTION_MARGIN = timedelta(seconds=_REFRESH_SECONDS + 10)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None


def generate_signing_key() -> tuple[str, str]:
    """A fresh RSA key as (kid, PEM); the kid is the key's RFC 7638 thumbprint."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return _thumbprint(private_key.public_key()), pem


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    # RFC 7638: the required members, sorted, without white space.
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _load(row: SigningKey) -> LoadedKey:
    private_key = serialization.load_pem_private_key(
        row.private_key_pem.encode(), password=None
    )
    assert isinstance(private_key, rsa.RSAPrivateKey)
    jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk.update({"kid": row.kid, "use": "sig", "alg": row.algorithm})
    return LoadedKey(
        kid=row.kid,
        private_key=private_key,
        public_jwk=jwk,
        created_at=as_utc(row.created_at),
        retired_at=as_utc(row.retired_at) if row.retired_at else None,
    )


class KeyRing:
    """The signing key in use and the retired keys still published in the JWKS."""

    def __init__(self, database: Database, token_lifetime_seconds: int) -> None:
        self._database = database
        self._retention = timedelta(seconds=token_lifetime_seconds) + _RETENTION_MARGIN
        self._keys: dict[str, LoadedKey] = {}
        self._lock = threading.Lock()
        self._loaded_at = 0.0

    def ensure_key(self) -> None:
        """Create the first signing key if the store has none, then load keys."""
        with self._database.session() as session:
            has_key = session.scalar(select(SigningKey.kid).limit(1)) is not None
        if not has_key:
            self._insert_new_key()
        self.reload()

    def rotate(self) -> str:
        """Retire the current key and start signing with a new one."""
        now = datetime.now(UTC)
        with self._database.write() as session:
            for row in session.scalars(
                select(SigningKey).where(SigningKey.retired_at.is_(None))
            ):
                row.retired_at = now
            kid, pem = generate_signing_key()
            session.add(SigningKey(kid=kid, private_key_pem=pem, created_at=now))
        self.reload()
        return kid

    def prune(self) -> list[str]:
        """Delete retired keys whose every token has expired. Returns their kids."""
        cutoff = datetime.now(UTC) - self._retention
        with self._database.write() as session:
            rows = list(
                session.scalars(
                    select(SigningKey).where(SigningKey.retired_at.is_not(None))
                )
            )
            expired = [row for row in rows if as_utc(row.retired_at) < cutoff]  # type: ignore[arg-type]
            for row in expired:
                session.delete(row)
        self.reload()
        return [row.kid for row in expired]

    def reload(self) -> None:
        with self._database.session() as session:
            rows = list(session.scalars(select(SigningKey)))
        keys = {row.kid: _load(row) for row in rows}
        with self._lock:
            self._keys = keys
            self._loaded_at = time.monotonic()

    def _insert_new_key(self) -> None:
        kid, pem = generate_signing_key()
        try:
            with self._database.write() as session:
                if session.scalar(select(SigningKey.kid).limit(1)) is None:
                    session.add(SigningKey(kid=kid, private_key_pem=pem))
        except IntegrityError:
            # Another process created the first key at the same moment.
            pass

    @property
    def active(self) -> LoadedKey:
        if time.monotonic() - self._loaded_at > _REFRESH_SECONDS:
            self.reload()
        current = [key for key in self._keys.values() if key.retired_at is None]
        if not current:
            raise RuntimeError("no active signing key; run ensure_key() at start-up")
        return max(current, key=lambda key: key.created_at)

    def published(self) -> list[LoadedKey]:
        """Keys in the JWKS: the active one and retired ones whose tokens may live."""
        cutoff = datetime.now(UTC) - self._retention
        return [
            key
            for key in self._keys.values()
            if key.retired_at is None or key.retired_at >= cutoff
        ]

    def all_keys(self) -> list[LoadedKey]:
        """Every stored key as last loaded, the oldest first."""
        return sorted(self._keys.values(), key=lambda key: key.created_at)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.published()]}

    def verification_key(self, kid: str) -> rsa.RSAPublicKey | None:
        key = self._keys.get(kid)
        if (
            key is None
            and time.monotonic() - self._loaded_at > _RELOAD_INTERVAL_SECONDS
        ):
            self.reload()
            key = self._keys.get(kid)
        if key is None or key not in self.published():
            return None
        return key.private_key.public_key()
