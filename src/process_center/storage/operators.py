"""Operators of the Process Center page, and their signed-in sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from process_center.domain.errors import Conflict, NotFound
from process_center.storage.directory import get_partner
from process_center.storage.models import Operator, OperatorSession


@dataclass(frozen=True, slots=True)
class SessionOperator:
    """Who a live session belongs to, and the token its forms must carry."""

    operator_id: UUID
    partner_id: UUID
    email: str
    csrf_token: str


def add_operator(
    session: Session, partner_id: UUID, email: str, password_hash: str
) -> Operator:
    get_partner(session, partner_id)
    operator = Operator(partner_id=partner_id, email=email, password_hash=password_hash)
    session.add(operator)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"An operator with email {email} already exists.") from None
    return operator


def find_operator(session: Session, email: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.email == email))


def list_operators(session: Session, partner_id: UUID | None) -> Sequence[Operator]:
    query = select(Operator).order_by(Operator.created_at)
    if partner_id is not None:
        query = query.where(Operator.partner_id == partner_id)
    return session.scalars(query).all()


def record_failed_sign_in(
    session: Session, operator_id: UUID, threshold: int, lock_until: datetime
) -> int:
    """Count a failure in the database itself, so parallel attempts all count;
    the failure that reaches ``threshold`` locks the account."""
    failures = session.execute(
        update(Operator)
        .where(Operator.id == operator_id)
        .values(failed_sign_ins=Operator.failed_sign_ins + 1)
        .returning(Operator.failed_sign_ins)
    ).scalar_one()
    if failures >= threshold:
        session.execute(
            update(Operator)
            .where(Operator.id == operator_id)
            .values(failed_sign_ins=0, locked_until=lock_until)
        )
    return failures


def clear_failed_sign_ins(session: Session, operator_id: UUID) -> None:
    session.execute(
        update(Operator)
        .where(Operator.id == operator_id)
        .values(failed_sign_ins=0, locked_until=None)
    )


def unlock_operator(session: Session, email: str) -> None:
    operator = find_operator(session, email)
    if operator is None:
        raise NotFound(f"Operator {email} was not found.")
    clear_failed_sign_ins(session, operator.id)


def add_session(
    session: Session,
    operator_id: UUID,
    token_hash: str,
    csrf_token: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    # Expired sessions of this operator go when a new one starts.
    session.execute(
        delete(OperatorSession).where(
            OperatorSession.operator_id == operator_id,
            OperatorSession.expires_at <= now,
        )
    )
    session.add(
        OperatorSession(
            token_hash=token_hash,
            operator_id=operator_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


def find_session(
    session: Session, token_hash: str, now: datetime
) -> SessionOperator | None:
    row = session.execute(
        select(
            Operator.id, Operator.partner_id, Operator.email, OperatorSession.csrf_token
        )
        .join(Operator, Operator.id == OperatorSession.operator_id)
        .where(
            OperatorSession.token_hash == token_hash, OperatorSession.expires_at > now
        )
    ).first()
    return None if row is None else SessionOperator(*row)


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(
        delete(OperatorSession).where(OperatorSession.token_hash == token_hash)
    )
