"""Admin commands for the keys that sign access tokens."""

from __future__ import annotations

import click

from process_center.cli.context import AppContext, emit, json_option, pass_app
from process_center.identity.keys import KeyRing


def _key_ring(app: AppContext) -> KeyRing:
    ring = KeyRing(app.database, app.settings.token_lifetime_seconds)
    ring.ensure_key()
    return ring


@click.group()
def keys() -> None:
    """Token signing keys: rotate them, see them, drop the expired ones."""


@keys.command("rotate")
@json_option
@pass_app
def rotate_key(app: AppContext, as_json: bool) -> None:
    """Start signing with a new key; the old one stays published until its
    tokens have expired. Running servers pick the new key up within a minute."""
    kid = _key_ring(app).rotate()
    emit(as_json, {"kid": kid}, f"Now signing with key {kid}.")


@keys.command("list")
@json_option
@pass_app
def list_keys(app: AppContext, as_json: bool) -> None:
    """Every stored key: active, retired but published, or ready to prune."""
    ring = _key_ring(app)
    active = ring.active.kid
    published = {key.kid for key in ring.published()}
    keys = ring.all_keys()
    states = [
        "active"
        if key.kid == active
        else "published"
        if key.kid in published
        else "expired"
        for key in keys
    ]
    rows = [
        {
            "kid": key.kid,
            "createdAt": key.created_at.isoformat(),
            "retiredAt": key.retired_at.isoformat() if key.retired_at else None,
            "state": state,
        }
        for key, state in zip(keys, states, strict=True)
    ]
    text = "\n".join(
        f"{key.kid}  {state:<9}  created {key.created_at:%Y-%m-%d %H:%M:%S}"
        for key, state in zip(keys, states, strict=True)
    )
    emit(as_json, rows, text)


@keys.command("prune")
@json_option
@pass_app
def prune_keys(app: AppContext, as_json: bool) -> None:
    """Delete retired keys that no live token can have been signed with."""
    removed = _key_ring(app).prune()
    emit(
        as_json,
        {"removed": removed},
        "\n".join(f"Removed key {kid}." for kid in removed) or "No key to remove.",
    )
