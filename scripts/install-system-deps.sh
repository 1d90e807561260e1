#!/usr/bin/env bash
# Installs the system components the hotline needs, only those that are missing:
# Asterisk (with ARI), SIPp, espeak-ng, sox, the PostgreSQL server binaries, and
# Debian's Chromium (the console's browser tests and its PDF reports) with
# poppler-utils (pdftotext reads the PDFs back in tests) and a Chinese font (the console
# is Chinese by default; its screenshots are made by that browser), and Kamailio (the SIP
# load balancer in front of several nodes).
# Idempotent: a second run on a ready machine does nothing and touches no apt state.
set -euo pipefail

log() { printf '[setup] %s\n' "$*" >&2; }

pg_bin_present() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && return 0
  done
  return 1
}

missing=()
command -v asterisk >/dev/null 2>&1 || [ -x /usr/sbin/asterisk ] || missing+=(asterisk)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
pg_bin_present || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
[ -x /usr/sbin/kamailio ] || missing+=(kamailio)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

log "missing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    log "cannot install as a normal user without password-less sudo; run as root:"
    log "  apt-get install -y ${missing[*]}"
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "this set-up knows Debian and Ubuntu (apt); install by hand: ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq

asterisk_release=""
if [[ " ${missing[*]} " == *" asterisk "* ]]; then
  # Debian 12 has no Asterisk; Debian 11 packages Asterisk 16 with full ARI and it
  # installs cleanly on bookworm when bullseye is added with a low pin (nothing else
  # on the machine is replaced).
  if ! apt-cache policy asterisk 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    . /etc/os-release
    if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
      log "adding Debian bullseye (pinned low) for the asterisk package"
      echo "deb http://deb.debian.org/debian bullseye main" | $SUDO tee /etc/apt/sources.list.d/bullseye.list >/dev/null
      printf 'Package: *\nPin: release n=bullseye\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/bullseye >/dev/null
      $SUDO apt-get update -qq
      asterisk_release="bullseye"
    else
      log "no asterisk package for ${PRETTY_NAME:-this system}; install Asterisk 16+ with ARI by hand"
      exit 1
    fi
  fi
fi

if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # Only the server binaries are wanted: the project starts its own clusters.
  # Keep the package from creating and starting a system-wide "main" cluster.
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
fi

others=()
for p in "${missing[@]}"; do [ "$p" = asterisk ] || others+=("$p"); done
if [ ${#others[@]} -gt 0 ]; then
  log "installing ${others[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${others[@]}" >/dev/null
fi
if [[ " ${missing[*]} " == *" kamailio "* ]] && [ -d /run/systemd/system ]; then
  # The project starts its own Kamailio on 127.0.0.1; the package's system service
  # would hold port 5060 with Debian's sample configuration.
  $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
if [[ " ${missing[*]} " == *" asterisk "* ]]; then
  log "installing asterisk${asterisk_release:+ from $asterisk_release}"
  $SUDO apt-get install -y -qq ${asterisk_release:+-t $asterisk_release} asterisk >/dev/null
fi
log "system packages ready"
