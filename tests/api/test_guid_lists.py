"""A list of job IDs in the usual form is checked all at once; the result is
always the one the item-by-item check gives."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from process_center.api.params import guid_text, parse_guid_texts
from process_center.domain.errors import InvalidInput

_GUID_TEXT = st.uuids().map(str)
_ITEM = st.one_of(
    _GUID_TEXT,
    _GUID_TEXT.map(str.upper),
    st.tuples(_GUID_TEXT, _GUID_TEXT).map("\n".join),
    _GUID_TEXT.map(lambda text: text + "\n"),
    _GUID_TEXT.map(lambda text: text[:-1] + "g"),
    _GUID_TEXT.map(lambda text: text.replace("-", "")),
    st.text(max_size=40),
    st.integers(),
    st.none(),
)


def one_by_one(items: list[object]) -> frozenset[str] | None:
    """The reference: each item checked on its own; None if any is wrong."""
    found = set()
    for item in items:
        if not isinstance(item, str):
            return None
        try:
            found.add(guid_text(item, "jobIds"))
        except InvalidInput:
            return None
    return frozenset(found)


@given(st.lists(_ITEM, min_size=1, max_size=30))
def test_the_list_check_agrees_with_the_item_check(items: list[object]) -> None:
    try:
        parsed = parse_guid_texts({"jobIds": items}, "jobIds", 1000)
    except InvalidInput:
        parsed = None

    assert parsed == one_by_one(items)


def test_a_hundred_usual_ids_come_back_canonical() -> None:
    ids = [uuid.uuid4() for _ in range(100)]
    texts = [
        str(job_id).upper() if n % 2 else str(job_id) for n, job_id in enumerate(ids)
    ]

    assert parse_guid_texts({"jobIds": texts}, "jobIds", 1000) == {str(i) for i in ids}
