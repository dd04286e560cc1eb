"""OAuth 2.0 errors (RFC 6749 section 5.2) and bearer-token errors (RFC 6750 3.1).

OAuthError                      token endpoint; body {"error", "error_description"}
├── InvalidRequest       400
├── InvalidClient        401    client authentication failed
├── InvalidGrant         400
├── UnauthorizedClient   400
├── UnsupportedGrantType 400
└── InvalidScope         400
BearerError                     protected resources; WWW-Authenticate: Bearer
├── InvalidToken         401    missing, malformed, expired, revoked or tampered
└── InsufficientScope    403    the token lacks the permission the call needs
"""

from __future__ import annotations


class OAuthError(Exception):
    error = "server_error"
    status_code = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class BearerError(Exception):
    error = "invalid_token"
    status_code = 401

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidToken(BearerError):
    pass


class InsufficientScope(BearerError):
    error = "insufficient_scope"
    status_code = 403
