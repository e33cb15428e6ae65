#!/usr/bin/env bash
# CI recipe, at deploy: apply, then prove the database is what the migrations say.
#   MIGRATE       how to run the tool (default: `cargo run -q -p migrate-cli --`)
#   DATABASE_URL  the production database (or `--target NAME` with the URL in an environment variable)
set -euo pipefail
MIGRATE=${MIGRATE:-cargo run -q -p migrate-cli --}
# Waits for a concurrent deploy's advisory lock, lints pending migrations, applies them the safe way.
$MIGRATE up
# Nothing pending, changed, missing or failed (exit 1 otherwise).
$MIGRATE status --exit-code
# The live schema is what the applied migrations build: a hand-made change fails the deploy (exit 1).
$MIGRATE drift
