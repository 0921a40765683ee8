"""``Idempotency-Key`` for create POSTs: a retry returns the first response; a different body → 422."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.errors import Conflict, RuleViolation, TransientStoreError
from shared.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

MAX_KEY_LENGTH = 255


@lru_cache(maxsize=1)
def _persistence() -> DynamoDBPersistenceLayer:
    # Imported on first use: Powertools' idempotency utility is a sizeable share of a cold start.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table)


@lru_cache(maxsize=1)
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        expires_after_seconds=get_settings().idempotency_ttl_seconds,
    )


def reset() -> None:
    _persistence.cache_clear()
    _config.cache_clear()


def run_once(
    scope: str, key: str, payload: Any, produce: Callable[[], dict[str, Any]], lambda_context: Any = None
) -> dict[str, Any]:
    """Run ``produce`` once per (scope, key); repeats get its stored result. ``scope`` holds the tenant."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    if lambda_context is not None:
        # lets an in-progress record expire with the invocation if the function times out
        _config().register_lambda_context(lambda_context)
    if not key or len(key) > MAX_KEY_LENGTH:
        raise RuleViolation(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key"
        )

    def _produce(request: dict[str, Any]) -> dict[str, Any]:
        return produce()

    wrapped = idempotent_function(
        data_keyword_argument="request", persistence_store=_persistence(), config=_config(), key_prefix="http"
    )(_produce)
    try:
        result: dict[str, Any] = wrapped(request={"key": f"{scope}|{key}", "payload": payload})
    except IdempotencyValidationError as exc:
        raise RuleViolation(
            "this Idempotency-Key was used with a different request body", field="Idempotency-Key"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict("a request with this Idempotency-Key is still in progress") from exc
    except IdempotencyPersistenceLayerError as exc:
        raise TransientStoreError("idempotency store unavailable, retry shortly") from exc
    return result
