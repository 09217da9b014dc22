//! Writes the ledger fixtures the import tests read, made as a township office makes them: an
//! XLSX with a merged title, a two-row header under a merged group label, columns in the
//! office's own order, an extra column, township cells merged over blocks of rows, amounts as
//! numbers, as text with commas and in 万, dates as date cells, as text and as serial numbers,
//! and a total line; and the same 300 rows as CSV in GB18030, as Chinese Windows saves it.
//! Five rows are wrong in five different ways; some are closed; one USCC has a wrong check
//! character. Prints the answer the tests hold the import to.
//!
//! cargo run -p fieldcase-hub --example ledger_fixture -- tests/fixtures/ledger

use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
const GIVEN: &[&str] = &[
    "建国", "秀英", "志强", "丽娟", "海峰", "春梅", "国华", "晓东", "玉兰", "文斌",
];
const TRADES: &[(&str, &str)] = &[
    ("物流", "物流有限公司"),
    ("建筑业", "建设工程有限公司"),
    ("制造业", "精密机械有限公司"),
    ("餐饮", "餐饮管理有限公司"),
    ("运输", "货运有限公司"),
    ("建筑装修", "装饰工程有限公司"),
];
const PLACES: &[&str] = &["华腾", "新凤", "嘉松", "华志", "凤溪", "纪鹤", "北青", "华隆"];
const MEASURES: &[&str] = &[
    "约谈企业负责人，督促制定还款计划",
    "责令限期支付",
    "组织劳资双方调解",
    "协调总包单位代发",
];
const PROGRESS: &[&str] = &["已支付部分工资", "企业承诺月底前付清", "调解中", "已立案调查", ""];

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A USCC with its right check character (GB 32100).
fn uscc(n: u64) -> String {
    let body = format!("91310118{:09}", n % 1_000_000_000);
    let mut body: Vec<u8> = body.into_bytes();
    body[16] = USCC_CHARS[(n % 31) as usize];
    let sum: usize = body
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| USCC_CHARS.iter().position(|x| x == c).unwrap_or(0) * w)
        .sum();
    body.push(USCC_CHARS[(31 - sum % 31) % 31]);
    String::from_utf8(body).unwrap_or_default()
}

/// A small deterministic generator, so the fixture is the same every time it is made.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() as usize % from.len()]
    }
}

struct Row {
    name: String,
    uscc: String,
    industry: &'static str,
    risk: &'static str,
    workers: String,
    owed: Owed,
    leader: String,
    person: String,
    measures: &'static str,
    progress: &'static str,
    closed: bool,
    filed: Filed,
    note: &'static str,
}

enum Owed {
    Number(f64),
    Text(String),
}

enum Filed {
    Cell(u16, u8, u8),
    Text(String),
    Serial(u32),
}

fn rows() -> Vec<Row> {
    let mut r = Lcg(20261204);
    let mut out = vec![];
    for i in 0..300u64 {
        let (industry, suffix) = TRADES[r.next() as usize % TRADES.len()];
        let place = r.pick(PLACES);
        let name = format!(
            "上海{place}{}{suffix}",
            ["鑫", "恒", "达", "盛", "源", "泰"][i as usize % 6]
        );
        let name = format!("{name}（{}号）", i + 1);
        let fen = 100_000 + (r.next() % 5_000) as i64 * 10_000 + (r.next() % 2) as i64 * 50;
        let owed = match i % 3 {
            0 => Owed::Number(fen as f64 / 100.0),
            1 => Owed::Text(fieldcase_core::money::yuan(fen)),
            _ if fen % 100 == 0 && (fen / 100) % 100 == 0 => Owed::Text(format!("{}万", fen as f64 / 1_000_000.0)),
            _ => Owed::Text(format!("{}", fen as f64 / 100.0)),
        };
        let (m, d) = (1 + (i % 10) as u8, 1 + (i % 27) as u8);
        let filed = match i % 4 {
            0 => Filed::Cell(2026, m, d),
            1 => Filed::Text(format!("2026/{m}/{d}")),
            2 => Filed::Text(format!("2026年{m}月{d}日")),
            _ => Filed::Serial(
                (chrono::NaiveDate::from_ymd_opt(2026, m.into(), d.into()).unwrap_or_default()
                    - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default())
                .num_days() as u32,
            ),
        };
        let person = format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN));
        out.push(Row {
            name,
            uscc: uscc(1000 + i * 7919),
            industry,
            risk: ["高", "中", "低", "中风险"][r.next() as usize % 4],
            workers: format!("{}", 3 + r.next() % 60),
            owed,
            leader: format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN)),
            person,
            measures: r.pick(MEASURES),
            progress: r.pick(PROGRESS),
            closed: i % 15 == 14,
            filed,
            note: if i % 7 == 0 { "重点关注" } else { "" },
        });
    }
    // Five rows wrong in five ways, as clerks get them wrong.
    out[41].uscc = "9131011800012".into(); // too short
    out[87].owed = Owed::Text("约三万".into()); // not an amount
    out[133].workers = "十几".into(); // not a count
    out[178].filed = Filed::Text("2026-02-30".into()); // no such day
    out[222].risk = "极高"; // not a level
                            // A wrong check character: kept, with a warning.
    let mut u = out[250].uscc.clone().into_bytes();
    u[17] = if u[17] == b'1' { b'2' } else { b'1' };
    out[250].uscc = String::from_utf8(u).unwrap_or_default();
    out
}

fn fen_of(o: &Owed) -> Option<i64> {
    match o {
        Owed::Number(f) => Some((f * 100.0).round() as i64),
        Owed::Text(t) => fieldcase_core::money::read_yuan(t).ok(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "tests/fixtures/ledger".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let rows = rows();

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("台账")?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let date = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("yyyy-mm-dd");
    let money = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.00");
    // The office's own order: township and employer first, industry near the end.
    let cols = [
        "序号",
        "所属街镇",
        "单位名称",
        "统一社会信用代码",
        "风险等级",
        "涉及人数（人）",
        "欠薪金额（元）",
        "包案领导",
        "责任人",
        "化解措施",
        "进展情况",
        "行业",
        "是否销账",
        "立案日期",
        "备注",
    ];
    let last = (cols.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last, "青浦区华新镇欠薪隐患排查台账（2026年11月）", &title)?;
    sheet.merge_range(
        1,
        0,
        1,
        last,
        "填报单位：华新镇劳动保障所　　填报日期：2026年11月30日",
        &Format::new(),
    )?;
    for (c, name) in cols.iter().enumerate() {
        let c = c as u16;
        if c == 5 || c == 6 {
            sheet.write_string_with_format(3, c, *name, &head)?;
        } else {
            sheet.merge_range(2, c, 3, c, name, &head)?;
        }
    }
    sheet.merge_range(2, 5, 2, 6, "欠薪情况", &head)?;
    let top = 4u32;
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as u32;
        sheet.write_number_with_format(y, 0, (i + 1) as f64, &cell)?;
        if i % 10 == 0 {
            // The township written once over a block of ten rows, as offices merge it.
            sheet.merge_range(y, 1, y + 9, 1, "华新镇", &cell)?;
        }
        sheet.write_string_with_format(y, 2, &r.name, &cell)?;
        sheet.write_string_with_format(y, 3, &r.uscc, &cell)?;
        sheet.write_string_with_format(y, 4, r.risk, &cell)?;
        match r.workers.parse::<f64>() {
            Ok(n) => sheet.write_number_with_format(y, 5, n, &cell)?,
            Err(_) => sheet.write_string_with_format(y, 5, &r.workers, &cell)?,
        };
        match &r.owed {
            Owed::Number(f) => sheet.write_number_with_format(y, 6, *f, &money)?,
            Owed::Text(t) => sheet.write_string_with_format(y, 6, t, &cell)?,
        };
        sheet.write_string_with_format(y, 7, &r.leader, &cell)?;
        sheet.write_string_with_format(y, 8, &r.person, &cell)?;
        sheet.write_string_with_format(y, 9, r.measures, &cell)?;
        sheet.write_string_with_format(y, 10, r.progress, &cell)?;
        sheet.write_string_with_format(y, 11, r.industry, &cell)?;
        sheet.write_string_with_format(y, 12, if r.closed { "是" } else { "否" }, &cell)?;
        match &r.filed {
            Filed::Cell(yy, m, d) => {
                sheet.write_datetime_with_format(y, 13, ExcelDateTime::from_ymd(*yy, *m, *d)?, &date)?
            }
            Filed::Text(t) => sheet.write_string_with_format(y, 13, t, &cell)?,
            Filed::Serial(n) => sheet.write_number_with_format(y, 13, *n as f64, &cell)?,
        };
        sheet.write_string_with_format(y, 14, r.note, &cell)?;
    }
    let total_y = top + rows.len() as u32;
    sheet.write_string_with_format(total_y, 0, "合计", &head)?;
    let workers: i64 = rows.iter().filter_map(|r| r.workers.parse::<i64>().ok()).sum();
    let owed: i64 = rows.iter().filter_map(|r| fen_of(&r.owed)).sum();
    sheet.write_number_with_format(total_y, 5, workers as f64, &cell)?;
    sheet.write_number_with_format(total_y, 6, owed as f64 / 100.0, &money)?;
    sheet.set_column_width(2, 36)?;
    sheet.set_column_width(3, 22)?;
    book.save(dir.join("华新镇台账.xlsx"))?;

    // The same rows as a plain CSV in GB18030: a title line, one header row, Excel's quoting.
    let mut csv = String::from("华新镇欠薪隐患排查台账（2026年11月）\n");
    csv.push_str("序号,单位名称,统一社会信用代码,所属街镇,行业,风险等级,涉及人数,欠薪金额(元),包案领导,责任人,化解措施,进展情况,是否销账,立案日期\n");
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    for (i, r) in rows.iter().enumerate() {
        let owed = match &r.owed {
            Owed::Number(f) => fieldcase_core::money::yuan((f * 100.0).round() as i64),
            Owed::Text(t) => t.clone(),
        };
        let filed = match &r.filed {
            Filed::Cell(y, m, d) => format!("{y}-{m:02}-{d:02}"),
            Filed::Text(t) => t.clone(),
            Filed::Serial(n) => n.to_string(),
        };
        let cells = [
            (i + 1).to_string(),
            r.name.clone(),
            r.uscc.clone(),
            "华新镇".into(),
            r.industry.into(),
            r.risk.into(),
            r.workers.clone(),
            owed,
            r.leader.clone(),
            r.person.clone(),
            r.measures.into(),
            r.progress.into(),
            if r.closed { "是" } else { "否" }.into(),
            filed,
        ];
        csv.push_str(&cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let (gb, _, bad) = encoding_rs::GB18030.encode(&csv);
    assert!(!bad);
    std::fs::write(dir.join("华新镇台账-gb18030.csv"), &gb)?;

    // The answer: the rows a correct import brings in, and their totals.
    let good: Vec<usize> = (0..rows.len())
        .filter(|i| ![41, 87, 133, 178, 222].contains(i))
        .collect();
    let open: Vec<&Row> = good.iter().map(|i| &rows[*i]).filter(|r| !r.closed).collect();
    println!(
        "rows {}, bad rows (xlsx lines) {:?}, closed {}, open good rows {}, their workers {}, their amount {} fen",
        rows.len(),
        [41, 87, 133, 178, 222].map(|i| i + top as usize + 1),
        rows.iter().filter(|r| r.closed).count(),
        open.len(),
        open.iter().filter_map(|r| r.workers.parse::<i64>().ok()).sum::<i64>(),
        open.iter().filter_map(|r| fen_of(&r.owed)).sum::<i64>(),
    );
    Ok(())
}
