"""Follow-up: post-discharge follow-up, chronic revisits and two-way referral."""
