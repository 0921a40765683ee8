"""The local runtime: an embedded moto server, the gateway, the trigger runner and the demo seed."""
