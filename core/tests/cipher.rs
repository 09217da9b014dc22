//! The store's files are SQLCipher 4 files whatever crypto provider wrote them: a store written
//! by SQLCipher's OpenSSL provider (the fixture, made by an earlier build) opens, reads and
//! takes new records with ours, and ours is the one in use.

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::store::cipher::PROVIDER_NAME;
use fieldcase_core::{LedgerQuery, Store};

fn fixture() -> (tempfile::TempDir, [u8; 32]) {
    let tmp = tempfile::TempDir::new().unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-openssl");
    std::fs::copy(from.join("fieldcase.db"), tmp.path().join("fieldcase.db")).unwrap();
    let hex = std::fs::read_to_string(from.join("key")).unwrap();
    let key: [u8; 32] = hex::decode(hex.trim()).unwrap().try_into().unwrap();
    (tmp, key)
}

#[test]
fn a_store_written_with_openssl_opens_reads_and_writes_with_our_provider() {
    let (tmp, key) = fixture();
    let store = Store::open(tmp.path(), &key).unwrap();
    let rows = store.ledger().list(&LedgerQuery::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].title, "宏达物流拖欠12名装卸工2月至3月工资");
    let r = store.records().get(&rows[0].id).unwrap();
    assert_eq!(r.kind, Kind::Case);
    let id = store
        .writer()
        .create_record(Record::example(Kind::Employer))
        .unwrap()
        .id;
    drop(store);
    let store = Store::open(tmp.path(), &key).unwrap();
    assert_eq!(store.count().unwrap(), 2);
    assert_eq!(store.records().get(&id).unwrap().kind, Kind::Employer);
    assert!(store.integrity_ok().unwrap());
    let mut wrong = key;
    wrong[0] ^= 1;
    drop(store);
    assert!(matches!(
        Store::open(tmp.path(), &wrong),
        Err(fieldcase_core::Error::WrongKey { .. })
    ));
}

#[test]
fn sqlcipher_uses_our_provider_with_sqlcipher_4_defaults() {
    let (tmp, key) = fixture();
    let conn = rusqlite::Connection::open(tmp.path().join("fieldcase.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))
        .unwrap();
    let pragma = |name: &str| -> String { conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap() };
    assert_eq!(pragma("cipher_provider"), PROVIDER_NAME);
    assert_eq!(pragma("cipher_hmac_algorithm"), "HMAC_SHA512");
    assert_eq!(pragma("cipher_kdf_algorithm"), "PBKDF2_HMAC_SHA512");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
