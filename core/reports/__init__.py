"""The merchant's reports (weekly, monthly) and the merchant's read-only views."""
