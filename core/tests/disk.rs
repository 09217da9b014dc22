//! A full disk: a store on a small tmpfs, filled while records are written, reports a clear
//! error, keeps every edit it acknowledged, and works again when space returns. Mounting a
//! tmpfs needs root (CI runs as root); elsewhere the test says it did not run.

use std::process::Command;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::{Error, LedgerQuery, Role, Store};
use serde_json::json;

struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_loses_no_acknowledged_edit_and_the_store_works_again_after() {
    if unsafe { libc_geteuid() } != 0 {
        eprintln!("not run: mounting a small tmpfs needs root (CI runs as root)");
        return;
    }
    let tmp = tempfile::TempDir::new().unwrap();
    let mnt = tmp.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(ok.success(), "mount tmpfs");
    let _mounted = Mounted(mnt.clone());
    let key = [4u8; 32];
    let dir = mnt.join("store");
    let s = Store::create(&dir, &key, "华新镇", "张丽", Role::Inspector).unwrap();
    // Most of the disk goes to something else.
    let junk = mnt.join("junk");
    std::fs::write(&junk, vec![7u8; 2 << 20]).unwrap();
    let mut acknowledged = vec![];
    let mut rng = fieldcase_core::sample::Rng(0xD15C);
    let error = loop {
        let mut v = fieldcase_core::sample::case(&mut rng);
        v["township"] = json!("华新镇");
        match s.writer().create_json(Kind::Case, v) {
            Ok(saved) => acknowledged.push(saved.id),
            Err(e) => break e,
        }
        assert!(acknowledged.len() < 100_000, "the disk never filled");
    };
    assert!(matches!(error, Error::DiskFull), "{error:?}");
    assert!(error.to_string().contains("disk is full"), "{error}");
    assert!(!acknowledged.is_empty());
    eprintln!("{} records saved before the disk filled: {error}", acknowledged.len());
    // Reads still work while the disk is full.
    assert_eq!(s.count().unwrap(), acknowledged.len());
    drop(s);
    // Space returns.
    std::fs::remove_file(&junk).unwrap();
    let s = Store::open(&dir, &key).unwrap();
    let rows = s.ledger().list(&LedgerQuery::default()).unwrap();
    assert_eq!(rows.len(), acknowledged.len());
    for id in &acknowledged {
        s.records().get(id).unwrap();
    }
    assert!(s.integrity_ok().unwrap());
    s.writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap();
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
