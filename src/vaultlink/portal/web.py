"""What every portal page shares: the signed-in context, the form a POST carries (its CSRF token checked), the
Jinja2 templates, and turning an ARM error into Azure's notification.

A page is `async def handler(ctx: Ctx) -> Response`, wrapped by `page`: it runs only for a signed-in user,
with `ctx.arm` calling ARM as that user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from vaultlink.core import regions
from vaultlink.core.ids import ResourceId
from vaultlink.portal.arm import Arm, ArmError
from vaultlink.portal.sessions import COOKIE, Session

if TYPE_CHECKING:
    from vaultlink.portal.app import Portal

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def blade(resource_id: str, name: str = "overview") -> str:
    """The portal address of a resource's blade."""
    return "/resource" + quote(resource_id) + "/" + name


def name_of(resource_id: str | None) -> str:
    return (resource_id or "").rstrip("/").rsplit("/", 1)[-1]


def group_of(resource_id: str | None) -> str:
    rid = ResourceId.try_parse(resource_id or "")
    return (rid.resource_group or "") if rid else ""


def region_name(name: str | None) -> str:
    region = regions.find(name or "")
    return region.display_name if region else (name or "")


def parent_of(resource_id: str) -> str:
    """`.../virtualNetworks/v/subnets/s` -> `.../virtualNetworks/v`."""
    return resource_id.rsplit("/", 2)[0]


TEMPLATES = jinja2.Environment(
    loader=jinja2.FunctionLoader(lambda name: (files("vaultlink.portal") / "templates" / name).read_text()),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)
TEMPLATES.globals.update(blade=blade, name_of=name_of, group_of=group_of, region_name=region_name,
                         parent_of=parent_of, regions=sorted(regions.REGIONS.values(), key=lambda r: r.display_name))


class Form:
    """An urlencoded form: one value or all of a name's values."""

    def __init__(self, body: bytes) -> None:
        self._values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def get(self, name: str, default: str = "") -> str:
        values = self._values.get(name)
        return values[0].strip() if values else default

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self._values.get(name, [])]

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def items(self) -> list[tuple[str, list[str]]]:
        return [(k, v) for k, v in self._values.items() if k != "csrf"]


@dataclass
class Ctx:
    request: Request
    portal: Portal
    session: Session
    arm: Arm
    form: Form
    subscription: str

    @property
    def user(self) -> dict[str, Any]:
        assert self.session.user is not None
        return self.session.user

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        body = TEMPLATES.get_template(template).render(
            user=self.user, csrf=self.session.csrf, subscription=self.subscription,
            notifications=self.session.take_notifications(), path=self.request.url.path, **values)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def fail(self, error: ArmError, title: str) -> None:
        self.session.notify("error", title, error.message, error.code)

    def done(self, title: str, message: str = "") -> None:
        self.session.notify("success", title, message)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)

    def back(self, fallback: str = "/") -> RedirectResponse:
        """After a form: to the page it was posted from (same origin only)."""
        target = self.form.get("back") or fallback
        return self.redirect(target if target.startswith("/") and not target.startswith("//") else fallback)


Handler = Callable[[Ctx], Awaitable[Response]]


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A page for a signed-in user; a POST must carry the session's CSRF token."""

    async def endpoint(request: Request) -> Response:
        portal: Portal = request.app.state.portal
        session = portal.sessions.find(request.cookies.get(COOKIE))
        if session is None or session.user is None:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target = "/signin?next=" + quote(here if request.method == "GET" else "/", safe="")
            return RedirectResponse(target, status_code=303)
        form = Form(await request.body() if request.method == "POST" else b"")
        if request.method == "POST" and not session.csrf_ok(form.get("csrf") or request.headers.get("x-csrf-token", "")):
            return HTMLResponse("<!doctype html><title>Refused</title><p>The form's security token is missing or "
                                "stale. Go back, reload the page and try again.</p>", status_code=403,
                                headers=SECURITY_HEADERS)
        token = await portal.access_token(session)
        if token is None:
            return RedirectResponse("/signin?next=" + quote(request.url.path, safe=""), status_code=303)
        arm = Arm(portal.arm_http, token)
        try:
            if not session.scratch.get("subscription"):
                listed = (await arm.get("/subscriptions"))["value"]
                session.scratch["subscription"] = listed[0]["subscriptionId"] if listed else ""
        except ArmError:
            session.scratch["subscription"] = ""
        ctx = Ctx(request, portal, session, arm, form, session.scratch["subscription"])
        try:
            return await handler(ctx)
        except ArmError as e:
            ctx.fail(e, "The request failed")
            if request.method == "POST":
                return ctx.back()
            return ctx.render("error.html", status=e.status if 400 <= e.status < 600 else 500, error=e)

    return endpoint
