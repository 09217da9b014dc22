//! Screen to camera between two phones, for a few records where no radio works
//! (`fieldcase_core::sync::qr`): the sending phone shows `QrBundleSender.frames()` one after the
//! other as QR codes (and again from the first); the reading phone gives the text of each QR
//! code its camera reads to `QrBundleReceiver.read`, in any order, until `complete`, then
//! imports `bundle()` with `FieldStore.importBundle` and the passphrase the two agreed on.

use std::sync::{Arc, Mutex};

use fieldcase_core::sync::qr::{QrReceiver, QrSender};

use crate::error::FieldError;

/// The frames of one bundle, to show in turn.
#[derive(uniffi::Object)]
pub struct QrBundleSender {
    frames: Vec<String>,
    source: i32,
}

#[uniffi::export]
impl QrBundleSender {
    /// Cuts a bundle (from `FieldStore.exportBundle`) into frames.
    #[uniffi::constructor]
    pub fn new(bundle: Vec<u8>) -> Result<Arc<Self>, FieldError> {
        let s = QrSender::new(&bundle)?;
        Ok(Arc::new(QrBundleSender {
            frames: s.frames().to_vec(),
            source: s.source_frames() as i32,
        }))
    }

    /// Every frame's text, in the order to show them.
    pub fn frames(&self) -> Vec<String> {
        self.frames.clone()
    }

    /// About how many frames a reader needs (of any kind, in any order).
    pub fn frames_needed(&self) -> i32 {
        self.source
    }
}

/// How far a reading has come.
#[derive(uniffi::Record, Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrReading {
    pub frames_read: i32,
    pub frames_needed: i32,
    pub complete: bool,
}

/// The reading side of one transfer.
#[derive(uniffi::Object, Default)]
pub struct QrBundleReceiver {
    inner: Mutex<QrReceiver>,
}

#[uniffi::export]
impl QrBundleReceiver {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(QrBundleReceiver::default())
    }

    /// Takes the text of one QR code the camera read; a code that is not a frame of this
    /// transfer is an `Invalid` error in words, and the reading goes on.
    pub fn read(&self, text: String) -> Result<QrReading, FieldError> {
        let mut r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let p = r.push(&text)?;
        Ok(QrReading {
            frames_read: p.frames_read as i32,
            frames_needed: p.frames_needed as i32,
            complete: p.complete,
        })
    }

    /// The bundle, once enough frames were read.
    pub fn bundle(&self) -> Option<Vec<u8>> {
        let r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        r.bundle().map(<[u8]>::to_vec)
    }
}

/// A QR code to draw: `side` × `side` modules, row by row, `true` dark; leave 4 light modules
/// around it.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct QrPicture {
    pub side: i32,
    pub dark: Vec<bool>,
}

/// The QR code of `text` (an exchange code, a frame), as the core draws it for both apps.
#[uniffi::export]
pub fn qr_code(text: String) -> Result<QrPicture, FieldError> {
    let (side, dark) = fieldcase_core::sync::qr::qr_modules(&text)?;
    Ok(QrPicture {
        side: side as i32,
        dark,
    })
}
