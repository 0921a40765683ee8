"""The solver function: one auto-roster job per invocation (``{"tenant", "period_id", "job_id"}``).

In AWS it is the container-image function built from this folder's Dockerfile (OR-Tools, numpy and
numba exceed a zip function's 250 MB), invoked asynchronously by ``POST …/solve``; under ``fh dev`` the
local stack runs it in a worker process per invocation. Either way it is this handler and
``service.solve_jobs.run_job``: the job's state says whether there is anything to do, so a repeated
invocation of a job already taken does nothing."""

from __future__ import annotations

import os
import shutil
from typing import Any


def seed_numba_cache() -> bool:
    """Copy the kernels' machine code compiled into the image (``FH_NUMBA_CACHE_SEED``, read-only as
    the whole image is in Lambda) to numba's cache folder (``NUMBA_CACHE_DIR``, under /tmp) if that
    folder does not exist yet: a cold container's first solve then loads the kernels instead of
    compiling them (about 12 s). True if it copied."""
    seed, target = os.environ.get("FH_NUMBA_CACHE_SEED"), os.environ.get("NUMBA_CACHE_DIR")
    if not seed or not target or not os.path.isdir(seed) or os.path.exists(target):
        return False
    try:
        shutil.copytree(seed, target)
    except OSError:  # a full /tmp or a concurrent copy: the kernels compile as they would without
        return False
    return True


seed_numba_cache()  # at a cold start, before anything loads a kernel


def handle(event: dict[str, Any], context: Any = None) -> dict[str, str]:
    from chalicelib.scheduling.service import solve_jobs

    outcome = solve_jobs.run_job(str(event["tenant"]), str(event["period_id"]), str(event["job_id"]))
    return {"job_id": str(event["job_id"]), "outcome": outcome}
