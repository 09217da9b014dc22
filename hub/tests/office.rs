//! The township office's pages as an office worker (and an attacker) meets them over HTTP:
//! login with lock-out, sessions and CSRF, the ledger with filters, a case page, assigning the
//! responsible person (which reaches a phone on its next sync), the XLSX export read back, a
//! township office that sees its township only, and markup in a record shown as text.

mod support;

use support::browser::Browser;

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};
use fieldcase_core::model::{Kind, Record};
use fieldcase_core::store::LedgerQuery;
use fieldcase_core::{sample, Role, Store};
use fieldcase_hub::Hub;
use serde_json::json;
use tempfile::TempDir;

const KEY: [u8; 32] = [3; 32];
const PASSWORD: &str = "华新镇办公室2026";

/// The ledger's lines on a page: its rows without the header and the total.
fn lines(body: &str) -> usize {
    body.matches("<tr").count() - 1 - usize::from(body.contains("id=\"total\""))
}

/// The hub's store: the district office, two townships' cases, staff accounts.
fn district(dir: &TempDir) -> (Store, Vec<String>) {
    let s = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let mut rng = sample::Rng(0x0FF1CE);
    let mut ids = vec![];
    for i in 0..30 {
        let mut v = sample::case(&mut rng);
        v["township"] = json!(if i % 3 == 0 { "赵巷镇" } else { "华新镇" });
        v["risk_level"] = json!(["high", "medium", "low"][(i / 3) % 3]);
        v["amount_owed_fen"] = json!(100_000 + i as i64 * 1_000);
        v["workers_involved"] = json!(2);
        if i == 4 {
            v["employer_name"] = json!("<script>alert('x')</script>宏达物流");
        }
        ids.push(s.writer().create_json(Kind::Case, v).unwrap().id);
    }
    s.office().add_user("华新镇办公室", PASSWORD, Some("华新镇")).unwrap();
    s.office().add_user("区办公室", PASSWORD, None).unwrap();
    (s, ids)
}

#[test]
fn an_office_worker_logs_in_filters_the_ledger_assigns_a_person_and_the_phone_sees_it() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let code = s.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());

    // Every page refuses a request without a session.
    for path in [
        "/",
        "/office",
        "/office/audit",
        "/office/ledger.xlsx",
        &format!("/office/case/{}", ids[1]),
    ] {
        let p = b.get(path);
        assert_eq!(
            (p.status, p.location.as_deref()),
            (303, Some("/office/login")),
            "{path}"
        );
    }
    // A wrong password, and a login form posted without its token.
    let p = b.login("华新镇办公室", "not the password");
    assert_eq!(p.status, 401);
    assert!(p.body.contains("用户名或密码不对"));
    let p = b.post("/office/login", &[("user", "华新镇办公室"), ("password", PASSWORD)]);
    assert_eq!(p.status, 403);

    let p = b.login("华新镇办公室", PASSWORD);
    assert_eq!((p.status, p.location.as_deref()), (303, Some("/office")));
    let session = p.set_cookies.iter().find(|c| c.starts_with("fc_session=")).unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );

    // The township's ledger: its cases only, by deadline; high risk alone when asked.
    let ledger = b.get("/office");
    assert_eq!(ledger.status, 200);
    assert_eq!(lines(&ledger.body), 20, "20 of the 30 cases are 华新镇's");
    assert!(!ledger.body.contains("赵巷镇</td>"));
    let high = b.get("/office?risk=high");
    assert!(lines(&high.body) > 0);
    assert!(high.body.matches("<td class=\"high\">高风险</td>").count() == lines(&high.body));
    // Markup in a record is shown as text.
    let page = b.get(&format!("/office/case/{}", ids[4]));
    assert!(page
        .body
        .contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;宏达物流"));
    assert!(!page.body.contains("<script>"));
    // Another township's case is not there for this office.
    let other = b.get(&format!("/office/case/{}", ids[0]));
    assert_eq!(other.status, 404);

    // Assigning: refused without the token, done with it.
    let case = ids[1].clone();
    let page = b.get(&format!("/office/case/{case}"));
    let csrf = Browser::csrf(&page);
    let p = b.post(
        &format!("/office/case/{case}/assign"),
        &[("leader", "周明"), ("person", "吴军")],
    );
    assert_eq!(p.status, 403);
    assert!(p.body.contains("校验码"));
    let p = b.post(
        &format!("/office/case/{case}/assign"),
        &[("leader", "周明"), ("person", "吴军"), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 303);
    let page = b.get(p.location.as_deref().unwrap());
    assert!(page.body.contains("<td id=\"person\">吴军</td>"), "{}", page.body);

    // The phone receives the office's change on its next sync.
    let phone = support::join(&dir.path().join("phone"), &[9; 32], &hub.url(), &code);
    support::try_sync(&phone, &Default::default()).unwrap();
    let row = phone
        .ledger()
        .list(&LedgerQuery {
            kind: Some(Kind::Case),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .find(|r| r.id == case)
        .unwrap();
    assert_eq!(row.responsible.as_deref(), Some("吴军"));
    // The phone's history names the clerk who assigned, as the office, not the hub's store.
    let last = phone.records().history(&case).unwrap().pop().unwrap();
    assert_eq!(
        (
            last.user.as_str(),
            last.role,
            last.verified,
            last.fields.contains(&"responsible_person".into())
        ),
        ("华新镇办公室", Some(Role::Office), true, true),
        "{last:?}"
    );
    assert!(last.device.starts_with("office"), "{last:?}");
    let at_hub = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    assert_ne!(last.device, at_hub.identity().device);
    // The same in the hub's own history.
    let at_hub = at_hub.records().history(&case).unwrap().pop().unwrap();
    assert_eq!((at_hub.user, at_hub.device), (last.user, last.device));

    // The export: one sheet per risk level, the 台账 columns, 元 with decimals, totals.
    let x = b.get("/office/ledger.xlsx");
    assert_eq!(x.status, 200);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(x.bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["高风险", "中风险", "低风险"]);
    let mut cases = 0;
    for sheet in ["高风险", "中风险", "低风险"] {
        let range = book.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows[1][0], Data::String("序号".into()));
        assert_eq!(rows[1][7], Data::String("欠薪金额(元)".into()));
        let body = &rows[2..rows.len() - 1];
        cases += body.len();
        let sum: f64 = body.iter().map(|r| r[7].get_float().unwrap()).sum();
        let total = rows.last().unwrap();
        assert_eq!(total[1], Data::String("合计".into()));
        assert!((total[7].get_float().unwrap() - sum).abs() < 1e-6);
        assert!(body.iter().all(|r| r[3] == Data::String("华新镇".into())));
    }
    assert_eq!(cases, 20);

    // Each action is in the audit trail, in the clerks' words: no codes, no English, no ids.
    let audit = b.get("/office/audit");
    for action in ["登录", "登录失败", "指定包案领导和责任人", "导出"] {
        assert!(audit.body.contains(&format!("<td>{action}</td>")), "{action}");
    }
    assert!(audit.body.contains("包案领导 周明"), "{}", audit.body);
    assert!(audit.body.contains("导出台账，"), "{}", audit.body);
    let table = &audit.body[audit.body.find("<table").unwrap()..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in table.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    assert!(
        !text.chars().any(|c| c.is_ascii_lowercase()),
        "English or an id on the audit page: {text}"
    );
    hub.stop();
}

#[test]
fn five_wrong_passwords_lock_the_account_and_the_district_sees_every_township() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    // One login form (one token) for every attempt, so that the pages can be compared byte
    // for byte: an unknown name, a wrong password and a locked account answer the same.
    let form = b.get("/office/login");
    let csrf = Browser::csrf(&form);
    let mut attempt = |user: &str, password: &str| {
        let p = b.post(
            "/office/login",
            &[("user", user), ("password", password), ("csrf", &csrf)],
        );
        (p.status, p.bytes)
    };
    let unknown = attempt("没有这个人", "wrong");
    assert_eq!(unknown.0, 401);
    assert!(String::from_utf8_lossy(&unknown.1).contains("用户名或密码不对"));
    for i in 0..5 {
        assert_eq!(attempt("华新镇办公室", "wrong"), unknown, "wrong password {i}");
    }
    // Locked: even the right password waits, and the page says what it says to anyone.
    assert_eq!(attempt("华新镇办公室", PASSWORD), unknown, "locked");
    for i in 0..6 {
        assert_eq!(attempt("没有这个人", "wrong"), unknown, "unknown name {i}");
    }
    assert_eq!(attempt("没有这个人", PASSWORD), unknown);

    let mut d = Browser::new(&hub.url());
    assert_eq!(d.login("区办公室", PASSWORD).status, 303);
    let ledger = d.get("/office?after=");
    assert_eq!(lines(&ledger.body), 30);
    assert_eq!(d.get(&format!("/office/case/{}", ids[0])).status, 200);
    let only = d.get("/office?township=赵巷镇");
    assert_eq!(lines(&only.body), 10);
    hub.stop();
}

#[test]
fn the_weekly_report_counts_the_week_by_township_and_exports_with_its_total() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let today = fieldcase_core::calendar::local_date(chrono::Utc::now());
    // This week: two cases filed, one resolved with 1,234.56 元 paid.
    for id in &ids[1..3] {
        s.writer()
            .edit(id, &[("filed_on".into(), json!(today.to_string()))])
            .unwrap();
    }
    s.writer()
        .close(
            &ids[2],
            json!({"kind": "paid_in_full", "on": today.to_string(), "amount_paid_fen": 123_456}),
        )
        .unwrap();
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("区办公室", PASSWORD).status, 303);
    let page = b.get("/office/week");
    assert_eq!(page.status, 200);
    let total = page.body.split("<tr style=\"font-weight:bold\">").nth(1).unwrap();
    let cells: Vec<&str> = total
        .split("<td>")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap())
        .collect();
    // 街镇, 高, 中, 低, 处理中, 已办结, 新增, 化解, 逾期, 欠薪, 追回
    assert_eq!(cells[0], "合计");
    assert_eq!(
        cells[1..4].iter().map(|c| c.parse::<u32>().unwrap()).sum::<u32>(),
        29,
        "30 cases, one closed"
    );
    assert_eq!((cells[5], cells[6], cells[7]), ("1", "2", "1"));
    assert_eq!(cells[10], "1,234.56");
    assert!(page.body.contains("<svg id=\"chart\""));
    // The trend: eight weeks, this one with the two filed and the one resolved.
    let trend = page
        .body
        .split("<svg id=\"trend\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    assert_eq!(trend.matches("<rect").count(), 16);
    assert!(trend.contains("八周合计 1,234.56 元"));
    assert!(page.body.contains("源头监控零失控"));
    assert_eq!(b.get("/office/week?from=2026-13-01").status, 400);

    let x = b.get("/office/week.xlsx");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(x.bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["周报", "三个零"]);
    let range = book.worksheet_range("周报").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let total = rows.last().unwrap();
    assert_eq!(total[0], Data::String("合计".into()));
    let townships = &rows[2..rows.len() - 1];
    assert_eq!(townships.len(), 2);
    for c in 1..=10 {
        let sum: f64 = townships.iter().map(|r| r[c].get_float().unwrap()).sum();
        assert!((total[c].get_float().unwrap() - sum).abs() < 1e-6, "column {c}");
    }
    assert!((total[10].get_float().unwrap() - 1234.56).abs() < 1e-6);
    hub.stop();
}

#[test]
fn the_office_sets_a_risk_level_adds_a_follow_up_and_enrols_and_revokes_a_phone() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);
    let case = &ids[1];
    let page = b.get(&format!("/office/case/{case}"));
    let csrf = Browser::csrf(&page);
    let p = b.post(
        &format!("/office/case/{case}/risk"),
        &[("risk", "high"), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 303);
    let p = b.post(
        &format!("/office/case/{case}/follow-up"),
        &[("kind", "call"), ("outcome", "电话督促单位负责人"), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 303);
    let page = b.get(&format!("/office/case/{case}"));
    assert!(page.body.contains("· 高风险"));
    assert!(
        page.body.contains("电话 华新镇办公室：电话督促单位负责人"),
        "{}",
        page.body
    );
    // A follow-up with nothing in it is refused with the core's words.
    let p = b.post(
        &format!("/office/case/{case}/follow-up"),
        &[("kind", "call"), ("outcome", " "), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("此项必填"));

    // Enrolling a phone: a one-time code and its join link as a QR code; revoking it.
    let devices = b.get("/office/devices");
    let csrf = Browser::csrf(&devices);
    let p = b.post(
        "/office/devices/enroll",
        &[("user", "王明"), ("role", "inspector"), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 200);
    assert!(p.body.contains("<svg id=\"qr\""));
    let link = p
        .body
        .split("id=\"link\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    let link = fieldcase_core::sync::JoinLink::parse(&link).unwrap();
    let phone = support::join(&dir.path().join("phone"), &[9; 32], &hub.url(), &link.code);
    support::try_sync(&phone, &Default::default()).unwrap();
    let devices = b.get("/office/devices");
    let id = devices
        .body
        .split("name=\"device\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let p = b.post("/office/devices/revoke", &[("device", &id), ("csrf", &csrf)]);
    assert_eq!(p.status, 303);
    assert!(b.get("/office/devices").body.contains("已停用"));
    let refused = support::try_sync(&phone, &Default::default()).unwrap_err();
    assert_eq!(refused.kind(), fieldcase_core::ErrorKind::Unauthorised);
    hub.stop();
}

#[test]
fn the_district_office_sets_a_years_calendar_and_a_contradiction_is_refused_in_words() {
    let dir = TempDir::new().unwrap();
    let (s, _) = district(&dir);
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut d = Browser::new(&hub.url());
    assert_eq!(d.login("区办公室", PASSWORD).status, 303);
    let page = d.get("/office/calendar?year=2027");
    assert!(page.body.contains("本年度尚无日历"));
    let csrf = Browser::csrf(&page);
    let p = d.post(
        "/office/calendar",
        &[
            ("csrf", &csrf),
            ("year", "2027"),
            ("holidays", "2027-01-01\n2027-02-08"),
            ("working_weekends", "2027-02-08"),
            ("monitoring_days", "30"),
        ],
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("同一天既被列为休息日又被列为工作日"), "{}", p.body);
    let p = d.post(
        "/office/calendar",
        &[
            ("csrf", &csrf),
            ("year", "2027"),
            ("holidays", "2027-01-01\n2027-02-08\n2027-02-09"),
            ("working_weekends", "2027-02-06"),
            ("monitoring_days", "21"),
        ],
    );
    assert_eq!(p.status, 303);
    let page = d.get("/office/calendar?year=2027");
    assert!(page.body.contains("放假 3 天，调休上班 1 天"), "{}", page.body);

    // A township's office reads it but may not set it.
    let mut t = Browser::new(&hub.url());
    assert_eq!(t.login("华新镇办公室", PASSWORD).status, 303);
    let page = t.get("/office/calendar?year=2027");
    // (The logout form in the header carries the session's token.)
    let csrf = Browser::csrf(&page);
    let p = t.post(
        "/office/calendar",
        &[("csrf", &csrf), ("year", "2027"), ("holidays", "")],
    );
    assert_eq!(p.status, 403);
    hub.stop();
}

#[test]
fn a_case_page_shows_a_linked_inspections_seal_and_its_signatures() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let code = s.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    // An inspector's phone seals an inspection of the case, signed on screen, and syncs it.
    let phone = support::join(&dir.path().join("phone"), &[9; 32], &hub.url(), &code);
    let mut inspection = fieldcase_core::model::Record::example(Kind::Inspection).to_json();
    inspection["links"] = json!([{"id": ids[1], "relation": "about"}]);
    let id = phone.writer().create_json(Kind::Inspection, inspection).unwrap().id;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><path d=\"M1 1 L9 9\"/></svg>";
    let sig = phone
        .attachments()
        .attach(&id, svg, "signature.svg", "image/svg+xml", Some("signature"))
        .unwrap();
    phone.writer().seal(&id).unwrap();
    support::try_sync(&phone, &Default::default()).unwrap();

    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);
    let page = b.get(&format!("/office/case/{}", ids[1]));
    let linked = page
        .body
        .split("<ul id=\"linked\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(linked.contains("现场检查（关于本案）"), "{linked}");
    assert!(linked.contains("已签署封存，核验通过（张丽"), "{linked}");
    let src = format!("/office/attachment/{id}/{}", sig.sha256);
    assert!(linked.contains(&src));
    let img = b.get(&src);
    assert_eq!(img.status, 200);
    assert_eq!(img.bytes, svg.to_vec());
    // Only a record's own pictures, and only in the office's township.
    assert_eq!(
        b.get(&format!("/office/attachment/{}/{}", ids[1], sig.sha256)).status,
        404
    );
    let mut other = Browser::new(&hub.url());
    assert_eq!(other.get(&src).status, 303, "no session, no picture");
    hub.stop();
}

#[test]
fn a_fast_report_of_an_incident_gives_the_response_in_minutes() {
    let dir = TempDir::new().unwrap();
    let (s, _) = district(&dir);
    let id = s
        .writer().create_json(
            Kind::Incident,
            json!({
                "township": "华新镇", "status": "reported", "reported_at": "2026-06-18T01:20:00Z",
                "address": "新凤路100号工地大门", "headcount": 35, "employer_name": "恒达劳务<b>",
                "amount_claimed_fen": 96_000_000, "risk_signs": ["blocking_road_or_gate"],
                "escalation": {"grid_assistant_arrived_at": "2026-06-18T01:35:00Z", "inspector_notified_at": "2026-06-18T01:40:00Z"}
            }),
        )
        .unwrap()
        .id;
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);
    let list = b.get("/office/incidents");
    assert!(list.body.contains(&format!("/office/incident/{id}")));
    let report = b.get(&format!("/office/incident/{id}"));
    assert_eq!(report.status, 200);
    for text in [
        "欠薪突发事件快报",
        "960,000.00",
        "堵路堵门",
        "（报告后 15 分钟）",
        "（报告后 20 分钟）",
        "恒达劳务&#60;b&#62;",
    ] {
        assert!(report.body.contains(text), "{text}");
    }
    hub.stop();
}

/// Two phones set a case's amount differently: every office page of the case shows 元 and marks
/// the conflict, and none shows raw fen (issue 23: a clerk read 12000000 under a 元 label).
#[test]
fn a_case_in_conflict_shows_yuan_and_its_mark_on_every_page_never_raw_fen() {
    const PASS: &str = "华新镇-2026-春";
    let dir = TempDir::new().unwrap();
    let district = sample::District::at(dir.path(), &KEY).unwrap();
    let a = district.enrol("a", "华新镇", "陈网格", Role::Grid).unwrap();
    let b = district.enrol("b", "华新镇", "张丽", Role::Inspector).unwrap();
    let mut v = Record::example(Kind::Case).to_json();
    v["township"] = json!("华新镇");
    v["amount_owed_fen"] = json!(10_000_000);
    let id = a.writer().create_json(Kind::Case, v).unwrap().id;
    let (bytes, _) = a.bundles().export(None, PASS).unwrap();
    b.bundles().import(&bytes, PASS).unwrap();
    a.writer()
        .edit(&id, &[("amount_owed_fen".into(), json!(12_000_000))])
        .unwrap();
    b.writer()
        .edit(&id, &[("amount_owed_fen".into(), json!(11_000_000))])
        .unwrap();
    for phone in [&a, &b] {
        let (bytes, _) = phone.bundles().export(None, PASS).unwrap();
        district.hub.bundles().import(&bytes, PASS).unwrap();
    }
    district
        .hub
        .office()
        .add_user("华新镇办公室", PASSWORD, Some("华新镇"))
        .unwrap();
    let s = std::sync::Arc::try_unwrap(district.hub)
        .ok()
        .expect("the hub store alone");
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut browser = Browser::new(&hub.url());
    assert_eq!(browser.login("华新镇办公室", PASSWORD).status, 303);

    let case = browser.get(&format!("/office/case/{id}"));
    assert!(
        case.body.contains("id=\"conflicts\""),
        "the conflict is at the top of the page"
    );
    assert!(
        case.body.contains("120,000.00 元") && case.body.contains("110,000.00 元"),
        "{}",
        case.body
    );
    assert!(case.body.contains("有冲突，见上"), "the amount's line is marked");
    let ledger = browser.get("/office");
    assert!(ledger.body.contains("冲突 1"), "the ledger line is marked");
    for (what, page) in [
        ("case", case),
        ("ledger", ledger),
        ("ledger.xlsx", browser.get("/office/ledger.xlsx")),
        ("week", browser.get("/office/week")),
        ("week.xlsx", browser.get("/office/week.xlsx")),
    ] {
        let text = page.shown();
        for fen in ["12000000", "11000000", "10000000"] {
            assert!(!text.contains(fen), "{what} shows raw fen {fen}");
        }
    }
    hub.stop();
}

/// An incident accepted with a warning (an arrival typed before the report): the fast report
/// says what to check, and leaves the minutes out rather than printing them negative.
#[test]
fn the_fast_report_shows_what_the_rules_warn_of() {
    let dir = TempDir::new().unwrap();
    let (s, _) = district(&dir);
    let mut v = Record::example(Kind::Incident).to_json();
    v["township"] = json!("华新镇");
    v["reported_at"] = json!("2026-06-25T05:00:00Z");
    v["escalation"] = json!({"grid_assistant_arrived_at": "2026-01-01T00:00:00Z"});
    let saved = s.writer().create_json(Kind::Incident, v).unwrap();
    assert!(!saved.warnings.is_empty(), "the phone was warned");
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);
    let page = b.get(&format!("/office/incident/{}", saved.id));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"warnings\""), "{}", page.body);
    let warned = &saved.warnings[0].in_chinese;
    assert!(page.body.contains(warned.as_str()), "the page lacks {warned}");
    assert!(page.body.contains("早于报告时间，请核对"));
    assert!(!page.body.contains("报告后 -"), "negative minutes");
    hub.stop();
}

/// Enrolling a phone without its user names that field, on the devices page with its menu.
#[test]
fn enrolling_without_a_user_says_so_on_the_devices_page() {
    let dir = TempDir::new().unwrap();
    let (s, _) = district(&dir);
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);
    let csrf = Browser::csrf(&b.get("/office/devices"));
    let p = b.post(
        "/office/devices/enroll",
        &[("user", " "), ("role", "grid"), ("township", ""), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("请填写使用人"), "{}", p.body);
    assert!(
        !p.body.contains("请填写所属街镇"),
        "a township office's township is its own"
    );
    assert!(p.body.contains("href=\"/office\""), "the page keeps its menu");
    hub.stop();
}

/// A closed case's page says how it was resolved and offers no forms that would change it; the
/// ledger adds up what it shows and says how many of those are closed, as the workbook does.
#[test]
fn a_closed_case_shows_its_resolution_and_the_ledger_its_totals() {
    let dir = TempDir::new().unwrap();
    let (s, ids) = district(&dir);
    let closed = &ids[1];
    s.writer()
        .close(
            closed,
            json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 186_000}),
        )
        .unwrap();
    let open = &ids[2];
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("华新镇办公室", PASSWORD).status, 303);

    let page = b.get(&format!("/office/case/{closed}"));
    assert!(page.body.contains("id=\"resolution\""), "{}", page.body);
    for shown in ["全额支付", "2026-03-30", "1,860.00 元", "办公室"] {
        assert!(page.body.contains(shown), "the closed case's page lacks {shown}");
    }
    assert!(!page.body.contains("id=\"assign\"") && !page.body.contains("id=\"set-risk\""));
    assert!(!page.body.contains("id=\"add-follow-up\""));
    for shown in ["统一社会信用代码", "立案日期", "案件来源"] {
        assert!(page.body.contains(shown), "the case page lacks {shown}");
    }
    let page = b.get(&format!("/office/case/{open}"));
    assert!(page.body.contains("id=\"assign\"") && !page.body.contains("id=\"resolution\""));

    let ledger = b.get("/office");
    assert!(ledger.body.contains("id=\"total\""), "{}", ledger.body);
    assert!(ledger.body.contains("含已销账 1 件"), "{}", ledger.body);
    let says = b.get("/office/ledger.xlsx").shown();
    assert!(says.contains("含已销账 1 件（周报只计未销账）"), "{says}");
    hub.stop();
}
