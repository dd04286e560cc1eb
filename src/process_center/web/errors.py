"""The page's exceptions, rendered as HTML in one place (``web/app.py``).

WebError
├── NotSignedIn     no live session: pages redirect to sign-in, fragments get 401
├── CsrfRejected    a form post without the session's CSRF token: 403
└── SignInRefused   wrong email or password, or a locked account: 401

Domain errors (NotFound, InvalidInput, ...) raised by the views are rendered
by the same handlers, with the statuses the API uses.
"""

from __future__ import annotations


class WebError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotSignedIn(WebError):
    status_code = 401


class CsrfRejected(WebError):
    status_code = 403


class SignInRefused(WebError):
    status_code = 401
