# Sourced by the scripts that build Go programs (build-terraform-provider.sh,
# build-nft-elements.sh): requires go and builds reproducibly from the cache
# under $CACHE (the sourcing script's), with the machine's own Go.
# usage: go_env "WHAT IS BUILT" MIN_GO_VERSION
go_env() {
  command -v go >/dev/null || { echo "go is required to build $1 (Go >= $2)" >&2; exit 1; }
  export GOFLAGS="${GOFLAGS:--trimpath -buildvcs=false}"
  export GOCACHE="${GOCACHE:-$CACHE/go-build}"
  export GOMODCACHE="${GOMODCACHE:-$CACHE/go-mod}"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
}
