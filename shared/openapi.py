"""OpenAPI 3.1 documents generated from the route registry and the pydantic models."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.http import RouteSpec

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERRORS = {
    "400": "Malformed request",
    "401": "Missing or invalid token",
    "403": "Missing role or scope",
    "404": "Unknown id (or another tenant's)",
    "409": "Conflict",
    "413": "Body too large",
    "422": "Invalid fields",
    "503": "Busy, retry after the Retry-After header",
}


def _models(routes: list[RouteSpec]) -> list[type[BaseModel]]:
    seen: dict[type[BaseModel], None] = {}
    for route in routes:
        for model in (route.body, route.response):
            if isinstance(model, type) and issubclass(model, BaseModel):
                seen[model] = None
    return list(seen)


def build(service: str, routes: list[RouteSpec], prefix: str = "", title: str = "") -> dict[str, Any]:
    models = _models(routes)
    Mode = Literal["validation", "serialization"]
    keys: list[tuple[type[BaseModel], Mode]] = [
        (m, "validation") for m in models if any(r.body is m for r in routes)
    ]
    keys += [(m, "serialization") for m in models if any(r.response is m for r in routes)]
    refs, defs = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, Any] = {}
    names = Counter(route.name for route in routes)
    for route in routes:
        # Operation ids must be unique: a handler name used for several routes gets method and path added.
        slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{route.method}_{route.path}").strip("_").lower()
        op: dict[str, Any] = {
            "operationId": f"{service}_{route.name}"
            if names[route.name] == 1
            else f"{service}_{route.name}_{slug}",
            "summary": route.summary,
            "tags": [service],
            "responses": {},
            "x-fh-roles": list(route.roles),
            "x-fh-kinds": list(route.kinds),
        }
        if route.charged_budget:
            op["x-fh-ddb-budget"] = route.charged_budget
        params: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            }
            for name in route.path_params
        ]
        if route.query is not None:
            qschema = route.query.model_json_schema()
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in qschema.get("required", []),
                        "schema": prop,
                    }
                )
        if route.idempotent:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
        if params:
            op["parameters"] = params
        if route.public:
            op["security"] = []
        if route.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(route.body, "validation")]}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        media_type = route.media_type.split(";", 1)[0].strip()
        if media_type != "application/json":
            ok["content"] = {media_type: {"schema": {"type": "string"}}}
        elif isinstance(route.response, type) and issubclass(route.response, BaseModel):
            ok["content"] = {"application/json": {"schema": refs[(route.response, "serialization")]}}
        if route.location is not None:
            ok["headers"] = {
                "Location": {"description": "where to follow what was made", "schema": {"type": "string"}}
            }
        op["responses"][str(route.status)] = ok
        for code, text in _ERRORS.items():
            if route.public and code == "401" and "token" in route.path_params:
                # A public route whose path is its credential (a patient's link) refuses a bad one.
                text = "The link in the path is unknown, expired or revoked"
            elif route.public and code in ("401", "403"):
                continue
            if code == "413" and route.body is None:
                continue
            op["responses"][code] = {
                "description": text,
                "content": {"application/problem+json": {"schema": _PROBLEM_REF}},
            }
        if route.public and "token" in route.path_params:
            op["responses"]["429"] = {
                "description": "Too many requests with this link: retry after the Retry-After header",
                "content": {"application/problem+json": {"schema": _PROBLEM_REF}},
            }
        paths.setdefault(prefix + route.path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title or f"Future Hospital — {service}", "version": "0.1.0"},
        "servers": [{"url": f"/{service}"}] if not prefix else [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }


def merge(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document for the local gateway: every service's paths under its base path."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service, doc in documents.items():
        for path, ops in doc["paths"].items():
            paths[f"/{service}{path}"] = ops
        schemas.update(doc["components"]["schemas"])
    return {
        "openapi": "3.1.0",
        "info": {"title": "Future Hospital", "version": "0.1.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }
