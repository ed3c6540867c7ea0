#!/usr/bin/env bash
# Container engine for the shard-pubsub-testcontainers tests on a CI machine without Docker or a registry:
# Debian's Podman behind its Docker-compatible API socket, and local images laid out like the official ones
# (the server in /usr/local/bin, /bin/sh, /data) made from redis-server binaries at hand.
# Sourced by .ci/run; see docs/testing.md. Needs root.

containers_dir=${CONTAINERS_DIR:-/tmp/shard-pubsub-podman}
podman_socket="$containers_dir/podman.sock"

# Installs Podman and runc when missing, writes the containers.conf these machines need, starts the API socket
# and exports what Testcontainers reads. Stops the socket (and removes the containers) at exit.
containers_setup() {
  if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
    echo "Installing podman and runc"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc >/dev/null || return 1
  fi
  mkdir -p "$containers_dir" || return 1
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ]; then
    hard=1048576
  fi
  # Root here cannot raise hard limits (the runtime would ask for 1048576 open files), and the kernel's hybrid
  # cgroup layout needs runc rather than crun.
  cat > "$containers_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF="$containers_dir/containers.conf"
  rm -f "$podman_socket"
  podman system service --time=0 "unix://$podman_socket" >"$containers_dir/service.log" 2>&1 &
  podman_service_pid=$!
  trap containers_teardown EXIT
  local i
  for i in $(seq 1 100); do
    if curl -sf --unix-socket "$podman_socket" http://d/_ping >/dev/null 2>&1; then
      export DOCKER_HOST="unix://$podman_socket"
      # Ryuk's image is on a registry we cannot reach; containers_teardown removes what the tests leave.
      export TESTCONTAINERS_RYUK_DISABLED=true
      echo "Podman $(podman --version | cut -d' ' -f3) serving $DOCKER_HOST"
      return 0
    fi
    sleep 0.1
  done
  echo "The Podman API socket did not answer:"
  cat "$containers_dir/service.log"
  return 1
}

containers_teardown() {
  podman rm -af -t 0 >/dev/null 2>&1 || true
  if [ -n "${podman_service_pid:-}" ]; then
    kill "$podman_service_pid" 2>/dev/null || true
    wait "$podman_service_pid" 2>/dev/null || true
    podman_service_pid=""
  fi
  unset DOCKER_HOST TESTCONTAINERS_RYUK_DISABLED
}

# containers_build_image SERVER_BINARY IMAGE_NAME [SERVER_NAME]
# IMAGE_NAME as a test names it (redis:7.4.1, valkey/valkey:8.0.1) is stored under its Docker Hub name
# (docker.io/library/redis:7.4.1), the name the engine and Testcontainers look for; Podman would store a bare name
# as localhost/NAME. Imports an image with SERVER_BINARY as /usr/local/bin/SERVER_NAME (default: the binary's name; valkey-server also
# gets redis-server beside it, as the official Valkey images have), the libraries it links, dash as /bin/sh and
# busybox for the few tools a start script uses. Skips the work when the image is already there.
containers_build_image() {
  local binary=$1 image name=${3:-$(basename "$1")}
  image=$(containers_hub_name "$2")
  if podman image exists "$image"; then
    echo "Image $image already present"
    return 0
  fi
  local root
  root=$(mktemp -d)
  mkdir -p "$root/usr/local/bin" "$root/bin" "$root/data" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$binary" "$root/usr/local/bin/$name"
  chmod 755 "$root/usr/local/bin/$name"
  if [ "$name" = valkey-server ]; then
    ln -s valkey-server "$root/usr/local/bin/redis-server"
  fi
  local lib
  for lib in $(ldd "$binary" | grep -o '/[^ ]*' | sort -u) $(ldd /bin/dash | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp /bin/dash "$root/bin/sh"
  containers_busybox "$root/bin/busybox" || return 1
  local applet
  for applet in sleep cat ls ps kill mkdir rm touch grep env; do
    ln -s busybox "$root/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
  echo "root:x:0:" > "$root/etc/group"
  tar -C "$root" -cf "$root.tar" .
  podman import -q "$root.tar" "$image" >/dev/null
  rm -rf "$root" "$root.tar"
  podman image exists "$image" || return 1
  echo "Built image $image from $binary ($("$binary" --version | cut -d' ' -f1-3))"
}

containers_hub_name() {
  local first=${1%%/*}
  if [ "$first" != "$1" ] && { [ "$first" = localhost ] || [[ $first == *.* ]] || [[ $first == *:* ]]; }; then
    echo "$1"
  elif [[ $1 == */* ]]; then
    echo "docker.io/$1"
  else
    echo "docker.io/library/$1"
  fi
}

containers_busybox() {
  local target=$1 cache="$containers_dir/busybox"
  if [ ! -x "$cache" ]; then
    if [ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q 'not a dynamic'; then
      cp /bin/busybox "$cache"
    else
      local work
      work=$(mktemp -d)
      (cd "$work" && apt-get download -qq busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq busybox-static >/dev/null; })
      dpkg -x "$work"/busybox-static_*.deb "$work/x"
      cp "$work/x/bin/busybox" "$cache"
      rm -rf "$work"
    fi
  fi
  cp "$cache" "$target" && [ -x "$target" ]
}
