//! The sync protocol's bytes (see `hub/PROTOCOL.md`): a compact binary layout with varints,
//! inside one brotli stream per body. Every decoder treats input as hostile: lengths are
//! checked against what is left, counts against limits, and every failure is a clear error.

use std::io::Read;

use crate::error::{Error, Result};
use crate::model::Kind;

/// Version 2 of the request (version 1, without epoch and registry, is refused by name).
pub const REQUEST_MAGIC: &[u8; 4] = b"FCS2";
/// Largest decompressed request a hub accepts: far above what a phone sends (a few MB after
/// weeks offline), far below what would hurt the hub.
pub const MAX_REQUEST_BYTES: u64 = 32 << 20;
/// Largest decompressed frame a device accepts.
pub const MAX_FRAME_BYTES: u64 = 64 << 20;
/// Records one request may carry, records it may ask for whole, attachments it may offer,
/// heads a record may name: what a real device sends, with room to spare.
pub const MAX_UPLOADS: usize = 20_000;
pub const MAX_NEED: usize = 20_000;
pub const MAX_OFFERED: usize = 20_000;
pub const MAX_HEADS: usize = 64;
/// Records in the first feed frame; each next frame holds twice as many, up to
/// `FRAME_RECORDS`. A device applies a frame in one transaction: the first records show at once,
/// and a large first sync commits every thousand records rather than every two hundred (five
/// times fewer commits, each of which rewrites the index pages it touched). A cut connection
/// loses at most one frame (about 100 KB at a thousand records).
pub const FIRST_FRAME_RECORDS: usize = 200;
/// The most records in a feed frame.
pub const FRAME_RECORDS: usize = 1000;

fn bad(msg: impl Into<String>) -> Error {
    Error::invalid("body", "sync_message", msg)
}

/// One record's changes going up, or coming down.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChanges {
    pub id: String,
    pub kind: Kind,
    /// Whole document (true) or a run of changes (false).
    pub whole: bool,
    /// Going up: the device's heads for the record after these changes, so the hub can send
    /// exactly what the device lacks. Empty going down.
    pub heads: Vec<String>,
    pub bytes: Vec<u8>,
}

/// What a device sends to start a session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncRequest {
    /// The hub's epoch the device last saw (empty at first): a hub restored from a backup has
    /// a new one, and the device then sends again everything it holds.
    pub epoch: String,
    /// The hub feed position the device holds everything up to.
    pub cursor: u64,
    /// The registry position the device holds.
    pub registry_seq: u64,
    pub uploads: Vec<RecordChanges>,
    /// Records the device holds only in part (changes waiting for earlier ones): send whole.
    pub need: Vec<String>,
    /// Attachments the device holds that the hub has not confirmed.
    pub attachments: Vec<String>,
    /// For changes in `uploads` made by other devices and carried here (by a colleague's phone
    /// or a bundle): each author's signature, so the hub takes them as that author's. Sent only
    /// when there are some, after the rest (a request without them is the same bytes as before).
    pub signatures: Vec<crate::signing::ChangeSignature>,
}

/// Signatures one request may carry.
pub const MAX_SIGNATURES: usize = 200_000;
/// The tag of the optional section of change signatures at the end of a request.
const SIGNATURES_SECTION: u8 = 1;

/// A record the hub did not take, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub id: String,
    /// What the device should do: `Final` (it stays refused), `SendWhole` (the hub lacks what
    /// the changes build on: send the record whole next time).
    pub code: RefusalCode,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalCode {
    Final = 0,
    SendWhole = 1,
}

/// Where the hub stands on an attachment the device offered.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentWant {
    pub sha256: String,
    /// Bytes the hub already has of it (resume from here).
    pub received: u64,
}

/// The parts of the hub's answer, in order: one receipt, feed frames, one end.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Receipt {
        /// The hub's epoch (see `SyncRequest::epoch`).
        epoch: String,
        refused: Vec<Refusal>,
        attachments_wanted: Vec<AttachmentWant>,
        /// Registry entries after the device's position: (position, signed entry as JSON).
        registry: Vec<(u64, Vec<u8>)>,
        records_coming: u64,
    },
    Records {
        cursor_after: u64,
        records: Vec<RecordChanges>,
    },
    End {
        cursor: u64,
    },
}

#[derive(Default)]
pub(crate) struct Writer(pub Vec<u8>);

impl Writer {
    pub fn varint(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(byte);
                return;
            }
            self.0.push(byte | 0x80);
        }
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn kind(&mut self, k: Kind) {
        self.0.push(Kind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u8);
    }
    /// A SHA-256 as 32 bytes; anything that is not one is written as zeros, which every
    /// reader refuses as no attachment of anyone's.
    pub(crate) fn sha(&mut self, hex_sha: &str) {
        let mut fixed = [0u8; 32];
        if let Ok(raw) = hex::decode(hex_sha) {
            if raw.len() == 32 {
                fixed.copy_from_slice(&raw);
            }
        }
        self.0.extend_from_slice(&fixed);
    }
    pub(crate) fn change_signature(&mut self, c: &crate::signing::ChangeSignature) {
        self.sha(&c.hash);
        self.str(&c.device);
        let mut sig = [0u8; 64];
        if let Ok(raw) = hex::decode(&c.signature) {
            if raw.len() == 64 {
                sig.copy_from_slice(&raw);
            }
        }
        self.0.extend_from_slice(&sig);
    }
    pub(crate) fn record(&mut self, r: &RecordChanges) {
        self.str(&r.id);
        self.kind(r.kind);
        self.0.push(r.whole as u8);
        self.varint(r.heads.len() as u64);
        for h in &r.heads {
            self.sha(h);
        }
        self.bytes(&r.bytes);
    }
}

/// Reads a message from `src`, which holds at most `left` more bytes: a slice (exactly its
/// length) or a body being inflated (the budget it may still expand to). Every count and
/// length is checked against what is left before anything it announces is read, so the work
/// is bounded by what the message really holds, however large it claims to be.
pub(crate) struct Reader<R: Read> {
    src: R,
    left: u64,
    read: u64,
}

impl<'a> Reader<&'a [u8]> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            left: buf.len() as u64,
            src: buf,
            read: 0,
        }
    }
}

impl<R: Read> Reader<R> {
    /// Bytes read so far.
    pub fn read(&self) -> u64 {
        self.read
    }

    /// Nothing more is there (reads a byte to find out).
    pub fn is_empty(&mut self) -> bool {
        let mut b = [0u8; 1];
        !matches!(self.src.read(&mut b), Ok(1))
    }

    /// The next byte, if there is one (an optional section's tag).
    pub fn next_u8(&mut self) -> Option<u8> {
        if self.left == 0 {
            return None;
        }
        let mut b = [0u8; 1];
        match self.src.read(&mut b) {
            Ok(1) => {
                self.left -= 1;
                self.read += 1;
                Some(b[0])
            }
            _ => None,
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<Vec<u8>> {
        if n as u64 > self.left {
            return Err(bad("the message is cut short"));
        }
        let mut out = vec![0u8; n];
        self.src.read_exact(&mut out).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => bad("the message is cut short"),
            _ => bad(format!("the message cannot be read ({e})")),
        })?;
        self.left -= n as u64;
        self.read += n as u64;
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("a number in the message is too long"))
    }
    /// A count of items each at least `min_size` bytes: refused if the message cannot hold them.
    fn count(&mut self, min_size: usize) -> Result<usize> {
        let n = self.varint()?;
        if n > self.left / min_size.max(1) as u64 {
            return Err(bad("a count in the message is larger than the message"));
        }
        Ok(n as usize)
    }
    pub fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.varint()?;
        if n > self.left {
            return Err(bad("a length in the message runs past its end"));
        }
        self.take(n as usize)
    }
    pub fn str(&mut self) -> Result<String> {
        String::from_utf8(self.bytes()?).map_err(|_| bad("text in the message is not UTF-8"))
    }
    fn kind(&mut self) -> Result<Kind> {
        let i = self.u8()? as usize;
        Kind::ALL
            .get(i)
            .copied()
            .ok_or_else(|| bad(format!("record kind {i} is unknown")))
    }
    pub(crate) fn sha(&mut self) -> Result<String> {
        Ok(hex::encode(self.take(32)?))
    }
    pub(crate) fn id(&mut self) -> Result<String> {
        let id = self.str()?;
        crate::validate::check_record_id(&id).map_err(|_| {
            bad(format!(
                "'{id}' is not a record id (1 to 128 letters, digits, '-', '_', '.', ':')"
            ))
        })?;
        Ok(id)
    }
    pub(crate) fn limited(&mut self, min_size: usize, max: usize, what: &str) -> Result<usize> {
        let n = self.count(min_size)?;
        if n > max {
            return Err(bad(format!("{n} {what} in one message; at most {max}")));
        }
        Ok(n)
    }
    pub(crate) fn change_signature(&mut self) -> Result<crate::signing::ChangeSignature> {
        let hash = self.sha()?;
        let device = self.str()?;
        if device.is_empty() || device.len() > 128 {
            return Err(bad("a change signature names no device"));
        }
        let signature = hex::encode(self.take(64)?);
        Ok(crate::signing::ChangeSignature {
            hash,
            device,
            signature,
        })
    }
    pub(crate) fn record(&mut self) -> Result<RecordChanges> {
        let id = self.id()?;
        let kind = self.kind()?;
        let whole = match self.u8()? {
            0 => false,
            1 => true,
            x => return Err(bad(format!("record flag {x} is unknown"))),
        };
        let n = self.limited(32, MAX_HEADS, "heads of one record")?;
        let heads = (0..n).map(|_| self.sha()).collect::<Result<Vec<_>>>()?;
        let bytes = self.bytes()?;
        if bytes.is_empty() {
            return Err(bad(format!("record {id} comes with no changes")));
        }
        Ok(RecordChanges {
            id,
            kind,
            whole,
            heads,
            bytes,
        })
    }
}

pub fn compress(raw: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut &raw[..], &mut out, &params);
    out
}

/// Decompresses at most `limit` bytes; more is refused (a compression bomb).
pub fn decompress(body: &[u8], limit: u64) -> Result<Vec<u8>> {
    let mut out = vec![];
    brotli::Decompressor::new(body, 64 * 1024)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("the body is not valid brotli ({e})")))?;
    if out.len() as u64 > limit {
        return Err(bad(format!("the body expands past {limit} bytes")));
    }
    Ok(out)
}

impl SyncRequest {
    /// The request as a device sends it: brotli of `encode_raw`.
    pub fn encode(&self) -> Vec<u8> {
        compress(&self.encode_raw())
    }

    /// The request before compression.
    pub fn encode_raw(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.0.extend_from_slice(REQUEST_MAGIC);
        w.str(&self.epoch);
        w.varint(self.cursor);
        w.varint(self.registry_seq);
        w.varint(self.uploads.len() as u64);
        for r in &self.uploads {
            w.record(r);
        }
        w.varint(self.need.len() as u64);
        for id in &self.need {
            w.str(id);
        }
        w.varint(self.attachments.len() as u64);
        for s in &self.attachments {
            w.sha(s);
        }
        if !self.signatures.is_empty() {
            w.0.push(SIGNATURES_SECTION);
            w.varint(self.signatures.len() as u64);
            for sig in &self.signatures {
                w.change_signature(sig);
            }
        }
        w.0
    }

    pub fn decode(body: &[u8]) -> Result<SyncRequest> {
        Self::decode_measured(body).0
    }

    /// Reads a request as it inflates it, and how many bytes it inflated to decide: a request
    /// refused for what its first bytes claim costs no more than those bytes.
    pub fn decode_measured(body: &[u8]) -> (Result<SyncRequest>, u64) {
        let mut r = Reader {
            src: brotli::Decompressor::new(body, 4096),
            left: MAX_REQUEST_BYTES,
            read: 0,
        };
        let request = Self::read_request(&mut r).map_err(|e| {
            // A body that is not brotli shows as a read error of the inflated stream.
            if e.to_string().contains("cannot be read") {
                bad("the body is not valid brotli")
            } else {
                e
            }
        });
        let read = r.read();
        (request, read)
    }

    /// Reads a decompressed request.
    pub fn decode_raw(raw: &[u8]) -> Result<SyncRequest> {
        Self::read_request(&mut Reader::new(raw))
    }

    fn read_request<R: Read>(r: &mut Reader<R>) -> Result<SyncRequest> {
        let magic = match r.take(4) {
            Ok(m) => Some(m),
            // A body that cannot be inflated says so; one that is too short is not a request.
            Err(e) if e.to_string().contains("cannot be read") => return Err(e),
            Err(_) => None,
        };
        match magic.as_deref() {
            Some(m) if m == &REQUEST_MAGIC[..] => {}
            Some(b"FCS1") => {
                return Err(bad(
                    "this is a version 1 sync request; update the app (the hub speaks version 2)",
                ))
            }
            _ => return Err(bad("not a Fieldcase sync request (wrong magic)")),
        }
        let epoch = r.str()?;
        if epoch.len() > 64 {
            return Err(bad("the epoch is too long"));
        }
        let cursor = r.varint()?;
        let registry_seq = r.varint()?;
        let n = r.limited(4, MAX_UPLOADS, "records")?;
        let uploads = (0..n).map(|_| r.record()).collect::<Result<Vec<_>>>()?;
        let n = r.limited(2, MAX_NEED, "records asked for whole")?;
        let mut need = (0..n).map(|_| r.id()).collect::<Result<Vec<_>>>()?;
        need.sort();
        need.dedup();
        let n = r.limited(32, MAX_OFFERED, "attachments offered")?;
        let mut attachments = (0..n).map(|_| r.sha()).collect::<Result<Vec<_>>>()?;
        attachments.sort();
        attachments.dedup();
        let mut signatures = vec![];
        match r.next_u8() {
            None => {}
            Some(SIGNATURES_SECTION) => {
                let n = r.limited(97, MAX_SIGNATURES, "change signatures")?;
                signatures = (0..n).map(|_| r.change_signature()).collect::<Result<Vec<_>>>()?;
                if !r.is_empty() {
                    return Err(bad("the request has trailing bytes"));
                }
            }
            Some(_) => return Err(bad("the request has trailing bytes")),
        }
        Ok(SyncRequest {
            epoch,
            cursor,
            registry_seq,
            uploads,
            need,
            attachments,
            signatures,
        })
    }
}

impl Frame {
    /// `[type][varint length][payload]`, so a reader can tell a whole frame from a cut one.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer::default();
        let tag = match self {
            Frame::Receipt {
                epoch,
                refused,
                attachments_wanted,
                registry,
                records_coming,
            } => {
                w.str(epoch);
                w.varint(refused.len() as u64);
                for r in refused {
                    w.str(&r.id);
                    w.0.push(r.code as u8);
                    w.str(&r.reason);
                }
                w.varint(attachments_wanted.len() as u64);
                for a in attachments_wanted {
                    w.sha(&a.sha256);
                    w.varint(a.received);
                }
                w.varint(registry.len() as u64);
                for (seq, entry) in registry {
                    w.varint(*seq);
                    w.bytes(entry);
                }
                w.varint(*records_coming);
                1
            }
            Frame::Records { cursor_after, records } => {
                w.varint(*cursor_after);
                w.varint(records.len() as u64);
                for r in records {
                    w.record(r);
                }
                2
            }
            Frame::End { cursor } => {
                w.varint(*cursor);
                3
            }
        };
        out.push(tag);
        let mut len = Writer::default();
        len.varint(w.0.len() as u64);
        out.extend_from_slice(&len.0);
        out.extend_from_slice(&w.0);
    }

    fn decode_payload(tag: u8, payload: &[u8]) -> Result<Frame> {
        let mut r = Reader::new(payload);
        let frame = match tag {
            1 => {
                let epoch = r.str()?;
                let n = r.count(3)?;
                let refused = (0..n)
                    .map(|_| {
                        let id = r.str()?;
                        let code = match r.u8()? {
                            0 => RefusalCode::Final,
                            1 => RefusalCode::SendWhole,
                            x => return Err(bad(format!("refusal code {x} is unknown"))),
                        };
                        Ok(Refusal {
                            id,
                            code,
                            reason: r.str()?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let n = r.count(33)?;
                let attachments_wanted = (0..n)
                    .map(|_| {
                        Ok(AttachmentWant {
                            sha256: r.sha()?,
                            received: r.varint()?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let n = r.count(2)?;
                let registry = (0..n)
                    .map(|_| Ok((r.varint()?, r.bytes()?)))
                    .collect::<Result<Vec<_>>>()?;
                Frame::Receipt {
                    epoch,
                    refused,
                    attachments_wanted,
                    registry,
                    records_coming: r.varint()?,
                }
            }
            2 => {
                let cursor_after = r.varint()?;
                let n = r.count(4)?;
                let records = (0..n).map(|_| r.record()).collect::<Result<Vec<_>>>()?;
                Frame::Records { cursor_after, records }
            }
            3 => Frame::End { cursor: r.varint()? },
            t => return Err(bad(format!("frame type {t} is unknown"))),
        };
        if !r.is_empty() {
            return Err(bad("a frame has trailing bytes"));
        }
        Ok(frame)
    }

    /// Reads the next frame from a stream; `Ok(None)` at a clean end of stream.
    pub fn read_from(input: &mut impl Read) -> Result<Option<Frame>> {
        let mut tag = [0u8; 1];
        match input.read(&mut tag) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(Error::Io(e)),
        }
        let mut len = 0u64;
        for shift in (0..64).step_by(7) {
            let mut b = [0u8; 1];
            input.read_exact(&mut b)?;
            len |= u64::from(b[0] & 0x7f) << shift;
            if b[0] & 0x80 == 0 {
                break;
            }
        }
        if len > MAX_FRAME_BYTES {
            return Err(bad("a frame is too large"));
        }
        let mut payload = vec![0u8; len as usize];
        input.read_exact(&mut payload)?;
        Frame::decode_payload(tag[0], &payload).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_frames_round_trip() {
        let req = SyncRequest {
            epoch: "e1".into(),
            cursor: 300,
            registry_seq: 4,
            uploads: vec![RecordChanges {
                id: "a".into(),
                kind: Kind::Case,
                whole: true,
                heads: vec!["ef".repeat(32)],
                bytes: vec![1, 2, 3],
            }],
            need: vec!["b".into()],
            attachments: vec!["ab".repeat(32)],
            signatures: vec![],
        };
        assert_eq!(SyncRequest::decode(&req.encode()).unwrap(), req);
        // With carried changes' signatures, which a request without them does not spend a byte on.
        let carried = SyncRequest {
            signatures: vec![crate::signing::ChangeSignature {
                hash: "cd".repeat(32),
                device: "dev-1".into(),
                signature: "01".repeat(64),
            }],
            ..req.clone()
        };
        assert_eq!(SyncRequest::decode(&carried.encode()).unwrap(), carried);
        assert_eq!(carried.encode_raw().len(), req.encode_raw().len() + 1 + 1 + 32 + 6 + 64);
        let mut trailing = carried.encode_raw();
        trailing.push(0);
        assert!(SyncRequest::decode_raw(&trailing).is_err());
        let mut unknown = req.encode_raw();
        unknown.push(9);
        assert!(SyncRequest::decode_raw(&unknown).is_err());
        let frames = vec![
            Frame::Receipt {
                epoch: "e1".into(),
                refused: vec![Refusal {
                    id: "x".into(),
                    code: RefusalCode::SendWhole,
                    reason: "out of scope".into(),
                }],
                attachments_wanted: vec![AttachmentWant {
                    sha256: "cd".repeat(32),
                    received: 5,
                }],
                registry: vec![(3, b"{}".to_vec())],
                records_coming: 2,
            },
            Frame::Records {
                cursor_after: 7,
                records: req.uploads.clone(),
            },
            Frame::End { cursor: 9 },
        ];
        let mut buf = vec![];
        for f in &frames {
            f.encode(&mut buf);
        }
        let mut input = &buf[..];
        let mut back = vec![];
        while let Some(f) = Frame::read_from(&mut input).unwrap() {
            back.push(f);
        }
        assert_eq!(back, frames);
        // A cut frame is an error, not a short frame.
        let mut cut = &buf[..buf.len() - 1];
        let mut n = 0;
        while let Ok(Some(_)) = Frame::read_from(&mut cut) {
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn hostile_requests_are_refused_with_a_reason() {
        assert!(SyncRequest::decode(b"not brotli at all").is_err());
        assert!(SyncRequest::decode(&compress(b"XXXX")).is_err());
        let mut w = Writer::default();
        w.0.extend_from_slice(REQUEST_MAGIC);
        w.str("");
        w.varint(0);
        w.varint(0);
        w.varint(u64::MAX >> 1);
        let e = SyncRequest::decode(&compress(&w.0)).unwrap_err();
        assert!(e.to_string().contains("count"), "{e}");
        let bomb = compress(&vec![0u8; 8 << 20]);
        assert!(decompress(&bomb, 1 << 20).is_err());
        // Twenty million empty "need" ids fit in a few bytes of brotli: refused by count.
        let mut w = Writer::default();
        w.0.extend_from_slice(REQUEST_MAGIC);
        w.str("");
        w.varint(0);
        w.varint(0);
        w.varint(0);
        w.varint(20_000_000);
        w.0.extend(std::iter::repeat_n(0u8, 20_000_000));
        w.varint(0);
        let body = compress(&w.0);
        assert!(body.len() < 100, "{}", body.len());
        assert!(SyncRequest::decode(&body).is_err());
        // More ids than any device sends are refused by count, whatever they are.
        let mut w = Writer::default();
        w.0.extend_from_slice(REQUEST_MAGIC);
        w.str("");
        w.varint(0);
        w.varint(0);
        w.varint(0);
        w.varint(MAX_NEED as u64 + 1);
        for i in 0..=MAX_NEED {
            w.str(&format!("r{i}"));
        }
        w.varint(0);
        let e = SyncRequest::decode(&compress(&w.0)).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
        // Ids follow the one rule.
        let mut w = Writer::default();
        w.0.extend_from_slice(REQUEST_MAGIC);
        w.str("");
        w.varint(0);
        w.varint(0);
        w.varint(0);
        w.varint(1);
        w.str("../etc");
        w.varint(0);
        let e = SyncRequest::decode(&compress(&w.0)).unwrap_err();
        assert!(e.to_string().contains("not a record id"), "{e}");
    }
}
