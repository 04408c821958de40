"""The embedded store: the native core's graph, kept durable by a journal and snapshots."""
