"""Bring scans in: judge a file by its content, refuse bad input with a stable reason,
open its pages within limits."""
