"""Voice calls of urgent alerts through a configurable provider.

Which voice provider is used is configuration (``FH_VOICE_CHANNEL``): ``pinpoint`` (Pinpoint SMS and
Voice v2) in AWS; ``log`` records the call in the delivery log only (regions or stacks without a voice
provider, and the local stack).
"""

from __future__ import annotations

from shared import aws
from shared.settings import get_settings


def call(phone: str, text: str) -> str:
    """Read ``text`` to ``phone``; the provider's message id (``logged`` when there is no provider)."""
    provider = get_settings().voice_channel
    if provider == "log":
        return "logged"
    response = aws.client("pinpoint-sms-voice-v2").send_voice_message(
        DestinationPhoneNumber=f"+86{phone}",
        OriginationIdentity=get_settings().voice_origination,
        MessageBody=text,
        MessageBodyTextType="TEXT",
        VoiceId="ZHIYU",
    )
    return str(response["MessageId"])
