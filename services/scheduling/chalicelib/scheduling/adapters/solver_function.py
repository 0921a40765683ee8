"""Starts an auto-roster job's worker: an asynchronous invocation of the solver function (one per job).

In AWS the function is the container-image solver (infra/stacks/service.py); under ``fh dev`` and in
the tests the local stack serves the same Lambda Invoke API (``AWS_ENDPOINT_URL_LAMBDA``) and runs the
same handler in a worker process of its own."""

from __future__ import annotations

import json

from shared import aws
from shared.settings import get_settings


class LambdaLauncher:
    """``SolverLauncher``: ``Invoke`` with ``InvocationType=Event`` (queued by Lambda, answered at once)."""

    def launch(self, tenant: str, period_id: str, job_id: str) -> None:
        payload = {"tenant": tenant, "period_id": period_id, "job_id": job_id}
        aws.client("lambda").invoke(
            FunctionName=get_settings().solver_function_name,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )
