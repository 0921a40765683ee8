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


NEEDS: dict[str, Needs] = {
    "messaging": Needs(blind_index=True, attachments=True, alerts=True, push=True, read_models=(ON_DUTY,)),
    # approvals' files are <tenant>/approvals/<id>: its role reaches those keys only
    "approvals": Needs(attachments=True, attachment_keys="*/approvals/*", read_models=(ON_DUTY,)),
    # scheduling's spreadsheet exports are <tenant>/scheduling/exports/...: its role reaches those keys only
    "scheduling": Needs(solver=True, attachments=True, attachment_keys="*/scheduling/*"),
    # follow-up's patients are found by blind index (adapters/kms.py); its call recordings are
    # <tenant>/followup/recordings/<id>: its role reaches those keys only; referrals and remote
    # consultations check the consortium read model
    "followup": Needs(
        blind_index=True, attachments=True, attachment_keys="*/followup/*", read_models=(CONSORTIA, ON_DUTY)
    ),
    "marketplace": Needs(),
}
