"""A third-party OAuth 2.0 client (authlib) finds the token endpoint by discovery,
gets a token with its own code, and the jobs endpoint accepts it."""

from __future__ import annotations

import httpx
from authlib.integrations.httpx_client import OAuth2Client

from process_center.domain.jobs import JobStatus
from tests.conftest import LiveServer
from tests.factories import Factory, World


def test_authlib_token_is_accepted_by_the_jobs_endpoint(
    live_server: LiveServer, world: World, factory: Factory
) -> None:
    [job_id] = factory.jobs(world.tenant_id, 1, status=JobStatus.FINISHED)
    discovery = httpx.get(f"{live_server.url}/.well-known/openid-configuration").json()

    with OAuth2Client(
        client_id=str(world.app.client_id),
        client_secret=world.app.client_secret,
        token_endpoint_auth_method="client_secret_post",
    ) as oauth:
        token = oauth.fetch_token(
            discovery["token_endpoint"], grant_type="client_credentials"
        )
        response = oauth.post(f"{live_server.url}{world.jobs_path}", json={})

    assert token["token_type"] == "Bearer"
    assert response.status_code == 200
    assert response.json()["data"] == [{"jobId": str(job_id), "type": 1, "status": 2}]
