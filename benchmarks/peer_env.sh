#!/usr/bin/env bash
# A separate environment for the peer benchmark: lightly is never a dependency of dense-au.
# torch and torchvision are pinned in the same command, so pip cannot swap builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV=${PEER_ENV:-benchmarks/.venv-lightly}
[ -x "$ENV/bin/python" ] || python3 -m venv "$ENV"
"$ENV/bin/pip" install -q "torch==2.14.1" "torchvision==0.29.1" "lightly==1.6.0" -e .
echo "$ENV/bin/python benchmarks/bench_peer_lightly.py"
