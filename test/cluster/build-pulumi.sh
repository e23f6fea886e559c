#!/usr/bin/env bash
# Builds the Pulumi engine the real-engine tests use, from the Go module proxy (never from
# get.pulumi.com or release downloads), into the same cache as build-binaries.sh:
#   bin/pulumi                       the CLI and engine
#   bin/pulumi-resource-kubernetes   the Kubernetes provider plugin
# The tests drive the engine through the Automation API with inline programs: the Node process
# serves the language runtime itself, so no language-host binary is needed (its Go module is not
# served by the proxy).
# Versions are pinned in ./pulumi/PULUMI_VERSIONS.
#
# Usage: build-pulumi.sh [--force]
# Output: progress on stderr; on stdout the directory holding bin/.
#
# Environment:
#   KUBEJOBS_PULUMI_VERSIONS  the pins file (default: ./pulumi/PULUMI_VERSIONS; for tests).
#   KUBEJOBS_CACHE_DIR   cache root (default: $HOME/.cache/kubejobs); output goes to
#                        $KUBEJOBS_CACHE_DIR/pulumi/<cli version>+k8s-<provider version>/.
#   KUBEJOBS_GO          the go command (default: go on PATH, then /usr/local/go/bin/go); when set,
#                        it must exist.
#   KUBEJOBS_GO_BUILD_P  `go build -p` (default: Go's own, the number of CPUs). Builds run under
#                        nice either way.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pins="${KUBEJOBS_PULUMI_VERSIONS:-$here/pulumi/PULUMI_VERSIONS}"
# Bump when the build recipe (flags, steps) changes so caches are rebuilt.
recipe=1

log() { printf 'build-pulumi: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) die "unknown argument '$arg'; usage: $0 [--force]" ;;
  esac
done

# pin NAME MODULE_VAR VERSION_VAR: sets the two variables from the line of NAME in $pins. Runs in
# this shell, not in a $(...) subshell, so that `die` ends the script when a pin is missing.
pin() {
  local line
  line="$(awk -v n="$1" '$1 == n && !/^#/ { print $2, $3; found = 1 } END { exit !found }' "$pins")" ||
    die "'$1' is not pinned in $pins: add a line '$1 <module> <version>'"
  read -r "$2" "$3" <<<"$line"
}
pin cli cli_module cli_version
pin cli-sdk sdk_module sdk_version
pin clipboard clipboard_module clipboard_version
pin provider provider_module provider_pseudo
pin provider-sdk provider_sdk_module provider_sdk_version
pin provider-version _ provider_version

cache_root="${KUBEJOBS_CACHE_DIR:-$HOME/.cache/kubejobs}"
out="$cache_root/pulumi/$cli_version+k8s-$provider_version"
mkdir -p "$cache_root/pulumi"
key="$({ echo "recipe=$recipe"; grep -v '^#' "$pins"; } | sha256sum | awk '{ print $1 }')"

# type -P: a path, never the go() function below.
find_go() {
  if [[ -n "${KUBEJOBS_GO:-}" ]]; then
    type -P "$KUBEJOBS_GO" && return
    die "KUBEJOBS_GO is '$KUBEJOBS_GO', which is not a command: point it at a Go >= 1.25 binary, or unset it to use go on PATH."
  fi
  type -P go && return
  [[ -x /usr/local/go/bin/go ]] && { echo /usr/local/go/bin/go; return; }
  die "Go is not installed: the Pulumi engine tests build the pulumi CLI and the Kubernetes provider
  from the Go module proxy. Install Go >= 1.25 (https://go.dev/dl/); the first build takes about
  13 min on 2 idle cores, then it is cached in $out."
}
go_bin=""
go() {
  [[ -n "$go_bin" ]] || go_bin="$(find_go)" || exit 1
  GOWORK=off CGO_ENABLED=0 "$go_bin" "$@"
}
build_p=()
[[ -n "${KUBEJOBS_GO_BUILD_P:-}" ]] && build_p=(-p "$KUBEJOBS_GO_BUILD_P")
# go build under nice: the build saturates the cores it is given; keep other work responsive.
go_build() { go_bin="${go_bin:-$(find_go)}"; GOWORK=off CGO_ENABLED=0 nice -n 10 "$go_bin" build "${build_p[@]}" "$@"; }

is_current() {
  [[ $force == 0 && -x "$out/bin/pulumi" && -x "$out/bin/pulumi-resource-kubernetes" &&
    -f "$out/.kubejobs-build-stamp" && "$(cat "$out/.kubejobs-build-stamp")" == "$key" ]]
}

if ! is_current; then
  # Serialise concurrent builds (two jest workers asking at once).
  if command -v flock >/dev/null 2>&1; then exec 9>"$cache_root/pulumi/.build.lock"; flock 9; fi
fi
if is_current; then echo "$out"; exit 0; fi

# Find Go before anything else, so a machine without it gets the one message that says what to do.
go_bin="$(find_go)" || exit 1

tmp="$(mktemp -d "$cache_root/pulumi/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
start=$SECONDS

# 1. The CLI. `go install …/cmd/pulumi@version` is refused (pkg/v3's go.mod has replace
# directives), so a scratch main module requires pkg/v3 and restates its clipboard replace.
log "building pulumi $cli_version (about 5 min on 2 idle cores, 15 min on a busy machine)"
mkdir "$tmp/cli"
cat >"$tmp/cli/go.mod" <<EOF
module kubejobs.invalid/pulumi-cli

go 1.25

replace github.com/atotto/clipboard => $clipboard_module $clipboard_version
EOF
cat >"$tmp/cli/tools.go" <<EOF
//go:build tools

package tools

import _ "$cli_module/cmd/pulumi"
EOF
(
  cd "$tmp/cli"
  go get "$cli_module@$cli_version" "$sdk_module@$sdk_version" >&2
  go mod tidy >&2
  go_build -trimpath -buildvcs=false \
    -ldflags "-s -w -X $sdk_module/go/common/version.Version=$cli_version" \
    -o "$tmp/bin/pulumi" "$cli_module/cmd/pulumi"
) || die "the pulumi CLI build failed (output above)"
log "built pulumi in $((SECONDS - start)) s"

# 2. The provider: a writable copy of the module (go generate writes the embedded schema the
# module zip lacks), its sdk/v4 replace re-pointed from ../sdk to the tagged module.
step=$SECONDS
log "building pulumi-resource-kubernetes $provider_version (about 8 min on 2 idle cores)"
dl_json() { (cd "$tmp" && go mod download -json "$1" 2>&1); }
field() { sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p"; }
dl="$(dl_json "$provider_module@$provider_pseudo")" || die "could not download $provider_module@$provider_pseudo:
$dl"
src="$(field Dir <<<"$dl")"
[[ -d "$src" ]] || die "no source directory for $provider_module in: $dl"
sdk_dl="$(dl_json "$provider_sdk_module@$provider_sdk_version")" || die "could not download $provider_sdk_module@$provider_sdk_version:
$sdk_dl"
mkdir "$tmp/provider"
cp -r "$src/." "$tmp/provider/"
chmod -R u+w "$tmp/provider"
(
  cd "$tmp/provider"
  go mod edit -replace "$provider_sdk_module=$provider_sdk_module@$provider_sdk_version"
  printf '%s %s %s\n%s %s/go.mod %s\n' \
    "$provider_sdk_module" "$provider_sdk_version" "$(field Sum <<<"$sdk_dl")" \
    "$provider_sdk_module" "$provider_sdk_version" "$(field GoModSum <<<"$sdk_dl")" >>go.sum
  (cd cmd/pulumi-resource-kubernetes && VERSION="$provider_version" GOWORK=off CGO_ENABLED=0 nice -n 10 "$go_bin" run generate.go) >&2
  go_build -trimpath -buildvcs=false \
    -ldflags "-s -w -X $provider_module/pkg/version.Version=$provider_version" \
    -o "$tmp/bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
) || die "the Kubernetes provider build failed (output above)"
log "built pulumi-resource-kubernetes in $((SECONDS - step)) s"

rm -rf "$tmp/cli" "$tmp/provider"
echo "$key" >"$tmp/.kubejobs-build-stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
chmod 755 "$out"
log "Pulumi engine ready in $out ($((SECONDS - start)) s)"
echo "$out"
