"""The console's routes (Starlette): pages rendered on the server, a Server-Sent Events stream
that says "the log moved", and small POST forms for every change, each with its CSRF token.

Starlette and uvicorn were chosen because they are plain asyncio (the store is aiosqlite, the
daemon asyncio), small, typed and well kept, and need no JavaScript build step.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from nsplink.app.nudge import nudge
from nsplink.cli.ownership_words import NotYourTurn, OtherCpFirst
from nsplink.cli.queue_cmd import (
    TriageStep,
    apply_triage,
    check_note,
    find_item,
    parse_priority,
    parse_state,
    site_threads,
)
from nsplink.cli.received import Received
from nsplink.cli.sitefiles import LocalSite
from nsplink.console import words as _words  # noqa: F401  (registers the console's texts)
from nsplink.console.accounts import BadOperatorName, check_password, clean_name, load_accounts
from nsplink.console.live import Hub
from nsplink.console.pages import item_page, item_version, queue_page
from nsplink.console.sessions import COOKIE, Session, Sessions, csrf_ok
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, parse_lang, t
from nsplink.store import Store
from nsplink.texts import render_error
from nsplink.texts.safe import shown

HERE = Path(__file__).parent
PING_S = 15.0
# Every script, style, image and sound comes from this console; nothing inline, nothing else.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def _finalize(value: Any) -> Any:
    """Every value a template prints passes the terminal's filter first (bidi, zero-width,
    controls become visible escapes); autoescape then makes it inert HTML. Markup is HTML our
    own templates rendered, whose values passed here already."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return shown(value)
    return value


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
    )
    return env


class Console:
    """One CP's console: its store, its sessions and the live hub."""

    def __init__(self, site: LocalSite, *, lang: Lang, passwords: bool) -> None:
        self.site = site
        self.lang = lang
        self.passwords = passwords  # False only on 127.0.0.1 without any account
        self.sessions = Sessions()
        self.env = templates()
        self.store: Store | None = None
        self.hub: Hub | None = None
        self.writing = asyncio.Lock()  # check-then-write of one change at a time
        self.received: dict[str, Received] = {}  # opened frames never change
        self._rows_cache: dict[tuple[int, Lang, bool, int], asyncio.Future[str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        async with await Store.open(self.site.home.db_path) as store:  # as `send` does
            self.store = store
            self.hub = Hub(store)
            self._loop = asyncio.get_running_loop()
            await self.hub.start()
            try:
                yield
            finally:
                await self.hub.stop()

    def stopping(self) -> None:
        """Called from the server's signal handler: end the live streams so it can stop."""
        loop, hub = self._loop, self.hub
        if loop is not None and hub is not None:
            loop.call_soon_threadsafe(hub.close)

    def _store(self) -> Store:
        assert self.store is not None, "the console's store opens with the app"
        return self.store

    def render(
        self,
        template: str,
        request: Request,
        session: Session | None,
        status: int = 200,
        /,
        **kw: Any,  # the template's own names: positional-only above, so none can collide
    ) -> HTMLResponse:
        lang = session.lang if session else self.lang

        def tr(key: str, **params: object) -> str:
            return t(key, lang, **params)

        html = self.env.get_template(template).render(
            t=tr, lang=lang, session=session, site=self.site.config.site, path=request.url.path,
            online=self.sessions.online(), **kw,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status, headers=_headers())

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    async def form(self, request: Request) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", "replace")
        # a field sent more than once (the bulletin's ticked NSPs) is one comma-separated value,
        # the form the CLI's parsers read
        return {k: ",".join(v) for k, v in parse_qs(body, keep_blank_values=True).items()}

    def forbidden(self, request: Request, session: Session | None) -> HTMLResponse:
        return self.render("error.html", request, session, 403, message="console.forbidden")

    # -- routes --------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        return self.render(
            "login.html", request, None, passwords=self.passwords, error="", typed_name=""
        )

    async def login(self, request: Request) -> Response:
        if not _same_origin(request):
            return self.forbidden(request, None)
        form = await self.form(request)
        client = request.client.host if request.client else "?"
        try:
            name = clean_name(form.get("name", ""))
        except BadOperatorName:
            return self.render(
                "login.html", request, None, 400, passwords=self.passwords,
                error="console.login.bad_name", typed_name="",
            )  # fmt: skip
        if self.passwords:
            async with self.sessions.attempt(client):
                accounts = await asyncio.to_thread(load_accounts, self.site.home)
                password = form.get("password", "")
                ok = await asyncio.to_thread(check_password, accounts, name, password)
                if not ok:
                    await asyncio.sleep(self.sessions.failure_delay(client))
            if not ok:
                return self.render(
                    "login.html", request, None, 401, passwords=self.passwords,
                    error="console.login.failed", typed_name=name,
                )  # fmt: skip
            self.sessions.succeeded(client)
        token, _ = self.sessions.open(name, self.lang)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def logout(self, request: Request) -> Response:
        return await self._change(request, self._logout)

    async def _logout(self, request: Request, session: Session, form: dict[str, str]) -> Response:
        self.sessions.close(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def switch_lang(self, request: Request) -> Response:
        return await self._change(request, self._switch_lang)

    async def _switch_lang(
        self, request: Request, session: Session, form: dict[str, str]
    ) -> Response:
        session.lang = parse_lang(form.get("lang"))
        back = form.get("back", "/")
        return RedirectResponse(back if back.startswith("/") and "//" not in back else "/", 303)

    async def queue(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        show_all = request.query_params.get("all") == "1"
        return self.render(
            "queue.html", request, session, show_all=show_all, rows=await self._rows(session,
            show_all),
        )  # fmt: skip

    async def queue_rows(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return Response(status_code=401)
        show_all = request.query_params.get("all") == "1"
        return HTMLResponse(await self._rows(session, show_all), headers=_headers())

    async def _rows(self, session: Session, show_all: bool) -> str:
        """The queue's live part, rendered once per log head, minute (the ages) and language
        for all browsers: the five that ask at once after a change wait for one rendering."""
        head = (await self._store().head())[0]
        key = (head, session.lang, show_all, int(time.time() // 60))
        task = self._rows_cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._render_rows(session.lang, show_all))
            # a failed rendering (say, the file busy) is tried again by the next request
            task.add_done_callback(
                lambda done: done.exception() and self._rows_cache.pop(key, None)
            )
            self._rows_cache = {key: task, **{k: v for k, v in self._rows_cache.items()
                                              if k[0] == head and k[3] == key[3]}}  # fmt: skip
        return await asyncio.shield(task)

    async def _render_rows(self, lang: Lang, show_all: bool) -> str:
        q = await queue_page(self._store(), self.site, lang, show_all, self.received)

        def tr(k: str, **params: object) -> str:
            return t(k, lang, **params)

        return self.env.get_template("_rows.html").render(t=tr, q=q, show_all=show_all)

    async def events(self, request: Request) -> Response:
        session = self.session(request)
        if session is None or self.hub is None:
            return Response(status_code=401)
        hub = self.hub

        async def stream() -> AsyncIterator[str]:
            heads = hub.subscribe()
            session.streams += 1
            hub.presence_changed()
            try:
                while True:
                    try:
                        head = await asyncio.wait_for(anext(heads), PING_S)
                    except StopAsyncIteration:
                        return  # the console is stopping
                    except TimeoutError:
                        yield ": ping\n\n"  # keeps proxies and the browser's timer quiet
                        continue
                    yield f"data: {head}\n\n"
            finally:
                session.streams -= 1
                hub.presence_changed()
                await heads.aclose()

        return StreamingResponse(
            stream(), media_type="text/event-stream",
            headers={**_headers(), "X-Accel-Buffering": "no"},
        )  # fmt: skip

    async def online(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return Response(status_code=401)
        names = ", ".join(self.sessions.online())
        return HTMLResponse(
            self.env.from_string("{{ t('console.online', names=names) }}").render(
                t=lambda k, **p: t(k, session.lang, **p), names=names
            ),
            headers=_headers(),
        )

    async def _item(self, request: Request) -> Any:
        try:
            return await find_item(self._store(), request.path_params["ident"])
        except NsplinkError:
            return None

    async def item(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return await self._item_response(request, session)

    async def _item_response(
        self,
        request: Request,
        session: Session,
        status: int = 200,
        message: str = "",
        note: str = "",
        seen: int | None = None,
        chosen: dict[str, str] | None = None,
    ) -> Response:
        item = await self._item(request)
        if item is None:
            ident = request.path_params["ident"]
            return self.render(
                "error.html", request, session, 404, message="console.item.not_found", id=ident
            )
        page = await item_page(self._store(), self.site, item, session.lang)
        done = request.query_params.get("done") == "1" and not message
        return self.render(
            "item.html", request, session, status, page=page, message=message, note=note,
            seen=page.version if seen is None else seen, done=done, chosen=chosen or {},
            done_text=t("console.item.done", session.lang, state=page.state,
                        who=item.operator or "") if done else "",
        )  # fmt: skip

    async def item_live(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return Response(status_code=401)
        item = await self._item(request)
        if item is None:
            return Response(status_code=404)
        page = await item_page(self._store(), self.site, item, session.lang)
        try:
            seen = int(request.query_params.get("seen", "0"))
        except ValueError:
            seen = 0
        html = self.env.get_template("_item_live.html").render(
            t=lambda k, **p: t(k, session.lang, **p), page=page, moved=seen != page.version
        )
        return HTMLResponse(html, headers=_headers())

    async def triage(self, request: Request) -> Response:
        return await self._change(request, self._triage)

    async def _triage(self, request: Request, session: Session, form: dict[str, str]) -> Response:
        lang = session.lang
        note = form.get("note", "").strip()
        try:
            state = parse_state(form.get("state", ""), lang)
            prio = parse_priority(form["priority"]) if form.get("priority") else None
            check_note(note)
            seen = int(form.get("seen", ""))
        except (NsplinkError, ValueError) as err:
            text = render_error(err, lang) if isinstance(err, NsplinkError) else str(err)
            return await self._item_response(request, session, 400, text, note, chosen=form)
        store = self._store()
        async with self.writing:
            item = await self._item(request)
            if item is None:
                return Response(status_code=404)
            version = await item_version(
                store, self.site, item, await site_threads(store, self.site)
            )
            if version != seen:  # someone else's step came in between: never overwrite it
                # the page now shows the new state; a resubmit is a decision made on it
                return await self._item_response(
                    request, session, 409, t("console.item.conflict", lang), note, chosen=form
                )
            try:
                step = TriageStep(item, state, note, session.operator, prio, time.time(),
                                  take_over=form.get("take_over") == "1")  # fmt: skip
                await apply_triage(store, self.site, step)
            except NsplinkError as err:  # another CP has it, or comes first: one line, note kept
                text = refusal(err, lang)
                return await self._item_response(request, session, 409, text, note, chosen=form)
        nudge(self.site.home)  # the daemon sends the signed triage receipt now
        if self.hub is not None:
            await self.hub.poke()
        return RedirectResponse(f"/item/{item.local_id}?done=1", status_code=303)

    async def _change(
        self,
        request: Request,
        body: Callable[[Request, Session, dict[str, str]], Awaitable[Response]],
    ) -> Response:
        """Every POST but the login: a session, the same origin and its CSRF token, or 403."""
        session = self.session(request)
        form = await self.form(request)
        if session is None or not _same_origin(request) or not csrf_ok(session, form.get("csrf")):
            return self.forbidden(request, session)
        return await body(request, session, form)

    # -- map, link and airtime -------------------------------------------------------------

    async def _map_parts(self, session: Session) -> dict[str, Any]:
        from nsplink.cli.status_cmd import status_lines
        from nsplink.console.sitemap import site_map

        store = self._store()
        return {
            "m": await site_map(store, self.site, session.lang),
            "link_lines": await status_lines(store, self.site, session.lang, time.time()),
        }

    async def map(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return self.render("map.html", request, session, **await self._map_parts(session))

    async def map_live(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return Response(status_code=401)
        return self.render("_map_live.html", request, session, **await self._map_parts(session))

    # -- bulletins -------------------------------------------------------------------------

    async def bulletin(self, request: Request) -> Response:
        session = self.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return await self._bulletin_page(request, session, {})

    async def _bulletin_page(
        self,
        request: Request,
        session: Session,
        values: dict[str, str],
        composed: Any = None,
        message: str = "",
        ok: bool = False,
        status: int = 200,
    ) -> Response:
        from nsplink.console.bulletin import FIELDS, sent_bulletins
        from nsplink.protocol import Topic, Urgent
        from nsplink.texts import code_label

        lang = session.lang
        return self.render(
            "bulletin.html", request, session, status, values=values, composed=composed,
            message=message, ok=ok, fields=FIELDS,
            nsps=sorted(p.site for p in self.site.ring if p.role == "nsp"),
            ticked=set(filter(None, values.get("sites", "").split(","))),
            sent=await sent_bulletins(self._store(), self.site, lang),
            urgent=[(u.value, code_label(u, lang)) for u in Urgent],
            topics=[(c.value, code_label(c, lang)) for c in Topic],
        )  # fmt: skip

    async def bulletin_live(self, request: Request) -> Response:
        from nsplink.console.bulletin import sent_bulletins

        session = self.session(request)
        if session is None:
            return Response(status_code=401)
        sent = await sent_bulletins(self._store(), self.site, session.lang)
        return self.render("_bulletins.html", request, session, sent=sent)

    async def bulletin_post(self, request: Request) -> Response:
        return await self._change(request, self._bulletin_post)

    async def _bulletin_post(
        self, request: Request, session: Session, form: dict[str, str]
    ) -> Response:
        from nsplink.console.bulletin import FIELDS, compose, send

        values = {k: form.get(k, "") for k in FIELDS}
        action = form.get("action", "preview")
        if action == "edit":
            return await self._bulletin_page(request, session, values)
        try:
            composed = await compose(self._store(), self.site, form, session.lang)
            if action != "send":
                return await self._bulletin_page(request, session, values, composed)
            async with self.writing:
                ref = await send(self._store(), self.site, composed)
        except NsplinkError as err:
            return await self._bulletin_page(
                request, session, values, None, render_error(err, session.lang), status=400
            )
        if self.hub is not None:
            await self.hub.poke()
        text = t("bulletin.sent", session.lang, ref=ref)
        return await self._bulletin_page(request, session, {}, None, text, ok=True)

    # -- shift log --------------------------------------------------------------------------

    async def shiftlog(self, request: Request) -> Response:
        from nsplink.cli.handover_cmd import handover_lines
        from nsplink.cli.log_cmd import parse_since

        session = self.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        since_text = request.query_params.get("since", "8h")
        error = ""
        try:
            since = parse_since(since_text, datetime.now().astimezone())
        except NsplinkError as err:
            error = render_error(err, session.lang)
            since = time.time() - 8 * 3600
        lines = await handover_lines(self._store(), self.site, since, session.lang)
        return self.render(
            "shiftlog.html", request, session, lines=lines, since=since_text, error=error
        )

    async def failed(self, request: Request, exc: Exception) -> Response:
        """A fault shows as a page in the operator's words, never a bare 'Internal Server
        Error'; a typed fault (store busy, damaged) says what it is. The traceback of anything
        else goes to the console's terminal, as uvicorn logs it."""
        session = self.session(request)
        lang = session.lang if session else self.lang
        if isinstance(exc, NsplinkError):
            text = render_error(exc, lang)
        else:
            text = t("console.unexpected", lang, kind=type(exc).__name__)
        return self.render("error.html", request, session, 500, message="", text=text)

    def app(self) -> Starlette:
        routes = [
            Route("/", self.queue),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/lang", self.switch_lang, methods=["POST"]),
            Route("/queue/rows", self.queue_rows),
            Route("/events", self.events),
            Route("/online", self.online),
            Route("/map", self.map),
            Route("/bulletin", self.bulletin, methods=["GET"]),
            Route("/bulletin", self.bulletin_post, methods=["POST"]),
            Route("/bulletin/live", self.bulletin_live),
            Route("/shiftlog", self.shiftlog),
            Route("/map/live", self.map_live),
            Route("/item/{ident}", self.item, methods=["GET"]),
            Route("/item/{ident}/live", self.item_live),
            Route("/item/{ident}/triage", self.triage, methods=["POST"]),
            Route("/favicon.ico", lambda request: Response(status_code=204)),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        return Starlette(
            routes=routes, lifespan=self.lifespan, exception_handlers={Exception: self.failed}
        )


# an ownership refusal in the console's words: each its own, with the checkbox for --take-over
_REFUSALS: dict[type[NsplinkError], str] = {
    OtherCpFirst: "console.item.other_cp_first",
    NotYourTurn: "console.item.not_your_turn",
}


def refusal(err: NsplinkError, lang: Lang) -> str:
    """Why a step was refused, in one line (another CP owns the report: the terminal's words,
    which name no flag)."""
    key = _REFUSALS.get(type(err))
    return t(key, lang, **err.params) if key else render_error(err, lang)


def _headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",  # with no-referrer Chromium sends Origin: null
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def _same_origin(request: Request) -> bool:
    """A browser names the page a POST came from; it must be this console."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")
