"""The roster engine's tools that do not ship with the service: the INRC-II reader, the benchmark
and the bound's command line (`fh roster bench|bound`)."""
