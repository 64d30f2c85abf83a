#!/bin/sh
# Entrypoint with the official Consul image's conventions:
#   CONSUL_BIND_INTERFACE    -> -bind '{{ GetInterfaceIP "<if>" }}'   (the agent resolves the template;
#   CONSUL_CLIENT_INTERFACE  -> -client '{{ GetInterfaceIP "<if>" }}'  the slim image has no `ip` tool)
#   CONSUL_LOCAL_CONFIG      -> written to $CONSUL_CONFIG_DIR/local.json before the agent starts
#   CONSUL_DATA_DIR          -> -data-dir   (default /consul/data)
#   CONSUL_CONFIG_DIR        -> -config-dir (default /consul/config)
# `agent ...` gets those flags prepended; a leading flag (`-version`) or another consul subcommand runs
# consul with it; anything else (e.g. `sh`) runs as given. Tested by test/deploy/entrypoint.test.ts.
set -e

CONSUL_DATA_DIR="${CONSUL_DATA_DIR:-/consul/data}"
CONSUL_CONFIG_DIR="${CONSUL_CONFIG_DIR:-/consul/config}"

# Interface names go inside a template string: accept only what an interface name can contain.
check_interface() {
  case "$2" in
    '' | *[!A-Za-z0-9_.:@-]*)
      echo "==> $1 must be a network interface name (letters, digits, _ . : @ -), got '$2'; exiting" >&2
      exit 1
      ;;
  esac
}

if [ -n "$CONSUL_BIND_INTERFACE" ]; then
  check_interface CONSUL_BIND_INTERFACE "$CONSUL_BIND_INTERFACE"
  echo "==> Binding to the address of interface '$CONSUL_BIND_INTERFACE' (resolved by the agent)"
fi
if [ -n "$CONSUL_CLIENT_INTERFACE" ]; then
  check_interface CONSUL_CLIENT_INTERFACE "$CONSUL_CLIENT_INTERFACE"
  echo "==> Serving clients on the address of interface '$CONSUL_CLIENT_INTERFACE' (resolved by the agent)"
fi

if [ -n "$CONSUL_LOCAL_CONFIG" ]; then
  if ! mkdir -p "$CONSUL_CONFIG_DIR" || ! printf '%s\n' "$CONSUL_LOCAL_CONFIG" > "$CONSUL_CONFIG_DIR/local.json"; then
    echo "==> Cannot write CONSUL_LOCAL_CONFIG to $CONSUL_CONFIG_DIR/local.json (read-only or not owned by $(id -un)?); exiting" >&2
    exit 1
  fi
fi

# A bare flag means "consul <flag>", like the official image (`docker run conclave -version`).
case "$1" in
  -*) set -- consul "$@" ;;
esac

case "$1" in
  agent)
    shift
    # Prepend in reverse so the final order is: agent -data-dir -config-dir [-bind] [-client] "$@".
    if [ -n "$CONSUL_CLIENT_INTERFACE" ]; then
      set -- -client "{{ GetInterfaceIP \"$CONSUL_CLIENT_INTERFACE\" }}" "$@"
    fi
    if [ -n "$CONSUL_BIND_INTERFACE" ]; then
      set -- -bind "{{ GetInterfaceIP \"$CONSUL_BIND_INTERFACE\" }}" "$@"
    fi
    set -- consul agent -data-dir="$CONSUL_DATA_DIR" -config-dir="$CONSUL_CONFIG_DIR" "$@"
    ;;
  acl | catalog | config | connect | debug | event | exec | force-leave | info | intention | join | keygen | \
  kv | leave | lock | login | logout | maint | members | monitor | operator | reload | rtt | services | \
  snapshot | tls | validate | version | watch)
    set -- consul "$@"
    ;;
esac

exec "$@"
