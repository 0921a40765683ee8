"""The six services, named once: the local runtime (``fh``), the stacks (``infra``), the tables and
the benches all read this list, so a sixth service is added here and nowhere else (pyproject's
pytest ``pythonpath`` is checked against it by a test)."""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("messaging", "approvals", "scheduling", "followup", "marketplace", "reports")
