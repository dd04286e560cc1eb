"""``process-center credentials`` and ``certificates new``."""

from __future__ import annotations

import stat
from pathlib import Path

from process_center.identity.certificates import parse_certificate
from tests.cli.support import invoke, invoke_json
from tests.factories import World


def test_new_certificate_writes_a_pair_and_keeps_the_key_private(
    tmp_path: Path,
) -> None:
    out = tmp_path / "creds"

    made = invoke_json(
        "sqlite://", "certificates", "new", "--out", str(out), "--key-type", "ec"
    )

    certificate = parse_certificate((out / "certificate.pem").read_bytes())
    assert made["thumbprint"] == certificate.thumbprint
    assert certificate.algorithms == ("ES256",)
    assert stat.S_IMODE((out / "private-key.pem").stat().st_mode) == 0o600


def test_new_certificate_never_overwrites(tmp_path: Path) -> None:
    invoke("sqlite://", "certificates", "new", "--out", str(tmp_path))
    before = (tmp_path / "private-key.pem").read_bytes()

    result = invoke(
        "sqlite://", "certificates", "new", "--out", str(tmp_path), expect_exit=2
    )

    assert "exists" in result.output
    assert (tmp_path / "private-key.pem").read_bytes() == before


def test_add_list_and_delete_credentials(
    database_url: str, world: World, tmp_path: Path
) -> None:
    client_id = str(world.app.client_id)
    invoke("sqlite://", "certificates", "new", "--out", str(tmp_path))

    certificate = invoke_json(
        database_url,
        "credentials",
        "add-certificate",
        client_id,
        str(tmp_path / "certificate.pem"),
    )
    secret = invoke_json(
        database_url, "credentials", "add-secret", client_id, "--years", "1"
    )
    listed = invoke_json(database_url, "credentials", "list", client_id)
    text = invoke(database_url, "credentials", "list", client_id).output

    assert sorted(item["kind"] for item in listed) == [
        "certificate",
        "secret",
        "secret",
    ]
    assert secret["clientSecret"] not in text
    assert world.app.client_secret not in text
    assert certificate["thumbprint"] in text

    deleted = invoke(database_url, "credentials", "delete", client_id, secret["id"])
    assert deleted.output == f"Deleted secret {secret['id']} of app {client_id}.\n"
    assert len(invoke_json(database_url, "credentials", "list", client_id)) == 2


def test_adding_a_private_key_file_is_refused(
    database_url: str, world: World, tmp_path: Path
) -> None:
    invoke("sqlite://", "certificates", "new", "--out", str(tmp_path))
    key_file = tmp_path / "private-key.pem"

    result = invoke(
        database_url,
        "credentials",
        "add-certificate",
        str(world.app.client_id),
        str(key_file),
        expect_exit=1,
    )

    assert "holds a private key" in result.output
