"""Application factory: mounts static files, page routes and API routers, behind the middleware
that makes every response safe (ids, logs, headers, body limit, JSON errors)."""

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from app import __version__
from app.answer_bytes import AnswerBytes
from app.api import cache
from app.api.errors import install_error_handlers
from app.api.routes import api_router, health_router
from app.api.schemas.errors import ERROR_RESPONSES
from app.docs import router as docs_router
from app.middleware import BodyLimit, CatchAll, HeadAsGet, RequestContext, configure_logging
from app.security import SecurityHeaders, security_headers
from app.settings import Settings, get_settings
from app.static_files import MemoryStatic
from app.web import router as web_router

ROOT = Path(__file__).resolve().parent.parent


def middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the id exists before anything can fail, every answer (413, 500 and
    CORS preflights included) passes the security headers, and a HEAD gets any of them bodiless."""
    stack = [
        Middleware(RequestContext, log=settings.access_log),
        Middleware(HeadAsGet),
        Middleware(SecurityHeaders, headers=security_headers(settings)),
    ]
    if settings.cors_origins:  # closed unless origins are named
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["content-type", "x-request-id"],
                expose_headers=["x-request-id"],
                max_age=600,
            )
        )
    stack += [
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        Middleware(AnswerBytes),  # an answer given before, by the request's bytes alone
        Middleware(CatchAll),
    ]
    return stack


def _warm() -> None:
    """The page's bundle and first answers (app.web), made as the worker starts rather than
    while its first visitor waits (a few hundred milliseconds, cold)."""
    from app import web

    try:
        web.page_bundle.current()
        web.initial_answers()
        web.catalog()
        web.templates.get_template("index.html")  # compiled once, here
    except Exception:  # the first page makes them again, and says what went wrong
        logging.getLogger("app").exception("warming the page failed")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    threading.Thread(target=_warm, name="warm-page", daemon=True).start()
    yield
    broker = getattr(app.state, "live_broker", None)  # started on first use (app.api.routes.live)
    if broker is not None:
        app.state.live_broker = None
        await broker.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Backstep",
        version=__version__,
        description="Step through backpropagation one forward or backward step at a time.",
        middleware=middleware(settings),
        responses=ERROR_RESPONSES,
        docs_url=None,  # served by app.docs with its own CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    cache.configure(settings.lesson_cache_mb, settings.answer_cache_mb)
    install_error_handlers(app)
    app.mount("/static", MemoryStatic(directory=ROOT / "static"), name="static")
    app.include_router(api_router)
    app.include_router(health_router)
    app.include_router(docs_router)
    app.include_router(web_router)
    return app


app = create_app()
