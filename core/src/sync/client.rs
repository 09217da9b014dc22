//! The device's half of a sync session: one request that carries every local change the hub
//! lacks and asks for everything since the device's cursor; the answer streams back in
//! frames, each applied in its own transaction with the cursor, so a cut connection keeps
//! what arrived and the next session resumes after it. Attachments follow, one at a time,
//! in resumable chunks; one failing never stops the others.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use automerge::{ChangeHash, ReadDoc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::hub_side::Joined;
use super::wire::{Frame, RecordChanges, SyncRequest};
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::merge::Origin;
use crate::store::{meta, set_meta, Store};

/// Chunk size for attachments: small enough to get through on a weak link.
pub const ATTACHMENT_CHUNK: u64 = 256 * 1024;

/// The hub this store syncs with, and its credential there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubLink {
    pub url: String,
    pub device: String,
    pub token: String,
}

/// Where a long sync stands, for a progress bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Progress {
    /// `records` or `attachments`.
    pub phase: String,
    pub done: u64,
    pub total: u64,
}

#[derive(Default)]
pub struct SyncOptions<'a> {
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    /// Set it to stop at the next frame or chunk; what arrived stays.
    pub cancel: Option<&'a AtomicBool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefusedRecord {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FailedAttachment {
    pub sha256: String,
    pub error: String,
}

/// What one sync session did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// HTTP round trips for records (attachments are counted apart).
    pub round_trips: u32,
    /// Bytes on the wire, HTTP headers included.
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub records_sent: u64,
    pub records_received: u64,
    pub refused: Vec<RefusedRecord>,
    pub attachment_requests: u32,
    pub attachments_sent: u64,
    pub attachments_received: u64,
    pub attachments_failed: Vec<FailedAttachment>,
    /// Open conflicts after the session.
    pub conflicts: u64,
    pub duration_ms: u64,
    pub cursor: u64,
}

fn check_url(url: &str) -> Result<reqwest::Url> {
    let u =
        reqwest::Url::parse(url).map_err(|e| Error::invalid("url", "url", format!("'{url}' is not a URL ({e})")))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" => {
            let loopback = match u.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if loopback {
                Ok(u)
            } else {
                Err(Error::invalid(
                    "url",
                    "tls_required",
                    "plain http is only for this machine (127.0.0.1); use https",
                ))
            }
        }
        s => Err(Error::invalid("url", "url", format!("'{s}' is not http or https"))),
    }
}

fn client() -> Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(None::<Duration>)
        .build()
        .map_err(|e| Error::Network(e.to_string()))
}

fn net(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}

/// Turns a hub's refusal into the matching error, with its message.
fn hub_error(resp: reqwest::blocking::Response) -> Error {
    let status = resp.status();
    let text = resp.text().unwrap_or_default();
    // The hub's text is already one of our error messages; drop its kind prefix.
    let text = text.strip_prefix("not allowed: ").unwrap_or(&text).to_string();
    let msg = if text.is_empty() { status.to_string() } else { text };
    match status.as_u16() {
        401 | 403 => Error::Unauthorised(msg),
        400 | 413 | 422 => Error::invalid("body", "hub_refused", msg),
        _ => Error::Network(format!("hub answered {status}: {msg}")),
    }
}

/// Header bytes as they go on the wire: name, ": ", value, CRLF.
fn header_bytes(h: &reqwest::header::HeaderMap) -> u64 {
    h.iter().map(|(k, v)| (k.as_str().len() + v.len() + 4) as u64).sum()
}

struct Counting<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

impl Store {
    pub fn hub_link(&self) -> Result<Option<HubLink>> {
        self.read(|c| Ok(meta(c, "hub")?.and_then(|s| serde_json::from_str(&s).ok())))
    }

    fn set_hub_link(&self, link: &HubLink) -> Result<()> {
        let json = serde_json::to_string(link).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| set_meta(tx, "hub", &json))
    }

    /// Redeems an enrolment code at the hub. Returns what the hub says this device is.
    pub fn redeem_at(url: &str, code: &str) -> Result<(HubLink, Joined)> {
        let base = check_url(url)?;
        let resp = client()?
            .post(base.join("v1/join").map_err(|e| Error::Internal(e.to_string()))?)
            .json(&serde_json::json!({ "code": code }))
            .send()
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(hub_error(resp));
        }
        let joined: Joined = resp.json().map_err(net)?;
        let link = HubLink {
            url: base.to_string(),
            device: joined.device.clone(),
            token: joined.token.clone(),
        };
        Ok((link, joined))
    }

    /// Makes this store sync with the hub at `url` as the enrolled device.
    pub fn attach_hub(&self, link: &HubLink, joined: &Joined) -> Result<()> {
        if joined.township != self.identity().township && joined.role != crate::store::Role::Office {
            return Err(Error::invalid(
                "township",
                "same_township",
                format!(
                    "this store is for {} but the enrolment is for {}",
                    self.identity().township,
                    joined.township
                ),
            ));
        }
        self.set_hub_link(link)
    }

    /// One sync session with the hub: send what it lacks, take what we lack, then attachments.
    pub fn sync(&self, opts: &SyncOptions<'_>) -> Result<SyncReport> {
        let started = Instant::now();
        let link = self.hub_link()?.ok_or_else(|| {
            Error::invalid(
                "hub",
                "joined",
                "this store has not joined a hub (fieldcase join URL CODE)",
            )
        })?;
        let base = check_url(&link.url)?;
        let http = client()?;
        let cancelled = || opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let (req, uploaded_through) = self.build_request()?;
        let body = req.encode();
        let url = base.join("v1/sync").map_err(|e| Error::Internal(e.to_string()))?;
        let mut report = SyncReport {
            round_trips: 1,
            records_sent: req.uploads.len() as u64,
            ..Default::default()
        };
        report.bytes_up = body.len() as u64
            + format!("POST {} HTTP/1.1\r\nhost: {}\r\n", url.path(), url.host_str().unwrap_or("")).len() as u64
            + format!("authorization: Bearer {}\r\ncontent-type: application/x-fieldcase-sync\r\naccept: */*\r\ncontent-length: {}\r\n\r\n", link.token, body.len())
                .len() as u64;
        let resp = http
            .post(url)
            .bearer_auth(&link.token)
            .header("content-type", "application/x-fieldcase-sync")
            .body(body)
            .send()
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(hub_error(resp));
        }
        let head = header_bytes(resp.headers()) + 19;
        let mut counted = Counting { inner: resp, n: 0 };
        let result = self.read_frames(&mut counted, uploaded_through, &mut report, opts, &cancelled);
        report.bytes_down = counted.n + head;
        result?;
        self.sync_attachments(&http, &base, &link, &mut report, opts, &cancelled)?;
        report.conflicts = self.conflicts()?.len() as u64;
        report.cursor = self.read(|c| Ok(meta(c, "hub_cursor")?.and_then(|s| s.parse().ok()).unwrap_or(0)))?;
        report.duration_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Every local change the hub has not confirmed, the records we hold in part, and the
    /// attachments the hub may lack. Returns the feed position the upload reaches.
    fn build_request(&self) -> Result<(SyncRequest, i64)> {
        self.read(|c| {
            let cursor: u64 = meta(c, "hub_cursor")?.and_then(|s| s.parse().ok()).unwrap_or(0);
            let through: i64 = meta(c, "uploaded_through")?.and_then(|s| s.parse().ok()).unwrap_or(0);
            let top: i64 = c.query_row("SELECT coalesce(max(seq), 0) FROM feed", [], |r| r.get(0))?;
            let docs: Vec<(String, String, i64)> = {
                let mut stmt = c.prepare(
                    "SELECT f.doc_id, d.kind,
                            (SELECT count(*) FROM feed g WHERE g.doc_id = f.doc_id AND (g.seq <= ?1 OR g.from_hub = 1))
                     FROM feed f JOIN documents d ON d.id = f.doc_id
                     WHERE f.seq > ?1 AND f.seq <= ?2 AND f.from_hub = 0 GROUP BY f.doc_id ORDER BY min(f.seq)",
                )?;
                let rows = stmt.query_map(params![through, top], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            let mut uploads = vec![];
            for (id, kind, shared) in docs {
                let Some(loaded) = self.load(c, &id)? else { continue };
                let doc = &loaded.doc;
                let kind: Kind = kind.parse()?;
                // A record the hub has never seen goes whole: far smaller than its changes.
                let (whole, bytes) = if shared == 0 {
                    (true, super::hub_side::whole_record(doc))
                } else {
                    let mut stmt = c.prepare_cached("SELECT hash FROM feed WHERE doc_id = ?1 AND seq > ?2 AND seq <= ?3 AND from_hub = 0 ORDER BY seq")?;
                    let hashes: Vec<String> = stmt.query_map(params![id, through, top], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                    let mut bytes = vec![];
                    for h in hashes {
                        if let Some(ch) = h.parse().ok().and_then(|h: ChangeHash| doc.get_change_by_hash(&h)) {
                            bytes.extend_from_slice(ch.raw_bytes());
                        }
                    }
                    (false, bytes)
                };
                if !bytes.is_empty() {
                    let heads = doc.get_heads().iter().map(|h| h.to_string()).collect();
                    uploads.push(RecordChanges { id, kind, whole, heads, bytes });
                }
            }
            let need: Vec<String> = {
                let mut stmt = c.prepare("SELECT doc_id FROM incomplete ORDER BY doc_id")?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            let attachments: Vec<String> = {
                let mut stmt = c.prepare(
                    "SELECT sha256 FROM attachments WHERE sha256 NOT IN (SELECT sha256 FROM attachment_sync WHERE state = 'at_hub') ORDER BY sha256",
                )?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            Ok((SyncRequest { cursor, uploads, need, attachments }, top))
        })
    }

    fn read_frames(
        &self,
        input: &mut impl Read,
        uploaded_through: i64,
        report: &mut SyncReport,
        opts: &SyncOptions<'_>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let mut stream = brotli::Decompressor::new(input, 64 * 1024);
        let mut total = 0;
        let cut = |n: u64, e: &dyn std::fmt::Display| {
            Error::Network(format!(
                "the connection was cut after {n} records ({e}); the next sync resumes from there"
            ))
        };
        loop {
            let frame = match Frame::read_from(&mut stream) {
                Ok(Some(f)) => f,
                Ok(None) => return Err(cut(report.records_received, &"no end of session")),
                Err(Error::Io(e)) => return Err(cut(report.records_received, &e)),
                Err(e) => return Err(e),
            };
            match frame {
                Frame::Receipt {
                    refused,
                    attachments_wanted,
                    records_coming,
                } => {
                    total = records_coming;
                    report.refused = refused
                        .into_iter()
                        .map(|r| RefusedRecord {
                            id: r.id,
                            reason: r.reason,
                        })
                        .collect();
                    self.write(|tx| {
                        set_meta(tx, "uploaded_through", &uploaded_through.to_string())?;
                        for a in &attachments_wanted {
                            tx.execute(
                                "INSERT INTO attachment_sync (sha256, state, updated_at) VALUES (?1, 'wanted', ?2)
                                 ON CONFLICT (sha256) DO UPDATE SET state = 'wanted', updated_at = excluded.updated_at",
                                params![a.sha256, self.now().timestamp_millis()],
                            )?;
                        }
                        Ok(())
                    })?;
                }
                Frame::Records { cursor_after, records } => {
                    self.write(|tx| {
                        for r in &records {
                            self.merge_remote(tx, &r.id, r.kind, &r.bytes, Origin::Hub, None)?
                                .map_err(Error::Rejected)?;
                        }
                        set_meta(tx, "hub_cursor", &cursor_after.to_string())
                    })?;
                    report.records_received += records.len() as u64;
                    if let Some(p) = opts.progress {
                        p(&Progress {
                            phase: "records".into(),
                            done: report.records_received,
                            total,
                        });
                    }
                    if cancelled() {
                        return Err(Error::Cancelled);
                    }
                }
                Frame::End { cursor } => {
                    self.write(|tx| set_meta(tx, "hub_cursor", &cursor.to_string()))?;
                    return Ok(());
                }
            }
        }
    }

    fn sync_attachments(
        &self,
        http: &reqwest::blocking::Client,
        base: &reqwest::Url,
        link: &HubLink,
        report: &mut SyncReport,
        opts: &SyncOptions<'_>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<()> {
        let (to_send, to_fetch): (Vec<(String, i64)>, Vec<String>) = self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT s.sha256, a.size FROM attachment_sync s JOIN attachments a ON a.sha256 = s.sha256 WHERE s.state != 'at_hub' ORDER BY s.sha256",
            )?;
            let send = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            let mut stmt = c.prepare("SELECT DISTINCT sha256 FROM record_attachments WHERE sha256 NOT IN (SELECT sha256 FROM attachments) ORDER BY sha256")?;
            let missing: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok((send, missing))
        })?;
        // Each attachment on its own: one failing is reported and the others go on.
        let jobs: Vec<(String, Option<u64>)> = to_send
            .into_iter()
            .map(|(sha, size)| (sha, Some(size as u64)))
            .chain(to_fetch.into_iter().map(|sha| (sha, None)))
            .collect();
        let total = jobs.len() as u64;
        for (done, (sha, upload_size)) in jobs.into_iter().enumerate() {
            if cancelled() {
                return Err(Error::Cancelled);
            }
            let outcome = match upload_size {
                Some(size) => self.send_attachment(http, base, link, &sha, size, report),
                None => self.fetch_attachment(http, base, link, &sha, report),
            };
            match (outcome, upload_size) {
                (Ok(()), Some(_)) => report.attachments_sent += 1,
                (Ok(()), None) => report.attachments_received += 1,
                (Err(e), _) => report.attachments_failed.push(FailedAttachment {
                    sha256: sha.clone(),
                    error: e.to_string(),
                }),
            }
            if let Some(p) = opts.progress {
                p(&Progress {
                    phase: "attachments".into(),
                    done: done as u64 + 1,
                    total,
                });
            }
        }
        Ok(())
    }

    /// The hub holds this attachment whole: it is not offered again.
    fn mark_at_hub(&self, sha: &str) -> Result<()> {
        let now = self.now().timestamp_millis();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO attachment_sync (sha256, state, updated_at) VALUES (?1, 'at_hub', ?2)
                 ON CONFLICT (sha256) DO UPDATE SET state = 'at_hub', error = NULL, updated_at = excluded.updated_at",
                params![sha, now],
            )?;
            Ok(())
        })
    }

    /// Where the hub stands on an attachment, and the attachment's URL there.
    fn hub_attachment_state(
        &self,
        http: &reqwest::blocking::Client,
        base: &reqwest::Url,
        link: &HubLink,
        sha: &str,
        report: &mut SyncReport,
    ) -> Result<(reqwest::Url, crate::store::TransferState)> {
        let url = base
            .join(&format!("v1/attachments/{sha}"))
            .map_err(|e| Error::Internal(e.to_string()))?;
        report.attachment_requests += 1;
        let resp = http.get(url.clone()).bearer_auth(&link.token).send().map_err(net)?;
        if !resp.status().is_success() {
            return Err(hub_error(resp));
        }
        Ok((url, resp.json().map_err(net)?))
    }

    fn send_attachment(
        &self,
        http: &reqwest::blocking::Client,
        base: &reqwest::Url,
        link: &HubLink,
        sha: &str,
        size: u64,
        report: &mut SyncReport,
    ) -> Result<()> {
        let (url, state) = self.hub_attachment_state(http, base, link, sha, report)?;
        let mut offset = state.received;
        let data = if state.complete { vec![] } else { self.attachment(sha)? };
        while !state.complete && offset < size {
            let end = (offset + ATTACHMENT_CHUNK).min(size);
            report.attachment_requests += 1;
            report.bytes_up += end - offset;
            let resp = http
                .put(format!("{url}?offset={offset}&size={size}"))
                .bearer_auth(&link.token)
                .body(data[offset as usize..end as usize].to_vec())
                .send()
                .map_err(net)?;
            if !resp.status().is_success() {
                return Err(hub_error(resp));
            }
            let s: crate::store::TransferState = resp.json().map_err(net)?;
            offset = s.received;
            if s.complete {
                break;
            }
        }
        self.mark_at_hub(sha)
    }

    fn fetch_attachment(
        &self,
        http: &reqwest::blocking::Client,
        base: &reqwest::Url,
        link: &HubLink,
        sha: &str,
        report: &mut SyncReport,
    ) -> Result<()> {
        let (url, at_hub) = self.hub_attachment_state(http, base, link, sha, report)?;
        if !at_hub.complete {
            return Err(Error::Network(format!("attachment {sha} has not reached the hub yet")));
        }
        let size = at_hub.received;
        loop {
            let mine = self.attachment_received(sha)?;
            if mine.complete {
                return Ok(());
            }
            report.attachment_requests += 1;
            let resp = http
                .get(format!("{url}/data?offset={}&len={ATTACHMENT_CHUNK}", mine.received))
                .bearer_auth(&link.token)
                .send()
                .map_err(net)?;
            if !resp.status().is_success() {
                return Err(hub_error(resp));
            }
            let bytes = resp.bytes().map_err(net)?;
            report.bytes_down += bytes.len() as u64;
            if bytes.is_empty() {
                return Err(Error::Network(format!("attachment {sha}: the hub sent no data")));
            }
            if self.attachment_chunk(sha, size, mine.received, &bytes)?.complete {
                self.mark_at_hub(sha)?;
                return Ok(());
            }
        }
    }
}
