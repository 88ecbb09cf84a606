#!/usr/bin/env bash
# Installs what is missing, builds the page and serves it on this machine only:
#   scripts/serve.sh [PORT]        PORT defaults to $METALAB_PORT, else 8080
# then open http://127.0.0.1:PORT/ in a browser. Ctrl+C stops the server.
# METALAB_SKIP_SETUP=1 skips the installation step (see scripts/build-web.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${1:-${METALAB_PORT:-8080}}"
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1 || PORT > 65535 )); then
  echo "usage: scripts/serve.sh [PORT]   (PORT: 1-65535; got '$PORT')" >&2
  exit 2
fi

# Fail before a long build if the port is already taken (node may not be installed yet).
if command -v node >/dev/null; then
  if ! node -e "require('net').createServer().once('error',()=>process.exit(1)).listen($PORT,'127.0.0.1',function(){this.close()})"; then
    echo "serve.sh: port $PORT on 127.0.0.1 is already in use; try: scripts/serve.sh $((PORT + 1))" >&2
    exit 1
  fi
fi

"$ROOT/scripts/build-web.sh"
echo "Serving $ROOT/build/web/site" >&2
exec node "$ROOT/scripts/serve.js" "$ROOT/build/web/site" "$PORT"
