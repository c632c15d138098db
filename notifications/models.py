"""Escalation rules, the working-day calendar and the reminder outbox."""
