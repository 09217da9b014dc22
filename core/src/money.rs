//! Money as people write it and as records keep it: records keep integer fen (分), people read
//! and type 元. One rule for the whole product, so the phones, the office's pages, its Excel
//! files and the command line show and read the same amounts.

/// Fen as 元 with thousands separators and two decimals: `18_600_000` is `186,000.00`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", f % 100)
}

/// Reads an amount as a person writes it, in 元, into fen: `1,234.56`, `1234.5`, `¥1234`,
/// `1234元`, full-width digits, and amounts in 万 (`12万`, `12.5万元`). Fen are whole: at most
/// two decimals in 元 (six in 万). `Err` names the rule broken: `money_format` (not an
/// amount), `money_decimals` (finer than a fen) or `money_not_negative`.
pub fn read_yuan(text: &str) -> Result<i64, &'static str> {
    let t: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '，' => ',',
            '－' => '-',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '¥' && *c != '￥')
        .collect();
    let t = t.strip_suffix('元').unwrap_or(&t);
    let (t, wan) = match t.strip_suffix('万') {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    if t.starts_with('-') {
        return Err("money_not_negative");
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("money_format");
    }
    // Fen have (2 + 4 for 万) decimal places in the unit written.
    let places = if wan { 6 } else { 2 };
    let frac = frac.trim_end_matches('0');
    if frac.len() > places {
        return Err("money_decimals");
    }
    let digits = format!("{whole}{frac:0<places$}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse::<i64>().map_err(|_| "money_format")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_are_shown_in_yuan_and_read_back_from_what_people_write() {
        assert_eq!(yuan(18_600_000), "186,000.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-123_456), "-1,234.56");
        for (written, fen) in [
            ("1,234.56", 123_456),
            ("1234.5", 123_450),
            ("1234", 123_400),
            ("¥1234元", 123_400),
            ("１２３４．５", 123_450),
            ("12万", 12_000_000),
            ("12.5万元", 12_500_000),
            ("0.000001万", 1),
            ("0", 0),
            (" 0.10 ", 10),
            ("186,000.00", 18_600_000),
        ] {
            assert_eq!(read_yuan(written), Ok(fen), "{written}");
            if !written.contains('万') && !written.contains('¥') && !written.contains('０') {
                assert_eq!(read_yuan(&yuan(fen)), Ok(fen), "{written} round trip");
            }
        }
        assert_eq!(read_yuan("-5"), Err("money_not_negative"));
        assert_eq!(read_yuan("1.234"), Err("money_decimals"));
        for bad in ["", "abc", "1.2.3", "5e3", "一千", "."] {
            assert_eq!(read_yuan(bad), Err("money_format"), "{bad}");
        }
        assert_eq!(read_yuan("99999999999999999999"), Err("money_format"));
    }
}
