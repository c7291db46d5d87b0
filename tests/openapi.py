"""Validate JSON against LINE's own OpenAPI description (tests/data/line-openapi/).

OpenAPI's `discriminator` is not JSON Schema, so a plain validator would check a
message only against the base `Message` schema. Here every discriminated base is
rewritten as a dispatch on its discriminator property (`x-dispatch`): the value picks
the mapped subtype, so a Flex box inside a bubble inside a message is checked against
its own schema, and an unknown `type` fails. (A oneOf over every subtype says the same
but tries them all at every level: ~120 ms for one Flex card instead of a few.)
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from openapi_schema_validator import OAS30Validator

SPEC_DIR = Path(__file__).resolve().parent / "data" / "line-openapi"
REF = "#/components/schemas/"


@functools.cache
def _spec(name: str) -> dict[str, Any]:
    spec = yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for base_name, base in list(schemas.items()):
        discriminator = base.get("discriminator")
        if not discriminator or "mapping" not in discriminator:
            continue
        plain = copy.deepcopy(base)
        del plain["discriminator"]
        schemas[base_name + "__base"] = plain
        for target in discriminator["mapping"].values():
            sub = schemas[target.removeprefix(REF)]
            for part in sub.get("allOf", []):
                if part.get("$ref") == REF + base_name:
                    part["$ref"] = REF + base_name + "__base"
        schemas[base_name] = {"x-dispatch": {"property": discriminator["propertyName"],
                                             "mapping": discriminator["mapping"]}}
    return spec


def _dispatch(validator: Any, dispatch: dict[str, Any], instance: Any, schema: Any) -> Any:
    """Validate `instance` against the subtype its discriminator property names."""
    prop, mapping = dispatch["property"], dispatch["mapping"]
    if not validator.is_type(instance, "object"):
        yield ValidationError(f"{instance!r} is not of type 'object'")
        return
    target = mapping.get(instance.get(prop))
    if target is None:
        yield ValidationError(f"{prop} {instance.get(prop)!r} is not one of {sorted(mapping)}")
        return
    yield from validator.descend(instance, {"$ref": target})


_Validator = extend(OAS30Validator, {"x-dispatch": _dispatch})


@functools.cache
def _validator(spec: str, schema_name: str) -> Any:
    """One validator per schema, kept: what it resolves once it need not resolve again."""
    # The whole spec is the root document, so "#/components/schemas/..." resolves inside it.
    return _Validator({**_spec(spec), "$ref": REF + schema_name})


def errors(document: Any, schema_name: str, spec: str = "messaging-api.yml") -> list[str]:
    """Every way `document` breaks schema `schema_name` (empty when valid)."""
    found = list(_validator(spec, schema_name).iter_errors(document))
    if not found:
        return []
    worst = best_match(found)
    return [f"{'/'.join(map(str, worst.absolute_path))}: {worst.message[:300]}"] + [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in found[:5]
    ]
