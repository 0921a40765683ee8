"""Messaging's adapters: DynamoDB (every item and read), S3 (attachments), SNS (push, SMS), Pinpoint."""
