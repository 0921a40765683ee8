"""The provinces file (``infra/provinces.toml``), validated by pydantic before anything is synthesized."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_CONFIG = Path(__file__).resolve().parent / "provinces.toml"
TENANT_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"
Partition = Literal["aws", "aws-cn", "aws-us-gov"]
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557)


def partition_of(region: str) -> Partition:
    """The partition a region lives in (China regions are ``aws-cn``)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identity(_Strict):
    """The OIDC issuer whose tokens the functions accept (any issuer: Cognito is not in every region)."""

    # Kept exactly as written: the issuer must equal the tokens' ``iss`` claim character for character.
    issuer: str = Field(pattern=r"^https://[^\s]+$")
    jwks_url: str = Field(pattern=r"^https://[^\s]+$")
    audience: str = Field(min_length=1)
    tenant_claim: str = "tenant"


class Retention(_Strict):
    log_days: int = 365
    bus_archive_days: int = Field(default=365, ge=1)
    dlq_days: int = Field(default=14, ge=1, le=14)

    @field_validator("log_days")
    @classmethod
    def _log_days(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs keeps logs for one of {LOG_RETENTION_DAYS} days")
        return value


class Alarms(_Strict):
    """Where alarms go: an e-mail address subscribed to the province's alarm topic."""

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# An SNS platform application: ``arn:<partition>:sns:<region>:<account>:app/<PLATFORM>/<name>``.
PLATFORM_APP_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"app/(?P<platform>[A-Z_]+)/(?P<name>[A-Za-z0-9_.-]{1,256})$"
)
# A Pinpoint SMS and Voice v2 origination identity IAM can scope: a phone number id or a pool id, or the
# ARN of either (an E.164 number or a sender id has no resource ARN a policy could name).
ORIGINATION = re.compile(
    r"^(?:arn:(?P<partition>aws|aws-cn|aws-us-gov):sms-voice:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<kind>phone-number|pool)/)?(?P<id>(?:phone|pool)-[a-z0-9]{1,64})$"
)


class PushApp(_Strict):
    """A mobile push platform application parsed from its ARN (the template rebuilds it per partition)."""

    platform: str
    region: str
    account: str
    resource: str  # ``<PLATFORM>/<name>``
    partition: str


def parse_push_app(arn: str) -> PushApp:
    match = PLATFORM_APP_ARN.fullmatch(arn)
    if match is None:
        raise ValueError(f"{arn!r} is not an SNS platform application ARN (arn:…:sns:…:app/PLATFORM/name)")
    return PushApp(
        platform=match["platform"],
        region=match["region"],
        account=match["account"],
        resource=f"{match['platform']}/{match['name']}",
        partition=match["partition"],
    )


class Messaging(_Strict):
    """What messaging reaches people through beyond the app: mobile push and DING voice calls.

    ``push_apps``: SNS platform application ARNs by the platform name clients register with
    (``{ fcm = "arn:…:app/GCM/…", apns = "arn:…:app/APNS/…" }``); none means push is off.
    ``voice_origination``: the Pinpoint SMS and Voice v2 phone number id (``phone-…``), pool id (``pool-…``)
    or the ARN of either that DING calls come from; none means calls are only written to the delivery log
    (regions without Pinpoint SMS and Voice v2, e.g. the China regions).
    """

    push_apps: dict[str, str] = {}
    voice_origination: str | None = None

    @field_validator("push_apps")
    @classmethod
    def _push_apps(cls, value: dict[str, str]) -> dict[str, str]:
        for platform, arn in value.items():
            if not re.fullmatch(r"^[a-z][a-z0-9_]{1,31}$", platform):
                raise ValueError(f"push platform {platform!r}: lower-case letters, digits, _ (e.g. fcm)")
            parse_push_app(arn)
        return value

    @field_validator("voice_origination")
    @classmethod
    def _voice_origination(cls, value: str | None) -> str | None:
        if value is not None and ORIGINATION.fullmatch(value) is None:
            raise ValueError(
                "voice_origination is a phone number id (phone-…), a pool id (pool-…) or the ARN of either"
            )
        return value

    @property
    def voice_channel(self) -> str:
        """``FH_VOICE_CHANNEL``: Pinpoint when an origination identity is configured, else the log."""
        return "pinpoint" if self.voice_origination else "log"

    def voice_resource(self) -> tuple[str, str, str | None]:
        """(``phone-number`` or ``pool``, its id, its account when given as an ARN) of the origination."""
        match = ORIGINATION.fullmatch(self.voice_origination or "")
        if match is None:
            raise ValueError("no voice origination configured")
        kind = "phone-number" if match["id"].startswith("phone-") else "pool"
        return kind, match["id"], match["account"]


class Hospital(_Strict):
    """A hospital onboarded in the province: its tenant id and display name."""

    id: str = Field(pattern=TENANT_ID)
    name: str = Field(min_length=1, max_length=200)


class Province(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9]{1,9}$", description="short code, e.g. zj; in every name")
    name: str = Field(min_length=1, description="display name, e.g. 浙江")
    partition: Partition
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    identity: Identity
    retention: Retention = Retention()
    alarms: Alarms = Alarms()
    messaging: Messaging = Messaging()
    hospitals: tuple[Hospital, ...] = ()

    @model_validator(mode="after")
    def _partition_matches_region(self) -> Province:
        expected = partition_of(self.region)
        if self.partition != expected:
            raise ValueError(f"region {self.region} is in the {expected} partition, not {self.partition}")
        # Data residency: the push applications and the voice number are the province's own.
        for platform, arn in self.messaging.push_apps.items():
            app = parse_push_app(arn)
            if (app.partition, app.region) != (self.partition, self.region):
                raise ValueError(f"messaging.push_apps.{platform} is not in {self.partition} {self.region}")
        voice = ORIGINATION.fullmatch(self.messaging.voice_origination or "")
        if (
            voice is not None
            and voice["partition"]
            and (voice["partition"], voice["region"])
            != (
                self.partition,
                self.region,
            )
        ):
            raise ValueError(f"messaging.voice_origination is not in {self.partition} {self.region}")
        ids = [h.id for h in self.hospitals]
        if len(ids) != len(set(ids)):
            raise ValueError("a hospital id appears twice")
        return self


class InfraConfig(_Strict):
    provinces: tuple[Province, ...] = Field(min_length=1, alias="province")

    @model_validator(mode="after")
    def _unique_codes(self) -> InfraConfig:
        codes = [p.code for p in self.provinces]
        if len(codes) != len(set(codes)):
            raise ValueError("a province code appears twice")
        return self

    def province(self, code: str) -> Province:
        for province in self.provinces:
            if province.code == code:
                return province
        known = ", ".join(p.code for p in self.provinces)
        raise KeyError(f"no province {code!r} in the config (known: {known})")

    def select(self, codes: Sequence[str] | None) -> tuple[Province, ...]:
        return tuple(self.province(c) for c in codes) if codes else self.provinces


def load(path: Path | str | None = None) -> InfraConfig:
    """Read and validate the provinces file; a mistake stops the synth with the field that is wrong."""
    raw = Path(path or DEFAULT_CONFIG).read_text(encoding="utf-8")
    return InfraConfig.model_validate(tomllib.loads(raw))


def is_tenant_id(value: str) -> bool:
    return re.fullmatch(TENANT_ID, value) is not None
