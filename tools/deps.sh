#!/usr/bin/env bash
# Installs everything sts needs to build, run and test on Debian 12 (run as root).
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev libprotoc-dev grpc-proto
  libh2o-evloop-dev libyajl-dev libssl-dev libyaml-dev libexpat1-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libargon2-dev
  libgtest-dev clang-format clang-14 libclang-rt-14-dev gcovr curl wrk
  python3 python3-grpcio python3-grpc-tools python3-protobuf python3-requests python3-boto3 python3-jwt python3-cryptography awscli s3cmd
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime e2fsprogs mount
  slapd ldap-utils libldap-dev python3-requests-oauthlib
)
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
