#!/usr/bin/env bash
# Installs the system packages Sta.MLNet needs on Debian/Ubuntu. Idempotent; safe to re-run.
#   libgtk-3-0    native dependency of OpenCvSharp's bundled OpenCV
#   ffmpeg        writes the H.264 test videos (OpenCvSharp reads them; it cannot write H.264 itself)
#   opencv-data   Haar/LBP face cascades (/usr/share/opencv4) - the default face detector
#   libdlib-data  dlib's 68-point landmark model (/usr/share/dlib) - the default landmark model
#   opencv-doc    OpenCV's sample data, among it the real face photo messi5.jpg used by tests and the Quickstart
#   python3-skimage  the astronaut photo the Quickstart trains on (the heat-map tests train the Quickstart's model)
#   chromium, chromium-driver  the headless browser the web page's tests drive (nothing is downloaded at test time)
#   fonts-dejavu-core  a font for it: chromium only recommends one, so a minimal system would render boxes
#   curl, jq      the service's load test (build/load-test-server.sh)
#   redis-server  the Orleans cluster's membership and job state in the cluster tests (started on loopback, stopped after)
# Extra packages can be passed as arguments.
set -euo pipefail
packages=(libgtk-3-0 ffmpeg opencv-data libdlib-data opencv-doc python3-skimage chromium chromium-driver fonts-dejavu-core curl jq redis-server "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "prerequisites: all system packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "prerequisites: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "prerequisites: done"
