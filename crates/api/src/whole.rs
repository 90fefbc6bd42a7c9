//! Whole numbers that arrive written as floats (`12.0`). JSON Schema counts `12.0` as an integer, so a client
//! generated from docs/openapi.json (or a JavaScript one, where every number is a float) may send it; serde alone
//! refuses it. These read an integer, or a float with no fractional part, into the field's integer type.

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An integer field read with [`whole`] rules.
struct Whole(u64);

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor).map(Whole)
    }
}

struct WholeVisitor;

impl Visitor<'_> for WholeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a non-negative whole number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // 2^64 as f64 is exact; below it every whole float converts without loss of its value's meaning.
        if v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
            Ok(v as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

fn narrow<E: de::Error>(v: u64) -> Result<u32, E> {
    u32::try_from(v)
        .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &"a whole number up to 4294967295"))
}

/// `#[serde(deserialize_with = "whole::u32")]`
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    narrow(Whole::deserialize(deserializer)?.0)
}

/// `#[serde(deserialize_with = "whole::u64")]`
pub fn u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(Whole::deserialize(deserializer)?.0)
}

/// `#[serde(default, deserialize_with = "whole::option_u32")]`: also `null`.
pub fn option_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    Option::<Whole>::deserialize(deserializer)?
        .map(|w| narrow(w.0))
        .transpose()
}

/// `#[serde(default, deserialize_with = "whole::option_u64")]`: also `null`.
pub fn option_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<Whole>::deserialize(deserializer)?.map(|w| w.0))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "super::u32")]
        count: u32,
        #[serde(default, deserialize_with = "super::option_u64")]
        seed: Option<u64>,
    }

    fn parse(json: &str) -> Result<Sample, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn whole_floats_are_integers_and_others_are_refused() {
        let s = parse(r#"{"count": 12.0, "seed": 7}"#).unwrap();
        assert_eq!((s.count, s.seed), (12, Some(7)));
        let s = parse(r#"{"count": 3}"#).unwrap();
        assert_eq!((s.count, s.seed), (3, None));
        assert_eq!(parse(r#"{"count": 3, "seed": null}"#).unwrap().seed, None);
        for bad in [
            r#"{"count": 12.5}"#,
            r#"{"count": -1}"#,
            r#"{"count": -1.0}"#,
            r#"{"count": 4294967296}"#,
            r#"{"count": "3"}"#,
            r#"{"count": 1e300}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
