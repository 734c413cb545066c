# Sourced by scripts/test.sh and scripts/main.sh: makes every tool the project
# runs against available (installing or building it once, cached under
# ~/.cache/secgroups), and exports PATH and the variables tests read.
set -e
_repo=$(pwd)
_log() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" = 0 ]; then bash scripts/ensure-system.sh; fi

# npm packages: reinstall when the lock file changed since the last install.
_lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.lock-hash ] || [ "$(cat node_modules/.lock-hash)" != "$_lock_hash" ]; then
  _log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$_lock_hash" > node_modules/.lock-hash
fi
_log "build (cleans dist/ first, so npm pack ships no stale files)"
npm run --silent build >&2

_pulumi_bin=$(bash scripts/ensure-pulumi.sh | tail -n1)
export PATH="$_pulumi_bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
if [ -f scripts/ensure-terraform.sh ]; then
  _tf_bin=$(bash scripts/ensure-terraform.sh | tail -n1)
  export PATH="$_tf_bin:$PATH"
fi
if [ -f scripts/build-terraform-provider.sh ]; then
  export TF_CLI_CONFIG_FILE=$(bash scripts/build-terraform-provider.sh | tail -n1)
fi
set +e
