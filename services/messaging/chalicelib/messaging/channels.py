"""Channel adapters for urgent alerts: SMS through SNS, voice calls through a configurable provider.

Which voice provider is used is configuration (``FH_VOICE_CHANNEL``): ``pinpoint`` (Pinpoint SMS and
Voice v2) in AWS; ``log`` records the call in the delivery log only (regions or stacks without a voice
provider, and the local stack). SMS always goes through SNS, which the local stack's moto records.
"""

from __future__ import annotations

from typing import Protocol

from shared import aws
from shared.settings import get_settings


class AlertChannel(Protocol):
    def send_sms(self, phone: str, text: str) -> str: ...

    def call(self, phone: str, text: str) -> str: ...


class AwsChannel:
    def send_sms(self, phone: str, text: str) -> str:
        response = aws.client("sns").publish(
            PhoneNumber=f"+86{phone}",
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
        return str(response["MessageId"])

    def call(self, phone: str, text: str) -> str:
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


def get_channel() -> AlertChannel:
    return AwsChannel()
