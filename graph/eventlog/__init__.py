"""The raw event log: every accepted event as its producer sent it, its indexes, and reading it back."""
