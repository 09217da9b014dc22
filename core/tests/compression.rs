//! Bytes, not time: a fixed set of 1,000 realistic cases (seeded) goes up from the phone that
//! made them and down to a new phone, and each session's body must stay within a stated bound
//! of the floor, the records' plain JSON at brotli's best (quality 11). A change that loosens
//! the compression or adds bytes to every record fails here.
//!
//! Measured when written (2026-12-04): floor 75,218 B; upload 100,843 B (1.34 x, of which
//! 1.18 x is what the CRDT carries beyond the JSON at the same quality and the rest brotli 9
//! against 11); download 101,423 B (1.35 x). Bound: 1.40 x.

use std::sync::Arc;

use fieldcase_core::model::Kind;
use fieldcase_core::sample::{case, Rng};
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};

const KEY: [u8; 32] = [3; 32];
const BOUND: f64 = 1.40;

fn brotli_11(plain: &[u8]) -> usize {
    let mut out = vec![];
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &plain[..], &mut out, &params).unwrap();
    out.len()
}

#[test]
fn a_first_sync_either_way_stays_within_its_bound_of_the_brotli_11_floor() {
    let dir = tempfile::TempDir::new().unwrap();
    let hub = Arc::new(Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap());
    hub.hub().register().unwrap();
    let memory = MemoryHub::new(hub.clone());
    let join = |name: &str| {
        let code = hub.hub().enroll("华新镇", Role::Inspector, name).unwrap().code;
        Store::create_by_joining(&dir.path().join(name), &KEY, &memory, "https://hub.test/", None, &code)
            .unwrap()
            .0
    };
    let maker = join("张丽");
    let mut rng = Rng(0xC0_4E55);
    let mut json = vec![];
    for _ in 0..1000 {
        let mut v = case(&mut rng);
        v["township"] = "华新镇".into();
        let id = maker.writer().create_json(Kind::Case, v).unwrap().id;
        let mut shown = maker.records().get(&id).unwrap().record.to_json();
        shown["id"] = id.into();
        json.push(shown);
    }
    let floor = brotli_11(&serde_json::to_vec(&json).unwrap()) as f64;

    let up = maker.sync().run(&memory, &SyncOptions::default()).unwrap();
    assert_eq!(up.records_sent, 1000);
    let newcomer = join("吴军");
    let down = newcomer.sync().run(&memory, &SyncOptions::default()).unwrap();
    assert_eq!(down.records_received, 1000);

    let up_ratio = up.bytes_up as f64 / floor;
    let down_ratio = down.bytes_down as f64 / floor;
    println!(
        "floor {floor} B; upload {} B = {up_ratio:.3} x; download {} B = {down_ratio:.3} x",
        up.bytes_up, down.bytes_down
    );
    assert!(
        up_ratio <= BOUND,
        "the upload is {up_ratio:.3} x the brotli-11 floor (bound {BOUND})"
    );
    assert!(
        down_ratio <= BOUND,
        "the download is {down_ratio:.3} x the brotli-11 floor (bound {BOUND})"
    );
}
