"""The approvals domain, free of AWS: form templates (built-ins too), flows, the instance engine, deputies."""
