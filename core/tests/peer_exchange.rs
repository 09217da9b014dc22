//! Two inspectors on a site with no coverage give each other their records phone to phone, and
//! a record a colleague carries reaches the hub as its author's, even when the author's phone
//! is then lost for good. The session runs over an in-memory stream (whole, cut, or with bytes
//! dropped and repeated, from a fixed seed), over a real TCP socket, and against the attacks the
//! issue names: a revoked phone, a phone of another township, a used or wrong code, a carried
//! change whose author's signature is forged or whose content was altered.

use std::sync::Arc;

use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::peer::{exchange, ExchangeSummary, PeerCode, PeerSession};
use fieldcase_core::sync::wire::{RecordChanges, SyncRequest};
use fieldcase_core::sync::SyncOptions;
use fieldcase_core::{Role, Store};

const KEY: [u8; 32] = [9; 32];

struct Site {
    dir: tempfile::TempDir,
    hub: Arc<Store>,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let hub = Store::create(&dir.path().join("hub"), &KEY, "青浦区", "办公室", Role::Office).unwrap();
        hub.hub().register().unwrap();
        Site {
            dir,
            hub: Arc::new(hub),
        }
    }

    fn memory(&self) -> MemoryHub {
        MemoryHub::new(self.hub.clone())
    }

    fn phone(&self, name: &str, township: &str, user: &str, role: Role) -> Store {
        let code = self.hub.hub().enroll(township, role, user).unwrap().code;
        Store::create_by_joining(
            &self.dir.path().join(name),
            &KEY,
            &self.memory(),
            "https://hub.test/",
            None,
            &code,
        )
        .unwrap()
        .0
    }

    fn sync(&self, phone: &Store) -> fieldcase_core::sync::SyncReport {
        phone.sync().run(&self.memory(), &SyncOptions::default()).unwrap()
    }
}

/// Runs both halves to their end, passing each one's bytes to the other through `wire`
/// (which may lose or repeat some). Returns both results.
fn run(
    mut listener: PeerSession<&Store>,
    mut connector: PeerSession<&Store>,
    mut wire: impl FnMut(Vec<u8>) -> Vec<u8>,
) -> (Result<ExchangeSummary, String>, Result<ExchangeSummary, String>) {
    let mut l_err = None;
    let mut c_err = None;
    for _ in 0..100 {
        let to_l = wire(connector.take_output());
        if l_err.is_none() && !to_l.is_empty() {
            if let Err(e) = listener.receive(&to_l) {
                l_err = Some(e.to_string());
            }
        }
        let to_c = wire(listener.take_output());
        if c_err.is_none() && !to_c.is_empty() {
            if let Err(e) = connector.receive(&to_c) {
                c_err = Some(e.to_string());
            }
        }
        let quiet = (listener.finished() || l_err.is_some()) && (connector.finished() || c_err.is_some());
        if quiet {
            break;
        }
    }
    let result = |s: &PeerSession<&Store>, e: Option<String>| match e {
        Some(e) => Err(e),
        None if s.finished() => Ok(s.summary().clone()),
        None => Err("the session stalled".to_string()),
    };
    (result(&listener, l_err), result(&connector, c_err))
}

fn fresh_key() -> [u8; 16] {
    PeerCode::new("127.0.0.1:1", None).unwrap().key
}

fn pair<'a>(listener: &'a Store, connector: &'a Store) -> (PeerSession<&'a Store>, PeerSession<&'a Store>) {
    let key = fresh_key();
    (
        PeerSession::listen(listener, key).unwrap(),
        PeerSession::connect(connector, key).unwrap(),
    )
}

#[test]
fn an_incident_and_a_sealed_transcript_cross_and_reach_the_hub_as_their_authors_after_the_author_is_lost() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let wu = site.phone("wu", "华新镇", "吴军", Role::Inspector);
    let li = site.phone("li", "华新镇", "李华", Role::Grid);
    for p in [&zhang, &wu, &li] {
        site.sync(p);
    }
    // On site, no coverage: the grid assistant's incident, the inspector's sealed transcript.
    let incident = li
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
    let checklist = wu
        .writer()
        .create_json(Kind::Inspection, Record::example(Kind::Inspection).to_json())
        .unwrap()
        .id;

    // The grid assistant passes the incident to 张丽; 张丽 and 吴军 exchange everything.
    let (l, c) = pair(&zhang, &li);
    let (at_zhang, at_li) = run(l, c, |b| b);
    let (at_zhang, at_li) = (at_zhang.unwrap(), at_li.unwrap());
    assert!(at_zhang.complete && at_li.complete);
    assert_eq!(at_zhang.received.get("incident"), Some(&1), "{at_zhang:?}");
    assert_eq!(at_li.peer_user, "张丽");
    assert_eq!(at_zhang.peer_user, "李华");
    let (l, c) = pair(&wu, &zhang);
    let (at_wu, at_zhang) = run(l, c, |b| b);
    let (at_wu, at_zhang) = (at_wu.unwrap(), at_zhang.unwrap());
    assert_eq!(at_wu.received.get("incident"), Some(&1), "{at_wu:?}");
    assert_eq!(at_wu.received.get("interview"), Some(&1), "{at_wu:?}");
    assert_eq!(at_zhang.received.get("inspection"), Some(&1), "{at_zhang:?}");
    assert!(at_wu.refused.is_empty() && at_zhang.refused.is_empty());
    let seal = wu.records().get(&transcript).unwrap().seal.expect("sealed");
    assert!(seal.verified, "the seal verifies on the colleague's phone: {seal:?}");

    // A second exchange has nothing new: nothing is sent again.
    let (l, c) = pair(&wu, &zhang);
    let (again_wu, again_zhang) = run(l, c, |b| b);
    let (again_wu, again_zhang) = (again_wu.unwrap(), again_zhang.unwrap());
    assert!(
        again_wu.sent.is_empty() && again_zhang.sent.is_empty(),
        "{again_wu:?} {again_zhang:?}"
    );

    // 张丽's and 李华's phones are lost before they ever sync again. 吴军 syncs: the hub takes
    // the transcript and the incident, each as its author's, not as 吴军's.
    drop(zhang);
    drop(li);
    let report = site.sync(&wu);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let hub = &site.hub;
    let history = hub.records().history(&transcript).unwrap();
    assert!(history.iter().all(|h| h.user == "张丽" && h.verified), "{history:?}");
    assert!(hub.records().get(&transcript).unwrap().seal.unwrap().verified);
    let history = hub.records().history(&incident).unwrap();
    assert!(history.iter().all(|h| h.user == "李华" && h.verified), "{history:?}");
    assert_eq!(hub.records().history(&checklist).unwrap()[0].user, "吴军");
    // Taken once: the next sync sends nothing again.
    assert_eq!(site.sync(&wu).records_sent, 0);
}

#[test]
fn a_cut_stream_keeps_what_arrived_and_a_stream_that_drops_or_repeats_bytes_fails_clearly() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let wu = site.phone("wu", "华新镇", "吴军", Role::Inspector);
    site.sync(&zhang);
    site.sync(&wu);
    for _ in 0..450 {
        zhang
            .writer()
            .create_json(Kind::Incident, Record::example(Kind::Incident).to_json())
            .unwrap();
    }
    // The stream breaks after the first records frame of the listener's turn.
    let (l, c) = pair(&zhang, &wu);
    let mut passed = 0usize;
    let mut cut = false;
    let (_, at_wu) = run(l, c, |b| {
        if cut {
            return vec![];
        }
        if b.len() > 100_000 {
            // The listener's turn: its Have, then frames of 200 records; let through a part.
            let keep = b.len() / 2;
            cut = true;
            passed = keep;
            return b[..keep].to_vec();
        }
        b
    });
    assert!(at_wu.is_err());
    let first = wu.count().unwrap();
    assert!((200..450).contains(&first), "{first} of 450 kept after the cut");
    // The next exchange brings only the rest.
    let (l, c) = pair(&zhang, &wu);
    let (at_zhang, at_wu) = run(l, c, |b| b);
    assert!(at_zhang.is_ok());
    let at_wu = at_wu.unwrap();
    assert_eq!(wu.count().unwrap(), 450);
    assert_eq!(
        at_wu.received.get("incident").copied().unwrap_or(0) as usize,
        450 - first
    );
    assert!(passed > 0);

    // Bytes lost or repeated on the way, from a fixed seed: each session ends with an error
    // that says what broke (never a panic, never a half-applied record), and a clean one after
    // brings the stores level.
    let mut rng = Rng(22);
    let mut broken = 0;
    for round in 0..12 {
        for _ in 0..3 {
            wu.writer()
                .create_json(Kind::Incident, Record::example(Kind::Incident).to_json())
                .unwrap();
        }
        let (l, c) = pair(&zhang, &wu);
        let (a, b) = run(l, c, |mut bytes| {
            if bytes.is_empty() || rng.next().is_multiple_of(2) {
                return bytes;
            }
            let at = (rng.next() % bytes.len() as u64) as usize;
            if rng.next().is_multiple_of(2) {
                bytes.remove(at);
            } else {
                let b = bytes[at];
                bytes.insert(at, b);
            }
            bytes
        });
        for r in [&a, &b] {
            if let Err(e) = r {
                assert!(!e.is_empty(), "round {round}");
                broken += 1;
            }
        }
    }
    assert!(broken >= 6, "only {broken} broken sessions in 12 rounds");
    let (l, c) = pair(&zhang, &wu);
    let (a, b) = run(l, c, |b| b);
    a.unwrap();
    b.unwrap();
    assert_eq!(wu.count().unwrap(), zhang.count().unwrap());
    assert_eq!(wu.count().unwrap(), 450 + 36);
}

#[test]
fn over_tcp_two_phones_exchange_from_a_printed_code() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let wu = site.phone("wu", "华新镇", "吴军", Role::Inspector);
    site.sync(&zhang);
    site.sync(&wu);
    for _ in 0..30 {
        zhang
            .writer()
            .create_json(Kind::Case, Record::example(Kind::Case).to_json())
            .unwrap();
    }
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let code = PeerCode::new(&socket.local_addr().unwrap().to_string(), None).unwrap();
    let text = code.text();
    assert!(text.starts_with("FCX1;a=127.0.0.1:"), "{text}");
    std::thread::scope(|s| {
        let listening = s.spawn(|| {
            let (mut stream, _) = socket.accept().unwrap();
            exchange(PeerSession::listen(&zhang, code.key).unwrap(), &mut stream)
        });
        let scanned = PeerCode::parse(&text).unwrap();
        let mut stream = std::net::TcpStream::connect(&scanned.address).unwrap();
        let at_wu = exchange(PeerSession::connect(&wu, scanned.key).unwrap(), &mut stream).unwrap();
        let at_zhang = listening.join().unwrap().unwrap();
        assert_eq!(at_wu.received.get("case"), Some(&30));
        assert_eq!(at_zhang.sent.get("case"), Some(&30));
    });
    assert_eq!(wu.count().unwrap(), 30);
    // A code with its hotspot survives its own escaping.
    let code = PeerCode::new("192.168.49.1:7311", Some(("DIRECT-华新;镇".into(), "p\\a;ss".into()))).unwrap();
    assert_eq!(PeerCode::parse(&code.text()).unwrap(), code);
    assert!(PeerCode::parse("FCX1;a=1.2.3.4:5;k=NOTBASE32!").is_err());
}

#[test]
fn a_revoked_phone_a_phone_of_another_township_and_a_used_or_wrong_code_get_nothing() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let wu = site.phone("wu", "华新镇", "吴军", Role::Inspector);
    let other = site.phone("chen", "赵巷镇", "陈敏", Role::Inspector);
    let lost = site.phone("lost", "华新镇", "王强", Role::Grid);
    for p in [&zhang, &wu, &other, &lost] {
        site.sync(p);
    }
    zhang
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap();
    // 王强's phone is reported lost; 张丽's phone learns it at her next sync.
    site.hub.hub().revoke(&lost.identity().device).unwrap();
    site.sync(&zhang);

    let (l, c) = pair(&zhang, &lost);
    let (a, b) = run(l, c, |b| b);
    assert!(a.unwrap_err().contains("revoked"));
    assert!(b.unwrap_err().contains("revoked"));
    assert_eq!(lost.count().unwrap(), 0);

    let (l, c) = pair(&zhang, &other);
    let (a, b) = run(l, c, |b| b);
    assert!(a.unwrap_err().contains("赵巷镇"));
    assert!(b.is_err());
    assert_eq!(other.count().unwrap(), 0);

    // A code is good once: the same key again is refused before anything is said.
    let key = fresh_key();
    let (a, b) = run(
        PeerSession::listen(&zhang, key).unwrap(),
        PeerSession::connect(&wu, key).unwrap(),
        |b| b,
    );
    a.unwrap();
    b.unwrap();
    let again = PeerSession::listen(&zhang, key);
    assert!(again.err().unwrap().to_string().contains("used already"));

    // A phone that did not scan the code (a wrong key) cannot prove itself.
    let before = wu.count().unwrap();
    zhang
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap();
    let (a, b) = run(
        PeerSession::listen(&zhang, fresh_key()).unwrap(),
        PeerSession::connect(&wu, fresh_key()).unwrap(),
        |b| b,
    );
    assert!(a.unwrap_err().contains("could not prove"));
    assert!(b.is_err());
    assert_eq!(wu.count().unwrap(), before);
}

#[test]
fn a_carried_change_with_a_forged_signature_or_altered_content_is_refused_and_kept_aside() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let wu = site.phone("wu", "华新镇", "吴军", Role::Inspector);
    site.sync(&zhang);
    site.sync(&wu);
    let id = zhang
        .writer()
        .create_json(Kind::Case, Record::example(Kind::Case).to_json())
        .unwrap()
        .id;
    let (l, c) = pair(&zhang, &wu);
    let (a, b) = run(l, c, |b| b);
    a.unwrap();
    b.unwrap();
    let bytes = wu.records().document_bytes(&id).unwrap();
    let doc = automerge::Automerge::load(&bytes).unwrap();
    let change = doc.get_changes(&[]).into_iter().next().unwrap().hash();
    let token = wu.sync().link().unwrap().unwrap().token;
    let memory = site.memory();
    let post = |req: &SyncRequest| {
        let answer = memory.answer(&fieldcase_core::sync::client::HubRequest {
            method: fieldcase_core::sync::client::Method::Post,
            path: "v1/sync".into(),
            authorization: Some(format!("Bearer {token}")),
            content_type: None,
            body: req.encode(),
        });
        assert_eq!(
            answer.0,
            200,
            "{:?}",
            answer
                .1
                .iter()
                .map(|p| p.as_ref().map(|b| String::from_utf8_lossy(b).to_string()))
                .collect::<Vec<_>>()
        );
        let body: Vec<u8> = answer.1.into_iter().flat_map(|p| p.unwrap()).collect();
        let raw = fieldcase_core::sync::wire::decompress(&body, 1 << 30).unwrap();
        let mut input = &raw[..];
        let mut frames = vec![];
        while let Some(f) = fieldcase_core::sync::wire::Frame::read_from(&mut input).unwrap() {
            frames.push(f);
        }
        frames
    };
    let upload = |sig: &str| SyncRequest {
        uploads: vec![RecordChanges {
            id: id.clone(),
            kind: Kind::Case,
            whole: true,
            heads: vec![],
            bytes: bytes.clone(),
        }],
        signatures: vec![fieldcase_core::signing::ChangeSignature {
            hash: change.to_string(),
            device: zhang.identity().device.clone(),
            signature: sig.to_string(),
        }],
        ..Default::default()
    };
    // A signature 吴军's phone made up for 张丽's change.
    let frames = post(&upload(&"ab".repeat(64)));
    let refused = refusals(&frames);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("does not bear that device's signature"),
        "{}",
        refused[0]
    );
    assert!(site.hub.records().get(&id).is_err(), "nothing of it was taken");

    // 张丽's change with its content altered on the way: its hash is not the one she signed.
    let mut altered = automerge::Automerge::load(&bytes).unwrap();
    altered.set_actor(automerge::ActorId::from(hex::decode(&zhang.identity().actor).unwrap()));
    let record = match automerge::ReadDoc::get(&altered, automerge::ROOT, "record").unwrap() {
        Some((_, o)) => o,
        None => panic!("no record"),
    };
    let mut tx = altered.transaction();
    automerge::transaction::Transactable::put(&mut tx, &record, "resolution_plan", "已解决").unwrap();
    tx.commit();
    let frames = post(&SyncRequest {
        uploads: vec![RecordChanges {
            id: id.clone(),
            kind: Kind::Case,
            whole: true,
            heads: vec![],
            bytes: altered.save(),
        }],
        signatures: wu_signatures(&wu, &id),
        ..Default::default()
    });
    let refused = refusals(&frames);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("without that device's signature"), "{}", refused[0]);
    assert!(site.hub.records().get(&id).is_err());

    // What 吴军 really carries, with 张丽's true signature, is taken as hers.
    let report = site.sync(&wu);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(site.hub.records().history(&id).unwrap()[0].user, "张丽");
}

fn wu_signatures(wu: &Store, id: &str) -> Vec<fieldcase_core::signing::ChangeSignature> {
    wu.records().carried_signatures(id).unwrap()
}

/// xorshift64: the same bytes lost and repeated at every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn refusals(frames: &[fieldcase_core::sync::wire::Frame]) -> Vec<String> {
    frames
        .iter()
        .flat_map(|f| match f {
            fieldcase_core::sync::wire::Frame::Receipt { refused, .. } => {
                refused.iter().map(|r| r.reason.clone()).collect()
            }
            _ => vec![],
        })
        .collect()
}

/// Found by the simulation: a grid assistant may carry an inspector's checklist to the hub (it
/// is taken as the inspector's), though she may not change one herself.
#[test]
fn a_grid_assistant_carries_an_inspectors_checklist_she_may_not_change() {
    let site = Site::new();
    let zhang = site.phone("zhang", "华新镇", "张丽", Role::Inspector);
    let li = site.phone("li", "华新镇", "李华", Role::Grid);
    site.sync(&zhang);
    site.sync(&li);
    let checklist = zhang
        .writer()
        .create_json(Kind::Inspection, Record::example(Kind::Inspection).to_json())
        .unwrap()
        .id;
    let (l, c) = pair(&zhang, &li);
    let (a, b) = run(l, c, |b| b);
    a.unwrap();
    assert_eq!(b.unwrap().received.get("inspection"), Some(&1));
    drop(zhang);
    let report = site.sync(&li);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let history = site.hub.records().history(&checklist).unwrap();
    assert!(history.iter().all(|h| h.user == "张丽"), "{history:?}");
}
