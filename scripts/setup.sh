#!/usr/bin/env bash
# Installs the Debian packages the project needs (when missing) and builds it.
#   scripts/setup.sh [build-dir [target...]]   default: build dir "build", all targets
# Environment: OCTO_BUILD_TYPE (default RelWithDebInfo), OCTO_CMAKE_ARGS (extra cmake args).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < "$root/scripts/packages.txt"
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== configuring $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${OCTO_BUILD_TYPE:-RelWithDebInfo}" \
  ${OCTO_CMAKE_ARGS:-} > "$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
echo "== building (log: $build.build.log)"
start=$(date +%s)
if ! ninja -C "$build" "${targets[@]}" > "$build.build.log" 2>&1; then
  grep -E "error|FAILED" -A3 "$build.build.log" | head -60
  exit 1
fi
echo "== built in $(( $(date +%s) - start ))s"
