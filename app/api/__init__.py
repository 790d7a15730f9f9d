"""The JSON API: pydantic schemas and routers under /api."""
