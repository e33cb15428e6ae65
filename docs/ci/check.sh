#!/usr/bin/env bash
# CI recipe, on every pull request: are the migrations safe and reversible?
#   MIGRATE       how to run the tool (default: `cargo run -q -p migrate-cli --`)
#   DATABASE_URL  a database server the job may create scratch databases on (the role needs CREATEDB)
set -euo pipefail
MIGRATE=${MIGRATE:-cargo run -q -p migrate-cli --}
# Locking hazards in the migrations after `lint_baseline`: exit 1 on an unacknowledged error.
$MIGRATE lint
# On a scratch database it creates and drops: every down restores its up's schema, and up again gives
# the same schema. Exit 1 names each migration that fails, with the difference.
$MIGRATE verify
