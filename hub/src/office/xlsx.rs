//! The ledger as an XLSX workbook that opens in Excel and WPS: one sheet per risk level, the
//! 台账 columns, money in 元 with two decimals, a total line, and the time it was made in
//! Shanghai time.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use super::ledger::{Line, COLUMNS};

fn risk_sheets() -> [(&'static str, &'static str); 3] {
    [("高风险", "高风险"), ("中风险", "中风险"), ("低风险", "低风险")]
}

/// The workbook's bytes.
pub fn ledger(lines: &[Line], made: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.00");
    for (sheet_name, risk) in risk_sheets() {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name)?;
        sheet.write_string(0, 0, format!("欠薪案件台账（{risk}）　导出时间：{made}"))?;
        for (c, name) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(1, c as u16, *name, &head)?;
        }
        let mut r = 2u32;
        let mut total_fen = 0i64;
        let mut workers = 0u64;
        for (n, l) in lines.iter().filter(|l| l.risk == risk).enumerate() {
            sheet.write_number_with_format(r, 0, (n + 1) as f64, &cell)?;
            for (c, v) in [
                (1, &l.employer),
                (2, &l.uscc),
                (3, &l.township),
                (4, &l.industry),
                (5, &l.risk),
            ] {
                sheet.write_string_with_format(r, c, v.as_str(), &cell)?;
            }
            match l.workers {
                Some(w) => sheet.write_number_with_format(r, 6, f64::from(w), &cell)?,
                None => sheet.write_blank(r, 6, &cell)?,
            };
            match l.owed_fen {
                Some(f) => sheet.write_number_with_format(r, 7, f as f64 / 100.0, &money)?,
                None => sheet.write_blank(r, 7, &money)?,
            };
            for (c, v) in [(8, &l.leader), (9, &l.person), (10, &l.measures), (11, &l.progress)] {
                sheet.write_string_with_format(r, c, v.as_str(), &cell)?;
            }
            sheet.write_string_with_format(r, 12, if l.closed { "是" } else { "否" }, &cell)?;
            total_fen += l.owed_fen.unwrap_or(0);
            workers += u64::from(l.workers.unwrap_or(0));
            r += 1;
        }
        sheet.write_string_with_format(r, 1, "合计", &head)?;
        sheet.write_number_with_format(r, 6, workers as f64, &cell)?;
        sheet.write_number_with_format(r, 7, total_fen as f64 / 100.0, &money)?;
        for (c, w) in [(1, 28.0), (2, 22.0), (3, 10.0), (7, 14.0), (10, 30.0), (11, 30.0)] {
            sheet.set_column_width(c, w)?;
        }
    }
    book.save_to_buffer()
}
