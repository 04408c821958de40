"""Local development servers (real services run on 127.0.0.1 for tests and developers)."""
