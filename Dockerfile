# Safeguard for a school's server: one image for web, worker, beat and the migration step.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SAFEGUARD_STATIC_ROOT=/app/static \
    SAFEGUARD_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 10001 safeguard
# Pango and a font for WeasyPrint (the child's file as a PDF); PostgreSQL's client tools for
# `manage.py backup` and `restore` (pg_dump, pg_restore: Debian bookworm's 15, as the db service).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client \
 && rm -rf /var/lib/apt/lists/*

COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .
# Static files are collected at build time with throw-away production values; nothing secret is baked in.
RUN SAFEGUARD_ENV=production \
    SAFEGUARD_SECRET_KEY=build-only-not-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
    SAFEGUARD_ALLOWED_HOSTS=build.invalid \
    SAFEGUARD_EMAIL_HOST=build.invalid \
    SAFEGUARD_AUDIT_KEY=build-only-not-used-at-run-time-0123456789abcdefghijklmnopqrstuvwxyz \
    SAFEGUARD_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R safeguard:safeguard /app/var

USER safeguard
EXPOSE 8000
CMD ["gunicorn", "safeguard.wsgi:application", "--bind", "0.0.0.0:8000"]
