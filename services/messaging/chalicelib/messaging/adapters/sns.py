"""SNS: mobile push endpoints and deliveries, and the SMS of urgent alerts.

The platform applications (APNs, FCM, Baidu — what SNS offers) are configuration:
``FH_PUSH_APPS='{"fcm": "<platform application arn>", ...}'``.
"""

from __future__ import annotations

from chalicelib.messaging.adapters import pinpoint

from shared import aws


def push_endpoint(platform_application_arn: str, token: str, user_data: str) -> str:
    """The SNS endpoint of a phone's push token, pointed at ``user_data`` and enabled."""
    sns = aws.client("sns")
    # Created without attributes, so the same phone token again (a reinstall, another person on a shared
    # phone) returns the existing endpoint instead of "already exists with different attributes"; then
    # it is pointed at this person and re-enabled.
    arn = sns.create_platform_endpoint(PlatformApplicationArn=platform_application_arn, Token=token)[
        "EndpointArn"
    ]
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"CustomUserData": user_data, "Enabled": "true"})
    return str(arn)


def push(endpoint_arn: str, payload: str) -> None:
    """One push (a JSON message per platform) to one device."""
    aws.client("sns").publish(TargetArn=endpoint_arn, Message=payload, MessageStructure="json")


class AwsChannel:
    """The alert channel (``domain.alerts.AlertChannel``): SMS through SNS, calls through ``pinpoint``."""

    def send_sms(self, phone: str, text: str) -> str:
        response = aws.client("sns").publish(
            PhoneNumber=f"+86{phone}",
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
        return str(response["MessageId"])

    def call(self, phone: str, text: str) -> str:
        return pinpoint.call(phone, text)


class SnsPushEndpoints:
    """``PushEndpoints`` (``domain/ports.py``) on SNS platform endpoints."""

    def endpoint(self, platform_application_arn: str, token: str, user_data: str) -> str:
        return push_endpoint(platform_application_arn, token, user_data)

    def push(self, endpoint_arn: str, payload: str) -> None:
        push(endpoint_arn, payload)
