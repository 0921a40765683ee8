"""Powertools Logger (JSON, correlation id, identifiers masked), Metrics and Tracer: once per service."""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from shared.personal import mask_identifiers_in

if TYPE_CHECKING:
    from aws_lambda_powertools import Metrics, Tracer

METRICS_NAMESPACE = "FutureHospital"


class MaskingFormatter(LambdaPowertoolsFormatter):
    """JSON log lines with every mobile and resident ID number masked, whatever put them there."""

    def serialize(self, log: Any) -> str:
        return mask_identifiers_in(super().serialize(log))


def logger(service: str) -> Logger:
    """The only way the code makes a logger, so no log line can carry a full phone or ID number."""
    return Logger(service=service, logger_formatter=MaskingFormatter())


class Observability:
    """Each part is built when first used: the X-Ray SDK behind the Tracer alone costs ~100 ms of a cold
    start, which a request that is never traced (tests, the local runtime) should not pay at import."""

    def __init__(self, service: str):
        self.service = service

    @cached_property
    def logger(self) -> Logger:
        return logger(self.service)

    @cached_property
    def metrics(self) -> Metrics:
        from aws_lambda_powertools import Metrics
        from aws_lambda_powertools.metrics.functions import is_metrics_disabled

        if is_metrics_disabled():
            return _quiet_metrics(Metrics)(namespace=METRICS_NAMESPACE, service=self.service)
        return Metrics(namespace=METRICS_NAMESPACE, service=self.service)

    @cached_property
    def tracer(self) -> Tracer:
        from aws_lambda_powertools import Tracer

        return Tracer(service=self.service)


def _quiet_metrics(base: type[Metrics]) -> type[Metrics]:
    """Metrics where they are disabled (``POWERTOOLS_METRICS_DISABLED``, the local runtime): nothing is
    recorded. Powertools' own switch only stops the flush, so values piled up until its 100-value limit
    printed them anyway, and every empty flush warned on the console."""

    class QuietMetrics(base):  # type: ignore[valid-type,misc]
        def add_metric(self, *args: Any, **kwargs: Any) -> None:
            return None

        def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
            return None

        def log_metrics(self, lambda_handler: Any = None, **options: Any) -> Any:
            if lambda_handler is None:
                return lambda handler: handler
            return lambda_handler

    return QuietMetrics


@cache
def for_service(service: str) -> Observability:
    return Observability(service)
