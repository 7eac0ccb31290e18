#!/usr/bin/env bash
# The custos test suite: formatting, vet, staticcheck, and every test with
# the race detector. Needs only Go; it installs the pinned staticcheck
# through the Go module proxy. Under CI=true the shared known-answer test
# vectors (../shared/testdata or $CUSTOS_TESTDATA) are mandatory.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2   # pinned: its go line must be satisfied by the local Go

step() { printf '\n== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck $STATICCHECK_VERSION"
bin="$(go env GOPATH)/bin"
if ! "$bin/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
"$bin/staticcheck" ./...

step "go test -race"
go test -race -count=1 -timeout 20m ./...
