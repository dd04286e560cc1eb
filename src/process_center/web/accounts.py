"""Operator accounts: passwords, sign-in with lockout, and sessions."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from process_center.domain.errors import InvalidInput
from process_center.identity.hashing import hash_secret, verify_secret
from process_center.settings import Settings
from process_center.storage import operators
from process_center.storage.database import Database
from process_center.storage.models import Operator, as_utc, utcnow
from process_center.storage.operators import SessionOperator
from process_center.web.errors import SignInRefused

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
# Checked against when the email is unknown, so a wrong email costs the same
# argon2 time as a wrong password and response times reveal no accounts.
_DECOY_HASH = hash_secret(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidInput(
            "The email address is not valid.", {"email": [f"'{email[:80]}'"]}
        )
    return address


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            {"password": [f"It has {len(password)}."]},
        )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the cookie value and the operator it signs in."""

    token: str
    operator: SessionOperator


class Accounts:
    """Creates operators and turns passwords into sessions and back."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.session_lifetime = timedelta(hours=settings.web_session_hours)
        self.attempts = settings.web_sign_in_attempts
        self.lockout = timedelta(seconds=settings.web_lockout_seconds)

    def create_operator(self, partner_id: UUID, email: str, password: str) -> Operator:
        address = normalize_email(email)
        check_password_rules(password)
        password_hash = hash_secret(password)
        with self.database.write() as session:
            return operators.add_operator(session, partner_id, address, password_hash)

    def sign_in(self, email: str, password: str) -> SignedIn:
        """A session for the operator, or SignInRefused with one message for
        every reason, so the page tells an attacker nothing about accounts."""
        address = email.strip().lower()
        if len(password) > MAX_PASSWORD_LENGTH:
            raise SignInRefused(self.refusal)
        with self.database.session() as session:
            operator = operators.find_operator(session, address)
        if operator is None:
            verify_secret(_DECOY_HASH, password)
            logger.info("sign_in_refused", extra={"reason": "unknown_email"})
            raise SignInRefused(self.refusal)
        if self._is_locked(operator):
            # The same argon2 cost as any other refusal: timing shows no lock.
            verify_secret(_DECOY_HASH, password)
            logger.info(
                "sign_in_refused",
                extra={"reason": "locked", "operator_id": str(operator.id)},
            )
            raise SignInRefused(self.refusal)
        if not verify_secret(operator.password_hash, password):
            self._count_failure(operator)
            raise SignInRefused(self.refusal)
        return self._open_session(operator)

    @property
    def refusal(self) -> str:
        minutes = max(1, round(self.lockout.total_seconds() / 60))
        return (
            "The email or password is not right. After "
            f"{self.attempts} failed tries an account is locked for {minutes} "
            f"minute{'s' if minutes != 1 else ''}."
        )

    def _is_locked(self, operator: Operator) -> bool:
        until = operator.locked_until
        return until is not None and as_utc(until) > utcnow()

    def _count_failure(self, operator: Operator) -> None:
        with self.database.write() as session:
            failures = operators.record_failed_sign_in(
                session, operator.id, self.attempts, utcnow() + self.lockout
            )
        logger.info(
            "sign_in_refused",
            extra={
                "reason": "wrong_password",
                "operator_id": str(operator.id),
                "locked": failures >= self.attempts,
            },
        )

    def _open_session(self, operator: Operator) -> SignedIn:
        token = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.database.write() as session:
            operators.clear_failed_sign_ins(session, operator.id)
            operators.add_session(
                session,
                operator.id,
                token_digest(token),
                csrf_token,
                now + self.session_lifetime,
                now,
            )
        logger.info("signed_in", extra={"operator_id": str(operator.id)})
        signed_in = SessionOperator(
            operator.id, operator.partner_id, operator.email, csrf_token
        )
        return SignedIn(token, signed_in)

    def resolve(self, token: str) -> SessionOperator | None:
        if not token or len(token) > 100:
            return None
        with self.database.session() as session:
            return operators.find_session(session, token_digest(token), utcnow())

    def sign_out(self, token: str) -> None:
        with self.database.write() as session:
            operators.delete_session(session, token_digest(token))
