#!/usr/bin/env bash
# Start the local PostgreSQL, Redis and RabbitMQ the production tests use (127.0.0.1, default
# ports), each only if it is not answering; then wait until all three answer. `make test` calls
# this before the test suites; a service that cannot be started fails here, loudly, so no
# production test is skipped silently. Commands as the machine's service notes give them.
set -uo pipefail

up_pg()     { pg_isready -q -h 127.0.0.1 -p 5432; }
up_redis()  { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
up_rabbit() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

start_pg()     { pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start; }
start_redis()  { redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
                   --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; }
start_rabbit() { rabbitmq-server -detached; }

failed=0
for svc in pg redis rabbit; do
  if ! "up_$svc"; then
    echo "services: starting $svc"
    "start_$svc" >/dev/null 2>&1 || true
  fi
done
for svc in pg redis rabbit; do
  for _ in $(seq 1 60); do "up_$svc" && break; sleep 1; done
  if "up_$svc"; then echo "services: $svc up"; else echo "services: $svc NOT up"; failed=1; fi
done
exit $failed
