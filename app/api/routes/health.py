from fastapi import APIRouter

from app import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def get_health() -> dict:
    """Liveness: answers while the server can serve, with the running version."""
    return {"status": "ok", "version": __version__}
