//! The ledger as an XLSX workbook that opens in Excel and WPS: one sheet per risk level, the
//! 台账 columns, money in 元 with two decimals, a total line, and the time it was made in
//! Shanghai time.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use fieldcase_core::model::RiskLevel;
use fieldcase_core::words;

use super::ledger::{Line, COLUMNS};

/// The workbook's bytes.
pub fn ledger(lines: &[Line], made: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.00");
    for risk in [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low] {
        let name = words::risk_name(risk);
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        sheet.write_string(0, 0, format!("欠薪案件台账（{name}）　导出时间：{made}"))?;
        for (c, name) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(1, c as u16, *name, &head)?;
        }
        let mut r = 2u32;
        let mut total_fen = 0i64;
        let mut workers = 0u64;
        let mut closed = 0usize;
        for (n, l) in lines.iter().filter(|l| l.risk == risk).enumerate() {
            sheet.write_number_with_format(r, 0, (n + 1) as f64, &cell)?;
            for (c, v) in [(1, &l.employer), (2, &l.uscc), (3, &l.township), (4, &l.industry)] {
                sheet.write_string_with_format(r, c, v.as_str(), &cell)?;
            }
            sheet.write_string_with_format(r, 5, name, &cell)?;
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
            workers += u64::try_from(l.workers.unwrap_or(0)).unwrap_or(0);
            closed += usize::from(l.closed);
            r += 1;
        }
        sheet.write_string_with_format(r, 1, "合计", &head)?;
        sheet.write_number_with_format(r, 6, workers as f64, &cell)?;
        sheet.write_number_with_format(r, 7, total_fen as f64 / 100.0, &money)?;
        // What the total counts, where the weekly report counts open cases only.
        sheet.write_string(r, 8, format!("含已销账 {closed} 件（周报只计未销账）"))?;
        for (c, w) in [(1, 28.0), (2, 22.0), (3, 10.0), (7, 14.0), (10, 30.0), (11, 30.0)] {
            sheet.set_column_width(c, w)?;
        }
    }
    book.save_to_buffer()
}

/// The weekly report as a workbook: the table by township with its total, and the three zeros.
pub fn week(w: &fieldcase_core::report::Week) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("周报")?;
    sheet.write_string(0, 0, format!("欠薪治理周报　{} 至 {}", w.from, w.to))?;
    let cols = [
        "街镇",
        "在办高风险",
        "在办中风险",
        "在办低风险",
        "处理中",
        "已办结",
        "本周新增",
        "本周化解",
        "逾期",
        "欠薪金额(元)",
        "本周追回(元)",
    ];
    for (c, name) in cols.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *name, &head)?;
    }
    for (i, l) in w.lines.iter().chain(std::iter::once(&w.total)).enumerate() {
        let r = 2 + i as u32;
        sheet.write_string_with_format(r, 0, l.township.as_str(), &cell)?;
        for (c, n) in [
            l.open_high,
            l.open_medium,
            l.open_low,
            l.in_progress,
            l.closed,
            l.new,
            l.resolved,
            l.overdue,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_number_with_format(r, 1 + c as u16, f64::from(*n), &cell)?;
        }
        sheet.write_number_with_format(r, 9, l.owed_fen as f64 / 100.0, &money)?;
        sheet.write_number_with_format(r, 10, l.recovered_fen as f64 / 100.0, &money)?;
    }
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(9, 16)?;
    sheet.set_column_width(10, 16)?;
    let z = &w.zeros;
    let zeros = book.add_worksheet();
    zeros.set_name("三个零")?;
    let lines = [
        (
            "源头监控零失控",
            format!(
                "高风险企业 {} 家；超过 {} 天未跟进 {} 家",
                z.monitoring.high_risk_employers,
                z.monitoring.quiet_days,
                z.monitoring.out_of_monitoring.len()
            ),
        ),
        (
            "快速处置零距离",
            format!(
                "事件 {} 起；网格员到场中位 {} 分钟；监察员到场中位 {} 分钟{}",
                z.response.incidents.len(),
                z.response
                    .median_minutes_to_grid_assistant
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "—".into()),
                z.response
                    .median_minutes_to_inspector
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "—".into()),
                times_to_check(z.response.times_to_check),
            ),
        ),
        (
            "极端讨薪行为零增长",
            if z.extreme_acts.growth {
                "本月增长".to_string()
            } else {
                "未增长".to_string()
            },
        ),
    ];
    for (i, (name, text)) in lines.iter().enumerate() {
        zeros.write_string_with_format(i as u32, 0, *name, &head)?;
        zeros.write_string_with_format(i as u32, 1, text.as_str(), &cell)?;
    }
    zeros.set_column_width(0, 20)?;
    zeros.set_column_width(1, 60)?;
    book.save_to_buffer()
}

/// What the weekly report says of incidents whose arrival was typed before their report (left
/// out of the medians): nothing when there are none.
pub(crate) fn times_to_check(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("（另有 {n} 起到场时间早于报告时间，未计入，请核对）")
    }
}
