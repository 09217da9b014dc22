//! Screen to camera (`fieldcase_core::sync::qr`): what one bundle of an incident and a sealed
//! transcript costs as QR frames, with a third of the frames never seen, decoded from pictures
//! of the codes (3 pixels a module) by rqrr; and the bytes a second at the rates a screen shows
//! frames. `cargo bench -p fieldcase-core --bench qr`.

use std::time::Instant;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::qr::{QrReceiver, QrSender};
use fieldcase_core::{Role, Store};

#[path = "../tests/support/qr_picture.rs"]
mod qr_picture;
use qr_picture::{picture, read};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(&dir.path().join("a"), &[3; 32], "华新镇", "张丽", Role::Inspector).unwrap();
    s.writer()
        .create_json(Kind::Incident, Record::example(Kind::Incident).to_json())
        .unwrap();
    let t = s
        .writer()
        .create_json(Kind::Interview, Record::example(Kind::Interview).to_json())
        .unwrap()
        .id;
    s.writer().seal(&t).unwrap();
    let (bundle, _) = s.bundles().export(None, "口令口令口令口令").unwrap();

    let started = Instant::now();
    let sender = QrSender::new(&bundle).unwrap();
    let encode = started.elapsed();
    let frames = sender.frames();
    let mut receiver = QrReceiver::new();
    let (mut pictures, mut decode_total, mut modules) = (0, 0.0, 0);
    for (i, f) in frames.iter().enumerate() {
        if i % 3 == 1 {
            continue;
        }
        let (side, px, n) = picture(f, 3);
        modules = n;
        let t0 = Instant::now();
        let text = read(side, &px).remove(0);
        decode_total += t0.elapsed().as_secs_f64();
        pictures += 1;
        if receiver.push(&text).unwrap().complete {
            break;
        }
    }
    assert_eq!(receiver.bundle().unwrap(), &bundle[..]);
    let per_decode = decode_total / pictures as f64;
    println!("Screen to camera, one incident and one sealed transcript (release build)");
    println!("| measure | value |");
    println!("|---|---|");
    println!("| bundle | {} B |", bundle.len());
    println!(
        "| frames made (carrying the bundle + repair) | {} ({} + {}) |",
        frames.len(),
        sender.source_frames(),
        frames.len() - sender.source_frames()
    );
    println!(
        "| a frame | {} characters, QR {}×{} modules (version {}), error correction L |",
        frames[0].len(),
        modules,
        modules,
        (modules - 17) / 4
    );
    println!("| pictures read with every third never seen | {pictures} |");
    println!(
        "| cutting the bundle into frames | {:.1} ms |",
        encode.as_secs_f64() * 1e3
    );
    println!(
        "| decoding one picture (rqrr, {}×{} px) | {:.1} ms |",
        (modules + 8) * 3,
        (modules + 8) * 3,
        per_decode * 1e3
    );
    for fps in [5.0, 10.0] {
        // Every third frame lost: of `fps` frames shown a second, two thirds are read.
        let seconds = (pictures as f64 * 1.5) / fps;
        println!(
            "| {fps} frames a second shown, a third lost | {:.1} s for the bundle, {:.0} B/s |",
            seconds,
            bundle.len() as f64 / seconds
        );
    }
}
