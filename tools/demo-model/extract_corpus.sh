#!/usr/bin/env bash
# Writes the King James Version (Debian package bible-kjv-text; the 1611 translation is in the public domain) as one
# verse per line to corpus/kjv.txt. Install first: apt-get install -y bible-kjv bible-kjv-text
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
bible -l1000000 "Gen1:1-Rev22:21" | sed -n 's/^ *[0-9][0-9]* //p' > corpus/kjv.txt
echo "corpus/kjv.txt: $(wc -l < corpus/kjv.txt) verses, $(wc -c < corpus/kjv.txt) bytes"
