#!/usr/bin/env bash
# What the `node` cluster test tier needs (README.md in this directory), built or installed here,
# never downloaded prebuilt:
#   - containerd, runc, the CNI plugins and iptables from Debian (apt-get install when missing);
#   - kubelet, built from the module set of ../go.mod (the API server's release) in a copy of it
#     with kubelet added as a tool, so ../go.mod (shared with the control plane's build) is left
#     alone; the build fails if adding kubelet would move any version ../go.mod selects;
#   - kube-proxy, from the same module set: a copy of ../go.mod with kubelet, then kube-proxy added
#     as tools; the build fails if kube-proxy would move a version ../go.mod or the kubelet's set selects
#     (own cache directory and stamp, so the kubelet's cache stays valid);
#   - pause, compiled from the pause.c the k8s.io/kubernetes module ships, as an image;
#   - crane (github.com/google/go-containerregistry, pinned below), whose `registry serve` is a
#     local registry for images a test must let the kubelet pull (imagePullPolicy: Always);
#   - the kubejobs image and its base (../../image/build-image.sh), Debian's python3 on that
#     base (for jobs written for a Python image), and a stand-in ArenaJob worker on that base
#     (arena-worker.js, ours; Omnia's arena-worker image cannot be pulled), saved as docker-archives.
# Output: progress on stderr; on stdout `KEY<TAB>value` lines: KUBELET, KUBE_PROXY, CRANE, PAUSE_IMAGE, BASE_IMAGE,
# KUBEJOBS_IMAGE, PYTHON_IMAGE, ARENA_WORKER_IMAGE, and one ARCHIVE line per image archive to import.
# Environment: KUBEJOBS_CACHE_DIR (default $HOME/.cache/kubejobs), KUBEJOBS_GO.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster="$here/.."
version="${KUBEJOBS_K8S_VERSION:-$(tr -d ' \t\r\n' <"$cluster/K8S_VERSION")}"
cache_root="${KUBEJOBS_CACHE_DIR:-$HOME/.cache/kubejobs}"
out="$cache_root/tiers/kubelet@$version"
# Bump when the recipe changes so caches are rebuilt.
recipe=1

log() { printf 'build-node: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
mkdir -p "$cache_root/tiers"
exec 9>"$cache_root/tiers/.build-node.lock"
flock 9

# --- Debian packages --------------------------------------------------------------------------
missing=()
for pair in containerd:containerd ctr:containerd runc:runc iptables:iptables /usr/lib/cni/bridge:containernetworking-plugins gcc:gcc; do
  cmd="${pair%%:*}"
  if [[ $cmd == /* ]]; then [[ -x $cmd ]] || missing+=("${pair#*:}"); else command -v "$cmd" >/dev/null 2>&1 || missing+=("${pair#*:}"); fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: the node tier runs containers and needs root to install them"
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing ${missing[*]} from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# --- kubelet, pause and kube-proxy -----------------------------------------------------------
find_go() {
  if [[ -n "${KUBEJOBS_GO:-}" ]]; then type -P "$KUBEJOBS_GO" && return; fi
  type -P go && return
  [[ -x /usr/local/go/bin/go ]] && { echo /usr/local/go/bin/go; return; }
  die "Go is not installed: the node tier builds kubelet from the Go module proxy"
}

# is_cached DIR KEY BINARY...: DIR holds every BINARY and was built for KEY.
is_cached() {
  local dir="$1" key="$2" bin
  shift 2
  for bin in "$@"; do [[ -x $dir/bin/$bin ]] || return 1; done
  [[ -f $dir/.kubejobs-build-stamp && "$(cat "$dir/.kubejobs-build-stamp")" == "$key" ]]
}

# build_k8s_command TMP COMMAND...: adds each k8s.io/kubernetes/cmd/COMMAND as a tool to a copy of
# ../go.mod, one after the other, and builds the last one into TMP/bin (kubelet first, then
# kube-proxy: kube-proxy is built from the kubelet's module set). A command that would move a
# module version, relative to ../go.mod or to the commands added before it, stops the build.
# Leaves the module copy in TMP/mod.
build_k8s_command() {
  local tmp="$1" go_bin minor ldflags moved command
  shift
  go_bin="$(find_go)"
  [[ "$version" =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "bad Kubernetes version '$version'"
  minor="${BASH_REMATCH[1]}"
  grep -q "k8s.io/kubernetes $version" "$cluster/go.mod" || die "$cluster/go.mod is not at k8s.io/kubernetes $version: run bash test/cluster/build-binaries.sh first"
  mkdir "$tmp/mod" "$tmp/bin"
  cp "$cluster/go.mod" "$cluster/go.sum" "$tmp/mod/"
  local before=("$cluster/go.mod")
  for command in "$@"; do
    (cd "$tmp/mod" && GOWORK=off "$go_bin" get -tool "k8s.io/kubernetes/cmd/$command@$version" >&2)
    moved="$(awk '/^\t[^ ]+ v[^ ]+/ { if (FILENAME != last) v[$1] = $2; else if (($1 in v) && v[$1] != $2) print $1 ": " v[$1] " -> " $2 }' \
      last="$tmp/mod/go.mod" "${before[@]}" "$tmp/mod/go.mod")"
    [[ -z $moved ]] || die "adding $command would move modules of $cluster/go.mod or of the commands added before it:
$moved"
    cp "$tmp/mod/go.mod" "$tmp/mod/go.mod.$command"
    before+=("$tmp/mod/go.mod.$command")
  done
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1
    -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  log "building $command $version"
  (cd "$tmp/mod" && GOWORK=off CGO_ENABLED=0 nice -n 10 "$go_bin" build -trimpath -buildvcs=false -ldflags "$(echo $ldflags)" \
    -o "$tmp/bin/$command" "k8s.io/kubernetes/cmd/$command" >&2) || die "$command build failed"
}

# install_build TMP OUT KEY: stamps TMP with KEY and puts it in OUT's place.
install_build() {
  local tmp="$1" out="$2" key="$3"
  rm -rf "$tmp/mod"
  echo "$key" >"$tmp/.kubejobs-build-stamp"
  rm -rf "$out"
  mv "$tmp" "$out"
  chmod 755 "$out"
}

key="$({ echo "kubelet $version recipe=$recipe"; cat "$cluster/go.mod" "$cluster/go.sum"; } | sha256sum | awk '{ print $1 }')"
if is_cached "$out" "$key" kubelet pause; then
  log "kubelet and pause $version: cached"
else
  tmp="$(mktemp -d "$cache_root/tiers/.build-kubelet.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  start=$SECONDS
  build_k8s_command "$tmp" kubelet
  src="$(cd "$tmp/mod" && GOWORK=off "$(find_go)" list -m -f '{{.Dir}}' k8s.io/kubernetes)"
  [[ -f $src/build/pause/linux/pause.c ]] || die "no build/pause/linux/pause.c in $src"
  gcc -Os -Wall -Werror -static -DVERSION="$version-kubejobs" -o "$tmp/bin/pause" "$src/build/pause/linux/pause.c"
  strip "$tmp/bin/pause"
  install_build "$tmp" "$out" "$key"
  trap - EXIT
  log "built kubelet and pause in $((SECONDS - start)) s"
fi

# Services: kube-proxy (iptables mode) gives a Service's ClusterIP to its pods. Built from the
# kubelet's module set (see build_k8s_command).
proxy_out="$cache_root/tiers/kube-proxy@$version"
proxy_recipe=1
proxy_key="$({ echo "kube-proxy $version recipe=$proxy_recipe"; cat "$cluster/go.mod" "$cluster/go.sum"; } | sha256sum | awk '{ print $1 }')"
if is_cached "$proxy_out" "$proxy_key" kube-proxy; then
  log "kube-proxy $version: cached"
else
  tmp="$(mktemp -d "$cache_root/tiers/.build-kube-proxy.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  start=$SECONDS
  build_k8s_command "$tmp" kubelet kube-proxy
  install_build "$tmp" "$proxy_out" "$proxy_key"
  trap - EXIT
  log "built kube-proxy in $((SECONDS - start)) s"
fi

# --- crane ------------------------------------------------------------------------------------
# A registry on 127.0.0.1 (`crane registry serve`) and the client that pushes docker-archives to it.
crane_version=v0.22.1
crane_out="$cache_root/tiers/crane@$crane_version"
crane_key="crane $crane_version recipe=$recipe flags=-trimpath,-s -w,CGO_ENABLED=0"
if is_cached "$crane_out" "$crane_key" crane; then
  log "crane $crane_version: cached"
else
  go_bin="$(find_go)"
  tmp="$(mktemp -d "$cache_root/tiers/.build-crane.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  start=$SECONDS
  GOWORK=off GOBIN="$tmp/bin" CGO_ENABLED=0 nice -n 10 "$go_bin" install -trimpath -buildvcs=false -ldflags '-s -w' \
    "github.com/google/go-containerregistry/cmd/crane@$crane_version" >&2 || die "crane build failed"
  install_build "$tmp" "$crane_out" "$crane_key"
  trap - EXIT
  log "built crane in $((SECONDS - start)) s"
fi

# --- images -----------------------------------------------------------------------------------
declare -A built
# Not a process substitution: its failure would go unnoticed until a key is missing.
image_out="$(bash "$here/../../image/build-image.sh")" || die "building the kubejobs image failed (test/image/build-image.sh; its log is above)"
while IFS=$'\t' read -r k v; do built[$k]="$v"; done <<<"$image_out"
for k in IMAGE BASE ARCHIVE ROOT RUNROOT CONTAINERS_CONF; do [[ -n ${built[$k]:-} ]] || die "test/image/build-image.sh printed no $k"; done
export CONTAINERS_CONF="${built[CONTAINERS_CONF]}"
buildah() { command buildah --root "${built[ROOT]}" --runroot "${built[RUNROOT]}" --storage-driver overlay "$@"; }
images="$(dirname "${built[ARCHIVE]}")"
pause_image="localhost/kubejobs/pause:$version-r$recipe"
pause_archive="$images/pause-$version-r$recipe.tar"
if [[ ! -s $pause_archive ]]; then
  c="$(buildah from scratch)"
  buildah copy --quiet "$c" "$out/bin/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$c"
  buildah commit --quiet --rm "$c" "$pause_image" >/dev/null
  buildah push --quiet "$pause_image" "docker-archive:$pause_archive.tmp:$pause_image" >&2
  mv "$pause_archive.tmp" "$pause_archive"
fi
base_archive="$images/base-${built[BASE]##*:}.tar"
if [[ ! -s $base_archive ]]; then
  buildah push --quiet "${built[BASE]}" "docker-archive:$base_archive.tmp:${built[BASE]}" >&2
  mv "$base_archive.tmp" "$base_archive"
fi
# Python 3 from Debian on the base (python3 and `python`, as the README quickstart's image has):
# what tests run where a user's job would pull a Python image. Root, as python:*-slim.
python_image="localhost/kubejobs/python3:${built[BASE]##*:}-r$recipe"
python_archive="$images/python3-${built[BASE]##*:}-r$recipe.tar"
if [[ ! -s $python_archive ]]; then
  start=$SECONDS
  c="$(buildah from --pull=never "${built[BASE]}")"
  buildah run --network host "$c" -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python-is-python3 >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* && python --version' >&2
  buildah config --cmd python3 "$c"
  buildah commit --quiet --rm "$c" "$python_image" >/dev/null
  buildah push --quiet "$python_image" "docker-archive:$python_archive.tmp:$python_image" >&2
  mv "$python_archive.tmp" "$python_archive"
  log "python image $python_image: built in $((SECONDS - start)) s"
fi
# The stand-in ArenaJob worker: arena-worker.js on the base, as the restricted user the controller's
# worker pods run as. Keyed by the program's content, so an edit of it makes a new image.
worker_key="$({ echo "recipe=$recipe base=${built[BASE]}"; cat "$here/arena-worker.js"; } | sha256sum | cut -c1-16)"
worker_image="localhost/kubejobs/arena-worker:$worker_key"
worker_archive="$images/arena-worker-$worker_key.tar"
if [[ ! -s $worker_archive ]]; then
  c="$(buildah from --pull=never "${built[BASE]}")"
  buildah copy --quiet --chmod 0644 "$c" "$here/arena-worker.js" /usr/local/lib/arena-worker/arena-worker.js >/dev/null
  buildah config --entrypoint '["node", "/usr/local/lib/arena-worker/arena-worker.js"]' --cmd '' --user 65532:65532 "$c"
  buildah commit --quiet --rm "$c" "$worker_image" >/dev/null
  buildah push --quiet "$worker_image" "docker-archive:$worker_archive.tmp:$worker_image" >&2
  mv "$worker_archive.tmp" "$worker_archive"
  log "arena worker image $worker_image: built"
fi
printf 'KUBELET\t%s\nKUBE_PROXY\t%s\nCRANE\t%s\nPAUSE_IMAGE\t%s\nBASE_IMAGE\t%s\nKUBEJOBS_IMAGE\t%s\nPYTHON_IMAGE\t%s\nARENA_WORKER_IMAGE\t%s\n' \
  "$out/bin/kubelet" "$proxy_out/bin/kube-proxy" "$crane_out/bin/crane" "$pause_image" "${built[BASE]}" "${built[IMAGE]}" "$python_image" "$worker_image"
printf 'ARCHIVE\t%s\n' "$pause_archive" "$base_archive" "$python_archive" "$worker_archive" "${built[ARCHIVE]}"
