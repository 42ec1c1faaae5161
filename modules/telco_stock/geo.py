# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Distances on the WGS-84 ellipsoid (geopy) and search boxes around a point"
import math

from geopy.distance import geodesic

# the shortest length of a degree of latitude (at the equator) and of
# longitude at the equator, in km: boxes made with them contain the circle
_KM_PER_DEGREE_LAT = 110.574
_KM_PER_DEGREE_LON = 111.320


def distance_km(lat1, lon1, lat2, lon2):
    "Geodesic distance in km"
    return geodesic((lat1, lon1), (lat2, lon2)).km


def bounding_box(latitude, longitude, radius):
    """Return (min_lat, max_lat, min_lon, max_lon, whole) of a box that
    contains every point within radius km of the point; whole when the box
    would cover the whole world (near a pole or with a huge radius).
    min_lon > max_lon when the box crosses the antimeridian."""
    dlat = radius / _KM_PER_DEGREE_LAT
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90:
        return (-90, 90, -180, 180, True)
    widest = max(abs(min_lat), abs(max_lat))
    dlon = radius / (_KM_PER_DEGREE_LON * math.cos(math.radians(widest)))
    if dlon >= 180:
        return (min_lat, max_lat, -180, 180, True)
    min_lon, max_lon = longitude - dlon, longitude + dlon
    if min_lon < -180:
        min_lon += 360
    if max_lon > 180:
        max_lon -= 360
    return (min_lat, max_lat, min_lon, max_lon, False)
