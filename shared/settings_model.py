"""The settings model (pydantic-settings), imported when settings are first read (see ``shared.settings``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import DEFAULT_REGION, REGION_VARIABLE


class Settings(BaseSettings):
    """What a function needs to know about the stack it runs in.

    AWS endpoints are not here on purpose: boto3 and PynamoDB read ``AWS_ENDPOINT_URL`` themselves,
    which is how the local runtime points the same code at its embedded moto server.
    """

    model_config = SettingsConfigDict(env_prefix="FH_", extra="ignore")

    province: str = "local"
    region: str = Field(default=DEFAULT_REGION, validation_alias=REGION_VARIABLE)
    table_prefix: str = "fh-local"
    event_bus_name: str = "fh-local-bus"
    # Token verification: any OIDC issuer (Cognito is not in every region, nothing depends on it).
    jwt_issuer: str = "https://dev-issuer.future-hospital.local"
    jwt_audience: str = "future-hospital"
    jwks_url: str = ""
    jwks_cache_seconds: int = 300
    tenant_claim: str = "tenant"
    # The claim naming the caller's staff record (set by the identity provider when the account is
    # bound to a member of staff); without it a staff token's subject is taken as the staff id.
    staff_claim: str = "staff_id"
    # Partner app tokens (shared.partner_tokens): the marketplace issues them as this issuer, signed by
    # the province's asymmetric KMS key (empty: alias/<table_prefix>-marketplace-signing).
    marketplace_issuer: str = "https://marketplace.future-hospital.local"
    marketplace_signing_key_id: str = ""
    # The province's platform admins (role ``platform_admin``: they review partner apps) sign in under this
    # tenant.
    platform_tenant: str = "platform"
    # Webhooks go to public https endpoints only; ``fh dev`` allows plain http to 127.0.0.1 for the local
    # receiver (``fh partner receive``). Never set in a province stack.
    webhook_allow_loopback_http: bool = False
    # The polling feed shows messages recorded at least this long ago: a dispatcher stamps a message before
    # its transaction commits, so a newer one may be readable first; a cursor past it must not skip the
    # older one still committing (nor an index read that lags).
    webhook_feed_settle_seconds: int = 10
    max_body_bytes: int = 256 * 1024
    idempotency_ttl_seconds: int = 24 * 3600
    outbox_ttl_days: int = 7
    # KMS keys of the province: a symmetric key for field encryption, an HMAC key for blind indexes.
    # Empty means the stack's aliases: alias/<table_prefix>-data and alias/<table_prefix>-index.
    kms_data_key_id: str = ""
    kms_index_key_id: str = ""
    # SNS platform application ARNs for mobile push, by platform: {"fcm": "...", "apns": "..."}.
    push_apps: dict[str, str] = {}
    attachments_bucket: str = ""  # empty: <table_prefix>-attachments
    # The reports' history: the bucket the weekly point-in-time export of the reports table goes to
    # (empty: <table_prefix>-report-history), and the table's ARN (set by the stacks; empty: asked of
    # DynamoDB, which only the local stack does).
    report_history_bucket: str = ""
    report_table_arn: str = ""
    # Urgent-alert voice calls: "pinpoint" (Pinpoint SMS and Voice v2) or "log" (delivery log only).
    voice_channel: str = "pinpoint"
    voice_origination: str = ""
    # The function that runs scheduling's auto-roster jobs (one asynchronous invocation per job).
    # Empty: <table_prefix>-scheduling-solver, the name the stacks give it.
    solver_function: str = ""
    # How long a doctor's claim on a chronic revisit request (慢病复诊) holds before, unhandled, it returns
    # to the department's pool.
    followup_revisit_claim_minutes: int = 30

    @property
    def kms_data_key(self) -> str:
        return self.kms_data_key_id or f"alias/{self.table_prefix}-data"

    @property
    def marketplace_signing_key(self) -> str:
        return self.marketplace_signing_key_id or f"alias/{self.table_prefix}-marketplace-signing"

    @property
    def attachments_bucket_name(self) -> str:
        return self.attachments_bucket or f"{self.table_prefix}-attachments"

    @property
    def report_history_bucket_name(self) -> str:
        return self.report_history_bucket or f"{self.table_prefix}-report-history"

    @property
    def solver_function_name(self) -> str:
        return self.solver_function or f"{self.table_prefix}-scheduling-solver"

    @property
    def kms_index_key(self) -> str:
        return self.kms_index_key_id or f"alias/{self.table_prefix}-index"

    def table_name(self, suffix: str) -> str:
        return f"{self.table_prefix}-{suffix}"

    @property
    def idempotency_table(self) -> str:
        return self.table_name("idempotency")
