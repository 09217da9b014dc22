//! The papers a case file needs, read back as a clerk, a court or the arbitration committee
//! meets them: `pdftotext` finds every field and the page numbers, `pdftoppm` renders the
//! pages and `zbarimg` reads the seal's QR code off the picture, which verifies against the
//! registry and fails once one character of it is changed. Pictures of the pages are left in
//! target/documents/ (docs/documents/ holds the ones looked at).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::signature::{svg, PadPoint};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};
use fieldcase_hub::documents;
use fieldcase_hub::Hub;
use serde_json::{json, Value};
use tempfile::TempDir;

/// A signature as a finger draws it on the pad: a few strokes.
fn scribble(seed: f64) -> Vec<u8> {
    let stroke = |x0: f64, w: f64| -> Vec<PadPoint> {
        (0..24)
            .map(|i| {
                let t = i as f64 / 23.0;
                PadPoint {
                    x: x0 + t * w,
                    y: 100.0 + 55.0 * (t * 9.0 + seed).sin() * (1.0 - t * 0.5),
                }
            })
            .collect()
    };
    svg(
        &[stroke(40.0, 180.0), stroke(230.0, 140.0), stroke(390.0, 170.0)],
        600,
        200,
    )
    .into_bytes()
}

fn tool(name: &str) -> &str {
    assert!(
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .unwrap()
            .status
            .success(),
        "{name} is needed to read the documents back: apt-get install poppler-utils zbar-tools (scripts/test does)"
    );
    name
}

fn text_of(pdf: &Path, page: Option<usize>) -> String {
    let mut c = Command::new(tool("pdftotext"));
    c.arg("-layout");
    if let Some(p) = page {
        c.args(["-f", &p.to_string(), "-l", &p.to_string()]);
    }
    let out = c.arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The pages as PNG pictures at `dpi`, in order.
fn pictures(pdf: &Path, dpi: u32, prefix: &Path) -> Vec<PathBuf> {
    let out = Command::new(tool("pdftoppm"))
        .args(["-png", "-r", &dpi.to_string()])
        .arg(pdf)
        .arg(prefix)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = prefix.parent().unwrap();
    let stem = prefix.file_name().unwrap().to_string_lossy().to_string();
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!("{stem}-")) && n.ends_with(".png")
        })
        .collect();
    pngs.sort();
    pngs
}

/// What zbarimg reads off a picture: the QR codes' texts.
fn qr_codes(png: &Path) -> Vec<String> {
    let out = Command::new(tool("zbarimg"))
        .args(["-q", "--raw"])
        .arg(png)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Text without its spaces: pdftotext keeps or drops the spaces between Chinese characters.
fn squash(t: &str) -> String {
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages_of(pdf: &Path) -> usize {
    let out = Command::new(tool("pdfinfo")).arg(pdf).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .unwrap()
}

struct District {
    _dir: TempDir,
    _hub: Hub,
    office: Store,
    case: String,
    interview: String,
    inspection: String,
    mediation: String,
    incident: String,
    out: PathBuf,
}

/// An inspector and a mediator of 华新镇 work a case: a long transcript sealed with the
/// worker's drawn signature, a site inspection with a correction order still a draft, an
/// incident, a mediation agreement sealed with every party's signature; the office closes
/// the case. Everything reaches the hub, which prints.
fn district() -> District {
    let dir = TempDir::new().unwrap();
    let key = [5u8; 32];
    let hub_store = Store::create(&dir.path().join("hub"), &key, "青浦区", "办公室", Role::Office).unwrap();
    let hub = Hub::start(hub_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let office = Store::open(&dir.path().join("hub"), &key).unwrap();
    let code = office.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let inspector = support::join(&dir.path().join("inspector"), &key, &hub.url(), &code);
    let code = office.hub().enroll("华新镇", Role::Mediator, "王芳").unwrap().code;
    let mediator = support::join(&dir.path().join("mediator"), &key, &hub.url(), &code);

    let w = inspector.writer();
    let mut case = Record::example(Kind::Case).to_json();
    case["responsible_person"] = json!("张丽");
    let case = w.create_json(Kind::Case, case).unwrap().id;

    let mut interview = Record::example(Kind::Interview).to_json();
    interview["case_id"] = json!(case);
    let mut questions = interview["questions"].as_array().unwrap().clone();
    for n in 1..=34 {
        questions.push(json!({
            "question": format!("第{n}个月的工资是怎么发的？有没有工资条？"),
            "answer": format!("第{n}个月只发了生活费八百元，其余的说等工程款到了再发，工资条没有见过，班组长王某某每次都说下个月一起结清。"),
        }));
    }
    interview["questions"] = Value::Array(questions);
    let interview = w.create_json(Kind::Interview, interview).unwrap().id;
    let worker = inspector
        .attachments()
        .attach(
            &interview,
            &scribble(0.3),
            "签名-刘强.svg",
            "image/svg+xml",
            Some("signature"),
        )
        .unwrap();
    let zhang = inspector
        .attachments()
        .attach(
            &interview,
            &scribble(1.7),
            "签名-张丽.svg",
            "image/svg+xml",
            Some("signature"),
        )
        .unwrap();
    w.edit(
        &interview,
        &[
            ("signatures.interviewee.image_sha256".into(), json!(worker.sha256)),
            ("signatures.inspectors.0.image_sha256".into(), json!(zhang.sha256)),
        ],
    )
    .unwrap();
    w.seal(&interview).unwrap();

    let mut inspection = Record::example(Kind::Inspection).to_json();
    inspection["case_id"] = json!(case);
    inspection["correction_order"] =
        json!({"required": "建立农民工工资专用账户，补发2026年2月至3月工资", "deadline": "2026-04-10"});
    let inspection = w.create_json(Kind::Inspection, inspection).unwrap().id;

    let incident = w
        .create_json(Kind::Incident, Record::example(Kind::Incident).to_json())
        .unwrap()
        .id;

    let mut mediation = Record::example(Kind::Mediation).to_json();
    mediation["case_id"] = json!(case);
    let mediation = mediator.writer().create_json(Kind::Mediation, mediation).unwrap().id;
    // The worker, the employer and the mediator each draw their signature on the phone.
    let signs: Vec<(String, Value)> = ["workers.0", "employer", "mediator"]
        .iter()
        .enumerate()
        .map(|(i, who)| {
            let a = mediator
                .attachments()
                .attach(
                    &mediation,
                    &scribble(2.0 + i as f64),
                    &format!("签名{i}.svg"),
                    "image/svg+xml",
                    Some("signature"),
                )
                .unwrap();
            (format!("agreement.signatures.{who}.image_sha256"), json!(a.sha256))
        })
        .collect();
    mediator.writer().edit(&mediation, &signs).unwrap();
    mediator.writer().seal(&mediation).unwrap();

    for phone in [&inspector, &mediator] {
        support::try_sync(phone, &SyncOptions::default()).unwrap();
    }
    office
        .writer()
        .close(
            &case,
            json!({"kind": "mediated_agreement_performed", "on": "2026-04-20", "reference": format!("调解协议书 {mediation}"), "amount_paid_fen": 1_550_000}),
        )
        .unwrap();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/documents");
    std::fs::create_dir_all(&out).unwrap();
    District {
        _dir: dir,
        _hub: hub,
        office,
        case,
        interview,
        inspection,
        mediation,
        incident,
        out,
    }
}

fn write(d: &District, name: &str, pdf: &[u8]) -> PathBuf {
    assert!(pdf.starts_with(b"%PDF-"));
    let path = d.out.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    for old in std::fs::read_dir(&d.out).unwrap().map(|e| e.unwrap().path()) {
        let n = old.file_name().unwrap().to_string_lossy().to_string();
        if n.starts_with(&format!("{name}-")) && n.ends_with(".png") {
            std::fs::remove_file(old).unwrap();
        }
    }
    path
}

#[test]
fn papers_of_a_case_read_back_with_their_fields_pages_signatures_and_seals() {
    let d = district();

    // The transcript: every question and answer, numbered pages, the worker's signature
    // asked on every page, the seal's QR code on every page.
    let pdf = write(&d, "询问笔录", &documents::document(&d.office, &d.interview).unwrap());
    let text = squash(&text_of(&pdf, None));
    let n = pages_of(&pdf);
    assert!(n >= 3, "34 questions run over pages: {n}");
    for want in [
        "询问笔录",
        "刘强",
        "11010519491231002X",
        "华新镇劳动保障所",
        "张丽",
        "沪劳监0112",
        "被拖欠多少工资？",
        "一共15500元",
        "第34个月的工资是怎么发的",
    ] {
        assert!(text.contains(&squash(want)), "{want} in the transcript");
    }
    let pngs = pictures(&pdf, 150, &d.out.join("询问笔录"));
    assert_eq!(pngs.len(), n);
    for page in 1..=n {
        let t = text_of(&pdf, Some(page));
        assert!(squash(&t).contains(&format!("第{page}页共{n}页")), "page {page}: {t}");
        assert!(
            t.contains("被询问人（每页签名）") && t.contains("刘强"),
            "the interviewee signs page {page}"
        );
        assert!(!t.contains("草稿"));
        let codes = qr_codes(&pngs[page - 1]);
        assert_eq!(codes.len(), 1, "one seal code on page {page}");
        let check = d.office.verify_printed(&codes[0]).unwrap();
        assert!(check.verified, "page {page}: {check:?}");
        assert_eq!(check.record, d.interview);
        assert_eq!(check.signed_by, "张丽");
    }
    // One character of the code changed: it no longer verifies.
    let code = qr_codes(&pngs[0]).remove(0);
    let at = code.len() - 5;
    let flipped = if &code[at..at + 1] == "0" { "1" } else { "0" };
    let altered = format!("{}{flipped}{}", &code[..at], &code[at + 1..]);
    let check = d.office.verify_printed(&altered).unwrap();
    assert!(!check.verified && !check.signature_valid, "{check:?}");
    // Another content's hash in the code: the signature no longer covers it.
    let mut parts: Vec<String> = code.split('|').map(str::to_string).collect();
    parts[3] = "A".repeat(parts[3].len());
    assert!(!d.office.verify_printed(&parts.join("|")).unwrap().verified);
    assert!(d.office.verify_printed("https://example.com/not-a-seal").is_err());

    // The site inspection, still a draft, says so on every page, carries no seal code, and
    // prints its correction order on a page of its own.
    let pdf = write(
        &d,
        "现场检查笔录",
        &documents::document(&d.office, &d.inspection).unwrap(),
    );
    let n = pages_of(&pdf);
    let text = squash(&text_of(&pdf, None));
    for want in [
        "现场检查笔录",
        "农民工工资专用账户",
        "劳动保障监察责令改正指令书",
        "2026年4月10日",
        "建立农民工工资专用账户，补发2026年2月至3月工资",
    ] {
        assert!(text.contains(&squash(want)), "{want} in the inspection record");
    }
    for (page, png) in pictures(&pdf, 100, &d.out.join("现场检查笔录")).iter().enumerate() {
        assert!(
            squash(&text_of(&pdf, Some(page + 1))).contains("草稿"),
            "草稿 on page {}",
            page + 1
        );
        assert!(qr_codes(png).is_empty(), "a draft has no seal code");
    }
    assert!(n >= 2);

    // The mediation agreement: parties, amounts in 元, terms, every party's signature.
    let pdf = write(&d, "调解协议书", &documents::document(&d.office, &d.mediation).unwrap());
    let text = squash(&text_of(&pdf, None));
    let Record::Mediation(m) = d.office.records().record(&d.mediation).unwrap() else {
        panic!()
    };
    let a = m.agreement.clone().unwrap();
    for want in [
        "调解协议书".to_string(),
        m.employer.name.clone().unwrap(),
        m.workers[0].name.clone(),
        format!("{} 元", fieldcase_core::money::yuan(a.agreed_amount_fen.unwrap())),
        "仲裁审查确认".into(),
        "调解员".into(),
    ] {
        assert!(text.contains(&squash(&want)), "{want} in the agreement:\n{text}");
    }
    let pngs = pictures(&pdf, 150, &d.out.join("调解协议书"));
    assert!(d.office.verify_printed(&qr_codes(&pngs[0])[0]).unwrap().verified);

    // The fast report of the incident.
    let pdf = write(&d, "快报", &documents::document(&d.office, &d.incident).unwrap());
    let text = squash(&text_of(&pdf, None));
    assert!(text.contains("欠薪突发事件快报") && text.contains("聚集人数"), "{text}");
    assert!(!text.contains("草稿"), "a fast report is sent as it stands, unsigned");

    // The case file: cover and contents, each linked document in order, the closing report.
    let pdf = write(&d, "卷宗", &documents::casefile(&d.office, &d.case, &|_| true).unwrap());
    let n = pages_of(&pdf);
    let text = squash(&text_of(&pdf, None));
    let cover = squash(&text_of(&pdf, Some(1)));
    assert!(
        cover.contains("劳动保障监察案件卷宗") && cover.contains("卷内目录"),
        "{cover}"
    );
    let order: Vec<usize> = ["询问笔录", "现场检查笔录", "调解协议书", "结案报告"]
        .iter()
        .map(|t| cover.find(t).unwrap_or_else(|| panic!("{t} in the contents: {cover}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in order: {cover}");
    assert!(text.contains(&format!("卷宗第{n}页共{n}页")));
    assert!(
        text.contains("结案报告") && text.contains("已支付金额：15,500.00元"),
        "the closing report: {text}"
    );
    pictures(&pdf, 80, &d.out.join("卷宗"));

    // A kind with no paper, or a case file of what is not a case, is refused in words.
    let employer = d
        .office
        .writer()
        .create_json(Kind::Employer, Record::example(Kind::Employer).to_json())
        .unwrap()
        .id;
    assert!(documents::document(&d.office, &employer)
        .unwrap_err()
        .to_string()
        .contains("no paper document"));
    assert!(documents::casefile(&d.office, &d.interview, &|_| true)
        .unwrap_err()
        .to_string()
        .contains("not a case"));
}

#[test]
fn a_follow_up_longer_than_a_page_runs_on_over_pages_and_nothing_is_cut() {
    let dir = TempDir::new().unwrap();
    let office = Store::create(&dir.path().join("hub"), &[6u8; 32], "华新镇", "办公室", Role::Office).unwrap();
    let mut case = Record::example(Kind::Case).to_json();
    let long: String = (1..=400).map(|n| format!("第{n}句。")).collect();
    case["follow_ups"][0]["outcome"] = json!(long);
    let id = office.writer().create_json(Kind::Case, case).unwrap().id;
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/documents");
    std::fs::create_dir_all(&out).unwrap();
    let pdf = out.join("结案报告-长跟进.pdf");
    std::fs::write(&pdf, documents::document(&office, &id).unwrap()).unwrap();
    // Without the watermark's two characters, which pdftotext reads in among the lines.
    let text = squash(&text_of(&pdf, None)).replace(['草', '稿'], "");
    assert!(pages_of(&pdf) >= 3, "the long row runs over pages");
    for n in [1, 200, 399, 400] {
        assert!(text.contains(&format!("第{n}句。")), "sentence {n} is printed");
    }
    assert!(
        text_of(&pdf, Some(1)).contains("草稿：未签署"),
        "a case not closed prints as a draft"
    );
}
