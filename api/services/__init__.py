"""The queries and audit the API routes and the web pages share.

One function per read or change, scoped to the key's units and recorded.
"""
