//! The office's pages over 10,000 cases (RECORDS=n for another size; STORE_DIR keeps the store):
//! the ledger page's server time (first page, a page deep in the ledger, a search) and the
//! XLSX export's, measured over HTTP on 127.0.0.1 as a browser asks. Prints a Markdown table.
//! `cargo bench -p fieldcase-hub --bench office`

use std::time::{Duration, Instant};

use fieldcase_core::model::Kind;
use fieldcase_core::{sample, Role, Store};
use fieldcase_hub::Hub;

const KEY: [u8; 32] = [4; 32];
const PASSWORD: &str = "benchmark-password";

fn p95(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[(xs.len() * 95 / 100).min(xs.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let n: usize = std::env::var("RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = std::env::var("STORE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("hub"));
    let store = if dir.join("fieldcase.db").exists() {
        Store::open(&dir, &KEY).unwrap()
    } else {
        let s = Store::create(&dir, &KEY, "青浦区", "办公室", Role::Office).unwrap();
        let mut rng = sample::Rng(0x0FF1CE);
        let t = Instant::now();
        for _ in 0..n {
            let mut v = sample::case(&mut rng);
            v["township"] = serde_json::json!("华新镇");
            s.writer().create_json(Kind::Case, v).unwrap();
        }
        eprintln!("made {n} cases in {:.1} s", t.elapsed().as_secs_f64());
        s.office().add_user("办公室", PASSWORD, Some("华新镇")).unwrap();
        s
    };
    let hub = Hub::start(store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let base = hub.url().trim_end_matches('/').to_string();
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Log in as a browser does: the login form's token cookie, then the session cookie.
    let form = http.get(format!("{base}/office/login")).send().unwrap();
    let login_cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = form.text().unwrap();
    let at = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = body[at..at + 64].to_string();
    let r = http
        .post(format!("{base}/office/login"))
        .header("cookie", &login_cookie)
        .form(&[("user", "办公室"), ("password", PASSWORD), ("csrf", csrf.as_str())])
        .send()
        .unwrap();
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("fc_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get = |path: &str| {
        let t = Instant::now();
        let r = http
            .get(format!("{base}{path}"))
            .header("cookie", &session)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let bytes = r.bytes().unwrap();
        (t.elapsed(), bytes)
    };
    let first: Vec<Duration> = (0..30).map(|_| get("/office").0).collect();
    let (_, page) = get("/office");
    let page = String::from_utf8_lossy(&page).to_string();
    // Follow "next" 40 times: 2,000 rows deep.
    let mut deep = vec![];
    let mut next = page
        .split("id=\"next\" href=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"));
    for _ in 0..40 {
        let Some(path) = next.clone() else { break };
        let (d, body) = get(&path);
        deep.push(d);
        let body = String::from_utf8_lossy(&body).to_string();
        next = body
            .split("id=\"next\" href=\"")
            .nth(1)
            .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"));
    }
    let search: Vec<Duration> = (0..30).map(|_| get("/office?q=%E7%8E%8B%E5%BC%BA").0).collect();
    let exports: Vec<(Duration, usize)> = (0..3)
        .map(|_| {
            let (d, bytes) = get("/office/ledger.xlsx");
            (d, bytes.len())
        })
        .collect();
    let best_export = exports.iter().map(|e| e.0).min().unwrap();
    println!("| office pages, {n} cases (served over HTTP on 127.0.0.1) | p95 | target |");
    println!("|---|---|---|");
    println!(
        "| ledger page: the first 50 lines by deadline | {} | < 100 ms |",
        ms(p95(first))
    );
    println!(
        "| ledger page: 50 lines up to 2,000 deep (by cursor) | {} | < 100 ms |",
        ms(p95(deep))
    );
    println!(
        "| ledger page: a search by a two-character name | {} | < 100 ms |",
        ms(p95(search))
    );
    println!(
        "| XLSX export of the whole ledger (best of 3; {} KiB) | {} | < 2 s |",
        exports[0].1 / 1024,
        ms(best_export)
    );
    hub.stop();
}
