"""Geometry shared by calibration and export: great-circle distances, places on a plane from
their distances (classical multidimensional scaling), and the way back onto the globe."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import least_squares

EARTH_KM = 6371.0  # mean radius
LAT0, LNG0 = -15.0, -50.0  # where a synthetic world's regions are put on the globe (central Brazil)


def great_circle_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Haversine distance, element by element (numpy broadcasting)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lng1, lat2, lng2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def pairwise_km(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Great-circle distances between every pair of points (a square matrix)."""
    lat, lng = np.asarray(lat, dtype=float), np.asarray(lng, dtype=float)
    return great_circle_km(lat[:, None], lng[:, None], lat[None, :], lng[None, :])


def region_centroids(distance_km: np.ndarray, road_factor: float):
    """Latitude and longitude of each region whose great-circle distances are the straight
    lines between regions (road distance / road_factor, off the diagonal)."""
    straight = np.asarray(distance_km, dtype=float) / road_factor
    np.fill_diagonal(straight, 0.0)
    lat, lng = azimuthal_inverse(mds_positions(straight))
    return fit_on_sphere(lat, lng, straight)


def mds_positions(straight: np.ndarray) -> np.ndarray:
    """Classical multidimensional scaling to 2-D (east, north km around their centre): exact
    for points on a plane, the best plane fit otherwise. Axes in order of spread, each signed
    so its largest coordinate is positive (one answer, whatever the eigen-solver's signs)."""
    n = len(straight)
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (straight**2) @ centre
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    xy = np.zeros((n, 2))
    xy[:, : len(top)] = vectors[:, top] * np.sqrt(np.clip(values[top], 0.0, None))
    sign = np.sign(xy[np.argmax(np.abs(xy), axis=0), [0, 1]])
    return xy * np.where(sign == 0, 1.0, sign)


def azimuthal_inverse(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse azimuthal-equidistant projection around (LAT0, LNG0): each point lies at its km
    distance from the centre along its bearing."""
    rho = np.hypot(xy[:, 0], xy[:, 1]) / EARTH_KM
    bearing = np.arctan2(xy[:, 0], xy[:, 1])
    p0, l0 = math.radians(LAT0), math.radians(LNG0)
    lat = np.arcsin(math.sin(p0) * np.cos(rho) + math.cos(p0) * np.sin(rho) * np.cos(bearing))
    lng = l0 + np.arctan2(
        np.sin(bearing) * np.sin(rho) * math.cos(p0), np.cos(rho) - math.sin(p0) * np.sin(lat)
    )
    return np.degrees(lat), np.degrees(lng)


def fit_on_sphere(lat: np.ndarray, lng: np.ndarray, straight: np.ndarray):
    """Nudge the projected points so great-circle distances match the plane's in relative terms
    (a plane does not fit on a sphere; least squares spreads the misfit over all pairs)."""
    n = len(lat)
    i, j = np.triu_indices(n, 1)
    keep = straight[i, j] > 0
    i, j, target = i[keep], j[keep], straight[i, j][keep]
    if target.size == 0:
        return lat, lng

    def misfit(z: np.ndarray) -> np.ndarray:
        return pairwise_km(z[:n], z[n:])[i, j] / target - 1.0

    z = least_squares(misfit, np.concatenate([lat, lng]), xtol=1e-12, ftol=1e-12).x
    return z[:n], z[n:]
