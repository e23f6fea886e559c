#!/usr/bin/env bash
# Builds the kubejobs image from ./Dockerfile on this machine, without Docker and without pulling
# anything from a container registry:
#   1. Debian's buildah, podman and runc (apt-get install when missing);
#   2. a base image made from Debian packages (mmdebstrap, bookworm minbase) plus this machine's
#      own Node 20 and npm: what node:20-bookworm-slim provides to the Dockerfile;
#   3. `buildah bud --pull=never --build-arg BASE_IMAGE=<that base>` of the unchanged Dockerfile;
#   4. the image saved as a docker-archive, for a containerd to import.
# Everything (container storage, base, archives) lives in $KUBEJOBS_CACHE_DIR/image; nothing in
# the repository, nothing in /etc. An image is reused while its inputs (the Dockerfile, the
# package files, tsconfig.json, imports/ and src/, the base) are unchanged.
#
# Output: progress on stderr; on stdout `KEY<TAB>value` lines: IMAGE (the reference), BASE (its base), ARCHIVE (a
# docker-archive of it), ROOT, RUNROOT and CONTAINERS_CONF (how podman reaches it).
# Environment:
#   KUBEJOBS_CACHE_DIR  cache root (default: $HOME/.cache/kubejobs)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_root="${KUBEJOBS_CACHE_DIR:-$HOME/.cache/kubejobs}"
dir="$cache_root/image"
# Bump when the recipe changes so cached images are rebuilt: base_recipe for the base's contents,
# recipe for the image's build flags.
base_recipe=1
recipe=2

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$dir"
# Test files build in parallel jest workers: one build at a time, the others reuse it.
exec 9>"$dir/.lock"
flock 9

# --- 1. tools ---------------------------------------------------------------------------------
missing=()
for pair in buildah:buildah podman:podman runc:runc mmdebstrap:mmdebstrap newuidmap:uidmap conmon:conmon; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: install them with apt-get (this script does when run as root)"
  log "installing ${missing[*]} golang-github-containers-common fuse-overlayfs from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" golang-github-containers-common fuse-overlayfs >&2
fi

# What this machine needs from the container tools, in a file of our own (nothing in /etc):
# - runc: crun 1.8 refuses a hybrid cgroup v1/v2 layout ("cgroups in hybrid mode not supported");
# - ulimits no higher than ours: without CAP_SYS_RESOURCE a runtime cannot raise them, and podman
#   asks for nofile 1048576 by default;
# - cgroupfs and file events: there is no systemd.
nofile="$(ulimit -Hn)"
nproc="$(ulimit -Hu)"
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
[[ $nofile == unlimited || $nofile -gt 1048576 ]] && nofile=1048576
cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/run/events.log"
tmp_dir = "$dir/run/libpod"
CONF
export CONTAINERS_CONF="$dir/containers.conf"
storage=(--root "$dir/storage" --runroot "$dir/run/storage" --storage-driver overlay)
buildah() { command buildah "${storage[@]}" "$@"; }
has_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# --- 2. base: Debian bookworm minbase + this machine's Node -----------------------------------
node_bin="$(node -p process.execPath)"
node_version="$(node --version)"
[[ $node_version == v20.* ]] || die "node $node_version: the image is Node 20 (node:20-bookworm-slim); put Node 20 on PATH"
npm_dir="$(npm root -g)/npm"
[[ -f $npm_dir/bin/npm-cli.js ]] || die "no npm at $npm_dir"
npm_version="$(node "$npm_dir/bin/npm-cli.js" --version)"
base="localhost/kubejobs-base:bookworm-node${node_version#v}-npm$npm_version-r$base_recipe"
if has_image "$base"; then
  log "base $base: cached"
else
  log "base $base: mmdebstrap bookworm minbase + $node_bin + npm $npm_version"
  start=$SECONDS
  rm -f "$dir/base-rootfs.tar"
  # Debian's nodejs is 18; node needs only libc, libstdc++6 and libgcc-s1, all in minbase.
  mmdebstrap --quiet --mode=root --variant=minbase --format=tar --include=ca-certificates \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook="copy-in $node_bin /usr/local/bin" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a $npm_dir \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='chroot "$1" node --version >&2' \
    bookworm "$dir/base-rootfs.tar" \
    'deb http://deb.debian.org/debian bookworm main' \
    'deb http://deb.debian.org/debian bookworm-updates main' \
    'deb http://deb.debian.org/debian-security bookworm-security main' >&2
  c="$(buildah from scratch)"
  buildah add --quiet "$c" "$dir/base-rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$c"
  buildah commit --quiet --rm "$c" "$base" >/dev/null
  rm -f "$dir/base-rootfs.tar"
  log "base $base: built in $((SECONDS - start)) s"
fi

# --- 3. the image -----------------------------------------------------------------------------
# Exactly what the Dockerfile copies, so the hash and the build context agree.
inputs=(Dockerfile package.json package-lock.json tsconfig.json imports src)
hash="$(cd "$repo" && { echo "recipe=$recipe base=$base"; find "${inputs[@]}" -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)"
image="localhost/kubejobs:$hash"
archive="$dir/kubejobs-$hash.tar"
if has_image "$image" && [[ -s $archive ]]; then
  log "image $image: cached"
else
  log "image $image: buildah bud"
  start=$SECONDS
  context="$(mktemp -d)"
  trap 'rm -rf "$context"' EXIT
  (cd "$repo" && cp -a "${inputs[@]}" "$context/")
  # npm ci inside the build must trust the CAs this machine trusts (e.g. an intercepting proxy's):
  # the host bundle and a global npmrc naming it are mounted for RUN steps only, never into a layer.
  mkdir -p "$dir/npm-etc"
  echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$dir/npm-etc/npmrc"
  # --network host: RUN steps use the host network as they are (no CNI bridge, no iptables rules).
  # --layers: each step is cached in the storage, as `docker build` does; the Dockerfile copies the
  # package files and runs `npm ci` before it copies src/, so a change of src/ reuses both `npm ci`
  # layers and only compiles (the mounts above are not part of a step's cache key).
  buildah bud --quiet --pull=never --layers --network host --build-arg "BASE_IMAGE=$base" \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    -v "$dir/npm-etc:/usr/local/etc:ro" \
    -f "$context/Dockerfile" -t "$image" "$context" >&2
  rm -f "$dir"/kubejobs-*.tar
  # Earlier builds of other sources are not kept: the cache holds one kubejobs image.
  # (awk, not grep: a first build has no earlier image, and grep's "no match" would end the script.)
  buildah images --format '{{.Name}}:{{.Tag}}' | awk -v keep="$image" '/^localhost\/kubejobs:/ && $0 != keep' |
    while read -r old; do buildah rmi "$old" >/dev/null 2>&1 || true; done
  buildah push --quiet "$image" "docker-archive:$archive:$image" >&2
  log "image $image: built and saved in $((SECONDS - start)) s"
fi
# How to reach the image with podman: `podman --root ROOT --runroot RUNROOT` with CONTAINERS_CONF.
printf 'IMAGE\t%s\nBASE\t%s\nARCHIVE\t%s\nROOT\t%s\nRUNROOT\t%s\nCONTAINERS_CONF\t%s\n' \
  "$image" "$base" "$archive" "$dir/storage" "$dir/run/storage" "$CONTAINERS_CONF"
