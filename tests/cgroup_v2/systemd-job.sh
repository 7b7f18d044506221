#!/bin/sh
# systemd-job.sh NAME: the body of a service of the systemd scenarios (units/): memgate next to
# its shell and another process (as a CI job's service holds the runner agent), as the unit's
# user; results in /run/memgate-v2 for systemd-scenarios.sh to report.
# shellcheck disable=SC2086 # $WORK, $POOL, $LONG are argument lists, split on purpose
PATH=/opt/memgate-v2:$PATH
OUT=/run/memgate-v2
. /opt/memgate-v2/lib.sh
. /opt/memgate-v2/workloads.sh
sleep 100000 &
memgate_in - shell "$1" -- alloc $WORK
kill $!
