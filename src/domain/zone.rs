//! Timezones as people name them: `Europe/Lisbon`, `CET`, "Lisbon", "UK time",
//! "US Eastern". Settings take any of these, so nobody has to know the IANA name
//! of the city they moved to.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono_tz::{TZ_VARIANTS, Tz};

/// Areas whose zones are named after a city people live in. Antarctic stations
/// and the US states' county zones ("Indiana/Knox") are left out: their names
/// are people's names and English words more often than places.
const CITY_AREAS: &[&str] = &[
    "Africa",
    "America",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// City zones whose last part is also an everyday word or a first name.
const NOT_PLACES: &[&str] = &[
    "canary",
    "christmas",
    "dawson",
    "easter",
    "johnston",
    "midway",
    "regina",
    "reunion",
    "stanley",
    "wake",
    "wallis",
];

/// Regions and common names that are no city: "UK time", "US Eastern".
const REGIONS: &[(&str, Tz)] = &[
    ("uk", Tz::Europe__London),
    ("british", Tz::Europe__London),
    ("britain", Tz::Europe__London),
    ("us eastern", Tz::America__New_York),
    ("eastern", Tz::America__New_York),
    ("us central", Tz::America__Chicago),
    ("central", Tz::America__Chicago),
    ("us mountain", Tz::America__Denver),
    ("mountain", Tz::America__Denver),
    ("us pacific", Tz::America__Los_Angeles),
    ("pacific", Tz::America__Los_Angeles),
    ("central european", Tz::Europe__Berlin),
    ("eastern european", Tz::Europe__Athens),
    ("east africa", Tz::Africa__Nairobi),
    ("east african", Tz::Africa__Nairobi),
    ("india", Tz::Asia__Kolkata),
    ("indian", Tz::Asia__Kolkata),
    ("japan", Tz::Asia__Tokyo),
    ("singapore", Tz::Asia__Singapore),
    ("sgt", Tz::Asia__Singapore),
    ("bangalore", Tz::Asia__Kolkata),
    ("bengaluru", Tz::Asia__Kolkata),
    ("mumbai", Tz::Asia__Kolkata),
    ("delhi", Tz::Asia__Kolkata),
    ("san francisco", Tz::America__Los_Angeles),
    ("sf", Tz::America__Los_Angeles),
    ("seattle", Tz::America__Los_Angeles),
    ("boston", Tz::America__New_York),
    ("washington", Tz::America__New_York),
    ("beijing", Tz::Asia__Shanghai),
];

/// The zone a place is in: a region ("UK"), or a city that names an IANA zone
/// ("Lisbon", "New York", "sao paulo"), in any case.
pub fn zone_of_place(place: &str) -> Option<Tz> {
    let key = place
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    REGIONS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, zone)| zone)
        .or_else(|| cities().get(key.as_str()).copied())
}

/// Every city zone by its city's name in lower case ("new york" →
/// `America/New_York`), built on first use.
fn cities() -> &'static HashMap<String, Tz> {
    static CITIES: OnceLock<HashMap<String, Tz>> = OnceLock::new();
    CITIES.get_or_init(|| {
        TZ_VARIANTS
            .iter()
            .filter_map(|zone| {
                let (area, city) = zone.name().split_once('/')?;
                if !CITY_AREAS.contains(&area) || city.contains('/') {
                    return None;
                }
                let city = city.replace('_', " ").to_lowercase();
                (!NOT_PLACES.contains(&city.as_str())).then_some((city, *zone))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_and_regions_name_their_zones() {
        assert_eq!(zone_of_place("Lisbon"), Some(Tz::Europe__Lisbon));
        assert_eq!(zone_of_place("new york"), Some(Tz::America__New_York));
        assert_eq!(zone_of_place("UK"), Some(Tz::Europe__London));
        assert_eq!(zone_of_place("US  Eastern"), Some(Tz::America__New_York));
        assert_eq!(zone_of_place("Manila"), Some(Tz::Asia__Manila));
    }

    #[test]
    fn words_and_names_are_no_places() {
        for word in ["Easter", "Stanley", "Casey", "meeting", "Knox", ""] {
            assert_eq!(zone_of_place(word), None, "{word}");
        }
    }
}
