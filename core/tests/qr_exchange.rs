//! Two inspectors on a site where no radio works pass a bundle screen to camera: an incident
//! and a sealed transcript, exported for the colleague, cut into fountain-coded frames, each
//! drawn as a QR code; a third of the pictures are never seen, the rest are decoded from the
//! pictures (a camera's view, not the frames' bytes), and the bundle is imported whole.

use std::sync::Arc;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::qr::{QrReceiver, QrSender};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};

#[path = "support/qr_picture.rs"]
mod qr_picture;
use qr_picture::{picture, read};

const KEY: [u8; 32] = [9; 32];
const PASS: &str = "工地上当面约定的口令2026";

#[test]
fn an_incident_and_a_sealed_transcript_cross_by_qr_codes_with_a_third_never_seen() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
    hub.hub().register().unwrap();
    let hub = Arc::new(hub);
    let memory = MemoryHub::new(hub.clone());
    let join = |name: &str, user: &str| {
        let code = hub.hub().enroll("华新镇", Role::Inspector, user).unwrap().code;
        Store::create_by_joining(&dir.path().join(name), &KEY, &memory, "https://hub.test/", None, &code)
            .unwrap()
            .0
    };
    let zhang = join("zhang", "张丽");
    let wu = join("wu", "吴军");
    // Both synced at the office in the morning: each phone's registry knows the other.
    for phone in [&zhang, &wu] {
        phone.sync().run(&memory, &SyncOptions::default()).unwrap();
    }
    let incident = zhang
        .writer()
        .create_json(Kind::Incident, Record::example(Kind::Incident).to_json())
        .unwrap()
        .id;
    let transcript = zhang
        .writer()
        .create_json(Kind::Interview, Record::example(Kind::Interview).to_json())
        .unwrap()
        .id;
    zhang.writer().seal(&transcript).unwrap();

    let (bundle, _) = zhang.bundles().export(Some(&wu.identity().device), PASS).unwrap();
    let sender = QrSender::new(&bundle).unwrap();
    let frames = sender.frames();
    assert!(frames.len() >= 2 * sender.source_frames());
    let mut receiver = QrReceiver::new();
    let mut shown = 0;
    for (i, frame) in frames.iter().enumerate() {
        if i % 3 == 1 {
            continue; // the camera never caught this one
        }
        shown += 1;
        let (side, pixels, _) = picture(frame, 3);
        let read = read(side, &pixels);
        assert_eq!(read.len(), 1, "frame {i} read off its picture");
        let progress = receiver.push(&read[0]).unwrap();
        if progress.complete {
            break;
        }
    }
    let got = receiver.bundle().expect("two thirds of the frames complete the bundle");
    assert_eq!(got, &bundle[..]);
    assert!(
        shown <= sender.source_frames() + 3,
        "{shown} pictures for {} frames of bundle",
        sender.source_frames()
    );

    let report = wu.bundles().import(got, PASS).unwrap();
    assert_eq!(report.records_new, 2, "{report:?}");
    let got = wu.records().get(&transcript).unwrap();
    let seal = got.seal.expect("the transcript arrives sealed");
    assert!(seal.verified, "the seal verifies on the colleague's phone: {seal:?}");
    assert_eq!(wu.records().record(&incident).unwrap().kind(), Kind::Incident);

    // The wrong passphrase, or a bundle cut short, is refused whole: nothing half-imported.
    let other = Store::create(&dir.path().join("other"), &KEY, "华新镇", "陈敏", Role::Inspector).unwrap();
    assert!(other.bundles().import(&bundle, "别的口令").is_err());
    assert!(other.bundles().import(&bundle[..bundle.len() / 2], PASS).is_err());
    assert_eq!(other.count().unwrap(), 0);
}
