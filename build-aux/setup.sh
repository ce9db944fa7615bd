# shellcheck shell=bash
# setup.sh: shared by build-aux/run and build-aux/test (sourced, not run).
#
# Installs the Debian packages listed in build-aux/packages.txt that are
# missing, configures build/ once and compiles it.  A second run only asks
# dpkg and ninja whether anything changed, which takes about a second.
#
# SPDX-License-Identifier: GPL-3.0-or-later

# shellcheck disable=SC2034  # used by build-aux/run
AGG_CALLER_PWD="$PWD"
AGG_SRCDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$AGG_SRCDIR" || exit 1

agg_log () {
  printf '==> %s\n' "$*" >&2
}

agg_die () {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The package names of packages.txt, comments and blank lines dropped.
agg_package_list () {
  local line pkg
  while IFS= read -r line || [[ -n $line ]]; do
    line="${line%%#*}"
    for pkg in $line; do
      printf '%s\n' "$pkg"
    done
  done < build-aux/packages.txt
}

agg_install_packages () {
  local pkg status
  local -a missing=() sudo=()

  if ! command -v dpkg-query >/dev/null 2>&1; then
    agg_log "dpkg-query not found: not a Debian system, not checking build-aux/packages.txt"
    return 0
  fi

  while IFS= read -r pkg; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ $status != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done < <(agg_package_list)

  if (( ${#missing[@]} == 0 )); then
    return 0
  fi

  agg_log "installing missing packages: ${missing[*]}"
  if (( EUID != 0 )); then
    command -v sudo >/dev/null 2>&1 ||
      agg_die "not root and sudo not found; install as root: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# agg_meson_setup BUILDDIR [MESON-SETUP-ARGS...]
# Configures BUILDDIR unless it already is; once configured, ninja reruns
# meson by itself whenever a meson.build changes.  Options of an existing
# build directory are left alone: delete it to change them.
agg_meson_setup () {
  local builddir=$1
  shift
  if [[ -f $builddir/build.ninja && -f $builddir/meson-private/coredata.dat ]]; then
    return 0
  fi
  if [[ -f $builddir/meson-private/coredata.dat ]]; then
    agg_log "reconfiguring the half-configured $builddir/ from scratch"
    meson setup --wipe "$builddir" "$@"
  else
    agg_log "configuring $builddir/"
    meson setup "$builddir" "$@"
  fi
}

agg_setup () {
  agg_install_packages
  agg_meson_setup build
  meson compile -C build
}
