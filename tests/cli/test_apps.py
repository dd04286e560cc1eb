"""``process-center apps``: registering apps with certificates, changing their scope."""

from __future__ import annotations

from pathlib import Path

import httpx

from process_center.domain.permissions import TENANT_READ
from tests.cli.support import invoke, invoke_json
from tests.conftest import LiveServer
from tests.factories import Factory, World
from tests.identity.support import AssertionSigner, KeyPair, request_token


def _create_args(world: World, *options: str) -> list[str]:
    return [
        "apps",
        "create",
        "--partner",
        str(world.partner_id),
        "--name",
        "Reporting",
        "--permission",
        TENANT_READ,
        *options,
    ]


def _create(database_url: str, world: World, *options: str) -> dict[str, object]:
    result: dict[str, object] = invoke_json(
        database_url, *_create_args(world, *options)
    )
    return result


def test_create_with_a_der_certificate_then_authenticate_with_its_key(
    database_url: str,
    world: World,
    rsa_pair: KeyPair,
    tmp_path: Path,
    http: httpx.Client,
    live_server: LiveServer,
) -> None:
    cer = tmp_path / "client.cer"
    cer.write_bytes(rsa_pair.certificate_der)

    created = _create(database_url, world, "--certificate", str(cer))

    assert "clientSecret" not in created
    assert created["certificateThumbprints"] == [
        rsa_pair.certificate.fingerprint(
            rsa_pair.certificate.signature_hash_algorithm
        ).hex()  # type: ignore[arg-type]
    ]
    signer = AssertionSigner(
        created["clientId"],  # type: ignore[arg-type]
        rsa_pair,
        live_server.settings.token_endpoint,
    )
    assert request_token(http, signer.sign()).status_code == 200


def test_create_with_certificate_and_secret(
    database_url: str, world: World, rsa_pair: KeyPair, tmp_path: Path
) -> None:
    pem = tmp_path / "client.pem"
    pem.write_bytes(rsa_pair.certificate_pem)

    created = _create(
        database_url,
        world,
        "--certificate",
        str(pem),
        "--secret",
        "--secret-years",
        "3",
    )

    assert created["clientSecret"]
    assert len(created["certificateThumbprints"]) == 1  # type: ignore[arg-type]


def test_create_without_any_credential_is_refused(
    database_url: str, world: World
) -> None:
    result = invoke(database_url, *_create_args(world, "--no-secret"), expect_exit=2)

    assert "needs a client secret or a --certificate" in result.output


def test_create_with_a_bad_certificate_names_the_file_and_writes_nothing(
    database_url: str, world: World, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.cer"
    junk.write_bytes(b"not a certificate")

    result = invoke(
        database_url, *_create_args(world, "--certificate", str(junk)), expect_exit=1
    )

    assert "junk.cer: This is not a PEM or DER X.509 certificate." in result.output
    assert invoke_json(
        database_url, "apps", "list", "--partner", str(world.partner_id)
    ) == [
        {
            "clientId": str(world.app.client_id),
            "partnerId": str(world.partner_id),
            "name": "App",
            "permissions": [TENANT_READ],
            "customerScope": "all",
        }
    ]


def test_scope_and_permission_commands(database_url: str, world: World) -> None:
    created = _create(database_url, world, "--customer", str(world.customer_id))
    client_id = str(created["clientId"])

    added = invoke(
        database_url,
        "apps",
        "add-permission",
        client_id,
        "--permission",
        "elements.bm.baseline.read.all",
    )
    removed = invoke(
        database_url,
        "apps",
        "remove-customer",
        client_id,
        "--customer",
        str(world.customer_id),
    )
    again = invoke(
        database_url,
        "apps",
        "remove-customer",
        client_id,
        "--customer",
        str(world.customer_id),
    )

    assert added.output == f"Added 1 permission(s) for app {client_id}.\n"
    assert removed.output == f"Removed 1 customer(s) for app {client_id}.\n"
    assert again.output == f"Removed 0 customer(s) for app {client_id}.\n"


def test_scope_command_on_an_unknown_app_fails_cleanly(
    database_url: str, world: World
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"

    result = invoke(
        database_url,
        "apps",
        "remove-permission",
        missing,
        "--permission",
        TENANT_READ,
        expect_exit=1,
    )

    assert result.output == f"error: App {missing} was not found.\n"


def test_create_scoped_to_a_group(
    database_url: str, world: World, factory: Factory
) -> None:
    group_id = factory.group(world.partner_id, [world.customer_id])

    created = _create(database_url, world, "--group", str(group_id))
    shown = invoke_json(database_url, "apps", "show", str(created["clientId"]))

    assert shown["customerScope"] == "selected"
    assert shown["groups"] == [str(group_id)]
    assert shown["customers"] == []
    assert [c["kind"] for c in shown["credentials"]] == ["secret"]
