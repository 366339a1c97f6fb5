#!/usr/bin/env bash
# Builds llama.cpp's llama-bench, llama-perplexity and llama-quantize as a peer for `trit bench --peer` and
# `trit ppl --peer`, from the source that node-llama-cpp 3.21.1 ships (a September-2026 llama.cpp as a git bundle).
# Everything lives in a cache dir outside the source tree (never committed):
#   ${TRIT_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trit/peers}/llama.cpp
# Idempotent: each step is skipped when its output exists. Prints the bin dir on stdout (last line).
# Needs: npm, git, cmake, a C++ compiler (apt-get install -y cmake g++). 10-35 minutes on 2 (shared) cores.
set -euo pipefail
VERSION=3.21.1
DIR="${1:-${TRIT_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trit/peers}/llama.cpp}"
JOBS="${JOBS:-2}"
TARGETS=(llama-bench llama-perplexity llama-quantize)
for tool in npm git cmake c++; do
  command -v "$tool" >/dev/null || { echo "build-llama-cpp: '$tool' not found (apt-get install -y cmake g++ npm git)" >&2; exit 2; }
done
mkdir -p "$DIR"
cd "$DIR"
BUNDLE="$DIR/npm/node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [ ! -f "$BUNDLE" ]; then
  echo "build-llama-cpp: npm i -E node-llama-cpp@$VERSION into $DIR/npm" >&2
  mkdir -p npm
  [ -f npm/package.json ] || echo '{"name":"trit-peer-llama-cpp","private":true}' > npm/package.json
  (cd npm && npm i -E --no-audit --no-fund --ignore-scripts "node-llama-cpp@$VERSION" >&2)
fi
if [ ! -d "$DIR/src/.git" ]; then
  echo "build-llama-cpp: git clone $BUNDLE -> $DIR/src" >&2
  rm -rf "$DIR/src"
  git clone -q "$BUNDLE" "$DIR/src" >&2
fi
cd "$DIR/src"
if [ ! -f build/CMakeCache.txt ]; then
  cmake -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF >&2
fi
missing=()
for t in "${TARGETS[@]}"; do [ -x "build/bin/$t" ] || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  cmake --build build --config Release -j"$JOBS" --target "${missing[@]}" >&2
fi
for t in "${TARGETS[@]}"; do [ -x "build/bin/$t" ] || { echo "build-llama-cpp: build/bin/$t missing after the build" >&2; exit 1; }; done
echo "build-llama-cpp: $(git -C "$DIR/src" describe --tags --always 2>/dev/null || echo '?') built" >&2
echo "$DIR/src/build/bin"
