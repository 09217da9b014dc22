//! Field rules from domain.md: resident ID (GB 11643), USCC (GB 32100), mobile numbers,
//! money and locations. Each check reports a [`Problem`] that names the field and the rule,
//! so a field worker can see at once what to fix.

use chrono::{DateTime, NaiveDate, Utc};

pub use crate::problem::{timeless_now, Problem, Problems, Severity};

impl Problems {
    pub fn resident_id(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            if let Err((rule, msg)) = check_resident_id(v, self.today()) {
                self.error(field, rule, msg);
            }
        }
    }

    pub fn uscc(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            match check_uscc(v) {
                Ok(()) => {}
                // A wrong check character is a warning: some early codes fail it (domain.md).
                Err(("uscc_check_char", msg)) => self.warn(field, "uscc_check_char", msg),
                Err((rule, msg)) => self.error(field, rule, msg),
            }
        }
    }

    pub fn mobile(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            if let Err(msg) = check_mobile(v) {
                self.error(field, "mobile", msg);
            }
        }
    }

    /// An organisation's phone: a mobile or a landline with its area code.
    pub fn phone(&mut self, field: &str, value: &Option<String>) {
        if let Some(v) = value {
            if check_mobile(v).is_err() && check_landline(v).is_err() {
                self.error(
                    field,
                    "phone",
                    format!("'{v}' is neither a mobile number (11 digits from 13-19) nor a landline with its area code (e.g. 021-69791234)"),
                );
            }
        }
    }

    /// A date or instant that must not lie after now.
    pub fn not_future(&mut self, field: &str, value: Option<DateTime<Utc>>) {
        if let Some(t) = value {
            if t > self.now {
                self.error(
                    field,
                    "not_in_future",
                    format!("{} is in the future", crate::time::show_local(t)),
                );
            }
        }
    }

    pub fn money(&mut self, field: &str, value: Option<i64>) {
        if let Some(v) = value {
            if v < 0 {
                self.error(field, "money_not_negative", format!("{v} fen is negative"));
            }
        }
    }

    pub fn sha256(&mut self, field: &str, value: &str) {
        if check_sha256(value).is_err() {
            self.error(
                field,
                "sha256",
                "must be 64 lower-case hexadecimal characters (a SHA-256)",
            );
        }
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Checks an 18-character resident ID number (GB 11643). `today` bounds the birth date.
pub fn check_resident_id(id: &str, today: NaiveDate) -> Result<(), (&'static str, String)> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err((
            "resident_id_length",
            format!("resident ID must have 18 characters, got {}", chars.len()),
        ));
    }
    if !chars[..17].iter().all(|c| c.is_ascii_digit()) {
        return Err((
            "resident_id_digits",
            "the first 17 characters of a resident ID must be digits".into(),
        ));
    }
    let birth: String = chars[6..14].iter().collect();
    let date = NaiveDate::parse_from_str(&birth, "%Y%m%d").map_err(|_| {
        (
            "resident_id_birth_date",
            format!("{birth} (characters 7-14) is not a real date"),
        )
    })?;
    if date > today {
        return Err(("resident_id_birth_date", format!("birth date {date} is in the future")));
    }
    let sum: u32 = chars[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let expected = ID_CHECK[(sum % 11) as usize];
    let got = chars[17].to_ascii_uppercase();
    if got != expected {
        return Err((
            "resident_id_check_char",
            format!("check character is {got} but the first 17 characters give {expected}"),
        ));
    }
    Ok(())
}

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Checks a unified social credit code (GB 32100). A wrong check character is reported with the
/// rule `uscc_check_char` so that callers can treat it as a warning.
pub fn check_uscc(code: &str) -> Result<(), (&'static str, String)> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err((
            "uscc_length",
            format!("USCC must have 18 characters, got {}", chars.len()),
        ));
    }
    let mut values = Vec::with_capacity(18);
    for (i, c) in chars.iter().enumerate() {
        match USCC_CHARS.find(*c) {
            Some(v) => values.push(v as u32),
            None => {
                return Err((
                    "uscc_charset",
                    format!(
                        "character {} ('{c}') is not allowed in a USCC (digits and capitals except I, O, S, V, Z)",
                        i + 1
                    ),
                ))
            }
        }
    }
    let sum: u32 = values[..17].iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    let expected = (31 - sum % 31) % 31;
    if values[17] != expected {
        let want = USCC_CHARS.chars().nth(expected as usize).unwrap_or('?');
        return Err((
            "uscc_check_char",
            format!(
                "check character is {} but the first 17 characters give {want} (early codes may fail this; check the licence)",
                chars[17]
            ),
        ));
    }
    Ok(())
}

/// Checks a mainland mobile number: 11 digits starting 1[3-9], optional +86 or 0086 prefix.
pub fn check_mobile(phone: &str) -> Result<(), String> {
    let compact: String = phone.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    let ok = digits.len() == 11
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.as_bytes()[0] == b'1'
        && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{phone}' is not a mobile number: 11 digits starting 13-19, optionally after +86 or 0086"
        ))
    }
}

/// The one rule for record ids, on every path (bundles, sync, the API): 1 to 128 bytes of
/// letters, digits and `-_.:` (UUIDs, `calendar-2026`).
pub fn check_record_id(id: &str) -> Result<(), crate::error::Error> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(crate::error::Error::invalid(
            "id",
            "record_id",
            "a record id is 1 to 128 letters, digits, '-', '_', '.' or ':'",
        ))
    }
}

/// The one rule for attachment names: a SHA-256 as 64 lower-case hexadecimal characters.
pub fn check_sha256(sha: &str) -> Result<(), crate::error::Error> {
    if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(crate::error::Error::invalid(
            "sha256",
            "sha256",
            "an attachment is named by its SHA-256: 64 lower-case hexadecimal characters",
        ))
    }
}

/// Checks a mainland landline: an area code (0 and two or three digits, optionally in
/// brackets or after +86) then a 7- or 8-digit number, with an optional extension.
pub fn check_landline(phone: &str) -> Result<(), String> {
    let compact: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
        .collect();
    let main = compact
        .split(['转', '#', 'x', 'X'])
        .next()
        .unwrap_or_default()
        .to_string();
    let ext_ok = compact[main.len()..].chars().skip(1).all(|c| c.is_ascii_digit());
    let national = if let Some(rest) = main.strip_prefix("+86").or_else(|| main.strip_prefix("0086")) {
        format!("0{rest}")
    } else {
        main.clone()
    };
    let digits_only = national.bytes().all(|b| b.is_ascii_digit());
    // Area codes are 010, 02X (three digits) or 0XXX (four digits); numbers 7 or 8 digits.
    let ok = digits_only && ext_ok && national.starts_with('0') && !national.starts_with("00") && {
        let area = if national.starts_with("010") || national.starts_with("02") {
            3
        } else {
            4
        };
        let local = national.len().saturating_sub(area);
        (7..=8).contains(&local)
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{phone}' is not a landline with its area code"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn resident_id_check_character() {
        // The GB 11643 worked example.
        assert!(check_resident_id("11010519491231002X", today()).is_ok());
        assert!(check_resident_id("11010519491231002x", today()).is_ok());
        assert_eq!(
            check_resident_id("110105194912310021", today()).unwrap_err().0,
            "resident_id_check_char"
        );
        assert_eq!(
            check_resident_id("1101051949123100", today()).unwrap_err().0,
            "resident_id_length"
        );
        assert_eq!(
            check_resident_id("110105194902300021", today()).unwrap_err().0,
            "resident_id_birth_date"
        );
        assert_eq!(
            check_resident_id("11010520301231002X", today()).unwrap_err().0,
            "resident_id_birth_date"
        );
        assert_eq!(
            check_resident_id("1101051949A231002X", today()).unwrap_err().0,
            "resident_id_digits"
        );
    }

    #[test]
    fn uscc_check_character() {
        assert!(check_uscc("91350100M000100Y43").is_ok());
        assert_eq!(check_uscc("91350100M000100Y42").unwrap_err().0, "uscc_check_char");
        assert_eq!(check_uscc("91350100M000100YI3").unwrap_err().0, "uscc_charset");
        assert_eq!(check_uscc("9135").unwrap_err().0, "uscc_length");
    }

    #[test]
    fn uscc_bad_check_char_is_only_a_warning() {
        let mut p = Problems::as_of("2026-11-27T00:00:00Z".parse().unwrap());
        p.uscc("uscc", &Some("91350100M000100Y42".into()));
        assert!(!p.has_errors());
        assert_eq!(p.warnings().len(), 1);
        assert_eq!(p.warnings()[0].field, "uscc");
    }

    #[test]
    fn mobile_numbers() {
        for ok in ["13812345678", "+8613812345678", "008619912345678", "138 1234 5678"] {
            assert!(check_mobile(ok).is_ok(), "{ok}");
        }
        for bad in [
            "12812345678",
            "1381234567",
            "021-12345678",
            "+85213812345678",
            "1381234567a",
        ] {
            assert!(check_mobile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn landlines_for_organisations() {
        for ok in [
            "021-69791234",
            "02169791234",
            "(021)69791234",
            "0512-6523 1234",
            "+86 21 69791234",
            "021-69791234转8001",
        ] {
            assert!(check_landline(ok).is_ok(), "{ok}");
        }
        for bad in ["69791234", "021-123", "13812345678", "0021-69791234", "021-6979123a"] {
            assert!(check_landline(bad).is_err(), "{bad}");
        }
        let mut p = Problems::as_of("2026-11-27T00:00:00Z".parse().unwrap());
        p.phone("phone", &Some("021-69791234".into()));
        p.phone("phone", &Some("13812345678".into()));
        assert!(p.list.is_empty());
        p.phone("phone", &Some("12345".into()));
        assert_eq!(p.list[0].rule, "phone");
    }

    #[test]
    fn the_birth_date_is_checked_against_the_stores_clock() {
        // Born 2026-06-01: valid in December 2026, in the future in January 2026.
        let id = "110105202606010018";
        assert!(check_resident_id(id, "2026-12-01".parse().unwrap()).is_ok());
        let mut p = Problems::as_of("2026-01-01T00:00:00Z".parse().unwrap());
        p.resident_id("id", &Some(id.into()));
        assert_eq!(p.list[0].rule, "resident_id_birth_date");
    }

    #[test]
    fn nested_paths_name_the_field() {
        let mut p = Problems::as_of("2026-11-27T00:00:00Z".parse().unwrap());
        p.at("workers", |p| p.at(0, |p| p.mobile("phone", &Some("123".into()))));
        assert_eq!(p.list[0].field, "workers.0.phone");
        assert_eq!(p.list[0].rule, "mobile");
    }
}
