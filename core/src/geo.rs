//! Locations are stored as the phone gives them (WGS-84); maps in China draw GCJ-02, so a
//! point is converted only when it is shown on such a map.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// Where a location reading came from.
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    #[default]
    Gps,
    Network,
    Manual,
}

/// A WGS-84 point with its accuracy in metres and where it came from.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Location {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub lat: f64,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub lon: f64,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub accuracy_m: Option<f64>,
    pub source: LocationSource,
}

impl Location {
    pub fn check(&self, p: &mut Problems) {
        if !(-90.0..=90.0).contains(&self.lat) || self.lat.is_nan() {
            p.error(
                "lat",
                "wgs84_latitude",
                format!("{} is not a latitude (-90 to 90)", self.lat),
            );
        }
        if !(-180.0..=180.0).contains(&self.lon) || self.lon.is_nan() {
            p.error(
                "lon",
                "wgs84_longitude",
                format!("{} is not a longitude (-180 to 180)", self.lon),
            );
        }
        if let Some(a) = self.accuracy_m {
            if a.is_nan() || a < 0.0 {
                p.error(
                    "accuracy_m",
                    "accuracy_not_negative",
                    "accuracy must be a distance in metres, 0 or more",
                );
            }
        }
    }

    /// The point in GCJ-02, for drawing on a Chinese map. Outside mainland China the two
    /// systems agree and the point is returned unchanged.
    pub fn to_gcj02(&self) -> (f64, f64) {
        wgs84_to_gcj02(self.lat, self.lon)
    }
}

const A: f64 = 6378245.0;
const EE: f64 = 0.006_693_421_622_965_943;

fn outside_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 to GCJ-02 (the published "Mars coordinates" offset formula).
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lat, lon) {
        return (lat, lon);
    }
    let mut dlat = transform_lat(lon - 105.0, lat - 35.0);
    let mut dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let mut magic = radlat.sin();
    magic = 1.0 - EE * magic * magic;
    let sqrtmagic = magic.sqrt();
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    dlon = (dlon * 180.0) / (A / sqrtmagic * radlat.cos() * PI);
    (lat + dlat, lon + dlon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_shifts_by_a_few_hundred_metres() {
        // Qingpu district, Shanghai.
        let (lat, lon) = wgs84_to_gcj02(31.1509, 121.1242);
        let dlat_m = (lat - 31.1509) * 111_000.0;
        let dlon_m = (lon - 121.1242) * 111_000.0 * 31.15f64.to_radians().cos();
        let shift = (dlat_m * dlat_m + dlon_m * dlon_m).sqrt();
        assert!((100.0..1000.0).contains(&shift), "shift {shift} m");
    }

    #[test]
    fn outside_china_is_unchanged() {
        assert_eq!(wgs84_to_gcj02(48.85, 2.35), (48.85, 2.35));
    }

    #[test]
    fn bad_points_name_the_field() {
        let mut p = Problems::as_of("2026-11-27T00:00:00Z".parse().unwrap());
        Location {
            lat: 95.0,
            lon: 121.0,
            accuracy_m: Some(-1.0),
            source: LocationSource::Gps,
        }
        .check(&mut p);
        let fields: Vec<_> = p.list.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["lat", "accuracy_m"]);
    }
}
