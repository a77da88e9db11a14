# The Hetao Zone Portal image. The web (gunicorn), worker and beat (Celery) services of
# docker-compose.yml all run from it; only the command differs.

# --- build: dependencies (some build from source), translations, static files ----------------
FROM python:3.13-slim AS build

RUN apt-get update \
 && apt-get install --yes --no-install-recommends build-essential gettext \
 && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/venv/bin:$PATH
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

WORKDIR /app
COPY . /app

# Settings refuse to load without a secret when DEBUG is off; collectstatic and
# compilemessages need none, so a throwaway value is used here and never at run time.
ARG BUILD_ONLY_SECRET_KEY=collectstatic-only-not-a-runtime-secret
RUN DEBUG=off SECRET_KEY="$BUILD_ONLY_SECRET_KEY" python manage.py compilemessages --verbosity 0 \
 && DEBUG=off SECRET_KEY="$BUILD_ONLY_SECRET_KEY" python manage.py collectstatic --no-input --verbosity 0 \
 && python -m compileall -q /app

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.13-slim

ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=hetao.settings

RUN groupadd --system --gid 10001 hetao \
 && useradd --system --uid 10001 --gid hetao --home-dir /app --no-create-home --shell /usr/sbin/nologin hetao

COPY --from=build /venv /venv
COPY --from=build /app /app
# The code stays owned by root (read-only for the portal); only uploads are writable.
RUN mkdir -p /app/var/media && chown hetao:hetao /app/var/media

WORKDIR /app
USER hetao
EXPOSE 8000

CMD ["gunicorn", "hetao.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--max-requests", "2000", \
     "--max-requests-jitter", "200", \
     "--no-control-socket"]
