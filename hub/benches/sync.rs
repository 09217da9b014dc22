//! Sync benchmark: `cargo bench -p fieldcase-hub --bench sync` prints, for 1,000 and 10,000
//! realistic case records, the bytes on the wire (headers included, counted by a TCP proxy)
//! and HTTP round trips of a first sync, a no-change sync and a one-field change; beside
//! them a plain per-record automerge sync (one exchange per record) and the gzip and brotli
//! sizes of the same records as plain JSON (the floor: brotli at quality 11); then the same
//! over TLS, and a first sync up (a phone's records to an empty hub). SIZES=1000,10000 chooses
//! the sizes; RECORDS_OUT=DIR writes the records as JSON for bench/pouchdb/compare.js; ONLY=upload
//! runs the first sync up alone.

#[path = "../tests/support/proxy.rs"]
#[allow(dead_code)] // the benchmark counts bytes; it cuts no connection
mod proxy;

use std::io::Write;
use std::time::Instant;

use automerge::sync::SyncDoc;
use automerge::Automerge;
use fieldcase_core::model::Kind;
use fieldcase_core::sample::{case, Rng};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{LedgerQuery, Role, Store};
use fieldcase_hub::{HttpTransport, Hub};
use proxy::Proxy;
use serde_json::Value;

const KEY: [u8; 32] = [1; 32];

/// The floor the issue sets: the records' JSON at brotli's best (quality 11, the `brotli`
/// tool's window of 16 MiB).
fn brotli_11(plain: &[u8]) -> u64 {
    let mut out = vec![];
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &plain[..], &mut out, &params).unwrap();
    out.len() as u64
}

struct Measure {
    bytes: u64,
    round_trips: u64,
    ms: f64,
}

/// Runs one session (`f` returns its report): bytes on the wire, HTTP requests, time.
fn measured(proxy: &Proxy, f: impl FnOnce() -> fieldcase_core::sync::SyncReport) -> Measure {
    proxy.take();
    let t = Instant::now();
    let report = f();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let (up, down) = proxy.take();
    // The connection is kept between requests: the session counts its own requests.
    let round_trips = u64::try_from(report.round_trips + report.attachment_requests).unwrap_or(0);
    Measure {
        bytes: up + down,
        round_trips,
        ms,
    }
}

/// Plain automerge sync of one document pair until both are quiet: (bytes, round trips).
fn per_record_sync(a: &mut Automerge, b: &mut Automerge) -> (u64, u64) {
    let (mut sa, mut sb) = (automerge::sync::State::new(), automerge::sync::State::new());
    let (mut bytes, mut trips) = (0u64, 0u64);
    loop {
        let ma = a.generate_sync_message(&mut sa);
        let mb = b.generate_sync_message(&mut sb);
        if ma.is_none() && mb.is_none() {
            return (bytes, trips.max(1));
        }
        trips += 1;
        if let Some(m) = ma {
            let enc = m.encode();
            bytes += enc.len() as u64;
            b.receive_sync_message(&mut sb, automerge::sync::Message::decode(&enc).unwrap())
                .unwrap();
        }
        if let Some(m) = mb {
            let enc = m.encode();
            bytes += enc.len() as u64;
            a.receive_sync_message(&mut sa, automerge::sync::Message::decode(&enc).unwrap())
                .unwrap();
        }
    }
}

fn kib(b: u64) -> String {
    if b < 10_000 {
        format!("{b} B")
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

fn run(n: usize) {
    let dir = tempfile::TempDir::new().unwrap();
    let hub_store = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let mut rng = Rng(0xBE7C_4A5E + n as u64);
    let mut json_records: Vec<Value> = vec![];
    let t = Instant::now();
    for _ in 0..n {
        let mut v = case(&mut rng);
        v["township"] = "华新镇".into();
        let id = hub_store.writer().create_json(Kind::Case, v).unwrap().id;
        let mut shown = hub_store.records().get(&id).unwrap().record.to_json();
        shown["id"] = id.into();
        json_records.push(shown);
    }
    eprintln!("created {n} cases at the hub in {:.1} s", t.elapsed().as_secs_f64());
    let plain = serde_json::to_vec(&json_records).unwrap();
    // The same records for the PouchDB side (bench/pouchdb/compare.js).
    if let Some(dir) = std::env::var_os("RECORDS_OUT") {
        let path = std::path::Path::new(&dir).join(format!("records-{n}.json"));
        std::fs::write(&path, &plain).unwrap();
        eprintln!("wrote {}", path.display());
    }
    let gz = {
        let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
        e.write_all(&plain).unwrap();
        e.finish().unwrap().len() as u64
    };
    let br = brotli_11(&plain);

    let hub = Hub::start(hub_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let proxy = Proxy::start(hub.addr);
    let office = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    let code = office.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let transport = HttpTransport::new(&proxy.url(), None).unwrap();
    let (phone, _) =
        Store::create_by_joining(&dir.path().join("phone"), &KEY, &transport, &proxy.url(), None, &code).unwrap();

    let first = measured(&proxy, || {
        phone.sync().run(&transport, &SyncOptions::default()).unwrap()
    });
    assert_eq!(phone.count().unwrap(), n);
    let quiet = measured(&proxy, || {
        phone.sync().run(&transport, &SyncOptions::default()).unwrap()
    });
    let id = phone
        .ledger()
        .list(&LedgerQuery {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()[0]
        .id
        .clone();
    phone
        .writer()
        .edit(&id, &[("workers_involved".into(), 42.into())])
        .unwrap();
    let one = measured(&proxy, || {
        let r = phone.sync().run(&transport, &SyncOptions::default()).unwrap();
        assert_eq!(r.records_sent, 1);
        r
    });
    let header_per_trip = quiet.bytes;

    // Baseline: every record synced on its own with automerge's sync protocol.
    let ids: Vec<String> = office
        .ledger()
        .list(&LedgerQuery {
            limit: Some(fieldcase_core::store::MAX_PAGE),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut pairs: Vec<(Automerge, Automerge)> = ids
        .iter()
        .map(|id| {
            (
                Automerge::load(&office.records().document_bytes(id).unwrap()).unwrap(),
                Automerge::new(),
            )
        })
        .collect();
    let t = Instant::now();
    let (mut b_first, mut b_trips) = (0, 0);
    for (src, dst) in pairs.iter_mut() {
        let (b, r) = per_record_sync(src, dst);
        b_first += b;
        b_trips += r;
    }
    let b_first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let (mut b_quiet, mut b_quiet_trips) = (0, 0);
    for (src, dst) in pairs.iter_mut() {
        let (b, r) = per_record_sync(src, dst);
        b_quiet += b;
        b_quiet_trips += r;
    }
    let b_quiet_ms = t.elapsed().as_secs_f64() * 1000.0;
    let per_trip_headers = header_per_trip.saturating_sub(30);
    println!();
    println!(
        "Sync, {n} realistic case records ({} KiB as plain JSON)",
        plain.len() / 1024
    );
    println!("| session | Fieldcase bytes | round trips | time | per-record automerge sync bytes (+ headers) | round trips |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| first sync (download) | {} | {} | {:.0} ms | {} (+{}) | {} |",
        kib(first.bytes),
        first.round_trips,
        first.ms,
        kib(b_first),
        kib(b_trips * per_trip_headers),
        b_trips
    );
    println!(
        "| no change | {} | {} | {:.0} ms | {} (+{}) | {} |",
        kib(quiet.bytes),
        quiet.round_trips,
        quiet.ms,
        kib(b_quiet),
        kib(b_quiet_trips * per_trip_headers),
        b_quiet_trips
    );
    println!(
        "| one field changed (upload) | {} | {} | {:.0} ms | | |",
        kib(one.bytes),
        one.round_trips,
        one.ms
    );
    println!(
        "| floor: records as JSON | gzip {} / brotli-11 {} | | | first sync / brotli-11 = {:.2} | baseline {:.0} ms + {:.0} ms |",
        kib(gz),
        kib(br),
        first.bytes as f64 / br as f64,
        b_first_ms,
        b_quiet_ms
    );
    drop(hub);
    tls_rows(&dir, &phone);
    upload(n);
}

/// A first sync the other way: a phone that made `n` cases offline sends them to a hub that
/// has none (the records are its own: a hub takes a change only from its author).
fn upload(n: usize) {
    let dir = tempfile::TempDir::new().unwrap();
    let hub_store = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    let code = hub_store.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let hub = Hub::start(hub_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let proxy = Proxy::start(hub.addr);
    let transport = HttpTransport::new(&proxy.url(), None).unwrap();
    let (phone, _) =
        Store::create_by_joining(&dir.path().join("phone"), &KEY, &transport, &proxy.url(), None, &code).unwrap();
    // The same records as the download's (the same seed), made by the phone.
    let mut rng = Rng(0xBE7C_4A5E + n as u64);
    let mut json_records: Vec<Value> = vec![];
    let t = Instant::now();
    for _ in 0..n {
        let mut v = case(&mut rng);
        v["township"] = "华新镇".into();
        let id = phone.writer().create_json(Kind::Case, v).unwrap().id;
        let mut shown = phone.records().get(&id).unwrap().record.to_json();
        shown["id"] = id.into();
        json_records.push(shown);
    }
    eprintln!("created {n} cases on the phone in {:.1} s", t.elapsed().as_secs_f64());
    proxy.take();
    let t = Instant::now();
    let report = phone.sync().run(&transport, &SyncOptions::default()).unwrap();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let (up, down) = proxy.take();
    let plain = serde_json::to_vec(&json_records).unwrap();
    let br = brotli_11(&plain);
    assert_eq!(report.records_sent, n as i64);
    println!();
    println!("First sync up: a phone's {n} cases to an empty hub");
    println!("| session | bytes up | bytes down | round trips | time | upload / brotli-11 floor |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| first sync (upload) | {} | {} | {} | {:.0} ms | {:.2} (floor {}) |",
        kib(up),
        kib(down),
        report.round_trips,
        ms,
        up as f64 / br as f64,
        kib(br)
    );
}

/// The median of `runs` sessions made by `session`: bytes on the wire (both ways, headers and
/// TLS records included) and milliseconds.
fn median_of(proxy: &Proxy, runs: usize, mut session: impl FnMut()) -> (u64, f64) {
    let mut seen: Vec<(u64, f64)> = (0..runs)
        .map(|_| {
            proxy.take();
            let t = Instant::now();
            session();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let (up, down) = proxy.take();
            (up + down, ms)
        })
        .collect();
    seen.sort_by(|a, b| a.1.total_cmp(&b.1));
    let bytes = {
        let mut b: Vec<u64> = seen.iter().map(|s| s.0).collect();
        b.sort();
        b[b.len() / 2]
    };
    (bytes, seen[seen.len() / 2].1)
}

/// A no-change session and a one-field upload as a phone makes them, over plain HTTP and over
/// TLS, each on a new connection (as every CLI `sync` opens one) and on a kept one: a TLS
/// connection either makes a full handshake (certificate and key exchange) or resumes the
/// session of the connection before it (TLS 1.3 pre-shared key).
fn tls_rows(dir: &tempfile::TempDir, phone: &Store) {
    let tls = fieldcase_hub::TlsIdentity::generate(&["127.0.0.1".into()]).unwrap();
    let pin = tls.fingerprint();
    let store = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    let hub = Hub::start_with(store, "127.0.0.1:0".parse().unwrap(), Some(tls)).unwrap();
    let tls_proxy = Proxy::start(hub.addr);
    let tls_url = tls_proxy.url().replace("http://", "https://");
    let plain_store = Store::open(&dir.path().join("hub"), &KEY).unwrap();
    let plain_hub = Hub::start(plain_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let plain_proxy = Proxy::start(plain_hub.addr);
    let id = phone
        .ledger()
        .list(&LedgerQuery {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()[0]
        .id
        .clone();
    let mut n = 0;
    let mut edit = || {
        n += 1;
        phone
            .writer()
            .edit(&id, &[("workers_involved".into(), (100 + n).into())])
            .unwrap();
    };
    let sync = |t: &HttpTransport| {
        phone.sync().run(t, &SyncOptions::default()).unwrap();
    };
    const RUNS: usize = 7;
    let mut rows = vec![];
    for (what, upload) in [("no change", false), ("one field changed", true)] {
        let plain_new = median_of(&plain_proxy, RUNS, || {
            if upload {
                edit();
            }
            sync(&HttpTransport::new(&plain_proxy.url(), None).unwrap())
        });
        let plain = HttpTransport::new(&plain_proxy.url(), None).unwrap();
        sync(&plain);
        let plain_kept = median_of(&plain_proxy, RUNS, || {
            if upload {
                edit();
            }
            sync(&plain)
        });
        let full = median_of(&tls_proxy, RUNS, || {
            if upload {
                edit();
            }
            fieldcase_hub::client::forget_tls_sessions();
            sync(&HttpTransport::new(&tls_url, Some(&pin)).unwrap())
        });
        sync(&HttpTransport::new(&tls_url, Some(&pin)).unwrap());
        let resumed = median_of(&tls_proxy, RUNS, || {
            if upload {
                edit();
            }
            sync(&HttpTransport::new(&tls_url, Some(&pin)).unwrap())
        });
        let kept_t = HttpTransport::new(&tls_url, Some(&pin)).unwrap();
        sync(&kept_t);
        let kept = median_of(&tls_proxy, RUNS, || {
            if upload {
                edit();
            }
            sync(&kept_t)
        });
        rows.push((what, plain_new, plain_kept, full, resumed, kept));
    }
    println!();
    println!("Sync over TLS beside plain HTTP (median of {RUNS}; bytes on the wire both ways, headers and TLS records included)");
    println!("| session | plain HTTP, new connection | plain HTTP, kept connection | TLS, new connection, full handshake | TLS, new connection, resumed | TLS, kept connection |");
    println!("|---|---|---|---|---|---|");
    for (what, a, b, c, d, e) in rows {
        println!(
            "| {what} | {} B, {:.1} ms | {} B, {:.1} ms | {} B, {:.1} ms | {} B, {:.1} ms | {} B, {:.1} ms |",
            a.0, a.1, b.0, b.1, c.0, c.1, d.0, d.1, e.0, e.1
        );
    }
    drop(hub);
    drop(plain_hub);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // ONLY=upload runs the first sync up alone (for profiling the hub's apply).
    let only_upload = std::env::var("ONLY").as_deref() == Ok("upload");
    for n in sizes {
        if only_upload {
            upload(n);
        } else {
            run(n);
        }
    }
}
