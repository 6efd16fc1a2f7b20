#!/usr/bin/env bash
# Runs the production set-up of docs/deploy.md on this machine's loopback and checks it:
# PostgreSQL + migrations + collectstatic + gunicorn + a task worker + nginx with TLS (self-signed).
# Usage: scripts/deploy_smoke.sh   (needs nginx, openssl and PostgreSQL on 127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
APP=$PWD
WORK=$(mktemp -d /tmp/mrn-deploy.XXXXXX)
chmod 755 "$WORK"   # nginx workers (user nobody) read the static files
DB=mrn_deploy_smoke
GPORT=${GPORT:-8100}
HPORT=${HPORT:-8443}
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  [ -n "${GPID:-}" ] && kill "$GPID" 2>/dev/null || true
  [ -n "${WPID:-}" ] && kill "$WPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres

export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_CSRF_TRUSTED_ORIGINS=https://127.0.0.1:$HPORT
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export DATABASE_CONN_MAX_AGE=60
export DJANGO_BEHIND_TLS_PROXY=true
export DJANGO_STATIC_ROOT=$WORK/static
export DJANGO_MEDIA_ROOT=$WORK/media
export DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend

PY=$APP/.venv/bin/python
echo "== check --deploy"
$PY manage.py check --deploy --fail-level WARNING
echo "== migrate, collectstatic, reference data"
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_reference_data
echo "== demo logins refused in production"
if $PY manage.py load_demo_data >/dev/null 2>&1; then echo "demo data was accepted with DEBUG off" >&2; exit 1; fi

echo "== gunicorn and a worker"
$APP/.venv/bin/gunicorn mrn_assess.wsgi:application --bind 127.0.0.1:$GPORT --workers 2 \
  --log-level warning >"$WORK/gunicorn.log" 2>&1 & GPID=$!
$PY manage.py db_worker --no-reload >"$WORK/worker.log" 2>&1 & WPID=$!

echo "== nginx with TLS on 127.0.0.1:$HPORT"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
sed -e "s#server 127.0.0.1:8100;#server 127.0.0.1:$GPORT;#" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HPORT ssl http2;#" \
    -e "s#listen 80;#listen 127.0.0.1:$((HPORT + 1));#" \
    -e "s#/etc/ssl/mrn-assess/fullchain.pem#$WORK/cert.pem#" \
    -e "s#/etc/ssl/mrn-assess/privkey.pem#$WORK/key.pem#" \
    -e "s#/srv/mrn-assess/static/#$WORK/static/#" deploy/nginx.conf > "$WORK/site.conf"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp;
  fastcgi_temp_path $WORK/tmp; uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  include $WORK/site.conf;
}
CONF
mkdir -p "$WORK/tmp"
nginx -c "$WORK/nginx.conf"
for _ in $(seq 1 30); do curl -sk -o /dev/null "https://127.0.0.1:$HPORT/health/" && break; sleep 0.5; done

fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
H=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$HPORT/accounts/login/")
check "login page over TLS" '[[ "$H" == *"200"* ]]'
check "HSTS with subdomains and preload" '[[ "$H" == *"strict-transport-security: max-age=31536000; includeSubDomains; preload"* ]]'
check "strict CSP" '[[ "$H" == *"content-security-policy: "*"script-src '"'"'self'"'"';"* ]]'
check "secure cookies" '[[ "$H" == *"csrftoken="*"Secure"* ]]'
check "HTTP redirects to HTTPS" '[[ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$((HPORT + 1))/")" == "301" ]]'
check "static files served by nginx" '[[ "$(curl -sk -o /dev/null -w "%{http_code}" "https://127.0.0.1:$HPORT/static/css/app.css")" == "200" ]]'
check "home needs login" '[[ "$(curl -sk -o /dev/null -w "%{http_code}" "https://127.0.0.1:$HPORT/")" == "302" ]]'
check "admin needs login" '[[ "$(curl -sk -o /dev/null -w "%{http_code}" "https://127.0.0.1:$HPORT/admin/")" == "302" ]]'
check "worker running" 'kill -0 $WPID'
exit $fail
