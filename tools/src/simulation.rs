//! A deterministic simulation of a district: one hub (in memory, no socket) and four devices in
//! two townships, driven by a scheduler seeded with one number. Between any two steps it may make
//! an edit on a device (cases created, edited, closed and reopened by several people at once;
//! inspections created and sealed; photos attached), sync a device through a network that drops,
//! cuts, repeats and holds back requests (a held request reaches the hub later, after others, and
//! sometimes twice), deliver held requests, or crash and restart a device or the hub.
//!
//! After the schedule, the network heals and every device syncs until nothing moves. Then, for
//! each township, the hub and every device of it must hold the same records with every field of
//! `get` equal (derived ones too: ledger status, deadline, conflicts, seal), list the same
//! conflicts, hold every edit a device acknowledged (by change hash) and every attachment, keep
//! every seal intact and verified, hold nothing of another township, and pass SQLite's integrity
//! check.
//!
//! The schedule, the faults and every edit come from the seed; a failing seed runs the same
//! schedule again (`scripts/simulate --seed S --log`). The stores' own keys and record ids are
//! random, which can change which of two concurrent values a field shows, never whether the
//! stores agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fieldcase_core::model::{Kind, Record};
use fieldcase_core::sample::Rng;
use fieldcase_core::sync::memory::MemoryHub;
use fieldcase_core::sync::peer::PeerSession;
use fieldcase_core::sync::{HubRequest, HubTransport, ResponseSink, SyncOptions};
use fieldcase_core::{Error, ErrorKind, LedgerQuery, Role, Store, StoredRecord};
use serde_json::{json, Value};

const KEY: [u8; 32] = [7; 32];

/// Who is in the simulation: (user, township, role).
const PEOPLE: [(&str, &str, Role); 4] = [
    ("张丽", "华新镇", Role::Inspector),
    ("吴军", "华新镇", Role::Inspector),
    ("李娜", "华新镇", Role::Grid),
    ("陈刚", "白鹤镇", Role::Inspector),
];

/// What one seed did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub seed: u64,
    pub steps: usize,
    /// Faults injected: requests dropped, answers lost, cut or repeated, requests held back,
    /// crashes of devices and of the hub.
    pub faults: u64,
    /// Edits the devices acknowledged (and that every store must then hold).
    pub acknowledged: usize,
    pub elapsed: Duration,
    /// The first invariant that did not hold, or an error no person would accept.
    pub failure: Option<String>,
    /// Each step, as it ran (kept for a failing seed).
    pub log: Vec<String>,
}

struct Device {
    dir: PathBuf,
    township: &'static str,
    store: Option<Store>,
    /// Lost for good (after handing its records to a colleague phone to phone): never used
    /// again, revoked at the hub.
    lost: bool,
}

/// A record some device made, as the simulation knows it.
struct Known {
    id: String,
    kind: Kind,
    township: &'static str,
    owner: usize,
    sealed: bool,
}

/// Failures that end a seed early, with what was going on.
type Step = std::result::Result<(), String>;

struct Sim {
    rng: Rng,
    _root: tempfile::TempDir,
    hub_dir: PathBuf,
    hub: Option<Arc<Store>>,
    devices: Vec<Device>,
    now: DateTime<Utc>,
    known: Vec<Known>,
    /// (record id, change hash) of every acknowledged edit.
    acked: Vec<(String, String)>,
    /// The device (registry id) that made each acknowledged change: the hub must name it,
    /// whoever carried the change there.
    authors: BTreeMap<String, String>,
    /// (record township, sha256, length) of every acknowledged attachment.
    attached: Vec<(&'static str, String, usize)>,
    /// Requests the network holds back, with their device, to reach the hub later.
    held: Vec<HubRequest>,
    faults: u64,
    faults_on: bool,
    log: Vec<String>,
}

/// The network between one device and the hub for one session: faults drawn from the seed.
struct Network<'a> {
    hub: MemoryHub,
    rng: std::cell::RefCell<&'a mut Rng>,
    faults_on: bool,
    faults: std::cell::Cell<u64>,
    held: std::cell::RefCell<&'a mut Vec<HubRequest>>,
    log: std::cell::RefCell<&'a mut Vec<String>>,
}

impl Network<'_> {
    fn lost(&self, what: &str) -> Error {
        self.faults.set(self.faults.get() + 1);
        self.log.borrow_mut().push(format!("    network: {what}"));
        Error::Network(format!("simulated: {what}"))
    }
}

impl HubTransport for Network<'_> {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> fieldcase_core::Result<()> {
        let fault = if self.faults_on {
            self.rng.borrow_mut().below(100)
        } else {
            99
        };
        match fault {
            // The request never arrives.
            0..=5 => return Err(self.lost(&format!("{} dropped", request.path))),
            // The request is held back: the device times out, the hub sees it later.
            6..=10 => {
                self.held.borrow_mut().push(request.clone());
                return Err(self.lost(&format!("{} held back", request.path)));
            }
            _ => {}
        }
        let (status, pieces) = self.hub.answer(request);
        let (status, pieces) = if (11..=15).contains(&fault) {
            // Sent twice (a retry whose first try did arrive): the device reads the second answer.
            self.faults.set(self.faults.get() + 1);
            self.log
                .borrow_mut()
                .push(format!("    network: {} repeated", request.path));
            self.hub.answer(request)
        } else {
            (status, pieces)
        };
        if (16..=20).contains(&fault) {
            return Err(self.lost(&format!("the answer to {} lost", request.path)));
        }
        let mut body = vec![];
        let mut broke = None;
        for p in pieces {
            match p {
                Ok(b) => body.extend_from_slice(&b),
                Err(e) => {
                    broke = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = broke {
            return Err(Error::Network(format!("the hub's answer broke off ({e})")));
        }
        if (21..=27).contains(&fault) && !body.is_empty() {
            // The connection is cut partway through the answer.
            let cut = self.rng.borrow_mut().below(body.len() as u64) as usize;
            response.status(status)?;
            // The body arrives in pieces of uneven size, as from a socket.
            for piece in body[..cut].chunks(1 + cut / 3) {
                response.data(piece)?;
            }
            return Err(self.lost(&format!(
                "the answer to {} cut at {cut} of {} bytes",
                request.path,
                body.len()
            )));
        }
        response.status(status)?;
        let mut at = 0;
        while at < body.len() {
            let n = (1 + self.rng.borrow_mut().below(70_000) as usize).min(body.len() - at);
            response.data(&body[at..at + n])?;
            at += n;
        }
        Ok(())
    }
}

/// A refusal a person would see (a rule, a sealed record, a record not here yet) is an answer;
/// anything else ends the seed.
fn person_sees(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Refused | ErrorKind::Invalid | ErrorKind::NotFound)
}

fn edit_for(rng: &mut Rng) -> (String, Value) {
    let v = rng.below(40);
    match rng.below(5) {
        0 => ("amount_owed_fen".into(), json!(1_000_000 + v * 1_000)),
        1 => ("workers_involved".into(), json!(10 + v)),
        2 => (
            "resolution_plan".into(),
            json!(["约谈", "垫付", "调解", "移送"][v as usize % 4]),
        ),
        3 => ("risk_level".into(), json!(["high", "medium", "low"][v as usize % 3])),
        _ => ("status".into(), json!("in_progress")),
    }
}

impl Sim {
    fn new(seed: u64) -> Result<Sim, String> {
        let root = tempfile::TempDir::new().map_err(|e| e.to_string())?;
        let hub_dir = root.path().join("hub");
        let now: DateTime<Utc> = "2026-04-01T01:00:00Z".parse().unwrap();
        let hub = Store::create(&hub_dir, &KEY, "青浦区", "办公室", Role::Office).map_err(|e| e.to_string())?;
        hub.set_now(Some(now));
        hub.hub().register().map_err(|e| e.to_string())?;
        let hub = Arc::new(hub);
        let memory = MemoryHub::new(hub.clone());
        let mut devices = vec![];
        for (i, (user, township, role)) in PEOPLE.iter().enumerate() {
            let code = hub.hub().enroll(township, *role, user).map_err(|e| e.to_string())?.code;
            let dir = root.path().join(format!("device{i}"));
            let (store, _) = Store::create_by_joining(&dir, &KEY, &memory, "https://hub.test/", None, &code)
                .map_err(|e| format!("{user} joins: {e}"))?;
            store.set_now(Some(now));
            devices.push(Device {
                dir,
                township,
                store: Some(store),
                lost: false,
            });
        }
        // Each phone syncs once at the office after joining (as the app does), so that it holds
        // the registry with its colleagues and itself before it goes out.
        for (d, device) in devices.iter().enumerate() {
            if let Some(store) = &device.store {
                store
                    .sync()
                    .run(&memory, &SyncOptions::default())
                    .map_err(|e| format!("{} syncs after joining: {e}", PEOPLE[d].0))?;
            }
        }
        Ok(Sim {
            rng: Rng(seed ^ 0x5EED_F1E1_DCA5_E000),
            _root: root,
            hub_dir,
            hub: Some(hub),
            devices,
            now,
            known: vec![],
            acked: vec![],
            authors: BTreeMap::new(),
            attached: vec![],
            held: vec![],
            faults: 0,
            faults_on: true,
            log: vec![],
        })
    }

    fn hub(&self) -> &Arc<Store> {
        self.hub.as_ref().expect("the hub runs between steps")
    }

    fn device(&self, d: usize) -> &Store {
        self.devices[d].store.as_ref().expect("a device runs between steps")
    }

    fn name(d: usize) -> &'static str {
        PEOPLE[d].0
    }

    /// The changes of `id` on device `d` (hashes).
    fn changes(&self, d: usize, id: &str) -> Result<BTreeSet<String>, String> {
        Ok(self
            .device(d)
            .records()
            .history(id)
            .map_err(|e| format!("history of {id} on {}: {e}", Self::name(d)))?
            .into_iter()
            .map(|h| h.change)
            .collect())
    }

    /// Runs `edit` on device `d` for record `id`; an edit that succeeds is acknowledged (its new
    /// changes must reach every store of the township).
    fn acknowledge(
        &mut self,
        d: usize,
        id: &str,
        what: &str,
        edit: impl FnOnce(&Store) -> fieldcase_core::Result<()>,
    ) -> Step {
        let before = self.changes(d, id).unwrap_or_default();
        match edit(self.device(d)) {
            Ok(()) => {
                let after = self.changes(d, id)?;
                let new: Vec<_> = after.difference(&before).cloned().collect();
                // Setting a field to the value it has is no change.
                let note = if new.is_empty() { "already so" } else { "ok" };
                self.log.push(format!("  {} {what} {id}: {note}", Self::name(d)));
                let me = self.device(d).identity().device.clone();
                for c in &new {
                    self.authors.insert(c.clone(), me.clone());
                }
                self.acked.extend(new.into_iter().map(|c| (id.to_string(), c)));
                Ok(())
            }
            Err(e) if person_sees(&e) => {
                self.log.push(format!("  {} {what} {id}: refused ({e})", Self::name(d)));
                Ok(())
            }
            Err(e) => Err(format!("{} {what} {id}: {e}", Self::name(d))),
        }
    }

    /// A record of device `d`'s township that it holds, picked by the seed.
    fn pick_held(&mut self, d: usize, kinds: &[Kind], own: bool) -> Option<usize> {
        let township = self.devices[d].township;
        let candidates: Vec<usize> = (0..self.known.len())
            .filter(|&k| {
                let r = &self.known[k];
                r.township == township && kinds.contains(&r.kind) && (!own || r.owner == d)
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let k = candidates[self.rng.below(candidates.len() as u64) as usize];
        self.device(d).records().get(&self.known[k].id).is_ok().then_some(k)
    }

    fn create(&mut self, d: usize, kind: Kind) -> Step {
        let township = self.devices[d].township;
        let mut record = Record::example(kind).to_json();
        record["township"] = township.into();
        if kind == Kind::Case {
            // The creator is responsible: they and the office may close it, no one else.
            record["responsible_person"] = Self::name(d).into();
            record["amount_owed_fen"] = json!(500_000 + self.rng.below(100) * 10_000);
            record["workers_involved"] = json!(1 + self.rng.below(60));
        }
        match self.device(d).writer().create_json(kind, record) {
            Ok(saved) => {
                let changes = self.changes(d, &saved.id)?;
                self.log
                    .push(format!("  {} creates {kind} {}", Self::name(d), saved.id));
                let me = self.device(d).identity().device.clone();
                for c in &changes {
                    self.authors.insert(c.clone(), me.clone());
                }
                self.acked.extend(changes.into_iter().map(|c| (saved.id.clone(), c)));
                self.known.push(Known {
                    id: saved.id,
                    kind,
                    township,
                    owner: d,
                    sealed: false,
                });
                Ok(())
            }
            Err(e) if person_sees(&e) => {
                self.log
                    .push(format!("  {} creates {kind}: refused ({e})", Self::name(d)));
                Ok(())
            }
            Err(e) => Err(format!("{} creates {kind}: {e}", Self::name(d))),
        }
    }

    /// Syncs device `d`; what the session moved (records and attachments), none when the
    /// network failed it.
    fn sync(&mut self, d: usize) -> Result<Option<u64>, String> {
        let hub = MemoryHub::new(self.hub().clone());
        let store = self.devices[d].store.take().expect("a device runs between steps");
        let network = Network {
            hub,
            rng: std::cell::RefCell::new(&mut self.rng),
            faults_on: self.faults_on,
            faults: std::cell::Cell::new(0),
            held: std::cell::RefCell::new(&mut self.held),
            log: std::cell::RefCell::new(&mut self.log),
        };
        let result = store.sync().run(&network, &SyncOptions::default());
        self.faults += network.faults.get();
        drop(network);
        self.devices[d].store = Some(store);
        match result {
            Ok(report) => {
                self.log.push(format!(
                    "  {} syncs: sent {}, received {}, attachments {} up {} down, {} failed",
                    Self::name(d),
                    report.records_sent,
                    report.records_received,
                    report.attachments_sent,
                    report.attachments_received,
                    report.attachments_failed.len()
                ));
                if let Some(r) = report.refused.first() {
                    return Err(format!(
                        "{} syncs: the hub refused {} ({})",
                        Self::name(d),
                        r.id,
                        r.reason
                    ));
                }
                let moved = report.records_sent
                    + report.records_received
                    + report.attachments_sent
                    + report.attachments_received
                    + report.attachments_failed.len() as i64;
                Ok(Some(u64::try_from(moved).unwrap_or(0)))
            }
            Err(e) if e.kind() == ErrorKind::Network && self.faults_on => {
                self.log.push(format!("  {} syncs: {e}", Self::name(d)));
                Ok(None)
            }
            Err(e) => Err(format!("{} syncs: {e}", Self::name(d))),
        }
    }

    /// Held requests reach the hub now (their answers go nowhere); some are also kept to arrive
    /// again later.
    fn deliver_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        let hub = MemoryHub::new(self.hub().clone());
        for request in held {
            let (status, _) = hub.answer(&request);
            self.log
                .push(format!("  held {} reaches the hub: {status}", request.path));
            if self.faults_on && self.rng.below(4) == 0 {
                self.held.push(request);
            }
        }
    }

    /// Device `d` and a colleague exchange phone to phone, with no hub; the stream may be cut
    /// (a fault). A phone of another township gets nothing. After a whole exchange, `d` may be
    /// lost for good: what it handed over must still reach the hub as its own.
    fn exchange(&mut self, d: usize) -> Step {
        let others: Vec<usize> = (0..self.devices.len())
            .filter(|&e| e != d && !self.devices[e].lost)
            .collect();
        if others.is_empty() {
            return Ok(());
        }
        let e = others[self.rng.below(others.len() as u64) as usize];
        let same = self.devices[d].township == self.devices[e].township;
        let cut_at = (self.faults_on && self.rng.below(4) == 0).then(|| self.rng.below(200_000) as usize);
        let mut key = [0u8; 16];
        for b in key.iter_mut() {
            *b = self.rng.below(256) as u8;
        }
        // A phone that joined and never synced does not hold its own registry entry yet: it is
        // told to sync once first (as a person would be), and nothing is exchanged.
        let not_yet = |x: &Error| x.to_string().contains("(enrolled)");
        let (a, b) = {
            let (da, db) = (self.device(d), self.device(e));
            let mut listener = match PeerSession::listen(da, key) {
                Ok(l) => l,
                Err(x) if not_yet(&x) => {
                    self.log.push(format!("  {} cannot exchange yet: {x}", Self::name(d)));
                    return Ok(());
                }
                Err(x) => return Err(format!("{} listens: {x}", Self::name(d))),
            };
            let mut connector = match PeerSession::connect(db, key) {
                Ok(c) => c,
                Err(x) if not_yet(&x) => {
                    self.log.push(format!("  {} cannot exchange yet: {x}", Self::name(e)));
                    return Ok(());
                }
                Err(x) => return Err(format!("{} connects: {x}", Self::name(e))),
            };
            let mut passed = 0usize;
            let mut cut = |bytes: Vec<u8>| -> Vec<u8> {
                match cut_at {
                    Some(at) if passed + bytes.len() > at => {
                        let keep = at.saturating_sub(passed);
                        passed = usize::MAX / 2;
                        bytes[..keep.min(bytes.len())].to_vec()
                    }
                    _ => {
                        passed += bytes.len();
                        bytes
                    }
                }
            };
            let (mut la, mut lb) = (None, None);
            for _ in 0..64 {
                let up = cut(connector.take_output());
                if la.is_none() && !up.is_empty() {
                    la = listener.receive(&up).err().map(|x| x.to_string());
                }
                let down = cut(listener.take_output());
                if lb.is_none() && !down.is_empty() {
                    lb = connector.receive(&down).err().map(|x| x.to_string());
                }
                if (listener.finished() || la.is_some()) && (connector.finished() || lb.is_some()) {
                    break;
                }
            }
            let end = |s: &PeerSession<&Store>, err: Option<String>| match err {
                Some(x) => Err(x),
                None if s.finished() => Ok(s.summary().clone()),
                None => Err("the exchange stalled".to_string()),
            };
            (end(&listener, la), end(&connector, lb))
        };
        self.log.push(format!(
            "  {} and {} exchange{}: {:?} / {:?}",
            Self::name(d),
            Self::name(e),
            if cut_at.is_some() { " (the stream is cut)" } else { "" },
            a.as_ref().map(|s| (&s.sent, &s.received, s.refused.len())),
            b.as_ref().map(|s| (&s.sent, &s.received, s.refused.len())),
        ));
        if cut_at.is_some() {
            self.faults += 1;
        }
        let unsynced = |r: &Result<fieldcase_core::sync::peer::ExchangeSummary, String>| {
            r.as_ref()
                .err()
                .is_some_and(|x| x.contains("(enrolled)") || x.contains("sync once"))
        };
        if unsynced(&a) || unsynced(&b) {
            return Ok(());
        }
        match (same, &a, &b) {
            (false, Ok(_), _) | (false, _, Ok(_)) => {
                return Err(format!(
                    "{} and {} of another township exchanged",
                    Self::name(d),
                    Self::name(e)
                ))
            }
            (false, _, _) => return Ok(()),
            (true, Ok(_), Ok(_)) => {}
            (true, _, _) if cut_at.is_some() => return Ok(()),
            (true, Err(x), _) | (true, _, Err(x)) => {
                return Err(format!("{} and {} exchange: {x}", Self::name(d), Self::name(e)))
            }
        }
        let members = (0..self.devices.len())
            .filter(|&m| self.devices[m].township == self.devices[d].township && !self.devices[m].lost)
            .count();
        // The exchange does not carry attachments yet: a phone is only lost once the hub holds
        // every attachment of its township (else the photos would be lost with it).
        let township = self.devices[d].township;
        let photos_safe = self
            .attached
            .iter()
            .filter(|(t, _, _)| *t == township)
            .all(|(_, sha, _)| self.hub().attachments().read(sha).is_ok());
        if members >= 2 && photos_safe && self.devices.iter().all(|x| !x.lost) && self.rng.below(2) == 0 {
            let id = self.device(d).identity().device.clone();
            self.devices[d].store = None;
            self.devices[d].lost = true;
            self.hub()
                .hub()
                .revoke(&id)
                .map_err(|x| format!("the office revokes {}'s lost phone: {x}", Self::name(d)))?;
            self.log.push(format!(
                "  {}'s phone is lost for good; the office revokes it",
                Self::name(d)
            ));
        }
        Ok(())
    }

    fn restart_device(&mut self, d: usize) -> Step {
        self.faults += 1;
        self.devices[d].store = None;
        let store = Store::open(&self.devices[d].dir, &KEY)
            .map_err(|e| format!("{} reopens after a crash: {e}", Self::name(d)))?;
        store.set_now(Some(self.now));
        self.devices[d].store = Some(store);
        self.log.push(format!("  {} crashes and restarts", Self::name(d)));
        Ok(())
    }

    fn restart_hub(&mut self) -> Step {
        self.faults += 1;
        self.hub = None;
        let hub = Store::open(&self.hub_dir, &KEY).map_err(|e| format!("the hub reopens after a crash: {e}"))?;
        hub.set_now(Some(self.now));
        self.hub = Some(Arc::new(hub));
        self.log.push("  the hub crashes and restarts".into());
        Ok(())
    }

    fn tick(&mut self) {
        self.now += chrono::Duration::minutes(1 + self.rng.below(180) as i64);
        self.hub().set_now(Some(self.now));
        for d in &self.devices {
            if let Some(s) = &d.store {
                s.set_now(Some(self.now));
            }
        }
    }

    fn step(&mut self, n: usize) -> Step {
        self.tick();
        let mut d = self.rng.below(self.devices.len() as u64) as usize;
        while self.devices[d].lost {
            d = (d + 1) % self.devices.len();
        }
        let roll = self.rng.below(100);
        self.log.push(format!("step {n}:"));
        match roll {
            0..=9 => self.create(d, Kind::Case),
            10..=29 => match self.pick_held(d, &[Kind::Case], false) {
                Some(k) => {
                    let id = self.known[k].id.clone();
                    let edit = edit_for(&mut self.rng);
                    let what = format!("sets {} = {}", edit.0, edit.1);
                    self.acknowledge(d, &id, &what, |s| s.writer().edit(&id, &[edit]).map(|_| ()))
                }
                None => self.create(d, Kind::Case),
            },
            30..=35 => match self.pick_held(d, &[Kind::Case], false) {
                Some(k) => {
                    let id = self.known[k].id.clone();
                    let paid = json!({"kind": "paid_in_full", "on": "2026-03-30", "amount_paid_fen": 100});
                    self.acknowledge(d, &id, "closes", |s| s.writer().close(&id, paid).map(|_| ()))
                }
                None => Ok(()),
            },
            36..=39 => {
                if PEOPLE[d].2 == Role::Inspector {
                    self.create(d, Kind::Inspection)
                } else {
                    self.create(d, Kind::Incident)
                }
            }
            40..=44 => match self.pick_held(d, &[Kind::Inspection], true) {
                Some(k) if !self.known[k].sealed => {
                    let id = self.known[k].id.clone();
                    if self.rng.below(2) == 0 {
                        let findings = format!("现场检查第{}次：工资台账不全", self.rng.below(9) + 1);
                        self.acknowledge(d, &id, "edits findings of", |s| {
                            s.writer()
                                .edit(&id, &[("findings".into(), json!(findings))])
                                .map(|_| ())
                        })
                    } else {
                        let before = self.acked.len();
                        self.acknowledge(d, &id, "seals", |s| s.writer().seal(&id).map(|_| ()))?;
                        if self.acked.len() > before {
                            self.known[k].sealed = true;
                        }
                        Ok(())
                    }
                }
                Some(k) => {
                    // A sealed record refuses every edit, at once and without a change.
                    let id = self.known[k].id.clone();
                    match self
                        .device(d)
                        .writer()
                        .edit(&id, &[("findings".into(), json!("改过的结论"))])
                    {
                        Err(Error::Sealed { .. }) => {
                            self.log
                                .push(format!("  {} tries to edit sealed {id}: refused", Self::name(d)));
                            Ok(())
                        }
                        other => Err(format!("{} edits sealed {id}: {other:?}", Self::name(d))),
                    }
                }
                None => Ok(()),
            },
            45..=48 => match self.pick_held(d, &[Kind::Case], false) {
                Some(k) => {
                    let id = self.known[k].id.clone();
                    // Photos of a few bytes to several 256 KiB chunks.
                    let len = 1 + self.rng.below(700_000) as usize;
                    let seed = self.rng.next_u64();
                    let bytes: Vec<u8> = (0..len)
                        .map(|i| (seed.rotate_left(i as u32 % 64) as u8) ^ i as u8)
                        .collect();
                    let township = self.known[k].township;
                    let mut sha = None;
                    self.acknowledge(d, &id, &format!("attaches {len} bytes to"), |s| {
                        let r = s
                            .attachments()
                            .attach(&id, &bytes, "现场照片.jpg", "image/jpeg", Some("evidence"))?;
                        sha = Some(r.sha256);
                        Ok(())
                    })?;
                    if let Some(sha) = sha {
                        self.attached.push((township, sha, len));
                    }
                    Ok(())
                }
                None => Ok(()),
            },
            49..=71 => self.sync(d).map(|_| ()),
            72..=79 => self.exchange(d),
            80..=86 => {
                self.deliver_held();
                Ok(())
            }
            87..=95 => self.restart_device(d),
            _ => self.restart_hub(),
        }
    }

    /// The network heals; every device syncs until a whole round moves nothing.
    fn quiesce(&mut self) -> Step {
        self.faults_on = false;
        self.log.push("quiescence:".into());
        self.deliver_held();
        for round in 0..8 {
            let mut moved = false;
            for d in 0..self.devices.len() {
                if !self.devices[d].lost {
                    moved |= self.sync(d)? != Some(0);
                }
            }
            if !moved && round > 0 {
                return Ok(());
            }
        }
        Err("still moving after eight rounds of syncs with a healed network".into())
    }

    fn check(&self) -> Step {
        let hub = self.hub();
        let normal = |r: StoredRecord| {
            let mut r = r;
            // Who signed is named relative to the store ("this_device" on the signer's phone).
            if let Some(s) = r.seal.as_mut() {
                s.signer.clear();
            }
            r
        };
        for store in std::iter::once(hub.as_ref()).chain(self.devices.iter().filter_map(|d| d.store.as_ref())) {
            if !store.integrity_ok().map_err(|e| e.to_string())? {
                return Err(format!("{}: integrity check failed", store.identity().user));
            }
        }
        let townships: BTreeSet<&str> = self.devices.iter().map(|d| d.township).collect();
        for township in townships {
            let members: Vec<usize> = (0..self.devices.len())
                .filter(|&d| self.devices[d].township == township && !self.devices[d].lost)
                .collect();
            // The hub's view of the township is the reference.
            let hub_rows: BTreeMap<String, fieldcase_core::model::LedgerStatus> = hub
                .ledger()
                .list(&LedgerQuery::default())
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|r| r.township == township)
                .map(|r| (r.id, r.status))
                .collect();
            for k in self.known.iter().filter(|k| k.township == township) {
                if !hub_rows.contains_key(&k.id) {
                    return Err(format!("the hub lacks {} {} of {township}", k.kind, k.id));
                }
            }
            let hub_conflicts: Vec<_> = hub
                .records()
                .conflicts()
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|c| hub_rows.contains_key(&c.id))
                .collect();
            for &d in &members {
                let s = self.device(d);
                let who = Self::name(d);
                let rows = s.ledger().list(&LedgerQuery::default()).map_err(|e| e.to_string())?;
                if let Some(r) = rows.iter().find(|r| r.township != township) {
                    return Err(format!("{who} of {township} holds {} of {}", r.id, r.township));
                }
                let mine: BTreeMap<String, fieldcase_core::model::LedgerStatus> =
                    rows.into_iter().map(|r| (r.id, r.status)).collect();
                if mine != hub_rows {
                    return Err(format!(
                        "{who}'s ledger differs from the hub's: {mine:?} / {hub_rows:?}"
                    ));
                }
                if s.records().conflicts().map_err(|e| e.to_string())? != hub_conflicts {
                    return Err(format!("{who} lists other conflicts than the hub"));
                }
                for id in hub_rows.keys() {
                    let at_hub = normal(hub.records().get(id).map_err(|e| e.to_string())?);
                    let here = normal(s.records().get(id).map_err(|e| format!("{who} reads {id}: {e}"))?);
                    if here != at_hub {
                        return Err(format!("{who}'s {id} differs from the hub's:\n{here:?}\n{at_hub:?}"));
                    }
                }
            }
            for (id, change) in self.acked.iter().filter(|(id, _)| hub_rows.contains_key(id)) {
                let stores = std::iter::once(hub.as_ref()).chain(members.iter().map(|&d| self.device(d)));
                for s in stores {
                    let held = s
                        .records()
                        .history(id)
                        .map_err(|e| e.to_string())?
                        .iter()
                        .any(|h| &h.change == change);
                    if !held {
                        return Err(format!(
                            "{} lost acknowledged change {change} of {id}",
                            s.identity().user
                        ));
                    }
                }
            }
            // Every acknowledged change is its author's at the hub, whoever carried it there.
            for (id, change) in self.acked.iter().filter(|(id, _)| hub_rows.contains_key(id)) {
                let Some(author) = self.authors.get(change) else {
                    continue;
                };
                let history = hub.records().history(id).map_err(|e| e.to_string())?;
                match history.iter().find(|h| &h.change == change) {
                    Some(h) if &h.device == author && h.verified => {}
                    other => {
                        return Err(format!(
                            "the hub names {:?} for change {change} of {id}, made by {author}",
                            other.map(|h| (&h.device, h.verified))
                        ))
                    }
                }
            }
            for k in self.known.iter().filter(|k| k.township == township && k.sealed) {
                for s in std::iter::once(hub.as_ref()).chain(members.iter().map(|&d| self.device(d))) {
                    match s.records().get(&k.id).map_err(|e| e.to_string())?.seal {
                        Some(seal) if seal.intact && seal.verified => {}
                        other => return Err(format!("{}: seal of {} is {other:?}", s.identity().user, k.id)),
                    }
                }
            }
            for (_, sha, len) in self.attached.iter().filter(|(t, _, _)| *t == township) {
                for s in std::iter::once(hub.as_ref()).chain(members.iter().map(|&d| self.device(d))) {
                    let bytes = s
                        .attachments()
                        .read(sha)
                        .map_err(|e| format!("{} lacks attachment {sha}: {e}", s.identity().user))?;
                    if bytes.len() != *len {
                        return Err(format!(
                            "{}: attachment {sha} has {} bytes, not {len}",
                            s.identity().user,
                            bytes.len()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Runs seed `seed` for `steps` steps and checks the invariants.
pub fn run(seed: u64, steps: usize) -> Outcome {
    let start = Instant::now();
    let mut outcome = Outcome {
        seed,
        steps,
        faults: 0,
        acknowledged: 0,
        elapsed: Duration::ZERO,
        failure: None,
        log: vec![],
    };
    let mut sim = match Sim::new(seed) {
        Ok(s) => s,
        Err(e) => {
            outcome.failure = Some(format!("setting up: {e}"));
            return outcome;
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for n in 0..steps {
            sim.step(n)?;
        }
        sim.quiesce()?;
        sim.check()
    }));
    outcome.failure = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(p) => Some(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    outcome.faults = sim.faults;
    outcome.acknowledged = sim.acked.len();
    outcome.log = std::mem::take(&mut sim.log);
    outcome.elapsed = start.elapsed();
    outcome
}
