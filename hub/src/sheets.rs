//! The cells of the files offices keep their lists in: an Excel or WPS workbook (XLSX, the
//! older XLS, ODS; its first sheet, merged cells filled with their value), or CSV as Excel and
//! WPS save it (UTF-8 with or without a byte-order mark, GB18030/GBK as Chinese Windows saves
//! it by default, UTF-16 "Unicode text" with tabs; quoted fields with commas and line breaks).
//! What the cells mean is the core's to say.

use std::io::Cursor;

use calamine::{Data, Reader};

/// The rows of cells of an uploaded or named file, as text: whole numbers without a decimal
/// point, dates as `YYYY-MM-DD`. `Err` says, in Chinese, why the file cannot be read.
pub fn cells(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let lower = name.to_lowercase();
    let workbook = [".xlsx", ".xlsm", ".xls", ".ods"].iter().any(|e| lower.ends_with(e))
        || bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if workbook {
        workbook_cells(bytes)
    } else {
        csv_cells(bytes)
    }
}

fn workbook_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("不是可读的Excel文件（{e}）；请在Excel或WPS中另存为.xlsx后再导入"))?;
    let first = book.sheet_names().first().cloned().ok_or("Excel文件里没有工作表")?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| format!("工作表“{first}”读不出来（{e}）"))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = vec![];
    // Rows and columns counted from A1, so that line numbers are the ones Excel shows.
    for _ in 0..top {
        rows.push(vec![]);
    }
    for r in range.rows() {
        let mut row = vec![String::new(); left as usize];
        row.extend(r.iter().map(text_of));
        rows.push(row);
    }
    if let calamine::Sheets::Xlsx(x) = &mut book {
        if let Some(Ok(merged)) = x.worksheet_merge_cells(&first) {
            for m in merged {
                let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
                let value = rows.get(r0).and_then(|r| r.get(c0)).cloned().unwrap_or_default();
                for r in r0..=(m.end.0 as usize).min(rows.len().saturating_sub(1)) {
                    for c in c0..=m.end.1 as usize {
                        let row = &mut rows[r];
                        if row.len() <= c {
                            row.resize(c + 1, String::new());
                        }
                        if row[c].is_empty() {
                            row[c] = value.clone();
                        }
                    }
                }
            }
        }
    }
    Ok(rows)
}

fn text_of(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        // Money typed as a number: what Excel shows, not a binary fraction's tail.
        Data::Float(f) => {
            let t = format!("{f:.6}");
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Data::DateTime(d) => {
            let serial = d.as_f64().floor() as i64;
            fieldcase_core::ledger_import::read_date(&serial.to_string())
                .map(|d| d.to_string())
                .unwrap_or_else(|| serial.to_string())
        }
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_string(),
        Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}

/// The text of a CSV file, in whichever encoding Excel or WPS saved it.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!("文件以{}的标记开头，内容却不是这种编码", encoding.name()));
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or_else(|| "文件既不是UTF-8也不是GB18030（GBK）编码；请在Excel或WPS中另存为“CSV UTF-8”或.xlsx".to_string())
}

fn csv_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = decode_text(bytes)?;
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches('\t').count() > first.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = vec![];
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("第{}行读不出来（{e}）", i + 1))?;
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_read_in_the_encodings_windows_saves() {
        let text = "单位名称,欠薪金额(元)\n\"上海某物流有限公司\",\"1,234.50\"\n";
        let want = vec![
            vec!["单位名称".to_string(), "欠薪金额(元)".to_string()],
            vec!["上海某物流有限公司".to_string(), "1,234.50".to_string()],
        ];
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(text.as_bytes());
        // Excel's "Unicode text": UTF-16 with its mark, tabs between the cells.
        let mut utf16_bom = vec![0xFF, 0xFE];
        for u in "单位名称\t欠薪金额(元)\n上海某物流有限公司\t1,234.50\n".encode_utf16() {
            utf16_bom.extend(u.to_le_bytes());
        }
        for bytes in [text.as_bytes().to_vec(), gb.into_owned(), bom] {
            assert_eq!(cells("ledger.csv", &bytes).unwrap(), want);
        }
        assert_eq!(cells("ledger.txt", &utf16_bom).unwrap(), want);
        assert!(cells("x.csv", &[0x81, 0x20, 0xFF, 0xFF])
            .unwrap_err()
            .contains("GB18030"));
    }
}
