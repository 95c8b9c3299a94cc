"""The application factory: ``create_app(settings)`` wires settings, database, stores, live channels,
sessions, CSRF, templates, OpenAPI and every feature's routes into one Litestar app."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig

from frontend import icons
from kernel import db, i18n, passwords, ratelimit, security
from kernel.errors import app_error_handler
from kernel.guards import provide_actor
from kernel.http_cache import PublicCache
from kernel.settings import Settings
from scoring import presets
from server import ops, wiring

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
#: Messages a channel keeps for late subscribers. Boards resume from a fresh snapshot rather than
#: from history, so the memory backend keeps none; Redis streams keep a few for diagnosis.
CHANNEL_HISTORY = 50
SESSION_MAX_AGE_S = 14 * 3600  # one competition day


def _stores(settings: Settings, redis_health: "ops.RedisHealth | None" = None) -> StoreRegistry:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        # Falls back to per-process memory while Redis is down (see server/ops.py).
        root = ops.FallbackStore(
            RedisStore(redis=ops.redis_client(settings.redis_url), namespace=settings.redis_prefix), redis_health or ops.RedisHealth()
        )
        return StoreRegistry(default_factory=root.with_namespace)
    return StoreRegistry(default_factory=lambda name: MemoryStore())


def _channels(settings: Settings, redis_health: "ops.RedisHealth | None" = None) -> ChannelsPlugin:
    if settings.redis_url:
        # Survives Redis restarts: drops live updates while it is down, resumes after (server/ops.py).
        backend = ops.ResilientStreamBackend(
            CHANNEL_HISTORY, redis=ops.redis_client(settings.redis_url), key_prefix=f"{settings.redis_prefix}_channels", stream_ttl=86400,
            health=redis_health or ops.RedisHealth(),
        )  # fmt: skip
    else:
        backend = MemoryChannelsBackend(history=0)
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, create_ws_route_handlers=False)


def _limits(settings: Settings, redis_health: "ops.RedisHealth | None" = None) -> ratelimit.Limits:
    """Login, code-login, verification, download-guess and ledger limits (kernel/ratelimit.py).

    Not middleware: each limited handler counts its own attempts, so a request refused earlier
    (CSRF, a malformed body) does not use up anyone's allowance, and the count is atomic (one Redis
    script across workers) where a store's read-then-write let concurrent bursts through."""
    return ratelimit.Limits(settings, ratelimit.limiter_for(settings, redis_health))


def _key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    wiring.wire()
    security.install_log_redaction()  # no ID or phone numbers in log files (access log included)
    presets.lower_window_floors(settings.min_window_hours)  # tests and demos only
    passwords.configure(settings.password_hashing)
    if settings.password_hashing != passwords.DEFAULT_PROFILE:
        logging.getLogger("competition").warning(
            "COMPETITION_PASSWORD_HASHING=%s: passwords are hashed cheaply, for tests and throw-away demos only", settings.password_hashing
        )
    secret = settings.resolved_secret()
    engine = db.engine_from_url(settings.database_url)
    db.bind_engine(engine)
    secure_cookies = settings.public_base_url.startswith("https://")

    from server.routes import route_handlers

    redis_health = ops.RedisHealth() if settings.redis_url else None
    channels = _channels(settings, redis_health)

    async def on_startup(app: Litestar) -> None:
        from marking.live.service import Live

        db.bind_engine(engine)
        await db.start(engine, settings.db_pool_size)
        app.state.live = Live(channels)
        ops.settle_heap()
        if os.environ.get("COMPETITION_PROFILE_BATCHES"):
            app.state.pause_watch = ops.watch_pauses()
        backend = channels._backend
        if isinstance(backend, ops.ResilientStreamBackend):
            app.state.redis, app.state.redis_health = backend.redis, redis_health
            # After a Redis outage, boards missed updates: send every board this process knows a fresh snapshot.
            backend.on_recovered = lambda: app.state.live.boards.touch(set(app.state.live.boards.marks))

    async def on_shutdown(app: Litestar) -> None:
        watch = getattr(app.state, "pause_watch", None)
        if watch is not None:
            watch.cancel()
        live = getattr(app.state, "live", None)
        if live is not None:
            await live.stop()
        await db.stop(engine)

    session_config = CookieBackendConfig(
        secret=_key(secret, "session"),
        key="session",
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        secure=secure_cookies,
        samesite="lax",
        exclude=["^/ws/board", "^/static", "^/api/public", "^/health"],
    )

    def _template_globals(engine: JinjaTemplateEngine) -> None:
        env = engine.engine
        env.globals.update(
            t=i18n.t,
            catalogue_texts=i18n.texts,
            china_time=i18n.china_time,
            china_date=i18n.china_date,
            group_label=i18n.group_label,
            level_label=i18n.level_label,
            icon=icons.icon,
        )

    template_config = TemplateConfig(directory=FRONTEND / "templates", engine=JinjaTemplateEngine, engine_callback=_template_globals)

    app = Litestar(
        route_handlers=[
            *route_handlers(),
            create_static_files_router(path="/static", directories=[FRONTEND / "static"], include_in_schema=False, cache_control=None),
        ],
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False), "actor": Provide(provide_actor)},
        plugins=[channels],
        stores=_stores(settings, redis_health),
        # Outside the session and CSRF middleware: the public feeds leave without cookies, with an ETag.
        middleware=[DefineMiddleware(PublicCache, max_age=settings.public_max_age), session_config.middleware],
        csrf_config=CSRFConfig(secret=_key(secret, "csrf").hex(), cookie_secure=secure_cookies, cookie_samesite="lax"),
        template_config=template_config,
        openapi_config=OpenAPIConfig(
            title="广东省职业技能竞赛系统 API / Guangdong skills competition API",
            version="0.1.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        exception_handlers={**ops.fault_exception_handlers(), HTTPException: app_error_handler, Exception: app_error_handler},
        # CSP, X-Frame-Options, nosniff, Referrer-Policy on every response, errors and static files included.
        before_send=[security.security_headers],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.limits = _limits(settings, redis_health)
    return app


class RawSendApp:
    """The ASGI app as served: Litestar, with the server's own ``send`` and ``receive`` kept in
    websocket scopes (``competition.raw_send``, ``competition.raw_receive``) so live frames can skip
    the middleware wrappers after the handshake."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            scope["competition.raw_send"] = send
            scope["competition.raw_receive"] = receive
        await self.app(scope, receive, send)


def create_app_from_env() -> RawSendApp:
    """Factory for ``uvicorn --factory`` (each worker process builds its own app)."""
    return RawSendApp(create_app(Settings.from_env()))
