# Backstep in a container: `docker build -t backstep .` then `docker run -p 8000:8000 backstep`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/backstep

# Dependencies first, the exact versions and hashes of the lock (`make lock` writes it from
# pyproject.toml): this layer is rebuilt only when they change, the same on every machine.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# Then the application, editable so app/ finds templates/ and static/ beside it; no deps here.
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir --no-deps --editable . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin backstep

USER 10001

# Inside the container every interface is the container's own; publish the port to expose it.
ENV BACKSTEP_HOST=0.0.0.0 \
    BACKSTEP_PORT=8000 \
    BACKSTEP_WORKERS=2
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "app.healthcheck"]

CMD ["backstep", "--host", "0.0.0.0"]
