"""The `backstep` command: serve the app (127.0.0.1:8000 unless told otherwise).

Flags override BACKSTEP_* environment variables; `--host 0.0.0.0` serves the whole network."""

import argparse
import os
import sys

import uvicorn

from app.limits import IDLE_TIMEOUT_SECONDS, MAX_CONNECTIONS
from app.settings import get_settings

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="backstep", description=__doc__)
    parser.add_argument(
        "--host",
        default=settings.host,
        help="address to bind (default %(default)s; 0.0.0.0 = every network interface)",
    )
    parser.add_argument(
        "--port", type=int, default=settings.port, help="port (default %(default)s)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="worker processes (default %(default)s); any number can serve: requests are stateless",
    )
    parser.add_argument(
        "--log-level",
        default=settings.log_level,
        choices=["critical", "error", "warning", "info", "debug"],
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # Worker processes build the app from the environment: hand the flags on through it.
    os.environ["BACKSTEP_LOG_LEVEL"] = args.log_level
    os.environ["BACKSTEP_WORKERS"] = str(args.workers)  # live sessions need a broker beyond one
    # One core per worker: NumPy's BLAS would otherwise start a thread per core in every worker,
    # so one request could spend two CPU-seconds a second and workers would fight over cores.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    get_settings.cache_clear()
    if args.host not in LOOPBACK:
        print(
            f"backstep: serving on {args.host}:{args.port}: every machine that can reach this "
            "address can use Backstep (it has no accounts and stores nothing)",
            file=sys.stderr,
        )
    uvicorn.run(
        "app.main:app",  # an import string, so that --workers N can start N processes
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,  # the app writes its own JSON access log with request ids
        server_header=False,
        http="app.server:Protocol",  # header size and read-time limits, connections recycled
        timeout_keep_alive=IDLE_TIMEOUT_SECONDS,
        limit_concurrency=MAX_CONNECTIONS,  # per worker; beyond, 503
        timeout_graceful_shutdown=3,  # live followers' streams never end by themselves
    )


if __name__ == "__main__":
    main()
