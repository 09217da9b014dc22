//! Records from screen to camera when no radio works between two phones: a bundle (encrypted
//! with the passphrase the two people agree on, as any bundle) cut by a fountain code
//! (RaptorQ, RFC 6330, the `raptorq` crate) into frames, each shown as a QR code (the
//! `qrcode` crate), one after the other. The other phone's camera reads them in any order, and
//! any set a little larger than the bundle completes it: a frame missed is never waited for.
//!
//! A frame's text is `FC1:` and, in base32 (QR's alphanumeric mode, 5.5 bits a character), the
//! transfer's id, its RaptorQ parameters and one encoding packet. The reading side checks every
//! frame before it touches the decoder, so a QR code that is not ours, or a forged frame, is a
//! clear error and never a crash; what it completes is a bundle, which the import then checks
//! whole (its authenticated encryption first).

use std::collections::HashSet;

use data_encoding::BASE32_NOPAD;
use raptorq::{Decoder, Encoder, EncodingPacket, ObjectTransmissionInformation};

use crate::error::{Error, Result};

/// What a frame's text starts with.
pub const QR_FRAME_PREFIX: &str = "FC1:";
/// Bytes of bundle a frame carries: a frame's QR code stays near version 17, which a phone's
/// camera reads off another phone's screen at arm's length.
pub const QR_SYMBOL_BYTES: u16 = 400;
/// The largest bundle sent this way (a few records; a larger one goes by file or radio).
pub const QR_MAX_BUNDLE: usize = 256 * 1024;
const HEAD: usize = 4 + 12;

/// The frames of one bundle, to show in turn.
pub struct QrSender {
    frames: Vec<String>,
    source: usize,
}

impl QrSender {
    /// Cuts `bundle` into frames: as many as it has symbols, then as many repair frames again
    /// (and at least 8), so that a reader that misses half of them still completes it.
    pub fn new(bundle: &[u8]) -> Result<QrSender> {
        if bundle.is_empty() || bundle.len() > QR_MAX_BUNDLE {
            return Err(Error::invalid(
                "bundle",
                "qr_bundle_size",
                format!(
                    "a bundle of {} bytes; QR codes carry 1 to {QR_MAX_BUNDLE} bytes (export fewer records)",
                    bundle.len()
                ),
            ));
        }
        let encoder = Encoder::with_defaults(bundle, QR_SYMBOL_BYTES);
        let config = encoder.get_config();
        let source = bundle.len().div_ceil(QR_SYMBOL_BYTES as usize);
        let repair = source.max(8) as u32;
        let mut id = [0u8; 4];
        getrandom::fill(&mut id).map_err(|e| Error::Internal(format!("no randomness for the transfer id: {e}")))?;
        let frames = encoder
            .get_encoded_packets(repair)
            .into_iter()
            .map(|p| {
                let mut bytes = Vec::with_capacity(HEAD + 4 + QR_SYMBOL_BYTES as usize);
                bytes.extend(id);
                bytes.extend(config.serialize());
                bytes.extend(p.serialize());
                format!("{QR_FRAME_PREFIX}{}", BASE32_NOPAD.encode(&bytes))
            })
            .collect();
        Ok(QrSender { frames, source })
    }

    /// Every frame's text, in the order to show them (then again from the first).
    pub fn frames(&self) -> &[String] {
        &self.frames
    }

    /// Frames that carry the bundle itself; a reader needs about as many, of any kind.
    pub fn source_frames(&self) -> usize {
        self.source
    }
}

/// How far a reading has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrProgress {
    /// Different frames read so far.
    pub frames_read: u32,
    /// About how many it takes (the bundle's symbols; a few more may be needed).
    pub frames_needed: u32,
    pub complete: bool,
}

/// The reading side: frames in any order, each at most once counted.
#[derive(Default)]
pub struct QrReceiver {
    transfer: Option<([u8; 4], ObjectTransmissionInformation)>,
    decoder: Option<Decoder>,
    seen: HashSet<Vec<u8>>,
    bundle: Option<Vec<u8>>,
}

fn bad(why: impl Into<String>) -> Error {
    Error::invalid("frame", "qr_frame", why)
}

impl QrReceiver {
    pub fn new() -> QrReceiver {
        QrReceiver::default()
    }

    /// Takes the text of one QR code the camera read.
    pub fn push(&mut self, text: &str) -> Result<QrProgress> {
        let body = text
            .trim()
            .strip_prefix(QR_FRAME_PREFIX)
            .ok_or_else(|| bad("this QR code is not a Fieldcase frame"))?;
        let bytes = BASE32_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| bad("the frame is damaged (not base32)"))?;
        if bytes.len() < HEAD + 4 {
            return Err(bad("the frame is too short"));
        }
        let id: [u8; 4] = bytes[..4].try_into().map_err(|_| bad("no transfer id"))?;
        let oti_bytes: [u8; 12] = bytes[4..16].try_into().map_err(|_| bad("no parameters"))?;
        let config = ObjectTransmissionInformation::deserialize(&oti_bytes);
        // Only parameters a sender of ours makes: anything else could make the decoder's
        // arithmetic fail, so it never reaches it.
        let length = config.transfer_length();
        if length == 0
            || length > QR_MAX_BUNDLE as u64
            || config != ObjectTransmissionInformation::with_defaults(length, QR_SYMBOL_BYTES)
        {
            return Err(bad("the frame's parameters are not a Fieldcase sender's"));
        }
        let packet = &bytes[HEAD..];
        if packet.len() != 4 + config.symbol_size() as usize {
            return Err(bad("the frame's packet has the wrong length"));
        }
        match &self.transfer {
            None => {
                self.transfer = Some((id, config));
                self.decoder = Some(Decoder::new(config));
            }
            Some((known, _)) if *known != id => {
                return Err(Error::invalid(
                    "frame",
                    "qr_other_transfer",
                    "this frame belongs to another phone's transfer; finish this one, or start again",
                ))
            }
            Some(_) => {}
        }
        let needed = length.div_ceil(u64::from(QR_SYMBOL_BYTES)) as u32;
        if self.bundle.is_none() && self.seen.insert(packet.to_vec()) {
            let decoder = self
                .decoder
                .as_mut()
                .ok_or_else(|| Error::Internal("no decoder".into()))?;
            let p = EncodingPacket::deserialize(packet);
            // The decoder is another crate's arithmetic: should it ever fail on a frame, that
            // is this frame's error, not the phone's crash.
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(p)))
                .map_err(|_| bad("the frame could not be decoded"))?;
            self.bundle = done;
        }
        Ok(QrProgress {
            frames_read: self.seen.len() as u32,
            frames_needed: needed,
            complete: self.bundle.is_some(),
        })
    }

    /// The bundle, once enough frames were read.
    pub fn bundle(&self) -> Option<&[u8]> {
        self.bundle.as_deref()
    }
}

/// The modules of a QR code for `text` (error correction M), row by row, dark as `true`: what a
/// phone draws for an exchange code or a frame (with a quiet zone of 4 modules around it).
pub fn qr_modules(text: &str) -> Result<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::invalid("text", "qr_text", format!("this cannot be drawn as a QR code ({e})")))?;
    let side = code.width();
    let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    Ok((side, dark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_frames_enough_in_any_order_complete_the_bundle_and_strangers_are_refused() {
        let bundle: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sender = QrSender::new(&bundle).unwrap();
        assert_eq!(sender.source_frames(), 13);
        let frames = sender.frames();
        assert!(frames.iter().all(|f| f.starts_with("FC1:")
            && f[4..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))));
        let mut r = QrReceiver::new();
        // Backwards, every third left out.
        let mut last = None;
        for (i, f) in frames.iter().enumerate().rev() {
            if i % 3 == 0 {
                continue;
            }
            last = Some(r.push(f).unwrap());
            if r.bundle().is_some() {
                break;
            }
        }
        assert!(last.unwrap().complete);
        assert_eq!(r.bundle().unwrap(), &bundle[..]);
        // The same frame again changes nothing; another transfer's and a stranger's are refused.
        assert!(r.push(&frames[1]).unwrap().complete);
        let other = QrSender::new(&bundle).unwrap();
        let mut fresh = QrReceiver::new();
        fresh.push(&frames[1]).unwrap();
        assert!(fresh
            .push(&other.frames()[0])
            .unwrap_err()
            .to_string()
            .contains("another phone"));
        for junk in [
            "https://example.com",
            "FC1:",
            "FC1:!!!!",
            "FC1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(QrReceiver::new().push(junk).is_err(), "{junk}");
        }
        // A frame whose parameters were altered never reaches the decoder.
        let mut raw = BASE32_NOPAD.decode(&frames[0].as_bytes()[4..]).unwrap();
        raw[10] ^= 0x40;
        assert!(QrReceiver::new()
            .push(&format!("FC1:{}", BASE32_NOPAD.encode(&raw)))
            .is_err());
        assert!(QrSender::new(&[]).is_err());
        assert!(QrSender::new(&vec![0; QR_MAX_BUNDLE + 1]).is_err());
    }
}
