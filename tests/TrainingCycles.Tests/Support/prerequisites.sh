#!/usr/bin/env bash
# What the tests need beyond the README's prerequisites (.NET 10 SDK, Node.js 20+ and npm), installed on first run.
# `dotnet test` runs this before the tests (target InstallTestPrerequisites in TrainingCycles.Tests.csproj), and the
# browser fixture runs it again when started some other way (an IDE). It only acts on what is missing:
#   - Debian packages: chromium (the browser tests), poppler-utils (pdftoppm) and zbar-tools (zbarimg) for the
#     QR checks; installed with apt-get when we are root or sudo needs no password, else named with the command
#     to run. It never fails the run itself: the tests that need a missing tool fail and say which package.
#   - Azurite (node_modules, pinned by package-lock.json): `npm ci`, here once, instead of racing in parallel tests.
# Usage: prerequisites.sh REPO_ROOT
set -uo pipefail

root="${1:?usage: prerequisites.sh REPO_ROOT}"

# Two test runs at once (two terminals, an IDE) must not run apt-get or npm ci side by side.
if command -v flock >/dev/null 2>&1; then
  exec 9<"${BASH_SOURCE[0]}"
  flock 9
fi

say() { printf 'test prerequisites: %s\n' "$*"; }

find_missing() {
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
}
find_missing

if ((${#missing[@]} > 0)); then
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      as_root=(sudo -n)
    else
      as_root=(none)
    fi
  fi

  if [ "${as_root[*]-}" = none ]; then
    say "missing Debian packages: ${missing[*]} (not root, and sudo asks for a password)."
    say "install them once with: sudo apt-get install -y ${missing[*]}"
    say "until then the tests that need them fail and name the package."
  else
    say "installing missing Debian packages: ${missing[*]} (first run only; about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    if "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq &&
       "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"; then
      wanted="${missing[*]}"
      find_missing
      if ((${#missing[@]} > 0)); then
        say "apt-get finished, but these are still missing: ${missing[*]}; the tests that need them will fail."
      else
        say "installed: $wanted"
      fi
    else
      say "apt-get could not install ${missing[*]} (see its output above); the tests that need them will fail."
    fi
  fi
fi

if [ ! -f "$root/node_modules/azurite/dist/src/azurite.js" ]; then
  if command -v npm >/dev/null 2>&1; then
    say "Azurite is not installed yet: running 'npm ci' in $root (first run only)"
    (cd "$root" && npm ci --no-audit --no-fund) || say "'npm ci' failed (see above); the tests that need storage will fail."
  else
    say "npm is missing: install Node.js 20+ and npm (README, Prerequisites); the tests that need storage will fail."
  fi
fi

exit 0
