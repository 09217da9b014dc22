//! Township walls on every office route. Two townships' offices and the district's office walk
//! every route the office serves (read off `src/office/mod.rs`, so a route added there without
//! a walk here fails this test) with their own ids, another township's ids and ids that do not
//! exist: another township's data never shows (not a name, an amount, a phone, an id), its
//! records never change, and its ids are answered exactly as ids that do not exist.

mod support;

use std::collections::BTreeSet;

use fieldcase_core::model::Kind;
use fieldcase_core::{sample, Role, Store};
use fieldcase_hub::Hub;
use serde_json::json;
use support::browser::{Browser, Page};
use tempfile::TempDir;

const KEY: [u8; 32] = [5; 32];
const PASSWORD: &str = "街镇办公室2026口令";

/// What one township holds, and the words that must never show to another township's office.
struct Township {
    name: &'static str,
    office: &'static str,
    case: String,
    incident: String,
    employer: String,
    photo: String,
    device: String,
    markers: Vec<String>,
}

fn township(
    s: &Store,
    rng: &mut sample::Rng,
    name: &'static str,
    office: &'static str,
    (employer_name, worker, phone, amount_fen): (&str, &str, &str, i64),
) -> Township {
    let uscc = sample::uscc(rng);
    let employer = s
        .writer()
        .create_json(
            Kind::Employer,
            json!({"township": name, "name": employer_name, "uscc": uscc, "industry": "manufacturing"}),
        )
        .unwrap()
        .id;
    let mut case = fieldcase_core::model::Record::example(Kind::Case).to_json();
    case["township"] = json!(name);
    case["employer_id"] = json!(employer);
    case["employer_name"] = json!(employer_name);
    case["subject"] = json!(format!("{employer_name}拖欠{worker}等工资"));
    case["amount_owed_fen"] = json!(amount_fen);
    case["wage_claims"][0]["worker_name"] = json!(worker);
    case["wage_claims"][0]["phone"] = json!(phone);
    case["wage_claims"][0]["amount_owed_fen"] = json!(amount_fen);
    let case = s.writer().create_json(Kind::Case, case).unwrap().id;
    let photo = s
        .attachments()
        .attach(
            &case,
            format!("{name} 现场照片").as_bytes(),
            "site.jpg",
            "image/jpeg",
            Some("photo"),
        )
        .unwrap()
        .sha256;
    let incident = s
        .writer()
        .create_json(
            Kind::Incident,
            json!({"township": name, "status": "reported", "reported_at": "2026-06-18T01:20:00Z",
                   "address": format!("{name}工业园区大门"), "headcount": 17, "employer_name": employer_name,
                   "amount_claimed_fen": amount_fen}),
        )
        .unwrap()
        .id;
    let device = s.hub().enroll(name, Role::Inspector, worker).unwrap().code;
    let money = fieldcase_hub::office::yuan(amount_fen);
    let markers = vec![
        employer_name.to_string(),
        worker.to_string(),
        phone.to_string(),
        uscc,
        money,
        case.clone(),
        incident.clone(),
        employer.clone(),
        photo.clone(),
    ];
    Township {
        name,
        office,
        case,
        incident,
        employer,
        photo,
        device,
        markers,
    }
}

/// Every office route, as the router declares it.
fn declared_routes() -> BTreeSet<String> {
    include_str!("../src/office/mod.rs")
        .split(".route(")
        .skip(1)
        .map(|r| {
            r.trim_start()
                .trim_start_matches('"')
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "fieldcase-walls-boundary";
    let mut body = vec![];
    for (name, file, bytes) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n")
                    .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

struct Walk<'a> {
    b: Browser,
    csrf: String,
    me: &'a Township,
    other: Option<&'a Township>,
}

impl Walk<'_> {
    /// `page` shows nothing of the other township.
    fn clean(&self, what: &str, page: &Page) {
        if let Some(o) = self.other {
            let text = page.shown();
            for m in &o.markers {
                assert!(
                    !text.contains(m.as_str()),
                    "{} at {what} sees {}'s {m}",
                    self.me.office,
                    o.name
                );
            }
        }
    }

    /// The same request with the other township's id and with an id that does not exist: the
    /// same answer, and nothing of the other township in it.
    fn same(&mut self, what: &str, other: Page, missing: Page) {
        self.clean(what, &other);
        assert_eq!(other.status, missing.status, "{what}: status for another township's id");
        assert_eq!(other.body, missing.body, "{what}: body for another township's id");
        assert!(
            other.status >= 400,
            "{what}: {} for another township's id",
            other.status
        );
    }
}

#[test]
fn every_office_route_keeps_to_the_township_of_the_office() {
    let dir = TempDir::new().unwrap();
    let s = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let mut rng = sample::Rng(0x3A11);
    let huaxin = township(
        &s,
        &mut rng,
        "华新镇",
        "华新镇办公室",
        ("华新精密机械有限公司", "赵德胜", "13611112222", 4_321_099),
    );
    let baihe = township(
        &s,
        &mut rng,
        "白鹤镇",
        "白鹤镇办公室",
        ("白鹤纺织有限公司", "钱金凤", "13998765432", 9_876_543),
    );
    // A 白鹤镇 record that refers to 华新镇's case: 华新镇's case page must not show it.
    let mut linked = json!({"township": "白鹤镇", "status": "reported", "reported_at": "2026-06-19T01:00:00Z",
        "address": "白鹤镇赵屯路", "headcount": 4, "employer_name": "白鹤纺织有限公司"});
    linked["links"] = json!([{"id": huaxin.case, "relation": "about"}]);
    let linked = s.writer().create_json(Kind::Incident, linked).unwrap().id;
    for t in [&huaxin, &baihe] {
        s.office().add_user(t.office, PASSWORD, Some(t.name)).unwrap();
    }
    s.office().add_user("区办公室", PASSWORD, None).unwrap();
    let history =
        |s: &Store, t: &Township| [&t.case, &t.employer, &t.incident].map(|id| s.records().history(id).unwrap().len());
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    // A phone of each township, so that each has a device to revoke.
    let mut huaxin = huaxin;
    let mut baihe = baihe;
    for (i, t) in [&mut huaxin, &mut baihe].into_iter().enumerate() {
        let phone = support::join(&dir.path().join(format!("phone{i}")), &KEY, &hub.url(), &t.device);
        t.device = phone.identity().device.clone();
    }
    // The district flags both employers, so that each has a warning to open a case from.
    let mut district = Browser::new(&hub.url());
    assert_eq!(district.login("区办公室", PASSWORD).status, 303);
    let csrf = Browser::csrf(&district.get("/office/warnings"));
    let uscc = |t: &Township| t.markers[3].clone();
    let csv = format!(
        "统一社会信用代码,月份,参保人数\n{},2026-09,100\n{},2026-10,10\n{},2026-09,100\n{},2026-10,10\n",
        uscc(&huaxin),
        uscc(&huaxin),
        uscc(&baihe),
        uscc(&baihe)
    );
    let (ct, body) = multipart(&[("csrf", None, csrf.as_bytes()), ("file", Some("m.csv"), csv.as_bytes())]);
    let p = district.post_raw("/office/warnings/import", &ct, body);
    assert!(p.body.contains("已导入 4 行"), "{}", p.body);

    let store = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    let before = [history(&store, &huaxin), history(&store, &baihe)];
    let routes = declared_routes();
    let mut walked = BTreeSet::new();
    let unknown = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_string();
    let no_sha = "0".repeat(64);
    for (me, other) in [(&huaxin, &baihe), (&baihe, &huaxin)] {
        let mut b = Browser::new(&hub.url());
        assert_eq!(b.login(me.office, PASSWORD).status, 303);
        let csrf = Browser::csrf(&b.get("/office"));
        let mut w = Walk {
            b,
            csrf,
            me,
            other: Some(other),
        };
        // Pages without an id: the office's own township alone.
        for path in [
            "/office",
            "/office/",
            "/office/ledger.xlsx",
            "/office/audit",
            "/office/week",
            "/office/week.xlsx",
            "/office/devices",
            "/office/calendar",
            "/office/incidents",
            "/office/warnings",
        ] {
            let p = w.b.get(path);
            assert_eq!(p.status, 200, "{path}");
            w.clean(path, &p);
            walked.insert(path.trim_end_matches('/').to_string());
        }
        walked.insert("/office/".into());
        // The hub's own address only leads to the login page.
        let p = w.b.get("/");
        assert_eq!((p.status, p.location.as_deref()), (303, Some("/office/login")));
        walked.insert("/".into());
        let ledger = w.b.get("/office");
        assert!(ledger.body.contains(&me.case), "{} sees its own case", me.office);
        // A record page, its picture and the fast report: another township's ids are not found.
        for (route, mine, theirs, missing) in [
            (
                "/office/case/{id}",
                format!("/office/case/{}", me.case),
                format!("/office/case/{}", other.case),
                format!("/office/case/{unknown}"),
            ),
            (
                "/office/attachment/{record}/{sha}",
                format!("/office/attachment/{}/{}", me.case, me.photo),
                format!("/office/attachment/{}/{}", other.case, other.photo),
                format!("/office/attachment/{unknown}/{no_sha}"),
            ),
            (
                "/office/incident/{id}",
                format!("/office/incident/{}", me.incident),
                format!("/office/incident/{}", other.incident),
                format!("/office/incident/{unknown}"),
            ),
            (
                "/office/record/{id}/document.pdf",
                format!("/office/record/{}/document.pdf", me.case),
                format!("/office/record/{}/document.pdf", other.case),
                format!("/office/record/{unknown}/document.pdf"),
            ),
            (
                "/office/case/{id}/casefile.pdf",
                format!("/office/case/{}/casefile.pdf", me.case),
                format!("/office/case/{}/casefile.pdf", other.case),
                format!("/office/case/{unknown}/casefile.pdf"),
            ),
        ] {
            let p = w.b.get(&mine);
            assert_eq!(p.status, 200, "{mine}");
            w.clean(route, &p);
            let (o, m) = (w.b.get(&theirs), w.b.get(&missing));
            w.same(route, o, m);
            walked.insert(route.to_string());
        }
        // Its own picture asked for under its own case, someone else's under its own: not found.
        let p = w.b.get(&format!("/office/attachment/{}/{}", me.case, other.photo));
        assert_eq!(p.status, 404);
        // The case's forms, posted with another township's id: the same refusal as for an id
        // that does not exist (never the other case's page), and nothing changes.
        let csrf = w.csrf.clone();
        for (action, form) in [
            ("assign", vec![("leader", "周明"), ("person", "吴军")]),
            ("risk", vec![("risk", "low")]),
            ("follow-up", vec![("kind", "call"), ("outcome", "电话督促")]),
            ("resolve", vec![("path", "amount_owed_fen"), ("choice", "0")]),
        ] {
            let mut form = form;
            form.push(("csrf", &csrf));
            let route = format!("/office/case/{{id}}/{action}");
            let o = w.b.post(&format!("/office/case/{}/{action}", other.case), &form);
            let m = w.b.post(&format!("/office/case/{unknown}/{action}"), &form);
            w.same(&route, o, m);
            walked.insert(route);
        }
        // Opening a case from another township's warning; revoking its phone.
        let o = w.b.post(
            "/office/warnings/case",
            &[("employer", &other.employer), ("csrf", &csrf)],
        );
        let m =
            w.b.post("/office/warnings/case", &[("employer", &unknown), ("csrf", &csrf)]);
        w.same("/office/warnings/case", o, m);
        walked.insert("/office/warnings/case".into());
        let o =
            w.b.post("/office/devices/revoke", &[("device", &other.device), ("csrf", &csrf)]);
        let m = w.b.post(
            "/office/devices/revoke",
            &[("device", "nosuchdevice0"), ("csrf", &csrf)],
        );
        w.same("/office/devices/revoke", o, m);
        walked.insert("/office/devices/revoke".into());
        // Indicators for another township's employer: reported at its line in the same words
        // as a USCC nobody has; its employer's record is not touched.
        let nobody = sample::uscc(&mut rng);
        let csv = format!(
            "统一社会信用代码,月份,参保人数\n{},2026-11,1\n{nobody},2026-11,1\n",
            uscc(other)
        );
        let (ct, body) = multipart(&[("csrf", None, csrf.as_bytes()), ("file", Some("m.csv"), csv.as_bytes())]);
        let p = w.b.post_raw("/office/warnings/import", &ct, body);
        assert_eq!(p.status, 200);
        assert!(p.body.contains("已导入 0 行"), "{}", p.body);
        let problems: Vec<String> = p
            .body
            .split("<li>")
            .skip(1)
            .map(|l| l.split("</li>").next().unwrap().to_string())
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("第 2 行") && problems[1].starts_with("第 3 行"));
        assert_eq!(
            problems[0].replace(&uscc(other), "X").replace("第 2 行", ""),
            problems[1].replace(&nobody, "X").replace("第 3 行", ""),
            "the same words for another township's employer and for no employer"
        );
        walked.insert("/office/warnings/import".into());
        // A ledger naming another township's rows, or its employer's USCC: refused at their
        // lines, nothing written, and the other township's employer never named.
        let csv = format!(
            "单位名称,统一社会信用代码,所属街镇,涉及人数,欠薪金额(元)\n某公司,{},{},3,100\n另一公司,,{},2,50\n",
            uscc(other),
            other.name,
            other.name
        );
        let (ct, body) = multipart(&[
            ("csrf", None, csrf.as_bytes()),
            ("mode", None, b"import"),
            ("file", Some("台账.csv"), csv.as_bytes()),
        ]);
        let p = w.b.post_raw("/office/ledger/import", &ct, body);
        assert_eq!(p.status, 200);
        assert!(p.body.contains("未导入任何一行"), "{}", p.body);
        assert_eq!(
            p.body.matches(&format!("这里只导入{}的台账", me.name)).count(),
            2,
            "{}",
            p.body
        );
        w.clean("/office/ledger/import", &p);
        walked.insert("/office/ledger/import".into());
        // Checking a printed page: a code that is not a seal's is said to be so.
        assert_eq!(w.b.get("/office/verify").status, 200);
        let p = w.b.post("/office/verify", &[("code", "FCSEAL1|x"), ("csrf", &csrf)]);
        assert_eq!(p.status, 200);
        assert!(p.body.contains("签章二维码"), "{}", p.body);
        walked.insert("/office/verify".into());
        // Enrolling: a township's office enrols phones of its own township only.
        let p = w.b.post(
            "/office/devices/enroll",
            &[
                ("user", "王明"),
                ("role", "grid"),
                ("township", other.name),
                ("csrf", &csrf),
            ],
        );
        assert_eq!(p.status, 200);
        w.clean("/office/devices/enroll", &p);
        walked.insert("/office/devices/enroll".into());
        // The calendar is the district's.
        let p = w.b.post(
            "/office/calendar",
            &[("csrf", &csrf), ("year", "2027"), ("holidays", "")],
        );
        assert_eq!(p.status, 403);
        walked.insert("/office/calendar".into());
        // Its own case's page shows the case, not the other township's record that refers to it.
        let page = w.b.get(&format!("/office/case/{}", me.case));
        assert!(
            !page.body.contains(&linked),
            "a record of another township that refers to the case"
        );
        walked.insert("/office/login".into());
        let p = w.b.post("/office/logout", &[("csrf", &csrf)]);
        assert_eq!(p.status, 303);
        walked.insert("/office/logout".into());
    }
    let after = [history(&store, &huaxin), history(&store, &baihe)];
    assert_eq!(before, after, "no township's office changed another's records");
    assert!(store.hub().devices().unwrap().iter().all(|d| d.revoked_at.is_none()));

    // The district office sees both townships' pages, and the case that another township's
    // record refers to shows it.
    let mut d = district;
    for t in [&huaxin, &baihe] {
        for path in [
            format!("/office/case/{}", t.case),
            format!("/office/incident/{}", t.incident),
            format!("/office/attachment/{}/{}", t.case, t.photo),
        ] {
            assert_eq!(d.get(&path).status, 200, "{path}");
        }
    }
    assert!(d.get(&format!("/office/case/{}", huaxin.case)).body.contains(&linked));
    let audit = d.get("/office/audit");
    assert!(audit.body.contains("华新镇办公室") && audit.body.contains("白鹤镇办公室"));
    let ledger = d.get("/office").body;
    assert!(ledger.contains(&huaxin.case) && ledger.contains(&baihe.case));

    assert_eq!(walked, routes, "every route the office serves is walked");
    hub.stop();
}

#[test]
fn a_township_office_reads_its_own_audit_trail() {
    let dir = TempDir::new().unwrap();
    let s = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let mut rng = sample::Rng(0xA0D1);
    let huaxin = township(
        &s,
        &mut rng,
        "华新镇",
        "华新镇办公室",
        ("华新精密机械有限公司", "赵德胜", "13611112222", 100_000),
    );
    let baihe = township(
        &s,
        &mut rng,
        "白鹤镇",
        "白鹤镇办公室",
        ("白鹤纺织有限公司", "钱金凤", "13998765432", 200_000),
    );
    for t in [&huaxin, &baihe] {
        s.office().add_user(t.office, PASSWORD, Some(t.name)).unwrap();
    }
    s.office().add_user("区办公室", PASSWORD, None).unwrap();
    let hub = Hub::start(s, "127.0.0.1:0".parse().unwrap()).unwrap();
    // 白鹤镇's clerk logs in, exports, changes a case; the district exports too.
    let mut b = Browser::new(&hub.url());
    assert_eq!(b.login("白鹤镇办公室", PASSWORD).status, 303);
    let csrf = Browser::csrf(&b.get(&format!("/office/case/{}", baihe.case)));
    assert_eq!(b.get("/office/ledger.xlsx").status, 200);
    let p = b.post(
        &format!("/office/case/{}/risk", baihe.case),
        &[("risk", "low"), ("csrf", &csrf)],
    );
    assert_eq!(p.status, 303);
    let mut d = Browser::new(&hub.url());
    assert_eq!(d.login("区办公室", PASSWORD).status, 303);
    assert_eq!(d.get("/office/ledger.xlsx").status, 200);
    let mut h = Browser::new(&hub.url());
    assert_eq!(h.login("华新镇办公室", PASSWORD).status, 303);
    let audit = h.get("/office/audit").body;
    let by = |name: &str| format!("<td>{name}</td>");
    assert!(audit.contains(&by("华新镇办公室")), "its own login");
    // The trail names a case by its title (白鹤镇's employer is in it), never by its id.
    for theirs in [by("白鹤镇办公室"), by("区办公室"), baihe.markers[0].clone()] {
        assert!(!audit.contains(&theirs), "华新镇's trail shows {theirs}");
    }
    let all = d.get("/office/audit").body;
    for everyone in [
        by("白鹤镇办公室"),
        by("区办公室"),
        by("华新镇办公室"),
        baihe.markers[0].clone(),
    ] {
        assert!(all.contains(&everyone), "the district's trail lacks {everyone}");
    }
    hub.stop();
}
