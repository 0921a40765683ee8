"""What each service's functions call beyond their own table, the shared tables and their queues.

The service stack grants exactly this, and ``tests/infra/test_needs.py`` reads the services' code to check
that every declaration here is used and every AWS call in the code is declared — so a service that starts
calling something new fails the infra checks until its permission is added here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadModel:
    """Items of another service's table that a service may query: ``<tenant>#<partition>#...`` only."""

    table: str
    partition: str
    purpose: str
    actions: tuple[str, ...] = ("dynamodb:Query",)
    # The partition keys it may touch (IAM ``dynamodb:LeadingKeys`` patterns); by default ``*#<partition>#*``.
    keys: tuple[str, ...] = ()

    @property
    def leading_keys(self) -> list[str]:
        return list(self.keys) or [f"*#{self.partition}#*"]


# Scheduling's published rosters (``shared.onduty``): "who is on duty on ward W now".
ON_DUTY = ReadModel("scheduling", "onduty", "who is on duty now (shared.onduty)")
# Messaging's consortium links (``shared.consortia``): which hospitals are active members of a
# consortium — a hospital's own links (``<t>#consortia``, a GetItem) and the lead's roster
# (``<lead>#consortium#<id>#members``).
CONSORTIA = ReadModel(
    "messaging",
    "consortia",
    "who is an active member of which consortium (shared.consortia)",
    actions=("dynamodb:GetItem", "dynamodb:Query"),
    keys=("*#consortia", "*#consortium#*"),
)

# A partner app's standing and its call count (``shared.installations``), read and counted by every service
# on each app request; written by the marketplace alone.
APP_STANDING = ReadModel(
    "marketplace",
    "app-standing",
    "whether an installed app may still act, with which scopes (shared.installations)",
    actions=("dynamodb:GetItem",),
    keys=("*#app-standing",),
)
APP_USAGE = ReadModel(
    "marketplace",
    "app-usage",
    "an installed app's calls a day and its per-minute allowance (shared.installations.meter)",
    actions=("dynamodb:UpdateItem",),
)
# Every service answers partner app tokens (shared.http): these two, on the marketplace's table.
PARTNER_CALLS = (APP_STANDING, APP_USAGE)


@dataclass(frozen=True)
class Needs:
    # kms:GenerateMac on the province's HMAC key: blind indexes of personal identifiers (shared.crypto).
    blind_index: bool = False
    # s3:PutObject/GetObject on the attachments bucket, for presigned uploads and downloads (GetObject also
    # allows HeadObject: whether an upload landed), on the keys matching ``attachment_keys``.
    attachments: bool = False
    attachment_keys: str = "*"
    # sns:Publish to phone numbers (SMS) and sms-voice:SendVoiceMessage (calls) for DING escalation.
    alerts: bool = False
    # sns:CreatePlatformEndpoint/Publish on the province's push platform applications.
    push: bool = False
    read_models: tuple[ReadModel, ...] = ()
    # The container-image solver function (scheduling's auto-roster jobs): the stack builds it, and the
    # service's functions may invoke it (lambda:InvokeFunction on it alone).
    solver: bool = False
    # kms:Sign on the province's partner token signing key (every role may GetPublicKey to verify).
    signs_tokens: bool = False


NEEDS: dict[str, Needs] = {
    "messaging": Needs(
        blind_index=True, attachments=True, alerts=True, push=True, read_models=(ON_DUTY, *PARTNER_CALLS)
    ),
    # approvals' files are <tenant>/approvals/<id>: its role reaches those keys only
    "approvals": Needs(
        attachments=True, attachment_keys="*/approvals/*", read_models=(ON_DUTY, *PARTNER_CALLS)
    ),
    # scheduling's spreadsheet exports are <tenant>/scheduling/exports/...: its role reaches those keys only
    "scheduling": Needs(
        solver=True, attachments=True, attachment_keys="*/scheduling/*", read_models=PARTNER_CALLS
    ),
    # follow-up's patients are found by blind index (adapters/kms.py); its call recordings are
    # <tenant>/followup/recordings/<id>: its role reaches those keys only; referrals and remote
    # consultations check the consortium read model
    "followup": Needs(
        blind_index=True,
        attachments=True,
        attachment_keys="*/followup/*",
        read_models=(CONSORTIA, ON_DUTY, *PARTNER_CALLS),
    ),
    # the marketplace signs partner app tokens with the province's signing key (kms:Sign)
    "marketplace": Needs(signs_tokens=True),
    # the consortium view of a lead hospital reads its own link and the roster
    "reports": Needs(read_models=(CONSORTIA, *PARTNER_CALLS)),
}
