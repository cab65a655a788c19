#!/usr/bin/env bash
# `omnihub bench SCENARIO [ARGS…]` on SQLite, then on a throwaway PostgreSQL cluster with
# its durable defaults (fsync, synchronous_commit and full_page_writes on), from a release
# build. BENCH_DB=sqlite|postgres|both (default both). Figures: docs/benchmarks.md.
#
#   scripts/bench.sh b1
#   BENCH_DB=postgres scripts/bench.sh b2 --runs 100 --hot-units 10000
#   scripts/bench.sh outage        # PostgreSQL only: stops the cluster mid-load, starts it again
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: scripts/bench.sh SCENARIO [ARGS...]}
shift
which=${BENCH_DB:-both}
[ "$scenario" = outage ] && which=postgres
[ "$scenario" = diskfull ] && which=sqlite

cargo build --release -p omnihub
bin="$PWD/target/release/omnihub"
# 2,048 buyers each hold a connection on both sides.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "$which" != postgres ]; then
  if [ "$scenario" = diskfull ]; then
    # A small filesystem of its own, so the disk can really fill up.
    mnt=$(mktemp -d /tmp/omnihub-diskfull.XXXXXX)
    mount -t tmpfs -o size=48m tmpfs "$mnt"
    trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
    "$bin" bench diskfull --data-dir "$mnt/data" "$@"
  else
    "$bin" bench "$scenario" "$@"
  fi
fi
[ "$which" = sqlite ] && exit 0

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || pgbin=$(dirname "$(command -v initdb)")
dir=$(mktemp -d /tmp/omnihub-bench-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pgbin/initdb -D $dir/data -U postgres --auth=trust >/dev/null"
opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=512MB"
start="$pgbin/pg_ctl -D $dir/data -o '$opts' -l $dir/log -w start"
stop="$pgbin/pg_ctl -D $dir/data -m immediate -w stop"
as_pg "$start" >/dev/null
trap 'as_pg "$stop" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
url="postgres://postgres@127.0.0.1:$port/postgres"
if [ "$scenario" = outage ]; then
  if [ "$(id -u)" = 0 ]; then
    "$bin" bench outage --postgres "$url" --outage-stop "su postgres -s /bin/sh -c \"$stop\"" \
      --outage-start "su postgres -s /bin/sh -c \"$start\"" "$@"
  else
    "$bin" bench outage --postgres "$url" --outage-stop "$stop" --outage-start "$start" "$@"
  fi
else
  "$bin" bench "$scenario" --postgres "$url" "$@"
fi
