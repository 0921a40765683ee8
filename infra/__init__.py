"""The province stacks: a CDK v2 app that deploys one stack set per province (the data-residency boundary)."""

import os

# Before jsii starts (first aws_cdk import): Node 20 works, the end-of-life banner only buries the output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
