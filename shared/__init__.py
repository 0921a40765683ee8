"""The shared layer: auth, tenancy, errors, OpenAPI, persistence, events, idempotency, observability.

Every service imports it; it never imports a service.
"""

import os as _os

# We register no pydantic plugins; without this pydantic scans every installed package's entry points
# when the first model is built (~20 ms of each cold start).
_os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
