"""The session cookie and CSRF checks of the Process Center page.

A signed-in browser carries a random session token in an HttpOnly,
SameSite=Lax cookie (Secure when the page is served over TLS). Every form
carries the session's CSRF token, compared in constant time; the sign-in
form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from process_center.storage.operators import SessionOperator
from process_center.web.accounts import Accounts
from process_center.web.errors import CsrfRejected, NotSignedIn

SESSION_COOKIE = "pc_session"
SIGN_IN_CSRF_COOKIE = "pc_sign_in_csrf"
CSRF_FIELD = "csrf_token"


def session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def require_operator(request: Request, accounts: Accounts) -> SessionOperator:
    operator = accounts.resolve(session_token(request))
    if operator is None:
        raise NotSignedIn("Sign in to see the Process Center.")
    return operator


def check_csrf(presented: object, expected: str) -> None:
    if not (
        isinstance(presented, str)
        and expected
        and secrets.compare_digest(presented.encode(), expected.encode())
    ):
        raise CsrfRejected(
            "The form was not accepted because its security token is missing or "
            "stale. Reload the page and try again."
        )


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=secure,
        samesite="lax" if name == SESSION_COOKIE else "strict",
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=secure)
