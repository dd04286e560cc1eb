"""Reading and checking what a request carries: paging, GUIDs and JSON bodies."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import orjson
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

from process_center.domain.errors import InvalidInput

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
_INT64_MAX = 2**63 - 1
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Paging:
    page_index: int
    page_size: int


def _one_value(query: QueryParams, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise InvalidInput(
            f"{name} was given more than once.", {name: ["Give this parameter once."]}
        )
    return values[0] if values else None


def _integer(raw: str, name: str, low: int, high: int) -> int:
    text = raw.strip()
    if not _INTEGER.match(text):
        raise InvalidInput(
            f"{name} must be an integer.", {name: [f"'{raw[:40]}' is not an integer."]}
        )
    # The digit count bounds the conversion cost before int() sees the text.
    value = int(text) if len(text) <= 25 else _INT64_MAX + 1
    if not low <= value <= high:
        raise InvalidInput(
            f"{name} must be between {low} and {high}.",
            {name: [f"The value must be between {low} and {high}."]},
        )
    return value


def parse_paging(query: QueryParams) -> Paging:
    errors: dict[str, list[str]] = {}
    values = {}
    for name, default, high in (
        ("pageIndex", 1, _INT64_MAX),
        ("pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    ):
        try:
            raw = _one_value(query, name)
            values[name] = default if raw is None else _integer(raw, name, 1, high)
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput("The paging parameters are not valid.", errors)
    return Paging(values["pageIndex"], values["pageSize"])


def paging_of(query_string: bytes) -> Paging:
    """``parse_paging`` of a raw query string. A poll sends the same short
    query again and again, so short ones are understood once."""
    if len(query_string) <= _REMEMBERED_QUERY_BYTES:
        return _remembered_paging(query_string)
    return _paging_of(query_string)


def _paging_of(query_string: bytes) -> Paging:
    return parse_paging(QueryParams(query_string))


# Only queries that were understood are kept: an error is raised anew each time.
_REMEMBERED_QUERY_BYTES = 64
_remembered_paging = functools.lru_cache(maxsize=1024)(_paging_of)


def parse_guid(raw: str, name: str) -> UUID:
    try:
        if len(raw) > 68:
            raise ValueError(raw)
        return UUID(raw)
    except ValueError:
        raise InvalidInput(
            f"{name} is not a GUID.", {name: [f"'{raw[:40]}' is not a GUID."]}
        ) from None


# The customer and tenant of a path, polled again and again: understood once.
path_guid = functools.lru_cache(maxsize=8192)(parse_guid)


def parse_json_object(body: bytes, content_type: str | None) -> Mapping[str, Any]:
    """The body as a JSON object; an empty body or ``null`` is an empty object."""
    if not body.strip():
        return {}
    if content_type and not _is_json(content_type):
        raise InvalidInput(
            "The request body must be JSON.",
            {"body": [f"Content-Type '{content_type[:60]}' is not application/json."]},
        )
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(
            "The request body is not valid JSON.", {"body": [str(error)[:200]]}
        ) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InvalidInput(
            "The request body must be a JSON object.", {"body": ["Expected an object."]}
        )
    return document


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


_CANONICAL_GUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


def guid_text(raw: str, name: str) -> str:
    """A GUID as canonical text (lowercase, with dashes), in any form ``UUID``
    accepts. The usual form is checked without building a ``UUID``, which
    for a list of a thousand IDs is most of the request's cost."""
    if _CANONICAL_GUID.fullmatch(raw):
        return raw.lower()
    return str(parse_guid(raw, name))


# Each byte of a list of GUIDs in the usual form, one a line, as its kind:
# a hex digit becomes 0, a dash and a newline stay, anything else becomes x.
_GUID_BYTE_KINDS = bytes(
    ord("0")
    if chr(i) in "0123456789abcdefABCDEF"
    else i
    if chr(i) in "-\n"
    else ord("x")
    for i in range(256)
)
_USUAL_GUID_LINE = b"00000000-0000-0000-0000-000000000000\n"


def _usual_guids(items: list[Any]) -> frozenset[str] | None:
    """Every item as canonical text, checked all at once, when all are
    strings in the usual form; None otherwise, for the item-by-item check
    that names each wrong one. For a list of a hundred this is a tenth of
    the cost of a pattern match per item."""
    try:
        lines = ("\n".join(items) + "\n").encode("ascii")
    except (TypeError, UnicodeEncodeError):  # not all strings, or not ASCII
        return None
    # The shape fixes the count too: an item holding a newline between two
    # GUIDs would add a line.
    if lines.translate(_GUID_BYTE_KINDS) != _USUAL_GUID_LINE * len(items):
        return None
    texts = lines.lower().decode("ascii").split("\n")
    texts.pop()
    return frozenset(texts)


def parse_guid_list(
    document: Mapping[str, Any], name: str, limit: int
) -> frozenset[UUID] | None:
    """An optional array of GUIDs; None when absent, null or empty (no filter)."""
    texts = parse_guid_texts(document, name, limit)
    return None if texts is None else frozenset(map(UUID, texts))


def parse_guid_texts(
    document: Mapping[str, Any], name: str, limit: int
) -> frozenset[str] | None:
    """``parse_guid_list`` with each GUID as canonical text (see ``guid_text``)."""
    value = document.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidInput(
            f"{name} must be an array of strings.", {name: ["Expected an array."]}
        )
    if len(value) > limit:
        raise InvalidInput(
            f"{name} holds {len(value)} items; at most {limit} are allowed.",
            {name: [f"At most {limit} items are allowed."]},
        )
    if not value:
        return None
    usual = _usual_guids(value)
    if usual is not None:
        return usual
    errors: dict[str, list[str]] = {}
    ids: set[str] = set()
    for position, item in enumerate(value):
        if not isinstance(item, str):
            errors[f"{name}[{position}]"] = ["Expected a string."]
            continue
        try:
            ids.add(guid_text(item, name))
        except InvalidInput:
            errors[f"{name}[{position}]"] = [f"'{item[:40]}' is not a GUID."]
    if errors:
        raise InvalidInput(f"{name} holds items that are not GUID strings.", errors)
    return frozenset(ids)


def parse_model(model: type[ModelT], document: Mapping[str, Any]) -> ModelT:
    """``document`` checked against a strict pydantic model; InvalidInput names
    each field that is wrong."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for item in error.errors(include_url=False):
            field = ".".join(str(part) for part in item["loc"]) or "body"
            errors.setdefault(field, []).append(item["msg"])
        fields = ", ".join(errors)
        raise InvalidInput(
            f"The request body is not valid: {fields}.", errors
        ) from None


_ENTITY_TAG = re.compile(r'^"([0-9]{1,18})"$')


def parse_if_match(header: str | None) -> frozenset[int] | None:
    """The job versions an If-Match header accepts; None for absent or ``*``.

    ETags are strong (RFC 9110 8.8.3), so a weak ``W/`` tag never matches.
    """
    if header is None or header.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            continue
        match = _ENTITY_TAG.match(tag)
        if match is None:
            raise InvalidInput(
                'If-Match must hold entity tags such as "3".',
                {"If-Match": [f"'{tag[:40]}' is not an entity tag of this API."]},
            )
        versions.add(int(match.group(1)))
    return frozenset(versions)


def parse_event_id(raw: str | None, name: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    return _integer(raw, name, 0, _INT64_MAX)
