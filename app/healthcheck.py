"""`python -m app.healthcheck`: exit 0 if this machine's server answers /healthz (the container's
HEALTHCHECK; Python's standard library, so the image needs no curl)."""

import json
import sys
import urllib.request

from app.settings import get_settings


def main() -> int:
    url = f"http://127.0.0.1:{get_settings().port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as r:  # noqa: S310 (a fixed loopback URL)
            ok = r.status == 200 and json.load(r).get("status") == "ok"
    except (OSError, ValueError):
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
