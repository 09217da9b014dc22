//! The hub's requests, without HTTP: which request a method and path are, what each needs
//! (a credential, how large a body), and the answer. The HTTP server (`fieldcase-hub`) and the
//! in-memory hub of the simulation both go through here, so they cannot disagree.

use std::ops::Deref;

use super::{Answer, Device, JoinRequest};
use crate::error::{Error, ErrorKind, Result};
use crate::store::Store;
use crate::sync::client::Method;
use crate::sync::wire::SyncRequest;
use crate::validate::check_sha256;

/// Largest body of each request, checked before it is read.
pub const MAX_JOIN_BODY: usize = 4 << 10;
pub const MAX_SYNC_BODY: usize = 16 << 20;
pub const MAX_CHUNK_BODY: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    Join,
    Sync,
    AttachmentState { sha: String },
    AttachmentPut { sha: String, offset: u64, size: u64 },
    AttachmentData { sha: String, offset: u64, len: u64 },
}

impl Route {
    /// Reads a request's method and path (with its query).
    pub fn parse(method: Method, path_and_query: &str) -> Result<Route> {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let path = path.trim_start_matches('/');
        let param = |name: &str| -> Result<u64> {
            query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| *k == name)
                .ok_or_else(|| Error::invalid(name, "query", format!("'{name}' is missing")))?
                .1
                .parse()
                .map_err(|_| Error::invalid(name, "query", format!("'{name}' is not a number")))
        };
        let not_found = || Error::NotFound {
            what: "hub request",
            id: path.to_string(),
        };
        let parts: Vec<&str> = path.split('/').collect();
        let sha = |s: &str| -> Result<String> {
            check_sha256(s)?;
            Ok(s.to_string())
        };
        match (method, parts.as_slice()) {
            (Method::Get, ["v1", "health"]) => Ok(Route::Health),
            (Method::Post, ["v1", "join"]) => Ok(Route::Join),
            (Method::Post, ["v1", "sync"]) => Ok(Route::Sync),
            (Method::Get, ["v1", "attachments", s]) => Ok(Route::AttachmentState { sha: sha(s)? }),
            (Method::Put, ["v1", "attachments", s]) => Ok(Route::AttachmentPut {
                sha: sha(s)?,
                offset: param("offset")?,
                size: param("size")?,
            }),
            (Method::Get, ["v1", "attachments", s, "data"]) => Ok(Route::AttachmentData {
                sha: sha(s)?,
                offset: param("offset")?,
                len: param("len").unwrap_or(MAX_CHUNK_BODY as u64).min(MAX_CHUNK_BODY as u64),
            }),
            _ => Err(not_found()),
        }
    }

    /// Every request but joining and health carries a device credential.
    pub fn needs_device(&self) -> bool {
        !matches!(self, Route::Health | Route::Join)
    }

    pub fn max_body(&self) -> usize {
        match self {
            Route::Health | Route::AttachmentState { .. } | Route::AttachmentData { .. } => 0,
            Route::Join => MAX_JOIN_BODY,
            Route::Sync => MAX_SYNC_BODY,
            Route::AttachmentPut { .. } => MAX_CHUNK_BODY,
        }
    }
}

/// A hub's answer.
pub enum Reply<S: Deref<Target = Store>> {
    Text(&'static str),
    Json(Vec<u8>),
    Bytes(Vec<u8>),
    /// A sync answer, produced frame by frame.
    Stream(Box<Answer<S>>),
}

/// The HTTP status for an error, and the one line of text that goes with it.
pub fn status_of(e: &Error) -> u16 {
    match e.kind() {
        ErrorKind::Invalid => 400,
        ErrorKind::Refused => 409,
        ErrorKind::NotFound => 404,
        ErrorKind::Unauthorised => 401,
        ErrorKind::Network | ErrorKind::Failed => 500,
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::Internal(e.to_string()))
}

/// Answers one request. `device` is the authenticated device (checked before the body was
/// read), for every route that needs one.
pub fn handle<S: Deref<Target = Store>>(
    store: S,
    route: &Route,
    device: Option<&Device>,
    body: &[u8],
) -> Result<Reply<S>> {
    let device = || device.ok_or_else(|| Error::Unauthorised("no device credential".into()));
    Ok(match route {
        Route::Health => Reply::Text("fieldcase hub\n"),
        Route::Join => {
            let req: JoinRequest = serde_json::from_slice(body)
                .map_err(|e| Error::invalid("body", "join", format!("the join request is malformed ({e})")))?;
            Reply::Json(json(&store.redeem(&req)?)?)
        }
        Route::Sync => {
            let req = SyncRequest::decode(body)?;
            let d = device()?.clone();
            Reply::Stream(Box::new(Store::serve_sync(store, &d, &req)?))
        }
        Route::AttachmentState { sha } => Reply::Json(json(&store.hub_attachment_state(device()?, sha)?)?),
        Route::AttachmentPut { sha, offset, size } => Reply::Json(json(&store.hub_attachment_chunk(
            device()?,
            sha,
            *size,
            *offset,
            body,
        )?)?),
        Route::AttachmentData { sha, offset, len } => {
            Reply::Bytes(store.hub_attachment_data(device()?, sha, *offset, *len)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_strictly() {
        let sha = "ab".repeat(32);
        assert_eq!(Route::parse(Method::Post, "/v1/sync").unwrap(), Route::Sync);
        assert_eq!(
            Route::parse(Method::Put, &format!("v1/attachments/{sha}?offset=0&size=9")).unwrap(),
            Route::AttachmentPut {
                sha: sha.clone(),
                offset: 0,
                size: 9
            }
        );
        // A SHA that is not one, or that climbs out of a folder, is refused before anything.
        for bad in ["v1/attachments/..%2F..%2Fetc", "v1/attachments/ÀÀ", "v1/attachments/AB"] {
            assert_eq!(
                Route::parse(Method::Get, bad).unwrap_err().kind(),
                ErrorKind::Invalid,
                "{bad}"
            );
        }
        assert_eq!(
            Route::parse(Method::Get, "v2/sync").unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert!(Route::parse(Method::Put, &format!("v1/attachments/{sha}?offset=x&size=1")).is_err());
    }
}
