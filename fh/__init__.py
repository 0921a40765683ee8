"""The project's tooling: the ``fh`` CLI, the local runtime and the dev token issuer."""
