"""The identity host: token endpoint (RFC 6749), discovery (OpenID) and JWKS."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from process_center.api.problems import oauth_error_response, request_id_of
from process_center.api.schemas import TokenResponse
from process_center.api.services import services_of
from process_center.domain.permissions import KNOWN_PERMISSIONS
from process_center.identity.certificates import SIGNING_ALGORITHMS
from process_center.identity.errors import InvalidRequest, OAuthError
from process_center.identity.service import SUPPORTED_GRANT_TYPES

logger = logging.getLogger(__name__)
router = APIRouter(tags=["Identity"])

_FORM_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["grant_type"],
                "properties": {
                    "grant_type": {
                        "type": "string",
                        "enum": list(SUPPORTED_GRANT_TYPES),
                    },
                    "client_id": {"type": "string"},
                    "client_secret": {"type": "string"},
                    "scope": {"type": "string"},
                    "client_assertion_type": {"type": "string"},
                    "client_assertion": {"type": "string"},
                },
            }
        }
    },
}
_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/OAuthErrorResponse"}
            }
        },
    }
    for status, description in (
        (
            400,
            "invalid_request, unsupported_grant_type or invalid_scope (RFC 6749 5.2).",
        ),
        (401, "invalid_client: client authentication failed."),
    )
}


def _read_form(body: bytes, content_type: str | None) -> dict[str, str]:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise InvalidRequest(
            "The token request must be application/x-www-form-urlencoded."
        )
    try:
        pairs = parse_qsl(
            body.decode(),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=20,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest("The token request body is malformed.") from error
    form: dict[str, str] = {}
    for name, value in pairs:
        # RFC 6749 3.2: parameters must not be included more than once.
        if name in form:
            raise InvalidRequest(f"The parameter {name} is repeated.")
        form[name] = value
    return form


@router.post(
    "/connect/token",
    summary="Issue an access token (OAuth 2.0 client credentials)",
    response_model=TokenResponse,
    responses={**_OAUTH_ERRORS, 500: {"description": "Unexpected error."}},
    openapi_extra={"requestBody": _FORM_BODY},
)
async def token(request: Request) -> Response:
    """Authenticates the app by secret or signed assertion and returns a bearer token."""
    services = services_of(request)
    authorization = request.headers.get("authorization")
    basic = None
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "basic":
            return oauth_error_response(
                InvalidRequest("Only Basic authorization is accepted here.")
            )
        basic = credentials.strip()
    try:
        form = _read_form(await request.body(), request.headers.get("content-type"))
        grant = await run_in_threadpool(services.tokens.grant, form, basic)
    except OAuthError as error:
        # The reason helps an operator help a partner; the descriptions name
        # what was wrong but never carry a secret or an assertion.
        logger.info(
            "token_refused",
            extra={
                "request_id": request_id_of(request),
                "error": error.error,
                "reason": error.description,
            },
        )
        services.metrics.tokens_refused.labels(error.error).inc()
        return oauth_error_response(error, basic_challenge=basic is not None)
    services.metrics.tokens_issued.inc()
    return Response(
        orjson.dumps(grant.as_response()),
        media_type="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def discovery_document(public_url: str) -> dict[str, Any]:
    return {
        "issuer": public_url,
        "token_endpoint": f"{public_url}/connect/token",
        "jwks_uri": f"{public_url}/.well-known/openid-configuration/jwks",
        "grant_types_supported": list(SUPPORTED_GRANT_TYPES),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGORITHMS),
        "scopes_supported": sorted(KNOWN_PERMISSIONS),
        "response_types_supported": ["token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
    }


@router.get("/.well-known/openid-configuration", summary="OpenID discovery document")
async def openid_configuration(request: Request) -> Response:
    services = services_of(request)
    document = discovery_document(services.settings.public_url)
    return Response(orjson.dumps(document), media_type="application/json")


@router.get(
    "/.well-known/openid-configuration/jwks", summary="Token signing keys (JWKS)"
)
async def jwks(request: Request) -> Response:
    services = services_of(request)
    return Response(
        orjson.dumps(services.keys.jwks()),
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
