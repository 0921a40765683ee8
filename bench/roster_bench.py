"""Run the roster benchmark on INRC-II (`make bench`): a thin wrapper over `fh roster bench`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fh.services import add_service_paths

add_service_paths()
from fh.roster.bench import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
