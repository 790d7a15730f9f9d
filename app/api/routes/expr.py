"""Issue 6's surfaces under one router: expression presets, check my working, export and import."""

from fastapi import APIRouter

from app.api.routes import check, export, expressions

router = APIRouter()
router.include_router(expressions.router)
router.include_router(check.router)
router.include_router(export.router)
