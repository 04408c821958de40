"""Telling people: the webhooks' outbox, breaking-change and quality notifications, and delivery."""
