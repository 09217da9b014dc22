//! Attachments at the hub are bound to the records that refer to them. A device may touch an
//! attachment only if a record in its scope refers to it, with the size that record gives;
//! its parts are its own (another device's junk never mixes in); and it may read the content
//! only once the hub holds it whole and the device's township was granted it: the township
//! of the device that uploaded it, and of the records that referred to it when it arrived. A
//! device that refers to an attachment its township was not granted proves it holds it by
//! uploading it, so asking for one tells nothing about what the hub holds.

use rusqlite::{Connection, Transaction};

use super::Device;
use crate::error::{Error, Result};
use crate::model::DISTRICT;
use crate::store::attachment_grants;
use crate::store::feed::reads;
use crate::store::{Store, TransferState, MAX_ATTACHMENT_BYTES};
use crate::sync::wire::AttachmentWant;
use crate::validate::check_sha256;

/// Sizes the records in this device's scope give the attachment (empty: none refers to it).
fn referenced_sizes(c: &Connection, device: &Device, sha: &str) -> Result<Vec<u64>> {
    let office = device.role == crate::model::Role::Office;
    reads::attachment_sizes(c, sha, office, [&device.township, DISTRICT])
}

fn granted(c: &Connection, device: &Device, sha: &str) -> Result<bool> {
    if device.role == crate::model::Role::Office {
        return Ok(true);
    }
    attachment_grants::granted(c, sha, &device.township)
}

fn parts_received(c: &Connection, owner: &str, sha: &str) -> Result<u64> {
    attachment_grants::parts_received(c, owner, sha)
}

fn not_found(sha: &str) -> Error {
    Error::NotFound {
        what: "attachment referred to by a record of this device",
        id: sha.into(),
    }
}

/// Of the attachments a device offers, those it should send: referred to in its scope, and
/// not held whole for its township.
pub(crate) fn wanted(
    store: &Store,
    tx: &Transaction<'_>,
    device: &Device,
    offered: &[String],
) -> Result<Vec<AttachmentWant>> {
    let mut out = vec![];
    for sha in offered {
        if check_sha256(sha).is_err() || referenced_sizes(tx, device, sha)?.is_empty() {
            continue;
        }
        if store.has_attachment_file(sha) && granted(tx, device, sha)? {
            continue;
        }
        out.push(AttachmentWant {
            sha256: sha.clone(),
            received: parts_received(tx, &device.id, sha)?,
        });
    }
    Ok(out)
}

impl Store {
    /// Where the hub stands on an attachment, for this device.
    pub(crate) fn hub_attachment_state(&self, device: &Device, sha: &str) -> Result<TransferState> {
        check_sha256(sha)?;
        self.read(|c| {
            let sizes = referenced_sizes(c, device, sha)?;
            if sizes.is_empty() {
                return Err(not_found(sha));
            }
            if self.has_attachment_file(sha) && granted(c, device, sha)? {
                return Ok(TransferState {
                    received: reads::attachment_size(c, sha)?,
                    complete: true,
                });
            }
            Ok(TransferState {
                received: parts_received(c, &device.id, sha)?,
                complete: false,
            })
        })
    }

    /// Takes one chunk of an attachment from a device. `size` must be the size a record in
    /// its scope gives; parts are the device's own; the whole is checked against its SHA-256.
    pub(crate) fn hub_attachment_chunk(
        &self,
        device: &Device,
        sha: &str,
        size: u64,
        offset: u64,
        bytes: &[u8],
    ) -> Result<TransferState> {
        check_sha256(sha)?;
        let sizes = self.read(|c| referenced_sizes(c, device, sha))?;
        if sizes.is_empty() {
            return Err(not_found(sha));
        }
        if !sizes.contains(&size) {
            return Err(Error::invalid(
                "size",
                "attachment_size",
                format!("no record of this device gives attachment {sha} a size of {size} bytes"),
            ));
        }
        if size > MAX_ATTACHMENT_BYTES {
            return Err(Error::invalid(
                "size",
                "attachment_size",
                "over the attachment size limit",
            ));
        }
        let state = self.hub_attachment_state(device, sha)?;
        if state.complete {
            return Ok(state);
        }
        let state = self.receive_chunk(&device.id, sha, size, offset, bytes)?;
        if state.complete {
            // Granted to the uploader's township and to the townships whose records referred
            // to it before it arrived.
            self.write(|tx| attachment_grants::grant(tx, sha, &device.township))?;
        }
        Ok(state)
    }

    /// Part of an attachment for a device downloading it: only whole, and only if granted.
    pub(crate) fn hub_attachment_data(&self, device: &Device, sha: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let state = self.hub_attachment_state(device, sha)?;
        if !state.complete {
            return Err(not_found(sha));
        }
        self.attachments().range(sha, offset, len)
    }
}

impl crate::store::HubSide<'_> {
    /// Where the hub stands on an attachment, for this device.
    pub fn attachment_state(&self, device: &Device, sha: &str) -> Result<TransferState> {
        self.0.hub_attachment_state(device, sha)
    }

    /// Takes one chunk of an attachment from a device.
    pub fn attachment_chunk(
        &self,
        device: &Device,
        sha: &str,
        size: u64,
        offset: u64,
        bytes: &[u8],
    ) -> Result<TransferState> {
        self.0.hub_attachment_chunk(device, sha, size, offset, bytes)
    }

    /// Part of an attachment for a device downloading it: only whole, and only if granted.
    pub fn attachment_data(&self, device: &Device, sha: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        self.0.hub_attachment_data(device, sha, offset, len)
    }
}
