#!/usr/bin/env bash
# The README's main job: installs what the Quickstart needs (Debian packages, NuGet restore) and runs it.
# Output (model .zip, pictures, a scored video) goes to ./quickstart-output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash build/install-prerequisites.sh python3-skimage
dotnet run -c Release --project samples/Quickstart -- "${1:-quickstart-output}"
