"""Hypothesis strategies built from LINE's webhook.yml (tests/data/line-openapi/).

`from_schema("CallbackRequest")` draws whole webhook bodies the spec allows: every
event type of the `Event` discriminator, every source and message content type, the
optional fields present or not, enums, the destination pattern, formats and bounds.
A discriminated base (Event, Source, MessageContent, Mentionee, ...) is drawn as one of
its mapped subtypes with the discriminator property set; inside a subtype's allOf the
base is drawn plainly (its own fields only). Schemas with no type are drawn as small
JSON values. Written for this spec's subset of OpenAPI 3.0, which it covers whole.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml
from hypothesis import strategies as st
from openapi import SPEC_DIR

REF = "#/components/schemas/"
_json_leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=10)


@functools.cache
def _schemas() -> dict[str, Any]:
    spec = yaml.safe_load((SPEC_DIR / "webhook.yml").read_text(encoding="utf-8"))
    return spec["components"]["schemas"]


def from_schema(name: str) -> st.SearchStrategy[Any]:
    return _named(name, dispatch=True)


@functools.cache
def _named(name: str, dispatch: bool) -> st.SearchStrategy[Any]:
    return st.deferred(lambda: _build(_schemas()[name], dispatch))


def _build(schema: dict[str, Any], dispatch: bool = True) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return _named(schema["$ref"].removeprefix(REF), dispatch)
    discriminator = schema.get("discriminator")
    if dispatch and discriminator and "mapping" in discriminator:
        prop = discriminator["propertyName"]
        return st.one_of([
            _build({"$ref": target}).map(functools.partial(_with, prop, value))
            for value, target in sorted(discriminator["mapping"].items())
        ])
    if "allOf" in schema:
        parts = [_build(part, dispatch=False) for part in schema["allOf"]]
        return st.tuples(*parts).map(_merge)
    if "oneOf" in schema or "anyOf" in schema:
        return st.one_of([_build(s) for s in schema.get("oneOf") or schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(schema)
    if kind == "array":
        return st.lists(_build(schema.get("items", {})), min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 3), 3))
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        low = schema.get("minimum", -(2**31) if schema.get("format") == "int32" else 0)
        high = schema.get("maximum", 2**31 - 1 if schema.get("format") == "int32" else 2**53)
        return st.integers(low, high)
    if kind == "number":
        return st.floats(schema.get("minimum", -180), schema.get("maximum", 180), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return _json_leaf


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {name: _build(sub) for name, sub in properties.items() if name in required}
    optional = {name: _build(sub) for name, sub in properties.items() if name not in required}
    if not properties and isinstance(schema.get("additionalProperties"), dict):  # a string map
        return st.dictionaries(st.text(min_size=1, max_size=8), _build(schema["additionalProperties"]),
                               max_size=3)
    return st.fixed_dictionaries(fixed, optional=optional)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if schema.get("format") == "uri":
        return st.from_regex(r"https://example\.com/[a-z0-9/]{0,20}", fullmatch=True)
    return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))


def _with(prop: str, value: str, drawn: dict[str, Any]) -> dict[str, Any]:
    return {**drawn, prop: value}


def _merge(parts: tuple[Any, ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, dict):
            merged.update(part)
    return merged
