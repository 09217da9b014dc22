//! The command line is a contract scripts rely on: these tests drive the real binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use tempfile::TempDir;

fn fieldcase(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env("FIELDCASE_NOW", "2026-05-01T00:00:00Z")
        .env("FIELDCASE_BUNDLE_PASSPHRASE", "华新镇-2026-春")
        .output()
        .unwrap()
}

fn ok(store: &Path, args: &[&str]) -> Value {
    let out = fieldcase(store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(store: &Path, args: &[&str], code: i32) -> String {
    let out = fieldcase(store, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

/// `new KIND -` with `v` on standard input, as the command answers it.
fn new_output(store: &Path, kind: &str, v: &Value) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .arg("--store")
        .arg(store)
        .args(["new", kind, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(v.to_string().as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn new_from(store: &Path, kind: &str, v: &Value) -> String {
    let out = new_output(store, kind, v);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[test]
fn a_grid_assistant_records_an_incident_and_the_office_sees_it_by_bundle() {
    let dir = TempDir::new().unwrap();
    let phone = dir.path().join("phone");
    let office = dir.path().join("office");
    ok(
        &phone,
        &["init", "--township", "华新镇", "--user", "李华", "--role", "grid"],
    );
    ok(
        &office,
        &["init", "--township", "华新镇", "--user", "周明", "--role", "office"],
    );
    let mode = std::fs::metadata(phone.join("key")).unwrap().permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);

    let kinds = ok(&phone, &["kinds"]);
    assert_eq!(
        kinds,
        json!([
            "employer",
            "project",
            "case",
            "inspection",
            "interview",
            "incident",
            "mediation",
            "calendar"
        ])
    );
    // Under stress: almost nothing is required.
    let id = new_from(
        &phone,
        "incident",
        &json!({"township": "华新镇", "headcount": 40, "employer_name": "恒达劳务"}),
    );
    ok(
        &phone,
        &[
            "edit",
            &id,
            "representatives.0.name=马超",
            "representatives.0.phone=18612345678",
            "risk_signs=[\"blocking_road_or_gate\"]",
        ],
    );
    let shown = ok(&phone, &["show", &id]);
    assert_eq!(shown["id"], json!(id));
    assert_eq!(shown["kind"], "incident");
    assert_eq!(shown["sealed"], false);
    assert_eq!(
        shown["representatives"][0]["phone"], "18612345678",
        "a bare number given for a text field stays text"
    );
    assert_eq!(shown["headcount"], 40);
    assert_eq!(shown["created"]["user"], "李华");

    let bundle = dir.path().join("to-office.fcb");
    ok(&phone, &["bundle", "export", bundle.to_str().unwrap()]);
    // Bundle files are encrypted and readable by their owner alone.
    let mode = std::fs::metadata(&bundle).unwrap().permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
    assert!(!std::fs::read(&bundle)
        .unwrap()
        .windows("马超".len())
        .any(|w| w == "马超".as_bytes()));
    let report = ok(&office, &["bundle", "import", bundle.to_str().unwrap()]);
    assert_eq!(report["records_new"], 1);
    let again = ok(&office, &["bundle", "import", bundle.to_str().unwrap()]);
    assert_eq!(again["records_unchanged"], 1);
    let found = ok(&office, &["search", "马超"]);
    assert_eq!(found[0]["id"], json!(id));
    let list = ok(&office, &["list", "incident", "--township", "华新镇"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let history = ok(&office, &["history", &id]);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert!(history[1]["fields"]
        .as_array()
        .unwrap()
        .contains(&json!("representatives.0")));

    let garbage = dir.path().join("garbage.fcb");
    std::fs::write(&garbage, b"not a bundle").unwrap();
    let err = fails(&office, &["bundle", "import", garbage.to_str().unwrap()], 2);
    assert!(err.contains("not a Fieldcase bundle"), "{err}");
}

#[test]
fn exit_codes_say_invalid_refused_or_failed() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s");
    ok(
        &s,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    let example = ok(&s, &["example", "interview"]);
    let id = new_from(&s, "interview", &example);
    let err = fails(&s, &["edit", &id, "interviewee.resident_id=110105194912310021"], 2);
    assert!(
        err.contains("interviewee.resident_id") && err.contains("resident_id_check_char"),
        "{err}"
    );
    fails(&s, &["edit", &id, "no_such_field=1"], 2);
    fails(&s, &["new", "lawsuit", "-"], 2);
    ok(&s, &["seal", &id]);
    let shown = ok(&s, &["show", &id]);
    assert_eq!(shown["sealed"], true);
    assert_eq!(shown["status"], "signed");
    assert_eq!(shown["seal"]["intact"], true);
    let err = fails(&s, &["edit", &id, "place=别处"], 3);
    assert!(err.contains("sealed"), "{err}");
    fails(&s, &["seal", &id], 3);
    fails(&s, &["show", "no-such-id"], 1);
    fails(&dir.path().join("nowhere"), &["list"], 1);
    let err = fails(&s, &["init", "--township", "x", "--user", "y", "--role", "office"], 3);
    assert!(err.contains("already"), "{err}");
    fails(&s, &["init", "--township", "x", "--user", "y", "--role", "boss"], 2);
}

#[test]
fn two_inspectors_edit_one_case_offline_then_see_and_settle_the_conflict() {
    let dir = TempDir::new().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    ok(
        &a,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    ok(
        &b,
        &["init", "--township", "华新镇", "--user", "吴军", "--role", "inspector"],
    );
    let id = new_from(&a, "case", &ok(&a, &["example", "case"]));
    let ab = dir.path().join("ab.fcb");
    let ba = dir.path().join("ba.fcb");
    ok(&a, &["bundle", "export", ab.to_str().unwrap()]);
    ok(&b, &["bundle", "import", ab.to_str().unwrap()]);
    ok(&a, &["edit", &id, "amount_owed_fen=20000000"]);
    ok(&b, &["edit", &id, "amount_owed_fen=21000000"]);
    ok(&a, &["bundle", "export", ab.to_str().unwrap()]);
    ok(&b, &["bundle", "export", ba.to_str().unwrap()]);
    ok(&b, &["bundle", "import", ab.to_str().unwrap()]);
    ok(&a, &["bundle", "import", ba.to_str().unwrap()]);
    let ca = ok(&a, &["conflicts"]);
    assert_eq!(ca, ok(&b, &["conflicts"]));
    assert_eq!(ca[0]["id"], json!(id));
    assert_eq!(ca[0]["path"], "amount_owed_fen");
    assert_eq!(ca[0]["values"].as_array().unwrap().len(), 2);
    ok(&a, &["resolve", &id, "amount_owed_fen=21000000"]);
    assert_eq!(ok(&a, &["conflicts"]), json!([]));
    // Overdue: filed 2026-01-05, sixty working days ran out before 2026-05-01 (FIELDCASE_NOW).
    ok(&a, &["edit", &id, "filed_on=2026-01-05"]);
    let overdue = ok(&a, &["list", "--overdue"]);
    assert_eq!(overdue[0]["id"], json!(id));
    assert_eq!(overdue[0]["overdue"], true);
    let schema = ok(&a, &["schema", "case"]);
    assert!(schema.to_string().contains("wage_claims"));
}

/// The hub as the office runs it: `serve`, `enroll`, `devices`, `revoke`; phones `join` and `sync`.
/// A hub process the test started, stopped (by its PID) when dropped, also when the test fails.
struct Served {
    child: std::process::Child,
    url: String,
    pin: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fieldcase serve` on a new hub store in `hub`, on a free loopback port.
fn serve(hub: &Path) -> Served {
    use std::io::BufRead;
    ok(
        hub,
        &["init", "--township", "青浦区", "--user", "办公室", "--role", "office"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .arg("--store")
        .arg(hub)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("FIELDCASE_NOW", "2026-05-01T00:00:00Z")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let served: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("the hub printed {line:?}"));
    Served {
        url: served["url"].as_str().unwrap().to_string(),
        pin: served["certificate_sha256"].as_str().unwrap_or_default().to_string(),
        child,
    }
}

#[test]
fn the_office_runs_a_hub_and_phones_join_and_sync() {
    let dir = TempDir::new().unwrap();
    let hub = dir.path().join("hub");
    let served = serve(&hub);
    let url = served.url.clone();
    assert!(url.starts_with("https://127.0.0.1:"), "TLS by default: {url}");
    let pin = served.pin.clone();
    let err = fails(&hub, &["serve", "--plain", "--listen", "0.0.0.0:0"], 2);
    assert!(err.contains("loopback"), "{err}");
    // A taken address stops a second hub at once, naming the address and the way out.
    let taken = served
        .url
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string();
    let second = dir.path().join("second");
    ok(
        &second,
        &["init", "--township", "青浦区", "--user", "办公室", "--role", "office"],
    );
    let out = fieldcase(&second, &["serve", "--listen", &taken]);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "no address or link is printed for a hub that is not running"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on {taken}"))
            && err.contains("already in use")
            && err.contains("--listen"),
        "{err}"
    );

    let enrolled = ok(
        &hub,
        &["enroll", "--township", "华新镇", "--role", "grid", "--user", "李华"],
    );
    let code = enrolled["code"].as_str().unwrap().to_string();
    let link = enrolled["link"].as_str().unwrap().to_string();
    assert!(
        link.starts_with("fieldcase://join?hub=https") && link.contains(&format!("pin={pin}")),
        "{link}"
    );
    // A man in the middle (a certificate other than the pinned one) is refused.
    let wrong = "0".repeat(64);
    let err = fails(&dir.path().join("mitm"), &["join", &url, &code, "--pin", &wrong], 1);
    assert!(err.contains("pinned"), "{err}");
    assert!(!dir.path().join("mitm/fieldcase.db").exists());
    let phone = dir.path().join("phone");
    let joined = ok(&phone, &["join", &link]);
    assert_eq!(joined["township"], "华新镇");
    assert_eq!(joined["pinned"], true);
    // A used code is refused (exit 3), as a rule refuses.
    let err = fails(&dir.path().join("other"), &["join", &link], 3);
    assert!(err.contains("already used"), "{err}");
    let id = new_from(&phone, "incident", &json!({"township": "华新镇", "headcount": 25}));
    let report = ok(&phone, &["sync"]);
    assert_eq!(report["records_sent"], 1);
    assert_eq!(report["round_trips"], 1);
    assert!(report["bytes_up"].as_u64().unwrap() > 0);

    let code = ok(
        &hub,
        &[
            "enroll",
            "--township",
            "华新镇",
            "--role",
            "inspector",
            "--user",
            "张丽",
        ],
    )["code"]
        .as_str()
        .unwrap()
        .to_string();
    let inspector = dir.path().join("inspector");
    ok(&inspector, &["join", &url, &code, "--pin", &pin]);
    assert_eq!(ok(&inspector, &["sync"])["records_received"], 1);
    assert_eq!(ok(&inspector, &["show", &id])["headcount"], 25);

    let devices = ok(&hub, &["devices"]);
    assert_eq!(devices.as_array().unwrap().len(), 2);
    let device = joined["device"].as_str().unwrap();
    ok(&hub, &["revoke", device]);
    let err = fails(&phone, &["sync"], 3);
    assert!(err.contains("revoked"), "{err}");
}

/// The legal rules as the command line shows them: refusals exit 3 naming the rule; the
/// clock is the store's (FIELDCASE_NOW); times are shown in Shanghai time; the calendar,
/// closing, the review and the three zeros have their commands.
#[test]
fn the_rules_hold_at_the_command_line() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s");
    ok(
        &s,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    let case = new_from(&s, "case", &ok(&s, &["example", "case"]));
    // 1a: an empty resolution and a typed sign-off do not close a case.
    let err = fails(
        &s,
        &[
            "edit",
            &case,
            "resolution={}",
            r#"sign_off={"by":"张丽","at":"2026-03-30T08:00:00Z"}"#,
            "status=closed",
        ],
        3,
    );
    assert!(err.contains("sign_off_by_closing"), "{err}");
    let err = fails(&s, &["edit", &case, "resolution={}", "status=closed"], 3);
    assert!(
        err.contains("resolution_kind") && err.contains("resolution_date"),
        "{err}"
    );
    ok(
        &s,
        &[
            "close",
            &case,
            "kind=paid_in_full",
            "on=2026-04-28",
            "amount_paid_fen=18600000",
        ],
    );
    let shown = ok(&s, &["show", &case]);
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["sign_off"]["by"], "张丽");
    // 12: times are shown in Shanghai time.
    assert_eq!(shown["sign_off"]["at"], "2026-05-01T08:00:00+08:00");
    assert_eq!(shown["follow_ups"][0]["at"], "2026-03-12T14:30:00+08:00");
    // 11: the birth-date check reads the store's clock: born 2026-06-01 is in the future on
    // 2026-05-01 (FIELDCASE_NOW), though not by this machine's clock.
    // Reopening (the responsible person may) takes the sign-off away.
    ok(&s, &["edit", &case, "status=in_progress"]);
    assert_eq!(ok(&s, &["show", &case])["sign_off"], Value::Null);
    let interview = new_from(&s, "interview", &ok(&s, &["example", "interview"]));
    let err = fails(
        &s,
        &["edit", &interview, "interviewee.resident_id=110105202606010018"],
        2,
    );
    assert!(
        err.contains("resident_id_birth_date") && err.contains("future"),
        "{err}"
    );
    // 2: the calendar: the official 2026 one by default; only the office sets one.
    let cal = ok(&s, &["calendar", "show"]);
    assert_eq!(cal["year"], 2026);
    assert_eq!(cal["source"], "built_in");
    assert_eq!(cal["working_weekends"][0], "2026-01-04");
    let file = dir.path().join("2027.json");
    std::fs::write(&file, r#"{"year": 2027, "holidays": ["2027-01-01"]}"#).unwrap();
    let err = fails(&s, &["calendar", "set", file.to_str().unwrap()], 3);
    assert!(err.contains("role_may_create"), "{err}");
    let office = dir.path().join("office");
    ok(
        &office,
        &["init", "--township", "华新镇", "--user", "周明", "--role", "office"],
    );
    std::fs::write(&file, r#"{"year": 2027, "holydays": ["2027-01-01"]}"#).unwrap();
    let err = fails(&office, &["calendar", "set", file.to_str().unwrap()], 2);
    assert!(err.contains("holydays"), "{err}");
    std::fs::write(
        &file,
        r#"{"year": 2027, "holidays": ["2027-01-01"], "working_weekends": ["2027-01-01"]}"#,
    )
    .unwrap();
    let err = fails(&office, &["calendar", "set", file.to_str().unwrap()], 2);
    assert!(err.contains("calendar_contradiction"), "{err}");
    std::fs::write(
        &file,
        r#"{"year": 2027, "holidays": ["2027-01-01"], "monitoring_days": 14}"#,
    )
    .unwrap();
    assert_eq!(
        ok(&office, &["calendar", "set", file.to_str().unwrap()])["years"],
        json!([2026, 2027])
    );
    assert_eq!(ok(&office, &["calendar", "show", "2027"])["monitoring_days"], 14);
    // 4: the arbitration review is recorded after the agreement is signed.
    let mediator = dir.path().join("mediator");
    ok(
        &mediator,
        &["init", "--township", "华新镇", "--user", "陈芳", "--role", "mediator"],
    );
    let m = new_from(&mediator, "mediation", &ok(&mediator, &["example", "mediation"]));
    ok(&mediator, &["seal", &m]);
    assert_eq!(
        ok(&mediator, &["show", &m])["deadline"]["rule"],
        "arbitration_review_15_days"
    );
    let err = fails(&mediator, &["review", &m, "applied_on=2026-03-25"], 2);
    assert!(err.contains("review_applied_jointly"), "{err}");
    ok(
        &mediator,
        &["review", &m, "applied_on=2026-03-25", "joint_application=true"],
    );
    let shown = ok(&mediator, &["show", &m]);
    assert_eq!(shown["after_seal"]["arbitration_review"]["applied_on"], "2026-03-25");
    assert_eq!(shown["seal"]["intact"], true);
    assert_eq!(shown["deadline"]["rule"], "agreement_payment");
    ok(
        &mediator,
        &[
            "performance",
            &m,
            "on=2026-03-31",
            "result=paid_on_time",
            "amount_paid_fen=1550000",
        ],
    );
    assert_eq!(ok(&mediator, &["show", &m])["deadline"], Value::Null);
    // Hand-over of a case.
    let other = new_from(&office, "case", &ok(&office, &["example", "case"]));
    ok(
        &office,
        &[
            "handover",
            &other,
            "to=public_security",
            "on=2026-04-20",
            "receiving_body=青浦公安分局",
            "reference=青公(经)受字2026-031",
        ],
    );
    assert_eq!(ok(&office, &["show", &other])["handovers"][0]["to"], "public_security");
    // The three zeros.
    let z = ok(
        &office,
        &["report", "zeros", "--township", "华新镇", "--from", "2026-03-01"],
    );
    assert_eq!(z["monitoring"]["quiet_days"], 30);
    assert!(z["extreme_acts"]["by_month"].as_array().unwrap().len() >= 3);
}

/// A seal signed by a key no hub enrolled (a store that never joined seals a colleague's
/// mediation and passes it on by bundle) is refused on the phone as at the hub: the phone's
/// record stays a draft its mediator can still edit and seal, and the phone and the hub agree.
#[test]
fn a_seal_from_a_key_nobody_enrolled_is_refused_on_the_phone_as_at_the_hub() {
    let dir = TempDir::new().unwrap();
    let hub = dir.path().join("hub");
    let served = serve(&hub);
    let enrolled = ok(
        &hub,
        &[
            "enroll",
            "--township",
            "华新镇",
            "--role",
            "mediator",
            "--user",
            "孙调解",
        ],
    );
    let phone = dir.path().join("phone");
    ok(&phone, &["join", enrolled["link"].as_str().unwrap()]);
    let mut mediation = ok(&phone, &["example", "mediation"]);
    mediation["township"] = json!("华新镇");
    let id = new_from(&phone, "mediation", &mediation);
    ok(&phone, &["sync"]);
    // Someone with a store of their own (never enrolled, a fresh key) seals it.
    let forger = dir.path().join("forger");
    ok(
        &forger,
        &["init", "--township", "华新镇", "--user", "孙调解", "--role", "mediator"],
    );
    let mine = dir.path().join("mine.bundle");
    ok(&phone, &["bundle", "export", mine.to_str().unwrap()]);
    ok(&forger, &["bundle", "import", mine.to_str().unwrap()]);
    assert_eq!(ok(&forger, &["seal", &id])["seal"]["signer"], "this_device");
    let forged = dir.path().join("forged.bundle");
    ok(&forger, &["bundle", "export", forged.to_str().unwrap()]);

    // The phone refuses the seal, says why, and keeps it aside.
    let report = ok(&phone, &["bundle", "import", forged.to_str().unwrap()]);
    let refused = report["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{report}");
    assert_eq!(refused[0]["id"], json!(id));
    let reason = refused[0]["reason"].as_str().unwrap();
    assert!(reason.contains("not in the hub's device registry"), "{reason}");
    assert_eq!(ok(&phone, &["refused"]).as_array().unwrap().len(), 1);
    let shown = ok(&phone, &["show", &id]);
    assert_eq!(shown["sealed"], false, "{shown}");
    // Its mediator still edits and seals it, and the hub takes that seal.
    ok(&phone, &["edit", &id, "agreement.payment_method=银行转账"]);
    let sealed = ok(&phone, &["seal", &id]);
    assert_eq!(sealed["seal"]["verified"], true, "{sealed}");
    ok(&phone, &["sync"]);
    let at_hub = ok(&hub, &["show", &id]);
    let on_phone = ok(&phone, &["show", &id]);
    assert_eq!(at_hub["sealed"], true);
    assert_eq!(at_hub["seal"]["verified"], true, "{at_hub}");
    assert_eq!(at_hub["seal"]["device"], on_phone["seal"]["device"]);
    assert_eq!(at_hub["seal"]["signature"], on_phone["seal"]["signature"]);
    drop(served);
}

/// On a terminal `office-user` asks for the password twice and does not show it (run on a
/// pseudo-terminal by util-linux's `script`); from a script it reads one line.
#[test]
fn office_user_asks_for_the_password_on_a_terminal_without_showing_it() {
    use std::io::Write;
    let dir = TempDir::new().unwrap();
    let hub = dir.path().join("hub");
    ok(
        &hub,
        &["init", "--township", "青浦区", "--user", "办公室", "--role", "office"],
    );
    let command = format!(
        "{} --store {} office-user --user 测试 --township 华新镇",
        env!("CARGO_BIN_EXE_fieldcase"),
        hub.display()
    );
    let mut child = Command::new("script")
        .args(["-qc", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("util-linux's script");
    let mut input = child.stdin.take().unwrap();
    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(700));
        input.write_all(b"secret-password-2026\n").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(700));
    drop(input);
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("的密码") && shown.contains("再输入一次"), "{shown}");
    assert!(
        !shown.contains("secret-password-2026"),
        "the password was shown: {shown}"
    );
    assert!(shown.contains("\"user\": \"测试\""), "{shown}");
}

/// What a record needs at creation (docs/domain.md, "At creation"): a township always, a case
/// its employer; a case's risk level and source, when not given, are kept with a warning.
#[test]
fn a_record_without_what_it_needs_at_creation_is_invalid_and_says_which_field() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s");
    ok(
        &s,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    let made = |v: &Value| new_output(&s, "case", v);
    let out = made(&json!({}));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("township: a case names the township"));
    let out = made(&json!({"township": "华新镇"}));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("employer_name"));
    let out = made(&json!({"township": "华新镇", "employer_name": "上海甲物流有限公司"}));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let saved: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warned: Vec<&str> = saved["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["field"].as_str().unwrap())
        .collect();
    assert_eq!(warned, ["risk_level", "source"]);
}

/// What a script meets: another kind's record named as such, every wrong value at once with
/// what was given, a refusal at the field it is about, the way to correct a sealed record,
/// errors as JSON on request, and one way of printing times.
#[test]
fn scripts_get_errors_they_can_act_on() {
    let dir = TempDir::new().unwrap();
    let s = dir.path().join("s");
    ok(
        &s,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    let case = ok(&s, &["example", "case"]);
    let file = dir.path().join("case.json");
    std::fs::write(&file, case.to_string()).unwrap();
    let err = fails(&s, &["new", "incident", file.to_str().unwrap()], 2);
    assert!(err.contains("this is a case record, not an incident"), "{err}");

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        json!({"township": "华新镇", "employer_name": "甲公司", "workers_involved": "many", "filed_on": "2026-13-40"})
            .to_string(),
    )
    .unwrap();
    let err = fails(&s, &["new", "case", bad.to_str().unwrap()], 2);
    assert!(
        err.contains("workers_involved") && err.contains("filed_on"),
        "every wrong value: {err}"
    );
    assert!(err.contains("\"2026-13-40\""), "the value given: {err}");

    let id = new_from(&s, "case", &case);
    let err = fails(&s, &["edit", &id, "responsible_person=李娜"], 3);
    assert!(
        err.contains("responsible_person: an inspector may not assign a case"),
        "{err}"
    );
    let out = fieldcase(&s, &["--json-errors", "edit", &id, "responsible_person=李娜"]);
    assert_eq!(out.status.code(), Some(3));
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!((e["error"].as_str(), e["exit"].as_u64()), (Some("refused"), Some(3)));
    assert_eq!(e["problems"][0]["field"], "responsible_person");
    assert_eq!(e["problems"][0]["rule"], "role_may_assign");

    let interview = new_from(&s, "interview", &ok(&s, &["example", "interview"]));
    let sealed = ok(&s, &["seal", &interview]);
    let err = fails(&s, &["edit", &interview, "place=别处"], 3);
    assert!(
        err.contains(&format!("fieldcase note {interview} TEXT --corrected-by")),
        "{err}"
    );
    // Times in Shanghai time whichever command prints them.
    let at = sealed["seal"]["sealed_at"]
        .as_str()
        .or(sealed["sealed_at"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(at.ends_with("+08:00"), "seal prints {sealed}");
    let history = ok(&s, &["history", &id]);
    assert!(history[0]["at"].as_str().unwrap().ends_with("+08:00"), "{history}");
    // Money: the integer fen for scripts, with the amount in 元 beside it for people.
    let shown = ok(&s, &["show", &id]);
    assert_eq!(shown["amount_owed_fen"], case["amount_owed_fen"]);
    let fen = case["amount_owed_fen"].as_i64().unwrap();
    assert_eq!(shown["amount_owed_yuan"], fieldcase_core::money::yuan(fen));
}

/// A clean ledger of `n` rows in UTF-8 with a byte-order mark, as Excel's "CSV UTF-8" saves it.
fn clean_ledger(n: usize) -> Vec<u8> {
    let mut csv =
        "\u{feff}序号,单位名称,所属街镇,风险等级,涉及人数,欠薪金额(元),责任人,是否销账,立案日期\n".to_string();
    for i in 1..=n {
        csv.push_str(&format!(
            "{i},上海第{i}建设工程有限公司,华新镇,{},{},\"{},{:03}.50\",王建国,否,2026年3月{}日\n",
            ["高", "中", "低"][i % 3],
            3 + i % 40,
            1 + i % 90,
            i % 1000,
            1 + i % 28
        ));
    }
    csv.into_bytes()
}

#[test]
fn import_ledger_checks_first_and_writes_every_row_or_none_even_when_killed() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("office");
    ok(
        &store,
        &["init", "--township", "华新镇", "--user", "李娟", "--role", "office"],
    );
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/ledger/华新镇台账.xlsx");
    // The office's own file has five wrong rows: the check lists them and writes nothing, exit 2.
    let out = fieldcase(&store, &["import-ledger", "--dry-run", fixture]);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let blocking: Vec<&Value> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["blocking"] == json!(true))
        .collect();
    assert_eq!(blocking.len(), 5, "{report}");
    assert_eq!(blocking[1]["cell"], json!("G92"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"));
    assert_eq!(ok(&store, &["whoami"])["records"], json!(0));

    let file = dir.path().join("台账.csv");
    std::fs::write(&file, clean_ledger(1500)).unwrap();
    let file = file.to_str().unwrap();
    // Killed at any moment, an import has written all of its rows or none.
    for after_ms in [30, 120, 250, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
            .arg("--store")
            .arg(&store)
            .args(["import-ledger", file])
            .env("FIELDCASE_NOW", "2026-05-01T00:00:00Z")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        let _ = child.kill();
        let _ = child.wait();
        let n = ok(&store, &["whoami"])["records"].as_u64().unwrap();
        assert!(n == 0 || n == 3000, "killed after {after_ms} ms: {n} records");
        if n == 3000 {
            break;
        }
    }
    let done = fieldcase(&store, &["import-ledger", file]);
    let report: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!(ok(&store, &["whoami"])["records"], json!(3000), "{report}");
    // Whether the last run or a killed one wrote them, the same file again changes nothing.
    let again = ok(&store, &["import-ledger", file]);
    assert_eq!(
        (again["cases"].clone(), again["already_there"].clone()),
        (json!(0), json!(1500))
    );
    assert_eq!(again["written"], json!(false));
    assert_eq!(ok(&store, &["whoami"])["records"], json!(3000));
}

#[test]
fn a_sealed_transcript_prints_and_its_page_verifies_from_the_picture() {
    let dir = TempDir::new().unwrap();
    let store = dir.path().join("phone");
    ok(
        &store,
        &["init", "--township", "华新镇", "--user", "张丽", "--role", "inspector"],
    );
    let id = new_from(&store, "interview", &ok(&store, &["example", "interview"]));
    ok(&store, &["seal", &id]);
    let pdf = dir.path().join("笔录.pdf");
    let printed = ok(&store, &["document", &id, pdf.to_str().unwrap()]);
    assert!(printed["bytes"].as_u64().unwrap() > 1000);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // The page as a scanner sees it: rendered, its QR code read off the picture.
    let png = dir.path().join("page");
    let r = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&png)
        .status();
    assert!(r.is_ok_and(|s| s.success()), "pdftoppm (poppler-utils) is needed");
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".png"))
        .unwrap();
    let scanned = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&page)
        .output()
        .expect("zbarimg (zbar-tools) is needed");
    let code = String::from_utf8(scanned.stdout).unwrap();
    let verify = |code: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
            .arg("--store")
            .arg(&store)
            .args(["verify-qr", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(code.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let good = verify(&code);
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    let check: Value = serde_json::from_slice(&good.stdout).unwrap();
    assert_eq!(
        (check["record"].clone(), check["verified"].clone()),
        (json!(id), json!(true))
    );
    // One character of the signature changed: refused (exit 3), and the report says why.
    let line = code.trim();
    let at = line.len() - 3;
    let swapped = if &line[at..at + 1] == "A" { "B" } else { "A" };
    let bad = verify(&format!("{}{swapped}{}", &line[..at], &line[at + 1..]));
    assert_eq!(bad.status.code(), Some(3));
    let check: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(check["signature_valid"], json!(false));
    // A kind with no paper is refused in words.
    let employer = new_from(&store, "employer", &ok(&store, &["example", "employer"]));
    let err = fails(
        &store,
        &["document", &employer, dir.path().join("x.pdf").to_str().unwrap()],
        2,
    );
    assert!(err.contains("no paper document"), "{err}");
}

/// The other end of `exchange --listen`, killed if the test fails first.
struct Listening(std::process::Child);

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_phones_exchange_over_tcp_from_a_code_and_the_hub_takes_the_carried_record_as_its_authors() {
    use std::io::{BufRead, Read};
    let dir = TempDir::new().unwrap();
    let hub = dir.path().join("hub");
    let served = serve(&hub);
    let join = |name: &str, user: &str| {
        let code = ok(
            &hub,
            &["enroll", "--township", "华新镇", "--role", "inspector", "--user", user],
        )["code"]
            .as_str()
            .unwrap()
            .to_string();
        let phone = dir.path().join(name);
        ok(&phone, &["join", &served.url, &code, "--pin", &served.pin]);
        ok(&phone, &["sync"]);
        phone
    };
    let zhang = join("zhang", "张丽");
    let wu = join("wu", "吴军");
    let id = new_from(&zhang, "incident", &json!({"township": "华新镇", "headcount": 25}));

    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldcase"))
        .arg("--store")
        .arg(&zhang)
        .args(["exchange", "--listen", "127.0.0.1:0", "--wait", "60"])
        .env("FIELDCASE_NOW", "2026-05-01T00:00:00Z")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let listening = Listening(child);
    let mut code = String::new();
    out.read_line(&mut code).unwrap();
    let code = code.trim().to_string();
    assert!(code.starts_with("FCX1;a=127.0.0.1:"), "the listener printed {code:?}");
    // A mistyped code is refused before anything is sent.
    let err = fails(&wu, &["exchange", "--connect", "FCX1;a=127.0.0.1:1;k=??"], 2);
    assert!(err.contains("exchange code"), "{err}");
    let at_wu = ok(&wu, &["exchange", "--connect", &code]);
    assert_eq!(at_wu["received"]["incident"], 1, "{at_wu}");
    assert_eq!(at_wu["peer_user"], "张丽");
    assert_eq!(at_wu["complete"], true);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let at_zhang: Value = serde_json::from_str(&rest).unwrap_or_else(|_| panic!("the listener printed {rest:?}"));
    assert_eq!(at_zhang["sent"]["incident"], 1, "{at_zhang}");
    assert_eq!(at_zhang["peer_user"], "吴军");
    drop(listening);
    assert_eq!(ok(&wu, &["show", &id])["headcount"], 25);

    // 张丽's phone never syncs again; 吴军's carries her incident to the hub, as hers.
    let report = ok(&wu, &["sync"]);
    assert_eq!(report["refused"], json!([]), "{report}");
    let history = ok(&hub, &["history", &id]);
    assert_eq!(history[0]["user"], "张丽", "{history}");
    assert_eq!(history[0]["verified"], true);
}
