//! Finding 3 of the security review: a 1.6 KB brotli body took the hub from 235 to 498 MiB,
//! eight at once to 2.4 GiB. Now a body expands to 32 MiB at most, four decompress at once,
//! and the credential is checked before the body is read. Alone in its test binary so that
//! its memory is the hub's.

use std::io::Read;

use fieldcase_core::{Role, Store};
use fieldcase_hub::Hub;
use tempfile::TempDir;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

#[test]
fn compression_bombs_are_refused_with_bounded_memory() {
    let dir = TempDir::new().unwrap();
    let key = [3u8; 32];
    let store = Store::create(&dir.path().join("hub"), &key, "青浦区", "办公室", Role::Office).unwrap();
    let hub = Hub::start(store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let office = Store::open(&dir.path().join("hub"), &key).unwrap();
    let transport = fieldcase_hub::HttpTransport::new(&hub.url(), None).unwrap();
    let tokens: Vec<String> = (0..8)
        .map(|i| {
            let code = office
                .hub()
                .enroll("华新镇", Role::Grid, &format!("李华{i}"))
                .unwrap()
                .code;
            let (phone, _) = Store::create_by_joining(
                &dir.path().join(format!("phone{i}")),
                &key,
                &transport,
                &hub.url(),
                None,
                &code,
            )
            .unwrap();
            phone.sync().link().unwrap().unwrap().token
        })
        .collect();
    // A request that looks right, then 512 MiB of zeros: in a couple of kilobytes.
    let mut bomb = vec![];
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 24,
        ..Default::default()
    };
    let start: &[u8] = b"FCS2\x00\x00\x00\x00\x00\x00";
    brotli::BrotliCompress(&mut start.chain(std::io::repeat(0).take(512 << 20)), &mut bomb, &params).unwrap();
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    let before = peak_rss_mib();
    std::thread::scope(|s| {
        for token in &tokens {
            let (bomb, hub) = (&bomb, &hub);
            s.spawn(move || {
                let resp = reqwest::blocking::Client::new()
                    .post(format!("{}v1/sync", hub.url()))
                    .bearer_auth(token)
                    .body(bomb.clone())
                    .send()
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 400);
                // Refused at the first byte past the request, whatever follows it.
                assert!(resp.text().unwrap().contains("trailing bytes"));
            });
        }
    });
    let grew = peak_rss_mib() - before;
    eprintln!("peak memory grew by {grew:.0} MiB for eight bombs at once");
    assert!(grew < 400.0, "the hub grew by {grew:.0} MiB");
    // Without a credential the body is not even read.
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}v1/sync", hub.url()))
        .body(bomb)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}
