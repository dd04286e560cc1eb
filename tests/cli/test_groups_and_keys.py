"""``process-center groups`` and ``process-center keys``."""

from __future__ import annotations

from tests.cli.support import invoke, invoke_json
from tests.factories import Factory, World


def test_group_lifecycle(database_url: str, world: World, factory: Factory) -> None:
    second = factory.customer(world.partner_id, "Second")
    group_id = invoke_json(
        database_url,
        "groups",
        "create",
        "--partner",
        str(world.partner_id),
        "--name",
        "EU",
        "--customer",
        str(world.customer_id),
    )["id"]

    added = invoke(
        database_url,
        "groups",
        "add-member",
        group_id,
        "--customer",
        str(second),
        "--customer",
        str(world.customer_id),
    )
    invoke(database_url, "groups", "rename", group_id, "--name", "Europe")
    removed = invoke(
        database_url,
        "groups",
        "remove-member",
        group_id,
        "--customer",
        str(world.customer_id),
    )
    shown = invoke_json(database_url, "groups", "show", group_id)
    listed = invoke_json(
        database_url, "groups", "list", "--partner", str(world.partner_id)
    )

    assert added.output == f"Added 1 customer(s) to group {group_id}.\n"
    assert removed.output == f"Removed 1 customer(s) from group {group_id}.\n"
    assert shown == {
        "id": group_id,
        "name": "Europe",
        "members": [{"id": str(second), "organization": "Second"}],
    }
    assert [(g["name"], g["members"]) for g in listed] == [("Europe", [str(second)])]

    invoke(database_url, "groups", "delete", group_id)
    assert (
        invoke_json(database_url, "groups", "list", "--partner", str(world.partner_id))
        == []
    )


def test_group_commands_refuse_bad_input(
    database_url: str, world: World, factory: Factory
) -> None:
    group_id = str(factory.group(world.partner_id, []))
    stranger = factory.customer(factory.partner("Stranger"))
    missing = "00000000-0000-4000-8000-000000000000"

    blank = invoke(
        database_url, "groups", "rename", group_id, "--name", " ", expect_exit=2
    )
    foreign = invoke(
        database_url,
        "groups",
        "add-member",
        group_id,
        "--customer",
        str(stranger),
        expect_exit=1,
    )
    unknown = invoke(database_url, "groups", "delete", missing, expect_exit=1)

    assert "must not be blank" in blank.output
    assert foreign.output == f"error: Customer {stranger} was not found.\n"
    assert unknown.output == f"error: Customer group {missing} was not found.\n"


def test_keys_rotate_list_prune(fresh_database_url: str) -> None:
    first = invoke_json(fresh_database_url, "keys", "list")
    rotated = invoke_json(fresh_database_url, "keys", "rotate")
    listed = invoke_json(fresh_database_url, "keys", "list")
    pruned = invoke_json(fresh_database_url, "keys", "prune")

    assert [key["state"] for key in first] == ["active"]
    assert [(key["kid"], key["state"]) for key in listed] == [
        (first[0]["kid"], "published"),
        (rotated["kid"], "active"),
    ]
    assert pruned == {"removed": []}
