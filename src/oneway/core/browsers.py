"""The browser family of a User-Agent, for aggregate statistics (never for identity)."""

from django.http import HttpRequest


def browser_family(user_agent: str) -> str:
    """ "Edge", "Chrome", "Firefox", "Safari" or "Other" (order matters: Edge and Chrome
    both say "Chrome", and Chrome says "Safari")."""
    ua = user_agent or ""
    if "Edg/" in ua or "EdgA/" in ua or "EdgiOS/" in ua:
        return "Edge"
    if "Firefox/" in ua or "FxiOS/" in ua:
        return "Firefox"
    if ("Chrome/" in ua or "CriOS/" in ua) and "OPR/" not in ua:
        return "Chrome"
    if "Safari/" in ua and "Chrome/" not in ua and "Chromium/" not in ua:
        return "Safari"
    return "Other"


def request_browser(request: HttpRequest) -> str:
    return browser_family(request.headers.get("User-Agent", ""))
