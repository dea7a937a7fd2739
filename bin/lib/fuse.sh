# Sourced by bin/armada-test: makes sure the power-loss tests can mount their FUSE filesystem
# (armada-testkit's LossyFilesystem compiles a small C program against libfuse3 and mounts it).
# Needs the libfuse3 headers and library (Debian: libfuse3-dev) and fuse3 (fusermount3, fuse.conf),
# gcc, and /dev/fuse. Installs the two packages with apt-get when they are missing and this runs
# as root; quick and silent when they are there. When it cannot install, it says what is missing
# and goes on: the power-loss tests then FAIL with the same advice (they never skip).

ARMADA_FUSE_PACKAGES="libfuse3-dev fuse3"

armada_fuse_ready() {
  [ -f /usr/include/fuse3/fuse.h ] && command -v fusermount3 >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1
}

armada_ensure_fuse() {
  if armada_fuse_ready; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "armada-test: installing $ARMADA_FUSE_PACKAGES (gcc too, if missing) for the power-loss tests" >&2
    local packages="$ARMADA_FUSE_PACKAGES"
    command -v gcc >/dev/null 2>&1 || packages="$packages gcc"
    # an install from a stale or empty package list fails: refresh the list once and retry
    # shellcheck disable=SC2086
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >&2 || true
    fi
  fi
  if ! armada_fuse_ready; then
    echo "armada-test: WARNING: FUSE is not usable (install the Debian packages $ARMADA_FUSE_PACKAGES and gcc);" \
      "the power-loss tests will fail" >&2
  fi
  if [ ! -c /dev/fuse ]; then
    echo "armada-test: WARNING: /dev/fuse is missing (modprobe fuse, or run the container with --device /dev/fuse);" \
      "the power-loss tests will fail" >&2
  fi
}
