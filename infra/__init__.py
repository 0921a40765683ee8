"""The province stacks: a CDK v2 app that deploys one stack set per province (the data-residency boundary)."""
