"""The HTTP API and the counter's pages: keys and sessions, roles, unit scope,
audit of every read."""
