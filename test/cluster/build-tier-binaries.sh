#!/usr/bin/env bash
# Builds the binaries of the opt-in cluster test tiers from the Go module proxy (never from
# prebuilt downloads), into the same cache as build-binaries.sh:
#   scheduling: kube-scheduler (k8s.io/kubernetes at ./K8S_VERSION, the module set of ./go.mod)
#               and kwok
#   operators:  scheduling, plus Kueue, the CodeFlare AppWrapper controller and the Kubeflow
#               training-operator
# Versions are pinned in ./tiers/TIER_MODULES. Each upstream module is built with its own go.mod
# and go.sum; the manifests directory listed there (CRDs, webhooks, RBAC) is copied next to the
# binary, so the tests never read the Go module cache.
#
# Usage: build-tier-binaries.sh [--force] TIER...  (or component names from TIER_MODULES, to build
# just those, e.g. while another build runs)
# Output: progress on stderr; on stdout one line per component: NAME<TAB>DIR, where DIR holds
# bin/NAME and, for upstream modules, manifests/.
#
# Environment:
#   KUBEJOBS_CACHE_DIR   cache root (default: $HOME/.cache/kubejobs); output goes to
#                        $KUBEJOBS_CACHE_DIR/tiers/NAME@VERSION/.
#   KUBEJOBS_GO          the go command (default: go on PATH, then /usr/local/go/bin/go).
#   KUBEJOBS_GO_BUILD_P  `go build -p` (default: Go's own, the number of CPUs). Builds run under
#                        nice either way.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pins="$here/tiers/TIER_MODULES"
version="${KUBEJOBS_K8S_VERSION:-$(tr -d ' \t\r\n' <"$here/K8S_VERSION")}"
# Bump when the build recipe (flags, copied files) changes so caches are rebuilt.
recipe=1

log() { printf 'build-tier-binaries: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

force=0
want_scheduling=0
want_operators=0
only=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    scheduling) want_scheduling=1 ;;
    operators) want_scheduling=1; want_operators=1 ;;
    *)
      awk -v n="$arg" '$1 == n { found = 1 } END { exit !found }' "$pins" ||
        die "unknown argument '$arg'; usage: $0 [--force] scheduling|operators|COMPONENT..."
      only+=("$arg") ;;
  esac
done
[[ $want_scheduling == 1 || ${#only[@]} -gt 0 ]] || die "name a tier: scheduling or operators"


cache_root="${KUBEJOBS_CACHE_DIR:-$HOME/.cache/kubejobs}"
tiers_dir="$cache_root/tiers"
mkdir -p "$tiers_dir"

# pinned NAME -> "tier module version package manifests"
pinned() {
  awk -v n="$1" '$1 == n { print $2, $3, $4, $5, $6; found = 1 } END { exit !found }' "$pins" ||
    die "$1 is not pinned in $pins"
}

# type -P: a path, never the go() function below.
find_go() {
  if [[ -n "${KUBEJOBS_GO:-}" ]]; then type -P "$KUBEJOBS_GO" && return; fi
  type -P go && return
  [[ -x /usr/local/go/bin/go ]] && { echo /usr/local/go/bin/go; return; }
  die "Go is not installed: the cluster test tiers build kube-scheduler, kwok, Kueue, the
  AppWrapper controller and the training-operator from the Go module proxy. Install Go >= 1.25
  (https://go.dev/dl/); the first build takes about 11 min on 2 cores, then it is cached in $tiers_dir."
}
go_bin=""
go() {
  [[ -n "$go_bin" ]] || go_bin="$(find_go)" || exit 1
  GOWORK=off CGO_ENABLED=0 "$go_bin" "$@"
}
# go build under nice: the build saturates the cores it is given; keep other work responsive.
go_build() {
  [[ -n "$go_bin" ]] || go_bin="$(find_go)" || exit 1
  GOWORK=off CGO_ENABLED=0 nice -n 10 "$go_bin" build "${build_p[@]}" "$@"
}
build_p=()
[[ -n "${KUBEJOBS_GO_BUILD_P:-}" ]] && build_p=(-p "$KUBEJOBS_GO_BUILD_P")

is_current() { # dir key binary
  [[ $force == 0 && -x "$1/bin/$3" && -f "$1/.kubejobs-build-stamp" && "$(cat "$1/.kubejobs-build-stamp")" == "$2" ]]
}

# Serialise concurrent builds of one component (two jest workers starting a tier at once), and only
# that one: a file needing the scheduling tier must not wait for a build of Kueue. Taking the lock of
# the next component releases the previous one (same descriptor).
lock_component() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$tiers_dir/.build-$1.lock"
  flock 9
}

install_dir() { # tmp out key
  echo "$3" >"$1/.kubejobs-build-stamp"
  rm -rf "$2"
  mv "$1" "$2"
  chmod 755 "$2"
}

# kube-scheduler: the same module graph as the API server (../go.mod), so the same stamp inputs.
scheduler_key() {
  { echo "kube-scheduler $version recipe=$recipe"; cat "$here/go.mod" "$here/go.sum"; } | sha256sum | awk '{ print $1 }'
}
# build-binaries.sh rewrites ../go.mod under this lock: hold it while the kube-scheduler build
# reads go.mod, so a build started next to it never sees a half-written module graph.
lock_k8s_gomod() {
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$cache_root/k8s"
  exec 8>"$cache_root/k8s/.build.lock"
  flock 8
}
build_scheduler() {
  local out="$tiers_dir/kube-scheduler@$version" key tmp start minor ldflags
  key="$(scheduler_key)"
  if ! is_current "$out" "$key" kube-scheduler; then
    lock_component kube-scheduler
    lock_k8s_gomod
    key="$(scheduler_key)"
  fi
  if ! is_current "$out" "$key" kube-scheduler; then
    [[ "$version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "bad Kubernetes version '$version'"
    minor="${BASH_REMATCH[1]}"
    grep -q "^	k8s.io/kubernetes $version\$\|^require k8s.io/kubernetes $version\$\|k8s.io/kubernetes $version" "$here/go.mod" ||
      die "$here/go.mod is not at k8s.io/kubernetes $version: run bash test/cluster/build-binaries.sh first"
    tmp="$(mktemp -d "$tiers_dir/.build-kube-scheduler.XXXXXX")"
    mkdir "$tmp/bin"
    start=$SECONDS
    ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1
      -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
    log "building kube-scheduler $version"
    (cd "$here" && go_build -trimpath -buildvcs=false -ldflags "$(echo $ldflags)" \
      -o "$tmp/bin/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler) || { rm -rf "$tmp"; die "kube-scheduler build failed"; }
    install_dir "$tmp" "$out" "$key"
    log "built kube-scheduler in $((SECONDS - start)) s"
  fi
  exec 8>&-
  printf 'kube-scheduler\t%s\n' "$out"
}

module_dir() { # module@version -> source directory in the module cache
  local dl dir
  # Outside any module: inside ../go.mod's module, go would try to add $1 to it.
  dl="$(cd "$tiers_dir" && go mod download -json "$1" 2>&1)" || die "could not download $1 from the Go module proxy:
$dl"
  dir="$(sed -n 's/.*"Dir": *"\([^"]*\)".*/\1/p' <<<"$dl")"
  [[ -d "$dir" ]] || die "no source directory for $1 in: $dl"
  echo "$dir"
}

build_module() { # name
  local name="$1" tier module mversion pkg manifests out key tmp src start
  read -r tier module mversion pkg manifests <<<"$(pinned "$name")"
  out="$tiers_dir/$name@$mversion"
  key="$name $module@$mversion $pkg $manifests recipe=$recipe"
  is_current "$out" "$key" "$name" || lock_component "$name"
  if ! is_current "$out" "$key" "$name"; then
    start=$SECONDS
    src="$(module_dir "$module@$mversion")"
    tmp="$(mktemp -d "$tiers_dir/.build-$name.XXXXXX")"
    mkdir "$tmp/bin" "$tmp/src"
    # A writable copy: go build wants to be inside the main module, which the module cache is
    # not (read-only, and no go.work may pull it elsewhere).
    cp -r "$src/." "$tmp/src/"
    chmod -R u+w "$tmp/src"
    log "building $name $mversion ($module $pkg)"
    (cd "$tmp/src" && go_build -trimpath -buildvcs=false -ldflags "-s -w" \
      -o "$tmp/bin/$name" "$pkg") || { rm -rf "$tmp"; die "$name build failed"; }
    mv "$tmp/src/$manifests" "$tmp/manifests"
    cp "$tmp/src/go.mod" "$tmp/manifests/go.mod"
    rm -rf "$tmp/src"
    install_dir "$tmp" "$out" "$key"
    log "built $name in $((SECONDS - start)) s"
  fi
  printf '%s\t%s\n' "$name" "$out"
}

# Drift check: Kueue's AppWrapper and PyTorchJob integrations are compiled against the API of
# the versions its go.mod requires; the controllers we run next to it must be those versions.
check_kueue_requires() {
  local kueue_mod="$tiers_dir/kueue@$(pinned kueue | awk '{ print $3 }')/manifests/go.mod" name module mversion drift=""
  for name in appwrapper training-operator; do
    read -r _ module mversion _ _ <<<"$(pinned "$name")"
    local required
    required="$(awk -v m="$module" '$1 == m { print $2; exit }' "$kueue_mod")"
    [[ "$required" == "$mversion" ]] || drift+="
  $name: TIER_MODULES pins $module $mversion, Kueue's go.mod requires ${required:-nothing}"
  done
  [[ -z "$drift" ]] || die "the pinned operators drifted from what Kueue is built against:$drift
  Pin the versions Kueue requires in $pins."
}


if [[ ${#only[@]} -gt 0 && $want_scheduling == 0 ]]; then
  for name in "${only[@]}"; do build_module "$name"; done
  exit 0
fi
build_scheduler
build_module kwok
if [[ $want_operators == 1 ]]; then
  build_module kueue
  check_kueue_requires
  build_module appwrapper
  build_module training-operator
fi
