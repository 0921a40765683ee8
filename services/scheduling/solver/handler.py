"""The solver function: one auto-roster job per invocation (``{"tenant", "period_id", "job_id"}``).

In AWS it is the container-image function built from this folder's Dockerfile (OR-Tools, numpy and
numba exceed a zip function's 250 MB), invoked asynchronously by ``POST …/solve``; under ``fh dev`` the
local stack runs it in a worker process per invocation. Either way it is this handler and
``service.solve_jobs.run_job``: the job's state says whether there is anything to do, so a repeated
invocation of a job already taken does nothing."""

from __future__ import annotations

from typing import Any


def handle(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    from chalicelib.scheduling.service import solve_jobs

    outcome = solve_jobs.run_job(str(event["tenant"]), str(event["period_id"]), str(event["job_id"]))
    return {"job_id": str(event["job_id"]), "outcome": outcome}
