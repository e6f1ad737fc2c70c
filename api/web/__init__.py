"""The counter's web pages: server-rendered HTML over the same app, data and rules as the API.

Clerks sign in with their API key once; the browser then holds a session
cookie (``storage.web_sessions``) that ``api.security.authenticate`` accepts in
place of the key, so the pages' JavaScript calls the very same ``/api/v1``
routes (uploads, status, corrections, comparisons) with the same roles,
unit scope and audit trail. ``api.web.site.install`` mounts everything.

Nothing here imports the routes at package import time: ``api.security``
imports ``storage.web_sessions``, and the routes import ``api.security``.
"""
