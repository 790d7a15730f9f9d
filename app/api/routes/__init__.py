"""Routers by surface; `api_router` gathers those under /api."""

from fastapi import APIRouter

from app.api.routes import expr, health, lessons, live, matrices, presets, train, twins

api_router = APIRouter(prefix="/api")
api_router.include_router(presets.router)
api_router.include_router(lessons.router)
api_router.include_router(matrices.router)
api_router.include_router(train.router)
api_router.include_router(twins.router)
api_router.include_router(expr.router)
api_router.include_router(live.router)

health_router = health.router
