#!/usr/bin/env bash
# Builds the real Kubernetes control-plane binaries used by the cluster tests:
#   etcd, kube-apiserver, kube-controller-manager,
# and the kubectl of the same release (the tests apply manifests with it as users do),
# from the Go module proxy (never from prebuilt release downloads).
#
# The Kubernetes release is read from ./K8S_VERSION (one line, e.g. v1.33.13)
# or from $KUBEJOBS_K8S_VERSION. When go.mod does not match that release, it is
# regenerated from the release's own go.mod (staging replace list, go and
# godebug lines, and the etcd server version that release pins).
#
# Output: progress on stderr; the LAST line on stdout is the directory that
# holds the three executables.
#
# Environment:
#   KUBEJOBS_K8S_BIN_DIR  directory with prebuilt etcd, kube-apiserver,
#                         kube-controller-manager and kubectl: used as-is, nothing is built.
#   KUBEBUILDER_ASSETS    same, but only used when it holds all three (envtest
#                         asset dirs normally lack kube-controller-manager).
#   KUBEJOBS_CACHE_DIR    cache root (default: $HOME/.cache/kubejobs); binaries
#                         go to $KUBEJOBS_CACHE_DIR/k8s/<version>/.
#   KUBEJOBS_K8S_VERSION  overrides ./K8S_VERSION.
#   KUBEJOBS_GO           the go command to use (default: go on PATH, then /usr/local/go/bin/go).
#
# Flags:
#   --sync-gomod   only (re)generate go.mod/go.sum for the version, build nothing.
#   --force        rebuild even when the cached binaries are up to date.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${KUBEJOBS_K8S_VERSION:-$(tr -d ' \t\r\n' <"$here/K8S_VERSION")}"
binaries=(etcd kube-apiserver kube-controller-manager kubectl)
# Bump when the build recipe (flags, ldflags) changes so caches are rebuilt.
recipe=1

sync_only=0
force=0
for arg in "$@"; do
  case "$arg" in
    --sync-gomod) sync_only=1 ;;
    --force) force=1 ;;
    *) echo "usage: $0 [--sync-gomod] [--force]" >&2; exit 2 ;;
  esac
done

log() { printf 'build-binaries: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "bad Kubernetes version '$version' (want v1.MINOR.PATCH)"
minor="${BASH_REMATCH[1]}"

has_all() {
  local d="$1" b
  for b in "${binaries[@]}"; do
    [[ -f "$d/$b" && -x "$d/$b" ]] || return 1
  done
}

# --- 1. Prebuilt binaries supplied by the caller --------------------------
if [[ $sync_only == 0 ]]; then
  if [[ -n "${KUBEJOBS_K8S_BIN_DIR:-}" ]]; then
    has_all "$KUBEJOBS_K8S_BIN_DIR" ||
      die "KUBEJOBS_K8S_BIN_DIR=$KUBEJOBS_K8S_BIN_DIR must hold executable ${binaries[*]}"
    log "using prebuilt binaries from KUBEJOBS_K8S_BIN_DIR"
    (cd "$KUBEJOBS_K8S_BIN_DIR" && pwd)
    exit 0
  fi
  if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
    if has_all "$KUBEBUILDER_ASSETS"; then
      log "using prebuilt binaries from KUBEBUILDER_ASSETS"
      (cd "$KUBEBUILDER_ASSETS" && pwd)
      exit 0
    fi
    log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS lacks some of ${binaries[*]}; ignoring it"
  fi
fi

cache_root="${KUBEJOBS_CACHE_DIR:-$HOME/.cache/kubejobs}"
out="$cache_root/k8s/$version"
stamp="$out/.kubejobs-build-stamp"

gomod_version() {
  [[ -f "$here/go.mod" ]] || return 0
  awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$here/go.mod"
}

# The stamp ties the cached binaries to the exact module graph and recipe, so
# editing K8S_VERSION or go.sum invalidates them without Go being needed to check.
stamp_key() {
  {
    echo "version=$version recipe=$recipe"
    cat "$here/go.mod" "$here/go.sum"
  } | sha256sum | awk '{ print $1 }'
}

up_to_date() {
  [[ $force == 0 ]] && [[ "$(gomod_version)" == "$version" ]] && has_all "$out" &&
    [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$(stamp_key)" ]]
}

if [[ $sync_only == 0 ]] && up_to_date; then
  log "cached binaries are up to date"
  echo "$out"
  exit 0
fi

# --- 2. We must build: find Go --------------------------------------------
if [[ -n "${KUBEJOBS_GO:-}" ]]; then
  go_bin="$(command -v "$KUBEJOBS_GO" || true)"
else
  go_bin="$(command -v go || true)"
  if [[ -z "$go_bin" && -x /usr/local/go/bin/go ]]; then
    go_bin=/usr/local/go/bin/go
  fi
fi
need_go="$(awk '$1 == "go" { print $2; exit }' "$here/go.mod" 2>/dev/null || true)"
need_go="${need_go:-1.24.0}"
if [[ -z "$go_bin" ]]; then
  die "Go is not installed, and no prebuilt binaries were found.
  Either install Go >= $need_go (https://go.dev/dl/) so this script can build
  etcd, kube-apiserver, kube-controller-manager and kubectl $version from the Go module proxy
  (about 4-5 min on 2 cores once, then cached in $out),
  or set KUBEJOBS_K8S_BIN_DIR to a directory holding executable
  etcd, kube-apiserver, kube-controller-manager and kubectl."
fi
have_go="$("$go_bin" env GOVERSION)"
have_go="${have_go#go}"
if [[ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]]; then
  # GOTOOLCHAIN=auto may still fetch a newer toolchain from the proxy; say why if it fails.
  log "warning: Go $have_go is older than the $need_go this build needs; relying on GOTOOLCHAIN to fetch a newer one"
fi

# A go.work elsewhere in the tree must not pull this module into a workspace.
export GOWORK=off
go() { "$go_bin" "$@"; }

# --- 3. Serialise concurrent builds (e.g. two jest workers) ---------------
mkdir -p "$cache_root/k8s"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/k8s/.build.lock"
  flock 9
  if [[ $sync_only == 0 ]] && up_to_date; then
    log "binaries were built by a concurrent run"
    echo "$out"
    exit 0
  fi
fi

# --- 4. (Re)generate go.mod from the release's own go.mod -----------------
regenerate_gomod() {
  log "generating go.mod for k8s.io/kubernetes $version"
  # Work in a scratch directory and copy the result back only on success, so
  # an unavailable version or a proxy failure never leaves a broken go.mod.
  local work upstream staging etcd_version go_line dl
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand $work now; the build step replaces this trap
  trap "rm -rf '$work'" EXIT
  cd "$work"
  dl="$(go mod download -json "k8s.io/kubernetes@$version" 2>&1)" ||
    die "could not download k8s.io/kubernetes@$version from the Go module proxy:
$dl"
  upstream="$(sed -n 's/.*"GoMod": *"\([^"]*\)".*/\1/p' <<<"$dl")"
  [[ -f "$upstream" ]] || die "could not find the go.mod of k8s.io/kubernetes@$version in: $dl"
  staging="v0.${version#v1.}"
  go_line="$(awk '$1 == "go" { print $2; exit }' "$upstream")"
  etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$upstream")"
  [[ -n "$etcd_version" ]] || die "k8s.io/kubernetes@$version does not pin go.etcd.io/etcd/server/v3"

  go mod init kubejobs.invalid/test/cluster 2>/dev/null
  go mod edit -go="$go_line"
  # Kubernetes' own go.mod sets GODEBUG defaults for its binaries; a wrapper
  # main module must restate them or the binaries get our module's defaults.
  awk '
    $1 == "godebug" && $2 == "(" { block = 1; next }
    block && $1 == ")"           { block = 0; next }
    block && NF                  { print $1; next }
    $1 == "godebug"              { print $2 }
  ' "$upstream" | while read -r kv; do go mod edit -godebug="$kv"; done
  # Staging modules are required at v0.0.0 and replaced by ./staging paths,
  # which do not exist outside the kubernetes repo: point them at the
  # published twins. The list comes from the release itself because it grows.
  grep -oE '^\s*k8s\.io/[A-Za-z0-9._-]+ => \./staging/' "$upstream" | awk '{ print $1 }' | sort -u |
    while read -r m; do go mod edit -replace="$m=$m@$staging"; done
  go get -tool \
    "k8s.io/kubernetes/cmd/kube-apiserver@$version" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$version" \
    "k8s.io/kubernetes/cmd/kubectl@$version" \
    "go.etcd.io/etcd/server/v3@$etcd_version"
  go mod tidy

  # Adding the etcd main package must not move any Kubernetes dependency
  # away from what the release pins (that would change the apiserver we test).
  local drift
  drift="$(go list -m -f '{{.Path}} {{.Version}}' all |
    awk 'NR == FNR { sel[$1] = $2; next }
         $1 == "require" || $1 == "(" || $1 == ")" { next }
         /^\t/ && $2 ~ /^v/ && ($1 in sel) && sel[$1] != $2 && $2 != "v0.0.0" { print $1 ": release pins " $2 ", selected " sel[$1] }' \
      - "$upstream")"
  if [[ -n "$drift" ]]; then
    die "the etcd server changed Kubernetes dependency versions:
$drift"
  fi
  cp go.mod go.sum "$here/"
  cd "$here"
  rm -rf "$work"
  log "go.mod generated: k8s.io/kubernetes $version, staging $staging, etcd $etcd_version"
}

if [[ "$(gomod_version)" != "$version" || ! -f "$here/go.sum" ]]; then
  regenerate_gomod
fi
[[ $sync_only == 1 ]] && exit 0

# --- 5. Build ---------------------------------------------------------------
cd "$here"
tmp="$(mktemp -d "$cache_root/k8s/.build-$version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
ldflags="-s -w
  -X k8s.io/component-base/version.gitVersion=$version
  -X k8s.io/component-base/version.gitMajor=1
  -X k8s.io/component-base/version.gitMinor=$minor
  -X k8s.io/component-base/version.gitTreeState=clean"
ldflags="$(echo $ldflags)"
log "building kube-apiserver, kube-controller-manager and kubectl $version (this takes a while on a cold cache)"
# nice: the build saturates every core; keep interactive work responsive.
CGO_ENABLED=0 nice -n 10 "$go_bin" build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
log "building etcd"
CGO_ENABLED=0 nice -n 10 "$go_bin" build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/etcd" \
  go.etcd.io/etcd/server/v3
has_all "$tmp" || die "build finished but some binaries are missing in $tmp"
stamp_key >"$tmp/.kubejobs-build-stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
chmod 755 "$out"
log "built in $((SECONDS - start)) s into $out"
echo "$out"
