# This file is part of the Telco CRM.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Distances on the WGS-84 ellipsoid and search boxes around a point"
import math

from geographiclib.geodesic import Geodesic

# the shortest length of a degree of latitude (at the equator) and of
# longitude at the equator, in km: boxes made with them contain the circle
_KM_PER_DEGREE_LAT = 110.574
_KM_PER_DEGREE_LON = 111.320


# the spherical distance differs from the geodesic one by less than 0.6 %
_SPHERE_ERROR = 1.01
_EARTH_RADIUS = 6371.0088


def distance_km(lat1, lon1, lat2, lon2):
    """Geodesic distance in km on WGS-84, by geographiclib (the engine of
    geopy.distance.geodesic, without its per-call set-up)"""
    return Geodesic.WGS84.Inverse(
        lat1, lon1, lat2, lon2, Geodesic.DISTANCE)['s12'] / 1000


def sphere_km(lat1, lon1, lat2, lon2):
    "Great-circle distance in km (haversine), fast"
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = (math.sin(dphi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2)
    return 2 * _EARTH_RADIUS * math.asin(min(1, math.sqrt(a)))


def nearest_first(latitude, longitude, points, limit, cache=None):
    """Return [(geodesic km, id)] of the `limit` nearest points (id, lat,
    lon), nearest first, or all when fewer. The geodesic distance is
    computed only for the points that the spherical one cannot rule out."""
    if cache is None:
        cache = {}
    rough = sorted(
        (sphere_km(latitude, longitude, lat, lon), id_, lat, lon)
        for id_, lat, lon in points)
    if len(rough) > limit:
        bound = rough[limit - 1][0] * _SPHERE_ERROR ** 2 + 0.001
        rough = [r for r in rough if r[0] <= bound]
    for _, id_, lat, lon in rough:
        if id_ not in cache:
            cache[id_] = distance_km(latitude, longitude, lat, lon)
    return sorted((cache[id_], id_) for _, id_, _, _ in rough)


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


def map_url(latitude, longitude, zoom=17):
    "The OpenStreetMap page of the point, marked, at the zoom level"
    if latitude is None or longitude is None:
        return None
    lat, lon = f'{latitude:.5f}', f'{longitude:.5f}'
    return (f'https://www.openstreetmap.org/?mlat={lat}&mlon={lon}'
        f'#map={zoom}/{lat}/{lon}')
