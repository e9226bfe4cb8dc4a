#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 cityeye developers
#
# Rewrites the generated sample files in samples/data from the seeded
# generator; the hand-written ones (catalog-field-sample.xml, bad/*) are left
# alone except bad/wrong-encoding.csv, which is cut from baoshan-50.csv.
#
# Usage: samples/data/regenerate.sh [path/to/cityeye-sample-gen]
# (default: build/samples/inventory/cityeye-sample-gen under the source root)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
gen=${1:-$here/../../build/samples/inventory/cityeye-sample-gen}
case $gen in
  /*) ;;
  *) gen=$(pwd)/$gen ;;
esac
cd "$here"

# 50 cameras of the default seed: every source and every 街镇 appears.
"$gen" --count 50 --output baoshan-50.csv
iconv -f UTF-8 -t GBK baoshan-50.csv > baoshan-50-gbk.csv
"$gen" --count 50 --format geojson --output baoshan-50.geojson
"$gen" --count 50 --format catalog --items-per-document 20 \
  --output catalog-utf8.xml

# A Dahua-style cascade: one item per message, GB2312 bytes, no directory
# items, and in the fifth message the stream URL is reported inside
# <IPAddress> (domain brief §1.4 Sample B) instead of <StreamURL>.  顾村镇
# only, because 蕰 (蕰川路) is in GBK but not in GB2312.
"$gen" --count 20 --town 310113109 --format catalog --items-per-document 1 \
  --no-groups --xml-encoding GB2312 |
  sed -E \
    -e 's/encoding="GB2312"\?>/encoding="GB2312" standalone="yes" ?>/' \
    -e '48s#^(.*)<Status>ON</Status>(.*)<StreamURL>rtsp://([^<]*)</StreamURL>(.*)$#\1<StreamNum>2</StreamNum><IPAddress>rtsp://admin@\3</IPAddress><Port>8555</Port><Password></Password><Status>ON</Status>\2\4#' |
  iconv -f UTF-8 -t GB2312 > catalog-gb2312.xml

# Header and five rows of baoshan-50.csv as GBK: not valid UTF-8.
head -n 6 baoshan-50.csv | iconv -f UTF-8 -t GBK > bad/wrong-encoding.csv
