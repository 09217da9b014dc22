//! A sealed record verifies offline for a third party: the exported record, the signer's
//! registry entry signed by the hub, and the hub's public key are enough (docs/seals.md).

mod support;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::store::verify_sealed;
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};
use fieldcase_hub::Hub;
use serde_json::json;
use tempfile::TempDir;

#[test]
fn an_exported_sealed_record_verifies_offline_and_any_change_shows() {
    let dir = TempDir::new().unwrap();
    let key = [2u8; 32];
    let hub_store = Store::create(&dir.path().join("hub"), &key, "青浦区", "办公室", Role::Office).unwrap();
    let hub = Hub::start(hub_store, "127.0.0.1:0".parse().unwrap()).unwrap();
    let office = Store::open(&dir.path().join("hub"), &key).unwrap();
    let code = office.hub().enroll("华新镇", Role::Inspector, "张丽").unwrap().code;
    let phone = support::join(&dir.path().join("phone"), &key, &hub.url(), &code);
    let id = phone
        .writer()
        .create_json(Kind::Interview, Record::example(Kind::Interview).to_json())
        .unwrap()
        .id;
    phone.writer().seal(&id).unwrap();
    support::try_sync(&phone, &SyncOptions::default()).unwrap();
    // The office exports it for the court; the court knows the hub's key from the office.
    let hub_key = office.identity().public_key.clone();
    let exported = office.records().export_sealed(&id).unwrap();
    let text = serde_json::to_string(&exported).unwrap();
    let v = verify_sealed(&serde_json::from_str(&text).unwrap(), Some(&hub_key));
    assert!(v.verified, "{v:?}");
    // Changing a word of the transcript shows.
    let mut changed = exported.clone();
    changed.content["questions"][1]["answer"] = json!("没有被拖欠");
    let v = verify_sealed(&changed, Some(&hub_key));
    assert!(!v.verified && !v.content_matches);
    // So does a signer entry the hub did not sign, or a key other than the hub's.
    let mut forged = exported.clone();
    forged.signer.as_mut().unwrap().entry.role = Role::Office;
    assert!(!verify_sealed(&forged, Some(&hub_key)).signer_vouched);
    let stranger = fieldcase_core::signing::DeviceKey::generate().unwrap().public_hex();
    assert!(!verify_sealed(&exported, Some(&stranger)).verified);
    // And re-signing the changed content with another key names another signer.
    let mut resigned = changed;
    let other = fieldcase_core::signing::DeviceKey::generate().unwrap();
    resigned.seal.hash = fieldcase_core::signing::content_hash(&resigned.seal.alg, &resigned.content);
    resigned.seal.public_key = Some(other.public_hex());
    resigned.seal.signature = Some(other.sign(&resigned.seal.statement(&id, Kind::Interview)));
    let v = verify_sealed(&resigned, Some(&hub_key));
    assert!(
        v.content_matches && v.signature_valid && !v.signer_matches && !v.verified,
        "{v:?}"
    );
}
