"""Powertools Logger (JSON, correlation id, identifiers masked), Metrics and Tracer: once per service."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from shared.personal import mask_identifiers_in

METRICS_NAMESPACE = "FutureHospital"


class MaskingFormatter(LambdaPowertoolsFormatter):
    """JSON log lines with every mobile and resident ID number masked, whatever put them there."""

    def serialize(self, log: Any) -> str:
        return mask_identifiers_in(super().serialize(log))


def logger(service: str) -> Logger:
    """The only way the code makes a logger, so no log line can carry a full phone or ID number."""
    return Logger(service=service, logger_formatter=MaskingFormatter())


@dataclass(frozen=True)
class Observability:
    logger: Logger
    metrics: Metrics
    tracer: Tracer


@cache
def for_service(service: str) -> Observability:
    return Observability(
        logger=logger(service),
        metrics=Metrics(namespace=METRICS_NAMESPACE, service=service),
        tracer=Tracer(service=service),
    )
