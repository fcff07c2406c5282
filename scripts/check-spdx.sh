#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks that every source file of the repository names its license with an SPDX line
# within its first two lines (the second when the first is a #! line).
#   check-spdx.sh [ROOT]        lists each file without one and exits 1
#   check-spdx.sh --add [ROOT]  adds the line to each file without one
set -euo pipefail

add=0
if [ "${1:-}" = --add ]; then add=1; shift; fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

license=LGPL-2.1-or-later

# Tracked files in a git checkout (what a commit would ship); every file in a source tarball.
list_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
  else
    find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||'
  fi
}

# The comment that starts a line of the file's language; nothing for files that are not source.
comment_for() {
  case "$1" in
    *.c|*.cc|*.cpp|*.h|*.hpp|*.js|*.mjs|*.ts) echo "//" ;;
    *.html|*.htm) echo "<!--" ;;
    *CMakeLists.txt|*.cmake|*.cmake.in|*.pc.in|*.sh|*.py|*Makefile|*.mk|*.bash|*.bash-completion) echo "#" ;;
    *)
      # Scripts without an extension (e.g. .ci/run) are recognised by their #! line.
      if [ -f "$1" ] && head -c 2 "$1" | grep -q '^#!'; then echo "#"; fi ;;
  esac
}

missing=0
while IFS= read -r file; do
  [ -f "$file" ] || continue
  comment=$(comment_for "$file")
  [ -n "$comment" ] || continue
  if head -n 2 "$file" | grep -q 'SPDX-License-Identifier:'; then continue; fi
  if [ $add -eq 1 ]; then
    case "$comment" in
      "<!--") line="<!-- SPDX-License-Identifier: $license -->" ;;
      *) line="$comment SPDX-License-Identifier: $license" ;;
    esac
    tmp=$(mktemp)
    if head -c 2 "$file" | grep -q '^#!'; then
      { head -n 1 "$file"; echo "$line"; tail -n +2 "$file"; } >"$tmp"
    elif [ "$comment" = "<!--" ] && head -n 1 "$file" | grep -qi '^<!doctype'; then
      { head -n 1 "$file"; echo "$line"; tail -n +2 "$file"; } >"$tmp"
    else
      { echo "$line"; cat "$file"; } >"$tmp"
    fi
    chmod --reference="$file" "$tmp"
    mv "$tmp" "$file"
    echo "added: $file"
  else
    echo "no SPDX-License-Identifier line in the first two lines: $file"
    missing=$((missing + 1))
  fi
done < <(list_files)

if [ $missing -gt 0 ]; then
  echo "$missing file(s) without a license line; add '<comment> SPDX-License-Identifier: $license'" \
       "at the top (after a #! line), or run scripts/check-spdx.sh --add"
  exit 1
fi
