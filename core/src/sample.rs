//! Realistic sample records, generated deterministically from a seed: names, companies,
//! valid resident IDs and phones. For demonstrations and benchmarks; never for real cases.

use serde_json::{json, Value};

use crate::model::{Kind, Record, RiskLevel};

/// xorshift: deterministic, no dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next_u64() % xs.len() as u64) as usize]
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: &[&str] = &[
    "强", "伟", "芳", "娜", "敏", "静", "丽", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建国",
    "志强", "海燕",
];
const PLACES: &[&str] = &[
    "青浦",
    "华新",
    "白鹤",
    "朱家角",
    "练塘",
    "金泽",
    "赵巷",
    "徐泾",
    "重固",
    "香花桥",
];
const TRADES: &[&str] = &[
    "物流",
    "制衣",
    "建筑劳务",
    "电子",
    "机械",
    "食品",
    "包装",
    "装饰工程",
    "仓储",
    "模具",
];
const TOWNSHIPS: &[&str] = &["华新镇", "白鹤镇", "徐泾镇", "赵巷镇"];

pub fn name(r: &mut Rng) -> String {
    format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN))
}

pub fn company(r: &mut Rng) -> String {
    format!(
        "上海{}{}{}有限公司",
        r.pick(PLACES),
        ["宏达", "恒通", "鑫盛", "振华", "瑞丰", "永安"][r.below(6) as usize],
        r.pick(TRADES)
    )
}

pub fn resident_id(r: &mut Rng) -> String {
    let body = format!(
        "310118{}{:02}{:02}{:03}",
        1960 + r.below(40),
        1 + r.below(12),
        1 + r.below(28),
        r.below(1000)
    );
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!(
        "{body}{}",
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
    )
}

/// A unified social credit code (GB 32100) with a valid check character.
pub fn uscc(r: &mut Rng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let mut body = String::from("91310118");
    for _ in 0..9 {
        body.push(CHARS[r.below(31) as usize] as char);
    }
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32 * w)
        .sum();
    body.push(CHARS[((31 - sum % 31) % 31) as usize] as char);
    body
}

pub fn phone(r: &mut Rng) -> String {
    format!("1{}{:09}", 3 + r.below(7), r.below(1_000_000_000))
}

/// A realistic record of a random kind (about 40 % cases), valid and complete.
pub fn record(r: &mut Rng) -> (Kind, Value) {
    let township = r.pick(TOWNSHIPS);
    let roll = r.below(100);
    let kind = match roll {
        0..=39 => Kind::Case,
        40..=54 => Kind::Employer,
        55..=64 => Kind::Project,
        65..=74 => Kind::Inspection,
        75..=84 => Kind::Interview,
        85..=94 => Kind::Incident,
        _ => Kind::Mediation,
    };
    let mut v = Record::example(kind).to_json();
    v["township"] = json!(township);
    let risk = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low][r.below(3) as usize];
    match kind {
        Kind::Case => {
            let emp = company(r);
            v["subject"] = json!(format!("{emp}拖欠{}名工人工资", 3 + r.below(60)));
            v["employer_name"] = json!(emp);
            v["risk_level"] = json!(risk);
            v["responsible_person"] = json!(name(r));
            v["amount_owed_fen"] = json!(r.below(50_000_000));
            v["filed_on"] = json!(format!("2026-{:02}-{:02}", 1 + r.below(9), 1 + r.below(28)));
            let claims: Vec<Value> = (0..1 + r.below(3))
                .map(|_| json!({"worker_name": name(r), "resident_id": resident_id(r), "phone": phone(r), "amount_owed_fen": r.below(3_000_000)}))
                .collect();
            v["wage_claims"] = json!(claims);
        }
        Kind::Employer => {
            v["name"] = json!(company(r));
            v["legal_representative"] = json!(name(r));
            v["contact"] = json!({"name": name(r), "phone": phone(r)});
            v["risk_level"] = json!(risk);
        }
        Kind::Project => v["name"] = json!(format!("{}{}号地块工程", r.pick(PLACES), r.below(300))),
        Kind::Interview => {
            v["interviewee"]["name"] = json!(name(r));
            v["interviewee"]["resident_id"] = json!(resident_id(r));
            v["interviewee"]["phone"] = json!(phone(r));
        }
        Kind::Incident => {
            v["employer_name"] = json!(company(r));
            v["representatives"][0] = json!({"name": name(r), "resident_id": resident_id(r), "phone": phone(r)});
        }
        Kind::Mediation => {
            v["employer"]["name"] = json!(company(r));
            let w = name(r);
            v["workers"][0]["name"] = json!(w.clone());
            v["agreement"]["signatures"]["workers"][0]["name"] = json!(w);
            v["workers"][0]["resident_id"] = json!(resident_id(r));
        }
        Kind::Inspection => v["site_name"] = json!(format!("{}{}号地块工程", r.pick(PLACES), r.below(300))),
        Kind::Calendar => {}
    }
    (kind, v)
}

/// A realistic case (ledger line) of about 1 KB of JSON.
pub fn case(r: &mut Rng) -> Value {
    loop {
        let (kind, v) = record(r);
        if kind == Kind::Case {
            return v;
        }
    }
}

/// A township hub kept in `dir/hub` and devices enrolled at it through the in-memory hub, each
/// synced once on joining, so that every store's registry vouches for those enrolled before it
/// (seals made by one are honoured by the others). For tests and demonstrations of what
/// crosses between devices by bundle or by sync.
pub struct District {
    pub hub: std::sync::Arc<crate::Store>,
    dir: std::path::PathBuf,
    key: [u8; 32],
}

impl District {
    /// The hub of `dir` (made, and registered as a hub, the first time).
    pub fn at(dir: &std::path::Path, key: &[u8; 32]) -> crate::error::Result<District> {
        let path = dir.join("hub");
        let hub = if path.join(crate::store::DB_FILE).exists() {
            crate::Store::open(&path, key)?
        } else {
            let s = crate::Store::create(&path, key, "青浦区", "办公室", crate::Role::Office)?;
            s.register_as_hub()?;
            s
        };
        Ok(District {
            hub: std::sync::Arc::new(hub),
            dir: dir.to_path_buf(),
            key: *key,
        })
    }

    /// The hub reached in memory.
    pub fn memory(&self) -> crate::sync::memory::MemoryHub {
        crate::sync::memory::MemoryHub::new(self.hub.clone())
    }

    /// A device of `township` for `user` in `dir/<folder>`, enrolled and synced once.
    pub fn enrol(
        &self,
        folder: &str,
        township: &str,
        user: &str,
        role: crate::Role,
    ) -> crate::error::Result<crate::Store> {
        let code = self.hub.enroll(township, role, user)?.code;
        let memory = self.memory();
        let (store, _) = crate::Store::create_by_joining(
            &self.dir.join(folder),
            &self.key,
            &memory,
            "https://hub.test/",
            None,
            &code,
        )?;
        store.sync().run(&memory, &Default::default())?;
        Ok(store)
    }
}
