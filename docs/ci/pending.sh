#!/usr/bin/env bash
# CI recipe, before rolling out an application build: has its database been migrated?
# Exit 1 while any migration is pending, changed, missing or failed; exit 0 when the database is current.
set -euo pipefail
MIGRATE=${MIGRATE:-cargo run -q -p migrate-cli --}
$MIGRATE status --exit-code
