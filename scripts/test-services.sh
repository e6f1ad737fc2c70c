#!/usr/bin/env bash
# Make sure the services the tests use answer on 127.0.0.1: Redis (broker) and
# PostgreSQL (trust auth for local TCP, as the tests connect as `postgres`).
# Installs and starts what is missing on a fresh Debian machine (as root); on a
# machine where they already run it only checks. The S3 server (SeaweedFS) is
# started by the tests themselves.
set -euo pipefail

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
apt_install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/sohoa-test.log
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || { echo "Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql postgresql-contrib
    # Freshly installed here for the tests: let local TCP connections in as any user.
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null \
  || { echo "PostgreSQL answers but refuses user postgres without a password (trust auth needed)" >&2; exit 1; }
echo "test services: redis and postgresql answer on 127.0.0.1"
