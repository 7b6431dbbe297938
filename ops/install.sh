#!/usr/bin/env bash
# Installs approdo behind a tor onion service on Debian (12 or later). Idempotent: run it
# again after an upgrade or a directory rotation; it changes only what differs.
#
#   sudo ops/install.sh --binary target/release/approdo \
#        --directory directory.json --network-key network.pub [--dry-run]
#
# It: installs tor from Debian; creates the system user `approdo` (tor's user joins its group,
# to reach the socket); copies the binary to /usr/local/bin and the public trust material to
# /etc/approdo; writes /var/lib/approdo/approdo.toml with `approdo init` (refusing DEMO keys);
# installs ops/approdo.service and ops/torrc (as /etc/tor/torrc.d/approdo.conf, included from
# /etc/tor/torrc), allows tor's AppArmor profile to reach the socket, enables both services,
# and prints the onion address. --dry-run prints every step instead of doing it.
set -euo pipefail
OPS=$(cd "$(dirname "$0")" && pwd)

DRY_RUN=0
BINARY="" DIRECTORY="" NETWORK_KEY=""
PREFIX=/usr/local/bin
ETC=/etc/approdo
DATA=/var/lib/approdo
SOCKET=/run/approdo/approdo.sock
HS_DIR=/var/lib/tor/approdo
TORRC_D=/etc/tor/torrc.d
APPARMOR_LOCAL=/etc/apparmor.d/local/system_tor

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --binary) BINARY=$2; shift ;;
    --directory) DIRECTORY=$2; shift ;;
    --network-key) NETWORK_KEY=$2; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
  shift
done
if [ -z "$BINARY" ] || [ -z "$DIRECTORY" ] || [ -z "$NETWORK_KEY" ]; then usage; fi
for f in "$BINARY" "$DIRECTORY" "${DIRECTORY%.json}.sig" "$NETWORK_KEY"; do
  [ -f "$f" ] || { echo "error: $f not found" >&2; exit 2; }
done
if [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "error: run as root (or pass --dry-run to see the steps)" >&2; exit 2
fi

step() { printf '==> %s\n' "$*"; }
# run CMD...: runs it, or prints it with --dry-run.
run() {
  if [ "$DRY_RUN" -eq 1 ]; then printf '   '; printf ' %q' "$@"; printf '\n'; else "$@"; fi
}
# put FILE MODE OWNER < content: writes FILE only if its content differs.
put() {
  local file=$1 mode=$2 owner=$3 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    echo "    unchanged: $file"
  elif [ "$DRY_RUN" -eq 1 ]; then
    echo "    would write $file ($mode, $owner, $(wc -c < "$tmp") bytes)"
    if grep -Iq . "$tmp"; then sed 's/^/      | /' "$tmp"; fi
  else
    install -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$tmp" "$file"
    echo "    wrote $file"
  fi
  rm -f "$tmp"
}

step "pre-flight: the directory verifies and is not the DEMO network"
PREFLIGHT=$(mktemp -d)
if ! "$BINARY" init --data "$PREFLIGHT/data" --directory "$DIRECTORY" \
  --network-key "$NETWORK_KEY" --unix-socket "$SOCKET" >/dev/null; then
  rm -rf "$PREFLIGHT"
  echo "error: approdo refuses this directory or network key (see above); nothing was changed" >&2
  exit 1
fi
rm -rf "$PREFLIGHT"
echo "    ok"

step "tor from Debian"
if dpkg-query -W -f='${Status}' tor 2>/dev/null | grep -q 'install ok installed'; then
  echo "    tor is installed"
else
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tor
fi

step "system user approdo"
if id approdo >/dev/null 2>&1; then
  echo "    user approdo exists"
else
  run adduser --system --group --home "$DATA" --no-create-home approdo
fi
if id -nG debian-tor 2>/dev/null | grep -qw approdo; then
  echo "    debian-tor is in group approdo"
else
  run usermod -a -G approdo debian-tor
fi

step "binary and public trust material"
put "$PREFIX/approdo" 0755 root:root < "$BINARY"
run install -d -m 0755 "$ETC"
put "$ETC/directory.json" 0644 root:root < "$DIRECTORY"
put "$ETC/directory.sig" 0644 root:root < "${DIRECTORY%.json}.sig"
put "$ETC/network.pub" 0644 root:root < "$NETWORK_KEY"
run install -d -m 0700 -o approdo -g approdo "$DATA"

step "configuration (approdo init refuses the DEMO keys)"
if [ -f "$DATA/approdo.toml" ]; then
  echo "    $DATA/approdo.toml exists (kept; edit it or remove it to start over)"
  # The configuration and the new directory must pass before the restart below.
  run runuser -u approdo -- "$PREFIX/approdo" check --config "$DATA/approdo.toml"
else
  run runuser -u approdo -- "$PREFIX/approdo" init --data "$DATA" \
    --directory "$ETC/directory.json" --network-key "$ETC/network.pub" --unix-socket "$SOCKET"
fi

step "systemd unit"
put /etc/systemd/system/approdo.service 0644 root:root < "$OPS/approdo.service"
run systemctl daemon-reload
run systemctl enable approdo.service
run systemctl restart approdo.service

step "onion service"
run install -d -m 0755 "$TORRC_D"
sed -e "s|@HIDDEN_SERVICE_DIR@|$HS_DIR|" -e "s|@SOCKET@|$SOCKET|" "$OPS/torrc" |
  put "$TORRC_D/approdo.conf" 0644 root:root
if grep -qxF "%include $TORRC_D/*.conf" /etc/tor/torrc 2>/dev/null; then
  echo "    /etc/tor/torrc includes $TORRC_D"
elif [ "$DRY_RUN" -eq 1 ]; then
  echo "    would append to /etc/tor/torrc: %include $TORRC_D/*.conf"
else
  printf '\n# approdo (ops/install.sh)\n%%include %s/*.conf\n' "$TORRC_D" >> /etc/tor/torrc
fi
# Debian's AppArmor profile for tor only allows its own files: let it reach the socket.
if [ -d "$(dirname "$APPARMOR_LOCAL")" ]; then
  if grep -qF "$SOCKET rw," "$APPARMOR_LOCAL" 2>/dev/null; then
    echo "    AppArmor already allows tor to reach $SOCKET"
  elif [ "$DRY_RUN" -eq 1 ]; then
    echo "    would append to $APPARMOR_LOCAL: $SOCKET rw,"
  else
    printf '# approdo (ops/install.sh)\n%s rw,\n' "$SOCKET" >> "$APPARMOR_LOCAL"
    if command -v apparmor_parser >/dev/null && [ -d /sys/kernel/security/apparmor ]; then
      apparmor_parser -r /etc/apparmor.d/system_tor
    fi
  fi
fi
run tor --verify-config -f /etc/tor/torrc
run systemctl enable tor.service
run systemctl reload-or-restart tor.service

step "onion address"
if [ "$DRY_RUN" -eq 1 ]; then
  echo "    would wait for $HS_DIR/hostname"
  exit 0
fi
for _ in $(seq 1 60); do
  [ -s "$HS_DIR/hostname" ] && break
  sleep 1
done
if [ -s "$HS_DIR/hostname" ]; then
  echo "    http://$(cat "$HS_DIR/hostname")/"
  echo "    back up $HS_DIR (the onion's secret key) once, offline: it is the address."
  echo "    back up $DATA/log.key with it, once the server has started: it is the log's identity."
else
  echo "error: tor did not create $HS_DIR/hostname; see journalctl -u tor@default" >&2
  exit 1
fi
