"""Operators sign in with a session cookie, are locked out after repeated
failures, and sign out."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from process_center.settings import Settings
from process_center.storage.database import Database
from process_center.storage.models import Operator as OperatorRow
from process_center.storage.models import OperatorSession
from tests.conftest import LiveServer, free_port
from tests.web.conftest import PAGE, Operator, csrf_token, sign_in


class TestSignIn:
    def test_sign_in_sets_a_strict_session_cookie_and_opens_the_picker(
        self, browser_client: httpx.Client, operator: Operator
    ) -> None:
        response = sign_in(browser_client, operator.email, operator.password)

        assert response.status_code == 303
        assert response.headers["location"] == f"{PAGE}/"
        cookie = _set_cookie(response, "pc_session")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
        # Served over plain HTTP here, so the cookie must not claim Secure.
        assert "Secure" not in cookie
        picker = browser_client.get(f"{PAGE}/")
        assert picker.status_code == 200
        assert "Contoso customer" in picker.text

    def test_email_is_matched_without_regard_to_case(
        self, browser_client: httpx.Client, operator: Operator
    ) -> None:
        response = sign_in(browser_client, "  OPS@Contoso.Example ", operator.password)

        assert response.status_code == 303

    def test_wrong_password_and_unknown_email_get_the_same_answer(
        self, browser_client: httpx.Client, operator: Operator
    ) -> None:
        wrong = sign_in(browser_client, operator.email, "not the password at all")
        unknown = sign_in(browser_client, "nobody@contoso.example", operator.password)

        assert wrong.status_code == unknown.status_code == 401
        assert "The email or password is not right" in wrong.text
        assert _alert(wrong.text) == _alert(unknown.text)
        assert "pc_session" not in browser_client.cookies

    def test_session_token_is_stored_only_as_a_digest(
        self, signed_in: httpx.Client, database: Database
    ) -> None:
        token = signed_in.cookies["pc_session"]
        with database.session() as session:
            stored = session.scalars(select(OperatorSession.token_hash)).all()

        assert len(stored) == 1
        assert token not in stored[0]
        assert len(stored[0]) == 64

    def test_repeated_failures_lock_the_account_even_for_the_right_password(
        self,
        browser_client: httpx.Client,
        operator: Operator,
        live_server: LiveServer,
        database: Database,
    ) -> None:
        attempts = live_server.settings.web_sign_in_attempts
        for _ in range(attempts):
            assert (
                sign_in(browser_client, operator.email, "wrong password!").status_code
                == 401
            )

        locked = sign_in(browser_client, operator.email, operator.password)

        assert locked.status_code == 401
        with database.session() as session:
            row = session.scalar(
                select(OperatorRow).where(OperatorRow.email == operator.email)
            )
            assert row is not None and row.locked_until is not None

    def test_a_success_resets_the_failure_count(
        self, browser_client: httpx.Client, operator: Operator, live_server: LiveServer
    ) -> None:
        attempts = live_server.settings.web_sign_in_attempts
        for _ in range(attempts - 1):
            sign_in(browser_client, operator.email, "wrong password!")
        assert (
            sign_in(browser_client, operator.email, operator.password).status_code
            == 303
        )
        browser_client.cookies.clear()
        for _ in range(attempts - 1):
            sign_in(browser_client, operator.email, "wrong password!")

        assert (
            sign_in(browser_client, operator.email, operator.password).status_code
            == 303
        )


class TestSignOut:
    def test_sign_out_ends_the_session_on_the_server(
        self, signed_in: httpx.Client
    ) -> None:
        token = signed_in.cookies["pc_session"]
        page = signed_in.get(f"{PAGE}/")

        response = signed_in.post(
            f"{PAGE}/sign-out", data={"csrf_token": csrf_token(page.text)}
        )

        assert response.status_code == 303
        assert response.headers["location"] == f"{PAGE}/sign-in?signed-out"
        # A copy of the old cookie no longer opens anything.
        replay = httpx.get(
            f"{signed_in.base_url}{PAGE}/", cookies={"pc_session": token}, timeout=10
        )
        assert replay.status_code == 303
        assert replay.headers["location"] == f"{PAGE}/sign-in"


@pytest.mark.parametrize("password", ["short", "x" * 1025])
def test_operator_passwords_must_have_a_sensible_length(
    live_server: LiveServer, database: Database, password: str
) -> None:
    from process_center.domain.errors import InvalidInput
    from process_center.web.accounts import Accounts
    from tests.factories import Factory

    partner_id = Factory(database).partner()
    with pytest.raises(InvalidInput, match="A password needs 12 to 1024"):
        Accounts(database, live_server.settings).create_operator(
            partner_id, "new@contoso.example", password
        )


def _alert(html: str) -> str:
    start = html.index('role="alert"')
    return html[start : html.index("</p>", start)]


def test_behind_tls_every_cookie_is_secure(
    live_server: LiveServer, operator: Operator
) -> None:
    # A proxy terminates TLS: the public URL is https, the server speaks http.
    settings = Settings(
        database_url=live_server.settings.database_url,
        public_url="https://process-center.example",
    )
    server = LiveServer(settings, bind_url=f"http://127.0.0.1:{free_port()}")
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            form = client.get(f"{PAGE}/sign-in")
            form_cookie = _set_cookie(form, "pc_sign_in_csrf")
            response = client.post(
                f"{PAGE}/sign-in",
                data={
                    "email": operator.email,
                    "password": operator.password,
                    "csrf_token": csrf_token(form.text),
                },
                # The client keeps Secure cookies off plain http; the proxy would not.
                headers={"Cookie": form_cookie.split(";", 1)[0]},
            )
    finally:
        server.stop()

    assert response.status_code == 303
    assert "; Secure" in form_cookie
    assert "; Secure" in _set_cookie(response, "pc_session")


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(
        value
        for header, value in response.headers.multi_items()
        if header == "set-cookie" and value.startswith(f"{name}=")
    )
