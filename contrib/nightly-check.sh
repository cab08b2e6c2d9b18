#!/bin/sh
# Nightly link check of an htcat catalog shared through git: check, commit the
# results, and land them on the remote even when someone pushed meanwhile.
#
#   nightly-check.sh [REPOSITORY]    (default: the current folder)
#
# Silent when all is well. Prints the report and exits 1 when links broke;
# prints what went wrong and exits 2-4 when the check or git failed (3 check
# could not run, 4 git). cron mails what a job prints; systemd marks a unit
# that exits non-zero as failed. Settings from the environment:
#   HTCAT               the htcat program           [htcat]
#   HTCAT_CHECK_ARGS    options for htcat check      [--older-than 20h]
#   HTCAT_PUSH_TRIES    pushes before giving up      [3]
set -u
cd "${1:-.}" || exit 4
htcat=${HTCAT:-htcat}
catalog=data/catalog.json
log=$(mktemp) || exit 4
trap 'rm -f "$log"' EXIT

fail() {  # fail STATUS MESSAGE: show the log and the reason, exit STATUS
    cat "$log"
    echo "nightly-check: $2" >&2
    exit "$1"
}
quiet() { "$@" >>"$log" 2>&1; }

quiet git pull --quiet --rebase || fail 4 "git pull --rebase failed before the check"
# shellcheck disable=SC2086  # the options are meant to be split
"$htcat" --no-input check ${HTCAT_CHECK_ARGS:---older-than 20h} --format markdown >>"$log" 2>&1
checked=$?
[ "$checked" -le 1 ] || fail 3 "htcat check exited $checked"

quiet git add -- "$catalog" || fail 4 "git add failed"
if ! git diff --cached --quiet -- "$catalog"; then
    quiet git commit --quiet -m "nightly link check" -- "$catalog" || fail 4 "git commit failed"
fi
tries=0
until quiet git push --quiet; do
    tries=$((tries + 1))
    [ "$tries" -lt "${HTCAT_PUSH_TRIES:-3}" ] || fail 4 "git push failed $tries times"
    # Someone pushed meanwhile: replay the results on top, through htcat's merge driver.
    if ! quiet git pull --quiet --rebase; then
        quiet git rebase --abort
        fail 4 "could not rebase the results onto the remote (see 'htcat conflicts')"
    fi
done
[ "$checked" -eq 0 ] || fail 1 "htcat check found broken links"
