"""Validate JSON against LINE's own OpenAPI description (../shared/line-openapi/).

OpenAPI's `discriminator` is not JSON Schema, so a plain validator would check a
message only against the base `Message` schema. Here every discriminated base is
rewritten as a oneOf over its mapped subtypes (each pinned to its `type` value), so
a Flex box inside a bubble inside a message is checked against its own schema, and
an unknown `type` fails.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "line-openapi"
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
        prop = discriminator["propertyName"]
        schemas[base_name] = {"oneOf": [
            {"allOf": [{"$ref": target}, {"properties": {prop: {"enum": [value]}}, "required": [prop]}]}
            for value, target in discriminator["mapping"].items()
        ]}
    return spec


@functools.cache
def _validator(spec: str, schema_name: str) -> OAS30Validator:
    """One validator per schema, built once: building one walks the whole spec."""
    # The whole spec is the root document, so "#/components/schemas/..." resolves inside it.
    return OAS30Validator({**_spec(spec), "$ref": REF + schema_name})


def errors(document: Any, schema_name: str, spec: str = "messaging-api.yml") -> list[str]:
    """Every way `document` breaks schema `schema_name` (empty when valid)."""
    found = list(_validator(spec, schema_name).iter_errors(document))
    if not found:
        return []
    worst = best_match(found)
    return [f"{'/'.join(map(str, worst.absolute_path))}: {worst.message[:300]}"] + [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in found[:5]
    ]
