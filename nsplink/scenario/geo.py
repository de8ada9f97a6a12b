"""Site positions in the coordinates an exercise lead has: WGS84 latitude/longitude (a phone, a
map site) or Rijksdriehoeksmeting (RD New, EPSG:28992: Dutch municipal and safety-region maps).

Both become RD metres for the simulator: RD is the Dutch national grid, a conformal projection
whose scale error stays below 0.01 % over the country, so distances in it are distances on the
ground to well under the accuracy a radio link budget needs. The conversion is pyproj's (PROJ);
without the RDNAPTRANS grid files it uses the published Helmert parameters (about 1 m), plenty
for a link budget.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

# the RD New (EPSG:28992) area of use, as PROJ states it: the Netherlands and its coastal waters
RD_EPSG = 28992
RD_X = (-7_000.0, 300_000.0)  # the RD grid's defined range, in metres
RD_Y = (289_000.0, 629_000.0)


@lru_cache(maxsize=1)
def _transformers() -> tuple[Any, Any, tuple[float, float, float, float]]:
    from pyproj import CRS, Transformer

    rd = CRS.from_epsg(RD_EPSG)
    area = rd.area_of_use
    assert area is not None
    bounds = (area.west, area.south, area.east, area.north)
    to_rd = Transformer.from_crs("EPSG:4326", rd, always_xy=True)
    to_wgs = Transformer.from_crs(rd, "EPSG:4326", always_xy=True)
    return to_rd, to_wgs, bounds


def nl_bounds() -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees: where RD New is defined."""
    return _transformers()[2]


def in_nl(lat: float, lon: float) -> bool:
    west, south, east, north = nl_bounds()
    return south <= lat <= north and west <= lon <= east


def looks_like_latlon(a: float, b: float) -> bool:
    """A pair a lead may have typed as [x, y] metres but meant as degrees, in either order."""
    return in_nl(a, b) or in_nl(b, a)


def wgs84_to_rd(lat: float, lon: float) -> tuple[float, float]:
    x, y = _transformers()[0].transform(lon, lat)
    return (float(x), float(y))


def rd_to_wgs84(x: float, y: float) -> tuple[float, float]:
    lon, lat = _transformers()[1].transform(x, y)
    return (float(lat), float(lon))


def rd_in_range(x: float, y: float) -> bool:
    return RD_X[0] <= x <= RD_X[1] and RD_Y[0] <= y <= RD_Y[1]


def finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)
