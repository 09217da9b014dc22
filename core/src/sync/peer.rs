//! Phone to phone, with no network: two enrolled phones of one township give each other what
//! the other lacks, over any byte stream (a socket on a phone's local hotspot, Network.framework
//! between iPhones, a TCP port for scripts). Like the hub session it does no I/O: bytes go in
//! with `receive`, bytes to send come out of `take_output`; `exchange` drives it over a
//! `Read + Write` stream.
//!
//! The session, in turns (so neither side ever writes while the other writes, and no stream's
//! buffers can fill both ways at once):
//!
//! 1. connector → listener: Hello (its registry entry as the hub signed it, a fresh nonce)
//! 2. listener → connector: Hello, Proof (its signature over the session key and both nonces)
//! 3. connector → listener: Proof, Have (its registry, and the heads of every record it holds
//!    in the listener's scope)
//! 4. listener → connector: Have, Records… (what the connector lacks, in frames of
//!    `CHUNK_RECORDS`), Done
//! 5. connector → listener: Records…, Done
//! 6. listener → connector: Bye (it applied everything)
//!
//! Each side takes the other for the device its registry entry names only when the entry bears
//! the hub's signature, is not revoked (by the entry or by this store's own registry), belongs
//! to this township, and the other proves it holds that device's key and the session key (the
//! code the listening phone shows, which only the person who scanned it has). A phone that
//! fails any of these is told why and gets nothing. Each Records frame is applied in one
//! transaction as it arrives, with the checks of a hub sync (the township, seals and their
//! anchors, the field rules after the merge; what cannot be taken is listed and kept aside),
//! so a cut stream keeps what arrived and the next session sends only the rest. Every change
//! goes with its author's signature (`store::carried`), so the hub later takes it as its
//! author's whoever carries it.
//!
//! Frames: length (u32 big-endian, of what follows), type (one byte), body. A frame longer than
//! `MAX_FRAME` is refused before it is read; every count and length inside is checked against
//! what the frame holds.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use automerge::{ChangeHash, ReadDoc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Kind, DISTRICT};
use crate::signing::{ChangeSignature, SignedEntry};
use crate::store::doc::Origin;
use crate::store::merge::{Arriving, GateRefusal};
use crate::store::{registry, Store};
use crate::sync::wire::{Reader, RecordChanges, Writer};

/// The first bytes of each Hello: the peer protocol, version 1.
pub const PEER_MAGIC: &[u8; 4] = b"FCP1";
/// The largest frame either side accepts.
pub const MAX_FRAME: usize = 16 << 20;
/// Records in one Records frame (each applied in one transaction).
pub const CHUNK_RECORDS: usize = 200;
/// Records a Have may name.
pub const MAX_HAVE: usize = 200_000;

const HELLO: u8 = 1;
const PROOF: u8 = 2;
const HAVE: u8 = 3;
const RECORDS: u8 = 4;
const DONE: u8 = 5;
const BYE: u8 = 6;
const REFUSE: u8 = 7;

/// Which end of the stream this phone is: the one that shows its code and waits, or the one
/// that scanned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Listener,
    Connector,
}

/// The one-time code the listening phone shows: where to reach it and the session key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCode {
    /// `host:port` on the local network (the hotspot's address, or 127.0.0.1 for scripts).
    pub address: String,
    pub key: [u8; 16],
    /// The local-only hotspot to join first, when the listening phone opened one.
    pub network: Option<(String, String)>,
}

impl PeerCode {
    /// A new code for a listener at `address`, with a fresh key.
    pub fn new(address: &str, network: Option<(String, String)>) -> Result<PeerCode> {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(PeerCode {
            address: address.to_string(),
            key,
            network,
        })
    }

    /// The text the QR code carries: `FCX1;a=ADDRESS;k=KEY[;s=NETWORK;p=PASSWORD]`, the key in
    /// base32 (what a person could also read out).
    pub fn text(&self) -> String {
        let mut t = format!(
            "FCX1;a={};k={}",
            self.address,
            data_encoding::BASE32_NOPAD.encode(&self.key)
        );
        if let Some((ssid, pass)) = &self.network {
            t.push_str(&format!(";s={};p={}", escape(ssid), escape(pass)));
        }
        t
    }

    /// Reads a code as `text` writes it.
    pub fn parse(text: &str) -> Result<PeerCode> {
        let bad = |m: &str| {
            Error::invalid(
                "code",
                "peer_code",
                format!("this is not a Fieldcase exchange code: {m}"),
            )
        };
        let mut parts = split_unescaped(text.trim());
        if parts.first().map(String::as_str) != Some("FCX1") {
            return Err(bad("it does not start with FCX1"));
        }
        parts.remove(0);
        let mut fields: HashMap<String, String> = HashMap::new();
        for p in parts {
            let (k, v) = p.split_once('=').ok_or_else(|| bad("a part has no '='"))?;
            fields.insert(k.to_string(), v.to_string());
        }
        let address = fields.remove("a").ok_or_else(|| bad("no address"))?;
        if address.is_empty() || address.len() > 255 || !address.contains(':') {
            return Err(bad("the address is not host:port"));
        }
        let key = fields
            .remove("k")
            .and_then(|k| {
                data_encoding::BASE32_NOPAD
                    .decode(k.to_ascii_uppercase().as_bytes())
                    .ok()
            })
            .and_then(|k| <[u8; 16]>::try_from(k).ok())
            .ok_or_else(|| bad("the session key is missing or damaged"))?;
        let network = match (fields.remove("s"), fields.remove("p")) {
            (Some(s), Some(p)) => Some((s, p)),
            (None, None) => None,
            _ => return Err(bad("a network name without its password")),
        };
        Ok(PeerCode { address, key, network })
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;")
}

fn split_unescaped(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if let Some(p) = parts.last_mut() {
                        p.push(n)
                    }
                }
            }
            ';' => parts.push(String::new()),
            c => {
                if let Some(p) = parts.last_mut() {
                    p.push(c)
                }
            }
        }
    }
    parts
}

/// A record the other phone sent that this one did not take, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerRefusal {
    pub id: String,
    pub reason: String,
}

/// What an exchange did, as both phones show it afterwards.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExchangeSummary {
    /// The other phone, as the registry names it.
    pub peer_device: String,
    pub peer_user: String,
    /// Records sent, by kind (`case`, `incident`, …).
    pub sent: BTreeMap<String, u64>,
    /// Records that came and were new or changed here, by kind.
    pub received: BTreeMap<String, u64>,
    /// Records that came with nothing new.
    pub unchanged: u64,
    /// What came and was not taken (whole records, or single changes kept aside).
    pub refused: Vec<PeerRefusal>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Whether the session ran to its end (both sides applied everything).
    pub complete: bool,
}

impl ExchangeSummary {
    /// What both phones show afterwards, in one sentence: with whom, what came and what went by
    /// kind, how many were not taken.
    pub fn in_chinese(&self) -> String {
        let list = |m: &BTreeMap<String, u64>| -> String {
            m.iter()
                .filter_map(|(k, n)| {
                    k.parse::<Kind>()
                        .ok()
                        .map(|k| format!("{} {n} 条", crate::words::kind_name(k)))
                })
                .collect::<Vec<_>>()
                .join("、")
        };
        let who = if self.peer_user.is_empty() {
            "同事"
        } else {
            self.peer_user.as_str()
        };
        let got = if self.received.is_empty() {
            "没有新记录".to_string()
        } else {
            list(&self.received)
        };
        let gave = if self.sent.is_empty() {
            "对方已有本机的全部记录".to_string()
        } else {
            format!("发出 {}", list(&self.sent))
        };
        let mut s = if self.complete {
            format!("与{who}交换完成：收到 {got}；{gave}。")
        } else {
            format!("与{who}的交换中断：已收到 {got}，其余下次交换时补齐。")
        };
        if !self.refused.is_empty() {
            s.push_str(&format!("另有 {} 条未接收，原因见下。", self.refused.len()));
        }
        s
    }
}

struct Peer {
    entry: SignedEntry,
    nonce: [u8; 32],
}

/// One phone's half of a peer session, over a store or a shared handle to one.
pub struct PeerSession<S: Deref<Target = Store>> {
    store: S,
    side: Side,
    key: [u8; 16],
    nonce: [u8; 32],
    inbox: Vec<u8>,
    outbox: Vec<u8>,
    peer: Option<Peer>,
    proven: bool,
    sent_records: bool,
    got_done: bool,
    finished: bool,
    failed: Option<String>,
    /// What the other phone holds, as its Have said (the connector keeps it until its turn).
    have: Option<Have>,
    summary: ExchangeSummary,
    cancel: Option<Arc<AtomicBool>>,
}

/// Record id → the heads the other phone holds of it.
type Have = HashMap<String, Vec<ChangeHash>>;

fn statement(
    key: &[u8; 16],
    signer: Side,
    verifier_nonce: &[u8; 32],
    signer_nonce: &[u8; 32],
    signer_device: &str,
    verifier_device: &str,
) -> Vec<u8> {
    let mut m = b"fieldcase peer v1\0".to_vec();
    m.extend_from_slice(key);
    m.push(match signer {
        Side::Listener => b'L',
        Side::Connector => b'C',
    });
    m.extend_from_slice(verifier_nonce);
    m.extend_from_slice(signer_nonce);
    m.extend_from_slice(signer_device.as_bytes());
    m.push(0);
    m.extend_from_slice(verifier_device.as_bytes());
    m
}

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid("peer", "peer_message", msg)
}

impl<S: Deref<Target = Store>> PeerSession<S> {
    /// The listening phone's half, for the code it shows. A key is good for one session: a
    /// store never runs a second session with a key it has used (a code seen over someone's
    /// shoulder, or a recorded session played again, gets nothing).
    pub fn listen(store: S, key: [u8; 16]) -> Result<PeerSession<S>> {
        store.spend_peer_key(&key)?;
        Self::new(store, Side::Listener, key)
    }

    /// The half of the phone that scanned the other's code.
    pub fn connect(store: S, key: [u8; 16]) -> Result<PeerSession<S>> {
        let mut s = Self::new(store, Side::Connector, key)?;
        s.send_hello()?;
        Ok(s)
    }

    fn new(store: S, side: Side, key: [u8; 16]) -> Result<PeerSession<S>> {
        let mut nonce = [0u8; 32];
        getrandom::fill(&mut nonce).map_err(|e| Error::Internal(e.to_string()))?;
        if store.hub_public_key()?.is_none() {
            return Err(Error::invalid(
                "hub",
                "joined",
                "this phone has not joined a hub: a colleague cannot tell who it is",
            ));
        }
        Ok(PeerSession {
            store,
            side,
            key,
            nonce,
            inbox: vec![],
            outbox: vec![],
            peer: None,
            proven: false,
            sent_records: false,
            got_done: false,
            finished: false,
            failed: None,
            have: None,
            summary: ExchangeSummary::default(),
            cancel: None,
        })
    }

    /// Stops the session at the next frame once `flag` is set (`Cancelled`); what was applied
    /// stays.
    pub fn stop_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Bytes to send now (empty when it waits for the other side).
    pub fn take_output(&mut self) -> Vec<u8> {
        self.summary.bytes_sent += self.outbox.len() as u64;
        std::mem::take(&mut self.outbox)
    }

    /// Whether the session is over on this side (nothing more to send or wait for).
    pub fn finished(&self) -> bool {
        self.finished
    }

    pub fn summary(&self) -> &ExchangeSummary {
        &self.summary
    }

    /// Takes bytes from the other phone, acts on every whole frame among them. An error ends
    /// the session; `take_output` then holds the words that tell the other side why.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(f) = &self.failed {
            return Err(bad(f.clone()));
        }
        if self.finished {
            if bytes.is_empty() {
                return Ok(());
            }
            return Err(bad("the other phone sent more after the session ended"));
        }
        self.summary.bytes_received += bytes.len() as u64;
        self.inbox.extend_from_slice(bytes);
        loop {
            if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(Error::Cancelled);
            }
            if self.inbox.len() < 4 {
                return Ok(());
            }
            let len = u32::from_be_bytes([self.inbox[0], self.inbox[1], self.inbox[2], self.inbox[3]]) as usize;
            if len == 0 || len > MAX_FRAME {
                return self.fail(format!("a frame of {len} bytes (at most {MAX_FRAME})"));
            }
            if self.inbox.len() < 4 + len {
                return Ok(());
            }
            let frame: Vec<u8> = self.inbox.drain(..4 + len).skip(4).collect();
            if let Err(e) = self.on_frame(frame[0], &frame[1..]) {
                return match e {
                    Error::Cancelled => Err(e),
                    e => {
                        let words = e.to_string();
                        self.refuse_and_fail(&words);
                        Err(e)
                    }
                };
            }
            if self.finished && !self.inbox.is_empty() {
                return self.fail("the other phone sent more after the session ended".into());
            }
        }
    }

    fn fail(&mut self, why: String) -> Result<()> {
        self.refuse_and_fail(&why);
        Err(bad(why))
    }

    fn refuse_and_fail(&mut self, why: &str) {
        let mut w = Writer::default();
        w.str(why);
        self.push(REFUSE, &w.0);
        self.failed = Some(why.to_string());
    }

    fn push(&mut self, kind: u8, body: &[u8]) {
        self.outbox.extend_from_slice(&((body.len() + 1) as u32).to_be_bytes());
        self.outbox.push(kind);
        self.outbox.extend_from_slice(body);
    }

    fn send_hello(&mut self) -> Result<()> {
        let me = &self.store.identity().device;
        let mine = self.store.read(|c| registry::signed(c, me))?.ok_or_else(|| {
            Error::invalid(
                "registry",
                "enrolled",
                "this phone is not in the registry it holds yet: sync once with the hub, then exchange",
            )
        })?;
        let mut w = Writer::default();
        w.0.extend_from_slice(PEER_MAGIC);
        w.bytes(&serde_json::to_vec(&mine).map_err(|e| Error::Internal(e.to_string()))?);
        w.bytes(&self.nonce);
        self.push(HELLO, &w.0);
        Ok(())
    }

    fn send_proof(&mut self) -> Result<()> {
        let peer = self.peer.as_ref().ok_or_else(|| bad("a proof before a hello"))?;
        let m = statement(
            &self.key,
            self.side,
            &peer.nonce,
            &self.nonce,
            &self.store.identity().device,
            &peer.entry.entry.device,
        );
        let sig = self.store.sign_bytes(&m);
        self.push(PROOF, &sig);
        Ok(())
    }

    fn on_frame(&mut self, kind: u8, body: &[u8]) -> Result<()> {
        match kind {
            REFUSE => {
                let why = Reader::new(body).str().unwrap_or_default();
                self.failed = Some(why.clone());
                Err(Error::Rejected(format!("the other phone ended the exchange: {why}")))
            }
            HELLO if self.peer.is_none() => {
                self.on_hello(body)?;
                if self.side == Side::Listener {
                    self.send_hello()?;
                }
                self.send_proof()
            }
            PROOF if self.peer.is_some() && !self.proven => {
                self.on_proof(body)?;
                self.proven = true;
                if self.side == Side::Connector {
                    self.send_have()?;
                }
                Ok(())
            }
            HAVE if self.proven && !self.sent_records => {
                let have = self.read_have(body)?;
                if self.side == Side::Listener {
                    self.send_have()?;
                    self.send_records(&have)?;
                    self.push(DONE, &[]);
                } else {
                    self.have = Some(have);
                }
                Ok(())
            }
            RECORDS if self.proven && !self.got_done => self.on_records(body),
            DONE if self.proven && !self.got_done => {
                self.got_done = true;
                match self.side {
                    Side::Connector => {
                        let have = self
                            .have
                            .take()
                            .ok_or_else(|| bad("done before the other phone said what it holds"))?;
                        self.send_records(&have)?;
                        self.push(DONE, &[]);
                    }
                    Side::Listener => {
                        self.push(BYE, &[]);
                        self.finished = true;
                        self.summary.complete = true;
                    }
                }
                Ok(())
            }
            BYE if self.side == Side::Connector && self.sent_records => {
                self.finished = true;
                self.summary.complete = true;
                Ok(())
            }
            k => Err(bad(format!("a frame of type {k} out of turn"))),
        }
    }

    fn on_hello(&mut self, body: &[u8]) -> Result<()> {
        let mut r = Reader::new(body);
        let magic = r.take(4).map_err(|_| bad("not a Fieldcase exchange"))?;
        if magic != PEER_MAGIC {
            return Err(bad(
                "not a Fieldcase exchange (or another version of it): update both apps",
            ));
        }
        let entry: SignedEntry = serde_json::from_slice(&r.bytes()?)
            .map_err(|e| bad(format!("the other phone's registry entry is malformed ({e})")))?;
        let nonce: [u8; 32] = r
            .bytes()?
            .try_into()
            .map_err(|_| bad("the other phone's challenge is not 32 bytes"))?;
        if !r.is_empty() {
            return Err(bad("a hello with trailing bytes"));
        }
        let who = &entry.entry;
        let hub_key = self.store.hub_public_key()?.unwrap_or_default();
        if !entry.verify(&hub_key) {
            return Err(Error::Rejected(format!(
                "device {} is not enrolled at this phone's hub (its registry entry is not the hub's)",
                who.device
            )));
        }
        if who.device == self.store.identity().device {
            return Err(Error::Rejected("a phone cannot exchange with itself".into()));
        }
        let known = self.store.read(|c| registry::entry(c, &who.device))?;
        if who.revoked_at.is_some() || known.as_ref().is_some_and(|k| k.revoked_at.is_some()) {
            return Err(Error::Rejected(format!(
                "device {} ({}) was revoked: it gets nothing and gives nothing",
                who.device, who.user
            )));
        }
        if known.as_ref().is_some_and(|k| k.public_key != who.public_key) {
            return Err(Error::Rejected(format!(
                "device {} comes with another key than the registry holds",
                who.device
            )));
        }
        if who.township != self.store.identity().township {
            return Err(Error::Rejected(format!(
                "device {} belongs to {}, this phone to {}: phones exchange within their township only",
                who.device,
                who.township,
                self.store.identity().township
            )));
        }
        self.summary.peer_device = who.device.clone();
        self.summary.peer_user = who.user.clone();
        self.peer = Some(Peer { entry, nonce });
        Ok(())
    }

    fn on_proof(&mut self, body: &[u8]) -> Result<()> {
        let peer = self.peer.as_ref().ok_or_else(|| bad("a proof before a hello"))?;
        let other = match self.side {
            Side::Listener => Side::Connector,
            Side::Connector => Side::Listener,
        };
        let m = statement(
            &self.key,
            other,
            &self.nonce,
            &peer.nonce,
            &peer.entry.entry.device,
            &self.store.identity().device,
        );
        if !crate::signing::verify_bytes(&peer.entry.entry.public_key, &m, body) {
            return Err(Error::Rejected(format!(
                "device {} could not prove who it is for this session (a wrong or used code, or not that phone)",
                peer.entry.entry.device
            )));
        }
        Ok(())
    }

    /// Whether the other phone may see a record of `township` (empty: a record with none).
    fn peer_sees(&self, township: Option<&str>) -> bool {
        let Some(peer) = &self.peer else { return false };
        match township {
            None => true,
            Some(t) => t == DISTRICT || t == peer.entry.entry.township,
        }
    }

    /// The records this phone holds that the other may see: id, kind.
    fn shared_records(&self) -> Result<Vec<(String, Kind)>> {
        let rows: Vec<(String, String, Option<String>)> = self.store.read(|c| {
            let mut stmt = c.prepare(
                "SELECT d.id, d.kind, l.township FROM documents d LEFT JOIN ledger l ON l.id = d.id ORDER BY d.id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, t)| self.peer_sees(t.as_deref()))
            .filter_map(|(id, k, _)| k.parse::<Kind>().ok().map(|k| (id, k)))
            .collect())
    }

    fn send_have(&mut self) -> Result<()> {
        let records = self.shared_records()?;
        let mut w = Writer::default();
        let registry = self.store.registry()?;
        w.bytes(&serde_json::to_vec(&registry).map_err(|e| Error::Internal(e.to_string()))?);
        let heads: Vec<(String, Vec<String>)> = self.store.read(|c| {
            let mut out = vec![];
            for (id, _) in &records {
                if let Some(loaded) = self.store.load(c, id)? {
                    out.push((
                        id.clone(),
                        loaded.doc.get_heads().iter().map(|h| h.to_string()).collect(),
                    ));
                }
            }
            Ok(out)
        })?;
        w.varint(heads.len() as u64);
        for (id, hs) in &heads {
            w.str(id);
            w.varint(hs.len() as u64);
            for h in hs {
                w.sha(h);
            }
        }
        self.push(HAVE, &w.0);
        Ok(())
    }

    fn read_have(&mut self, body: &[u8]) -> Result<Have> {
        let mut r = Reader::new(body);
        let registry: Vec<SignedEntry> = serde_json::from_slice(&r.bytes()?)
            .map_err(|e| bad(format!("the other phone's registry is malformed ({e})")))?;
        // Seals by colleagues enrolled since this phone last synced are then honoured.
        self.store.write(|tx| {
            if registry::learn(tx, &registry)? > 0 {
                self.store.retake_refused(tx)?;
            }
            Ok(())
        })?;
        let n = r.limited(2, MAX_HAVE, "records said to be held")?;
        let mut have = HashMap::with_capacity(n);
        for _ in 0..n {
            let id = r.id()?;
            let k = r.limited(32, crate::sync::wire::MAX_HEADS, "heads of one record")?;
            let heads = (0..k)
                .map(|_| {
                    r.sha()
                        .map(|h| h.parse::<ChangeHash>().map_err(|_| bad("a head is not a change hash")))
                })
                .collect::<Result<Result<Vec<_>>>>()??;
            have.insert(id, heads);
        }
        if !r.is_empty() {
            return Err(bad("a have with trailing bytes"));
        }
        Ok(have)
    }

    /// Everything the other phone lacks, in frames of `CHUNK_RECORDS` records with their
    /// changes' signatures.
    fn send_records(&mut self, have: &Have) -> Result<()> {
        let records = self.shared_records()?;
        let store: &Store = &self.store;
        let mut frames: Vec<(Vec<RecordChanges>, Vec<ChangeSignature>)> = vec![];
        let mut frame: Vec<RecordChanges> = vec![];
        let mut sigs: Vec<ChangeSignature> = vec![];
        let mut sent: BTreeMap<String, u64> = BTreeMap::new();
        for (id, kind) in records {
            if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(Error::Cancelled);
            }
            let built = store.read(|c| {
                let Some(loaded) = store.load(c, &id)? else {
                    return Ok(None);
                };
                let doc = &loaded.doc;
                if doc.get_heads().is_empty() {
                    return Ok(None);
                }
                let theirs = have.get(&id);
                let known: Vec<ChangeHash> = theirs
                    .map(|hs| {
                        hs.iter()
                            .filter(|h| doc.get_change_by_hash(h).is_some())
                            .copied()
                            .collect()
                    })
                    .unwrap_or_default();
                let (whole, bytes) = match theirs {
                    // The changes after what they hold that is known here (nothing: they have it all).
                    Some(_) if !known.is_empty() => {
                        let mut b = vec![];
                        for ch in doc.get_changes(&known) {
                            b.extend_from_slice(ch.raw_bytes());
                        }
                        if b.is_empty() {
                            return Ok(None);
                        }
                        (false, b)
                    }
                    _ => (true, crate::store::doc::whole_record(doc)),
                };
                let signatures = store.signatures_for(c, &id, doc, if whole { &[] } else { &known })?;
                Ok(Some((whole, bytes, signatures)))
            })?;
            let Some((whole, bytes, signatures)) = built else {
                continue;
            };
            *sent.entry(kind.as_str().to_string()).or_default() += 1;
            frame.push(RecordChanges {
                id,
                kind,
                whole,
                heads: vec![],
                bytes,
            });
            sigs.extend(signatures);
            if frame.len() >= CHUNK_RECORDS {
                frames.push((std::mem::take(&mut frame), std::mem::take(&mut sigs)));
            }
        }
        if !frame.is_empty() {
            frames.push((frame, sigs));
        }
        for (records, sigs) in frames {
            self.push_records(&records, &sigs);
        }
        self.summary.sent = sent;
        self.sent_records = true;
        Ok(())
    }

    fn push_records(&mut self, records: &[RecordChanges], sigs: &[ChangeSignature]) {
        let mut w = Writer::default();
        w.varint(records.len() as u64);
        for r in records {
            w.record(r);
        }
        w.varint(sigs.len() as u64);
        for s in sigs {
            w.change_signature(s);
        }
        self.push(RECORDS, &w.0);
    }

    fn on_records(&mut self, body: &[u8]) -> Result<()> {
        let mut r = Reader::new(body);
        let n = r.limited(4, CHUNK_RECORDS, "records in one frame")?;
        let records = (0..n).map(|_| r.record()).collect::<Result<Vec<_>>>()?;
        let k = r.limited(97, crate::sync::wire::MAX_SIGNATURES, "change signatures")?;
        let sigs = (0..k).map(|_| r.change_signature()).collect::<Result<Vec<_>>>()?;
        if !r.is_empty() {
            return Err(bad("a records frame with trailing bytes"));
        }
        let mine = self.store.identity().township.clone();
        let mut received: Vec<String> = vec![];
        let mut unchanged = 0;
        let mut refused: Vec<PeerRefusal> = vec![];
        self.store.write(|tx| {
            for rec in &records {
                // A record of another township is not taken, whatever the other phone says.
                let gate = |a: &Arriving<'_>| -> std::result::Result<(), GateRefusal> {
                    let refuse = |reason: String| GateRefusal {
                        send_whole: false,
                        reason,
                    };
                    let Some(after) = a.after else {
                        return Err(refuse(
                            "it builds on changes this phone lacks; it comes whole next time".into(),
                        ));
                    };
                    let t = after.township();
                    if t != mine && t != DISTRICT {
                        return Err(refuse(format!("it is a record of {t}, not of {mine}")));
                    }
                    // Field rules hold for what arrives, as for what is typed here.
                    let broken = a.new_rule_breaks();
                    if !broken.is_empty() {
                        return Err(refuse(format!("it breaks field rules: {}", broken.join("; "))));
                    }
                    Ok(())
                };
                match self
                    .store
                    .merge_remote(tx, &rec.id, rec.kind, &rec.bytes, Origin::Peer, Some(&gate))
                {
                    Ok(Ok(merged)) => {
                        refused.extend(merged.refused.into_iter().map(|c| PeerRefusal {
                            id: c.id,
                            reason: c.reason,
                        }));
                        if merged.new_record || merged.changed {
                            received.push(rec.kind.as_str().to_string());
                        } else {
                            unchanged += 1;
                        }
                        self.store.keep_signatures(tx, &rec.id, &sigs)?;
                    }
                    Ok(Err(g)) => refused.push(PeerRefusal {
                        id: rec.id.clone(),
                        reason: g.reason,
                    }),
                    // Damaged or foreign bytes: this record alone is not taken.
                    Err(Error::Rejected(why)) => refused.push(PeerRefusal {
                        id: rec.id.clone(),
                        reason: why,
                    }),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })?;
        for k in received {
            *self.summary.received.entry(k).or_default() += 1;
        }
        self.summary.unchanged += unchanged;
        self.summary.refused.extend(refused);
        Ok(())
    }
}

/// Runs a session over `stream` to its end: writes what the session has to send, reads what
/// comes, until it is finished. On an error, the words that tell the other phone why are sent
/// before the error is returned.
pub fn exchange<T: Deref<Target = Store>, S: Read + Write>(
    mut session: PeerSession<T>,
    stream: &mut S,
) -> Result<ExchangeSummary> {
    let io = |e: std::io::Error| {
        Error::invalid(
            "peer",
            "connection",
            format!("the connection to the other phone failed ({e})"),
        )
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let out = session.take_output();
        if !out.is_empty() {
            stream.write_all(&out).map_err(io)?;
            stream.flush().map_err(io)?;
        }
        if session.finished() {
            return Ok(session.summary().clone());
        }
        let n = stream.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Err(Error::invalid(
                "peer",
                "connection",
                "the other phone closed the connection before the exchange ended; what arrived is kept, the next exchange sends the rest",
            ));
        }
        if let Err(e) = session.receive(&buf[..n]) {
            let out = session.take_output();
            if !out.is_empty() {
                let _ = stream.write_all(&out);
                let _ = stream.flush();
            }
            return Err(e);
        }
    }
}

impl Store {
    /// Marks a session key as used; a key used before is refused.
    pub(crate) fn spend_peer_key(&self, key: &[u8; 16]) -> Result<()> {
        let sha = hex::encode(Sha256::digest(key));
        let now = self.now().timestamp_millis();
        let fresh = self.write(|tx| {
            Ok(tx.execute(
                "INSERT INTO peer_keys_used (key_sha, used_at) VALUES (?1, ?2) ON CONFLICT (key_sha) DO NOTHING",
                rusqlite::params![sha, now],
            )?)
        })?;
        if fresh == 0 {
            return Err(Error::Rejected(
                "this exchange code was used already: show a new one".into(),
            ));
        }
        Ok(())
    }

    /// Signs `message` with this store's device key.
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign_bytes(message)
    }
}
