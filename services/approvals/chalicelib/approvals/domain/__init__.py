"""The approvals domain, free of AWS: form templates, flow definitions and the instance engine."""
