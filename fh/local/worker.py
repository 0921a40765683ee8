"""One solver invocation in a process of its own (``python -m fh.local.worker '<payload json>'``).

Started by the local stack for each ``Invoke`` of the solver function, with the stack's environment
(its moto endpoint, its table names): the function's own handler, nothing local in between. SIGTERM
(``fh dev`` stopping) ends the job's solve with it."""

from __future__ import annotations

import json
import signal
import sys
from typing import Any


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # run_job stops its solve on the way out


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop)
    from fh.local.solver import load_handler

    result = load_handler()(json.loads(argv[0]), None)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
