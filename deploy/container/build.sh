#!/usr/bin/env bash
# Builds the sts OCI image, localhost/sts:<version>, without any image registry (run as root; tools/deps.sh installs
# what it needs). Steps:
#   1. a Release build of stsd and stsctl (cmake, -DSTS_TESTS=OFF);
#   2. the Debian packages of the shared libraries they load (dpkg -S of each library ldd names);
#   3. a Debian 12 root filesystem holding only those packages and what they depend on (mmdebstrap
#      --variant=extract: no essential set, so no shell, apt or dpkg), from the host's apt sources;
#   4. stsd, stsctl (stripped), the user sts (10001:10001), /var/lib/sts, /etc/sts/stsd.yaml added to it;
#   5. imported with buildah: ENTRYPOINT ["/usr/bin/stsd"], USER 10001:10001, VOLUME /var/lib/sts.
# The root filesystem is cached (keyed by the package list, this script and the apt sources) and the image is not
# rebuilt when nothing that goes into it changed. See docs/deployment.md for running it.
#
# Usage: deploy/container/build.sh [--build-dir DIR] [--cache-dir DIR] [--tag IMAGE] [--sources FILE]
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$repo/build-image
cache_dir=
tag=
sources=/etc/apt/sources.list.d/debian.sources
suite=bookworm
uid=10001

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --cache-dir) cache_dir=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
cache_dir=${cache_dir:-$build_dir/image-cache}

started=$(date +%s)
step() { echo "== [$(($(date +%s) - started)) s] $*"; }
fail() { echo "build.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (mmdebstrap and buildah build the image as root)"
for tool in cmake mmdebstrap buildah podman dpkg-query ldd ldconfig strip sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run tools/deps.sh"
done
[ -f "$sources" ] || fail "apt sources file '$sources' not found (--sources FILE: a deb822 .sources file)"

step "building stsd and stsctl (Release) in $build_dir"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSTS_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j2 --target stsd stsctl >/dev/null
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
tag=${tag:-localhost/sts:$version}

step "finding the packages of the libraries stsd and stsctl load"
# stsd opens libcurl, libpq and libldap with dlopen when configured, so ldd does not list them: --version names them.
optional=$("$build_dir/stsd" --version | sed -n 's/^loaded when configured: //p')
[ -n "$optional" ] || fail "stsd --version names no libraries loaded when configured"
optional_paths=()
for soname in $optional; do
  # awk reads to the end: leaving early would kill ldconfig with SIGPIPE, which pipefail makes this script's failure.
  path=$(ldconfig -p | awk -v name="$soname" '$1 == name && /x86-64/ && path == "" {path = $NF} END {print path}')
  [ -n "$path" ] || fail "$soname, which stsd loads when configured, is not installed"
  optional_paths+=("$path")
done
libraries=$( (printf '%s\n' "${optional_paths[@]}"
  ldd "$build_dir/stsd" "$build_dir/stsctl" "${optional_paths[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}') |
  sort -u)
# dpkg knows a library by one of its names: /lib/… or /usr/lib/… (merged /usr), or the file a link points to. One
# dpkg-query for all of them (one per name is slow).
candidates() { echo "$1"; realpath "$1"; echo "${1#/usr}"; echo "/usr$1"; }
owners=$(for library in $libraries; do candidates "$library"; done | sort -u | xargs dpkg-query -S 2>/dev/null || true)
packages=()
for library in $libraries; do
  owner=
  for candidate in $(candidates "$library"); do
    owner=$(awk -v path="$candidate" '$NF == path {sub(/:.*/, "", $1); print $1; exit}' <<<"$owners")
    [ -n "$owner" ] && break
  done
  [ -n "$owner" ] || fail "no Debian package holds $library: the image could not load it"
  packages+=("$owner")
done
# ca-certificates: the issuers' upstream TLS (sts_endpoint_url, jwt_jwks_url, ldaps) verifies against the system CAs.
packages+=(ca-certificates)
package_list=$(printf '%s\n' "${packages[@]}" | sort -u | paste -sd, -)
echo "   ${package_list//,/ }"

rootfs_key=$( (echo "$package_list"; cat "$0" "$sources") | sha256sum | cut -c1-16)
rootfs_tar=$cache_dir/rootfs-$rootfs_key.tar
mkdir -p "$cache_dir"
if [ -f "$rootfs_tar" ]; then
  step "root filesystem cached: $rootfs_tar"
else
  step "mmdebstrap: Debian 12 root filesystem with those packages (about 20 s, mostly downloads)"
  rm -f "$cache_dir"/rootfs-*.tar
  # extract: the packages' files without the essential set; the libraries need no maintainer scripts. The merged-usr
  # hook makes /bin, /lib… links into /usr, as on Debian 12 itself. Left out: documentation (but the copyrights),
  # manuals, locales, and every program the packages bring (openssl, debconf and their helpers): the only programs in
  # the image are stsd and stsctl.
  if ! nice -n 10 mmdebstrap --variant=extract --include="$package_list" \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/bin/*' --dpkgopt='path-exclude=/usr/sbin/*' \
    --dpkgopt='path-exclude=/usr/share/perl5/*' --dpkgopt='path-exclude=/usr/share/debconf/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/bash-completion/*' \
    "$suite" "$cache_dir/partial.tar" "$sources" >"$cache_dir/mmdebstrap.log" 2>&1; then
    tail -n 30 "$cache_dir/mmdebstrap.log" >&2
    fail "mmdebstrap failed (log: $cache_dir/mmdebstrap.log)"
  fi
  mv "$cache_dir/partial.tar" "$rootfs_tar"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
step "adding stsd, stsctl, the user and the directories"
install -d "$staging/usr/bin" "$staging/etc/ssl/certs" "$staging/etc/sts" "$staging/tmp"
install -d -m 0700 "$staging/var/lib/sts"
install -m 0755 "$build_dir/stsd" "$build_dir/stsctl" "$staging/usr/bin/"
install -m 0644 "$repo/deploy/container/stsd.yaml" "$staging/etc/sts/stsd.yaml"
strip --strip-unneeded "$staging/usr/bin/stsd" "$staging/usr/bin/stsctl"
chmod 1777 "$staging/tmp"
printf 'root:x:0:0:root:/root:/nonexistent\nsts:x:%s:%s:sts token service:/var/lib/sts:/nonexistent\n' \
  "$uid" "$uid" >"$staging/etc/passwd"
printf 'root:x:0:\nsts:x:%s:\n' "$uid" >"$staging/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$staging/etc/nsswitch.conf"
# What update-ca-certificates would write (it needs a shell, which the image has not): every CA the package ships.
tar -xOf "$rootfs_tar" --wildcards './usr/share/ca-certificates/mozilla/*.crt' >"$staging/etc/ssl/certs/ca-certificates.crt"
chown "$uid:$uid" "$staging/var/lib/sts"
chown "root:$uid" "$staging/etc/sts"
chmod 0750 "$staging/etc/sts"

inputs=$( (echo "$rootfs_key"; cd "$staging" && find . -type f -print0 | sort -z | xargs -0 sha256sum) |
  sha256sum | cut -c1-16)
if [ "$(podman image inspect --format '{{index .Labels "sts.inputs"}}' "$tag" 2>/dev/null)" = "$inputs" ]; then
  step "$tag is current (nothing that goes into it changed)"
  exit 0
fi

step "importing into $tag with buildah"
container=$(buildah from scratch)
trap 'rm -rf "$staging"; buildah rm "$container" >/dev/null 2>&1 || true' EXIT
# Unpacked into the container's mount rather than `buildah add`, which would make every added file root's.
root=$(buildah mount "$container")
tar -xf "$rootfs_tar" -C "$root" --numeric-owner
cp -a "$staging/." "$root/"
buildah umount "$container" >/dev/null
# The listen addresses (0.0.0.0) are in the image's /etc/sts/stsd.yaml (deploy/container/stsd.yaml), not in STS_*
# variables, which a mounted configuration file could not override.
buildah config \
  --entrypoint '["/usr/bin/stsd"]' --cmd '' \
  --user "$uid:$uid" --workingdir /var/lib/sts \
  --env STS_CONFIG=/etc/sts/stsd.yaml \
  --port 9090/tcp --port 50051/tcp --volume /var/lib/sts --stop-signal SIGTERM \
  --label "org.opencontainers.image.title=sts" --label "org.opencontainers.image.version=$version" \
  --label "sts.inputs=$inputs" \
  "$container"
previous=$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
buildah commit --quiet --rm "$container" "$tag" >/dev/null
trap 'rm -rf "$staging"' EXIT
# The image the tag named before is left without a name: removed, unless a container still uses it.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$tag")" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
step "built $tag ($(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}'))"
