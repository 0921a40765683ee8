"""A service's Chalice app as a CDK construct, packaged once per service per synth.

``chalice.cdk.Chalice`` runs ``chalice package`` every time it is instantiated. The package does not depend
on the province (everything province-specific — names, roles, environment, queue ARNs — is applied by the
service stack as overrides), so the first province packages a service and the others reuse that output
(hard links, no copy). Chalice's own dependency cache (``build/chalice/_deployments``) makes the first
package of a warm machine offline and quick: the Lambda dependencies and the vendored shared layer go into
one managed layer whose zip is the same for every service.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from chalice.cdk import Chalice
from constructs import Construct

from infra import bundle

# The stage every service is packaged as. Province-specific settings are not here on purpose (see above).
STAGE = "deployed"
STAGE_CONFIG: dict[str, Any] = {
    "api_gateway_stage": "api",
    # China regions have no edge-optimised endpoints; a regional one works in every partition.
    "api_gateway_endpoint_type": "REGIONAL",
    # Roles are made by the service stack with least privilege; this placeholder is overridden.
    "manage_iam_role": False,
    "iam_role_arn": "role-set-by-the-service-stack",
    "automatic_layer": True,
    "lambda_timeout": 30,
    "lambda_memory_size": 512,
    "xray": True,
}
_packaged: dict[str, Path] = {}


def _package(service: str, project_dir: Path, out: Path, region: str) -> Path:
    """``chalice package`` of one staged service, in this process (Chalice imports ``app`` by name)."""
    from chalice import api

    from fh.services import load_app

    if out.exists():
        shutil.rmtree(out)
    # Chalice imports the module ``app`` from the project; an app module runs its blueprints' registrations
    # once per process, so Chalice is handed the one ``fh.services`` already loaded (same source).
    load_app(service)
    sys.modules["app"] = sys.modules[f"fh_app_{service}"]

    previous = os.environ.get("AWS_DEFAULT_REGION")
    # Chalice needs a region while it packages; nothing in its output depends on which.
    os.environ["AWS_DEFAULT_REGION"] = previous or region
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            api.package_app(
                project_dir=str(project_dir), output_dir=str(out), stage=STAGE, chalice_config=STAGE_CONFIG
            )
    finally:
        sys.modules.pop("app", None)
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
    return out


class ServiceApp(Chalice):
    """``chalice.cdk.Chalice`` for ``services/<service>``; ``sam`` is the packaged SAM template."""

    def __init__(self, scope: Construct, construct_id: str, *, service: str, region: str) -> None:
        self.service = service
        self._region = region
        project_dir = bundle.BUILD / service if service in _packaged else bundle.stage(service)
        super().__init__(scope, construct_id, source_dir=str(project_dir), stage_config=STAGE_CONFIG)
        self.sam: dict[str, Any] = json.loads(
            (Path(self._sam_package_dir) / "sam.json").read_text(encoding="utf-8")
        )

    def _package_app(self) -> None:
        packaged = _packaged.get(self.service)
        if packaged is None or not (packaged / "sam.json").exists():
            out = Path.cwd() / "chalice.out" / "packaged" / self.service
            packaged = _package(self.service, Path(self.source_dir), out, self._region)
            _packaged[self.service] = packaged
        shutil.copytree(packaged, self._sam_package_dir, copy_function=os.link)

    def functions(self) -> dict[str, dict[str, Any]]:
        """The SAM functions of the package by logical id (``APIHandler``, ``Relay``, consumers)."""
        return {
            logical_id: resource
            for logical_id, resource in self.sam["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"
        }


def forget_packages() -> None:
    """Package again on the next synth (tests that change the services call this)."""
    _packaged.clear()
