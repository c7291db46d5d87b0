"""Headers on every response: no MIME sniffing, no referrer, HSTS when over HTTPS.

X-Content-Type-Options: nosniff keeps a browser from running a JSON or text answer as
a script or a page. Referrer-Policy: no-referrer keeps /admin's addresses (and a
simulator tester's) out of the sites the pages link to (the city's own pages).
Strict-Transport-Security tells a browser to use HTTPS only for this host from then
on; sent only on a request that came over HTTPS (behind a proxy: with NAKABOT_PROXIES
set, so X-Forwarded-Proto counts), since over plain HTTP it means nothing and could be
injected, and a bot tried on http://127.0.0.1 must not pin localhost to HTTPS.
"""

from __future__ import annotations

from flask import Flask, Response, request

HSTS = "max-age=31536000"  # one year; no includeSubDomains: the city's other hosts are not ours


def add_security_headers(app: Flask) -> None:
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
