"""The sign-in pages of login.microsoftonline.com: `/{tenant}/oauth2/v2.0/authorize` (GET shows the form, POST
signs in) and `/{tenant}/oauth2/v2.0/logout`.

The page is plain HTML with labelled fields; an error Entra shows on its page (a redirect URI it may not trust,
a wrong password) is shown here with its AADSTS number. The same app is served on the loopback origin under
`/login.microsoftonline.com/`, for a browser without vaultlink's proxy, so the form posts to a relative URL.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from importlib.resources import files
from urllib.parse import parse_qsl, urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from vaultlink.identity.authorize import (
    AuthorizationCodes,
    AuthorizeRequest,
    SignInError,
    parse_request,
    redirect_location,
)
from vaultlink.identity.tokens import client_info

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FunctionLoader(lambda name: (files("vaultlink.identity") / "templates" / name).read_text()),
    autoescape=True,
)
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                               "form-action *; base-uri 'none'",
}


class SignInPages:
    def __init__(self, codes: AuthorizationCodes, tenant_for_path: Callable[[str], str], generic: frozenset[str]) -> None:
        self.codes = codes
        self._tenant_for_path = tenant_for_path
        self.generic = generic

    def routes(self) -> list[Route]:
        return [
            Route("/{tenant}/oauth2/v2.0/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/{tenant}/oauth2/authorize", self.authorize, methods=["GET", "POST"]),
            Route("/{tenant}/oauth2/v2.0/logout", self.logout, methods=["GET", "POST"]),
        ]

    async def authorize(self, request: Request) -> Response:
        tenant_name = request.path_params["tenant"]
        posted = dict(parse_qsl((await request.body()).decode("utf-8", "replace"))) if request.method == "POST" else {}
        params = dict(request.query_params)
        try:
            tenant = self._tenant_for_path(tenant_name)
            flow = parse_request(tenant, params)
        except SignInError as e:
            return self._page(None, error=e, status=400)
        if request.method == "GET":
            return self._page(flow, username=flow.login_hint)
        username = posted.get("login", "")
        if not self.codes.check_flow_token(flow, posted.get("flowToken", "")):
            return self._page(flow, username=username, status=400, error=SignInError(
                90100, "The sign-in form has expired or was not issued for this request. Sign in again."))
        try:
            principal = self.codes.sign_in(flow, username, posted.get("passwd", ""), tenant in self.generic)
        except SignInError as e:
            return self._page(flow, username=username, error=e, status=200)
        code = self.codes.issue(flow, principal)
        fields = self.codes.response_fields(flow, code, client_info(principal.object_id, principal.tenant_id))
        if flow.response_mode == "form_post":
            body = _TEMPLATES.get_template("form_post.html").render(action=flow.redirect_uri, fields=fields)
            return HTMLResponse(body, headers=SECURITY_HEADERS)
        return RedirectResponse(redirect_location(flow, fields), status_code=302, headers=SECURITY_HEADERS)

    async def logout(self, request: Request) -> Response:
        target = request.query_params.get("post_logout_redirect_uri", "")
        parts = urlsplit(target)
        if target and parts.scheme in ("http", "https") and parts.hostname in (
                "portal.azure.com", "localhost", "127.0.0.1"):
            return RedirectResponse(target, status_code=302, headers=SECURITY_HEADERS)
        return HTMLResponse("<!doctype html><title>Signed out</title><main><h1>You signed out of your account</h1>"
                            "<p>It's a good idea to close all browser windows.</p></main>", headers=SECURITY_HEADERS)

    def _page(self, flow: AuthorizeRequest | None, *, username: str = "", error: SignInError | None = None,
              status: int = 200) -> Response:
        body = _TEMPLATES.get_template("signin.html").render(
            flow=flow, username=username, error=error,
            flow_token=self.codes.flow_token(flow) if flow is not None else "",
            client=html.escape(flow.client_id) if flow else "",
        )
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
