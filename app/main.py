"""Application factory: mounts static files, page routes and API routers."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api.routes import api_router, health_router
from app.web import router as web_router

ROOT = Path(__file__).resolve().parent.parent


def create_app() -> FastAPI:
    app = FastAPI(
        title="Backstep",
        version=__version__,
        description="Step through backpropagation one forward or backward step at a time.",
    )
    app.mount("/static", StaticFiles(directory=ROOT / "static", check_dir=False), name="static")
    app.include_router(api_router)
    app.include_router(health_router)
    app.include_router(web_router)
    return app


app = create_app()
