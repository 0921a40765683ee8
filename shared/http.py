"""Routes: authenticate → authorise → validate → handler → response, with problem+json for every error.

``ServiceAPI.route`` records a ``RouteSpec`` and its handler in a route module's registry, which OpenAPI,
the route tables and the quality gates read (they discover routes here instead of listing them by hand).
``shared.app`` mounts the routes on the Chalice app from the service's route table and calls
``ServiceAPI.dispatch``. This module does not import pydantic: a service starts without it, and the
route module that needs it brings it on its route's first request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalice import Response  # type: ignore[attr-defined]

from shared import i18n, idempotency, observability, problems, standing
from shared.auth import Principal, get_verifier, require
from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    RuleViolation,
    TransientStoreError,
    Unauthenticated,
    is_throttle,
)
from shared.observability import for_service
from shared.problems import FieldError, Problem
from shared.settings import get_settings

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

logger = observability.logger("http")
PATH_PARAM = re.compile(r"{(\w+)}")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# No request body of any route nests deeper than a handful of levels; far deeper is an attack on the
# parser and the validators (a RecursionError was a 500), refused as a bad request before either.
MAX_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply ``value`` (parsed JSON) nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest


@dataclass(frozen=True)
class RouteSpec:
    service: str
    method: str
    path: str
    name: str
    summary: str
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    kinds: tuple[str, ...]
    public: bool
    idempotent: bool
    budget: dict[str, int] = field(default_factory=dict)
    # A ``Location`` header for what the route made, from its path parameters and its response's fields
    # (``/periods/{period_id}/jobs/{id}``), under the service's base path.
    location: str | None = None
    # What the route answers with: JSON (a model) unless it says otherwise; a route answering another
    # media type (a ``text/calendar`` feed) returns its body as text and is documented so.
    media_type: str = "application/json"
    # The body may also come as an HTML form (``application/x-www-form-urlencoded``, e.g. an OAuth token
    # request, RFC 6749 §4.4): parsed to a flat object of strings (a field given twice is a 400) and
    # validated against ``body`` as JSON is. The handler reads the ``Authorization`` header from
    # ``ctx.headers`` (a public route's is not verified as a bearer token).
    form: bool = False

    @property
    def charged_budget(self) -> dict[str, int]:
        """The route's own DynamoDB budget plus what authorising its caller costs: a staff caller's
        standing is one GetItem on the directory (``shared.standing``); an app's, one GetItem for its
        installation's standing and one UpdateItem counting the call (``shared.installations``)."""
        if self.public or not {"staff", "partner"} & set(self.kinds):
            return dict(self.budget)
        charged = {**self.budget, "GetItem": self.budget.get("GetItem", 0) + 1}
        if "partner" in self.kinds and self.scopes:
            # an app's token: its installation's standing (the GetItem) and the call counted (an UpdateItem)
            charged["UpdateItem"] = charged.get("UpdateItem", 0) + 1
        return charged

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)


@dataclass
class RequestContext:
    principal: Principal
    request_id: str
    path: str
    headers: dict[str, str]


def _header(request: Any, name: str) -> str | None:
    for key, value in (request.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


FORM = "application/x-www-form-urlencoded"


def _form(raw: bytes) -> dict[str, str]:
    """An HTML form body as a flat object of strings; a field given twice is refused (RFC 6749 §3.1)."""
    from urllib.parse import parse_qsl

    pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            raise problems.bad_request(f"the form gives {name} more than once")
        out[name] = value
    return out


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def validation_problem(exc: ValidationError, prefix: str = "") -> Problem:
    errors = [
        FieldError(field=prefix + _field_name(err["loc"]), message=i18n.field_message(err), code=err["type"])
        for err in exc.errors()
    ]
    return problems.validation_failed(errors)


def to_problem(exc: BaseException) -> Problem:
    """The one place where exceptions become HTTP problems."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, Unauthenticated):
        return problems.unauthorized(str(exc))
    if isinstance(exc, Forbidden):
        return problems.forbidden(str(exc))
    if isinstance(exc, NotFound):
        return problems.not_found(exc.what)
    if isinstance(exc, Conflict):
        return problems.conflict(str(exc))
    if isinstance(exc, RuleViolation):
        if exc.field:
            return problems.validation_failed([FieldError(exc.field, str(exc), "rule")])
        return Problem(422, "rule-violated", "Business rule violated", str(exc))
    if isinstance(exc, RateLimited):
        return problems.too_many_requests(str(exc), exc.retry_after)
    if isinstance(exc, TransientStoreError):
        return problems.unavailable(str(exc), exc.retry_after)
    if isinstance(exc, DomainError):
        return Problem(422, "rule-violated", "Business rule violated", str(exc))
    if is_throttle(exc):
        # A read (or any call outside the unit of work) throttled past its retries: retry later, not 500.
        return problems.unavailable("the store is busy, retry shortly")
    return problems.internal_error()


def problem_response(problem: Problem, path: str, request_id: str) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": problems.PROBLEM_CONTENT_TYPE, **problem.headers}
    return Response(
        body=json.dumps(problem.body(path, request_id), ensure_ascii=False),
        status_code=problem.status,
        headers=headers,
    )


def _dump(result: Any) -> Any:
    if hasattr(result, "model_dump"):  # a pydantic model
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_dump(r) for r in result]
    return result


class ServiceAPI:
    """The routes of one route module: their specs (for OpenAPI and the gates) and their handlers.

    It holds no Chalice objects: ``shared.app`` mounts each route on the app from the service's route
    table and calls ``dispatch`` with the app's current request.
    """

    def __init__(self, service: str, import_name: str):
        self.service = service
        self.module = import_name
        self.routes: list[RouteSpec] = []
        self._handlers: dict[str, tuple[RouteSpec, Callable[..., Any]]] = {}

    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        response: Any = None,
        status: int = 200,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        roles: tuple[str, ...] = (),
        scopes: tuple[str, ...] = (),
        kinds: tuple[str, ...] = ("staff", "service"),
        public: bool = False,
        idempotent: bool = False,
        budget: dict[str, int] | None = None,
        location: str | None = None,
        media_type: str = "application/json",
        form: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            spec = RouteSpec(
                service=self.service,
                method=method.upper(),
                path=path,
                name=fn.__name__,
                summary=summary,
                status=status,
                body=body,
                query=query,
                response=response,
                roles=roles,
                scopes=scopes,
                kinds=kinds,
                public=public,
                idempotent=idempotent,
                budget=budget or {},
                location=location,
                media_type=media_type,
                form=form,
            )
            if spec.name in self._handlers:
                raise ValueError(f"{self.module}: two routes are named {spec.name}")
            self._handlers[spec.name] = (spec, fn)
            self.routes.append(spec)
            return fn

        return register

    def dispatch(self, name: str, request: Any, path_params: dict[str, str]) -> Response:
        """Serve ``request`` with the handler named ``name``; every failure becomes problem+json."""
        spec, fn = self._handlers[name]
        context = request.context or {}
        request_id = str(context.get("requestId") or uuid.uuid4())
        # A problem's instance is the route (``/approvals/approvals/{instance_id}``), the same in AWS and
        # locally, and never echoes an id back: the request id names the occurrence.
        path = f"/{self.service}{spec.path}"
        logger.set_correlation_id(request_id)
        metrics = for_service(self.service).metrics
        metrics.add_metric(name="Requests", unit="Count", value=1)
        try:
            return self._run(spec, fn, path_params, request, request_id, path)
        except Exception as exc:  # the one place every failure becomes problem+json
            problem = to_problem(exc)
            if problem.status >= 500:
                metrics.add_metric(name="ServerErrors", unit="Count", value=1)
                logger.exception("request failed", extra={"route": f"{spec.method} {spec.path}"})
            lang = i18n.language(_header(request, "accept-language"))
            return problem_response(i18n.localise(problem, lang), path, request_id)

    def _run(
        self,
        spec: RouteSpec,
        fn: Callable[..., Any],
        path_params: dict[str, str],
        request: Any,
        request_id: str,
        path: str,
    ) -> Response:
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        if spec.public:
            principal = Principal(tenant="public", user="anonymous", kind="service")
        else:
            principal = get_verifier().verify_header(headers.get("authorization"))
            if principal.kind == "partner" and principal.installation is not None:
                from shared import installations  # PynamoDB: loaded with the first app request

                principal = installations.check(principal)
                require(principal, roles=spec.roles, scopes=spec.scopes, kinds=spec.kinds)
                installations.meter(principal)
            else:
                principal = standing.check(principal)
                require(principal, roles=spec.roles, scopes=spec.scopes, kinds=spec.kinds)
        for name, value in path_params.items():
            if not ID_PATTERN.match(value):
                raise NotFound(name.removesuffix("_id"))
        kwargs: dict[str, Any] = dict(path_params)
        payload: Any = None
        if spec.body is not None or spec.query is not None:
            # Loaded already with the route module's models; a route without models never needs it.
            from pydantic import ValidationError
        if spec.body is not None:
            raw = request.raw_body or b""
            limit = get_settings().max_body_bytes
            if len(raw) > limit:
                raise problems.payload_too_large(limit)
            kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            as_form = spec.form and kind == FORM
            if raw and kind and not _is_json(kind) and not as_form:
                raise problems.unsupported_media_type(kind)
            try:
                payload = _form(raw) if as_form else (json.loads(raw) if raw else None)
            except (UnicodeDecodeError, ValueError) as exc:
                raise problems.bad_request("the body is not valid JSON") from exc
            except RecursionError as exc:  # nesting deeper than the parser's stack
                raise problems.bad_request(f"the body is nested deeper than {MAX_DEPTH} levels") from exc
            if _depth(payload) > MAX_DEPTH:
                raise problems.bad_request(f"the body is nested deeper than {MAX_DEPTH} levels")
            try:
                kwargs["body"] = spec.body.model_validate(payload)
            except ValidationError as exc:
                raise validation_problem(exc) from exc
        if spec.query is not None:
            try:
                kwargs["query"] = spec.query.model_validate(dict(request.query_params or {}))
            except ValidationError as exc:
                raise validation_problem(exc, prefix="query.") from exc
        ctx = RequestContext(principal=principal, request_id=request_id, path=path, headers=headers)

        def produce() -> dict[str, Any]:
            body = _dump(fn(ctx, **kwargs))
            produced: dict[str, Any] = {"status": spec.status, "body": body}
            if spec.location is not None and isinstance(body, dict):
                produced["location"] = f"/{spec.service}" + spec.location.format(**{**path_params, **body})
            return produced

        key = headers.get("idempotency-key")
        if spec.idempotent and key is not None:
            scope = f"{principal.tenant}|{principal.user}|{spec.method} {spec.path}|{json.dumps(path_params)}"
            result = idempotency.run_once(scope, key, payload, produce, request.lambda_context)
        else:
            result = produce()
        out_headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
        if result.get("location"):  # kept with the first response, so a retry answers the same
            out_headers["Location"] = str(result["location"])
        if not _is_json(spec.media_type.split(";", 1)[0].strip()):
            # A text body as the handler made it (a calendar feed), in the route's own media type.
            out_headers["Content-Type"] = spec.media_type
            return Response(body=str(result["body"]), status_code=result["status"], headers=out_headers)
        return Response(
            body="" if result["status"] == 204 else json.dumps(result["body"], ensure_ascii=False),
            status_code=result["status"],
            headers=out_headers,
        )
