//! A hub in memory: a device's requests go to a hub store through the same routes the HTTP
//! server uses (`hub::routes`), with no socket and no thread. For tests, the deterministic
//! simulation and benchmarks; `Faults` lets a caller drop, cut or repeat what passes.

use std::sync::Arc;

use super::client::{HubRequest, HubTransport, ResponseSink};
use super::hub::{handle, status_of, Reply, Route};
use crate::error::{Error, Result};
use crate::store::Store;

/// A hub store reached in memory.
pub struct MemoryHub {
    pub store: Arc<Store>,
}

impl MemoryHub {
    pub fn new(store: Arc<Store>) -> MemoryHub {
        MemoryHub { store }
    }

    /// Answers `request` as the HTTP hub would: `(status, body pieces)`. A stream that fails
    /// midway ends with the error, as a cut connection would.
    pub fn answer(&self, request: &HubRequest) -> (u16, Vec<Result<Vec<u8>>>) {
        let refuse = |e: Error| (status_of(&e), vec![Ok(e.to_string().into_bytes())]);
        let route = match Route::parse(request.method, &request.path) {
            Ok(r) => r,
            Err(e) => return refuse(e),
        };
        let device = if route.needs_device() {
            let token = request
                .authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Bearer "))
                .unwrap_or_default();
            match self.store.authenticate(token) {
                Ok(d) => Some(d),
                Err(e) => return refuse(e),
            }
        } else {
            None
        };
        if request.body.len() > route.max_body() {
            return (413, vec![Ok(b"the body is larger than this request may be".to_vec())]);
        }
        match handle(self.store.clone(), &route, device.as_ref(), &request.body) {
            Ok(Reply::Text(t)) => (200, vec![Ok(t.as_bytes().to_vec())]),
            Ok(Reply::Json(b)) | Ok(Reply::Bytes(b)) => (200, vec![Ok(b)]),
            Ok(Reply::Stream(answer)) => (200, answer.collect()),
            Err(e) => refuse(e),
        }
    }
}

impl HubTransport for MemoryHub {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> Result<()> {
        let (status, pieces) = self.answer(request);
        response.status(status)?;
        for piece in pieces {
            response.data(&piece.map_err(|e| Error::Network(format!("the hub's answer broke off ({e})")))?)?;
        }
        Ok(())
    }
}
