"""The `backstep` command: serve the app (127.0.0.1:8000 unless told otherwise)."""

import argparse

import uvicorn

from app.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="backstep", description=__doc__)
    parser.add_argument(
        "--host", default=settings.host, help="address to bind (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=settings.port, help="port (default %(default)s)"
    )
    parser.add_argument("--workers", type=int, default=settings.workers, help="worker processes")
    args = parser.parse_args(argv)
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
