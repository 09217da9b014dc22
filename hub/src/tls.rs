//! The hub's TLS certificate. On a township LAN there is no certificate authority to ask: on
//! first start the hub makes its own (or takes one given) and keeps it in its encrypted store.
//! The enrolment link carries the certificate's SHA-256 fingerprint, so a phone accepts that
//! certificate and no other, and a man in the middle is refused.

use std::sync::Arc;

use fieldcase_core::{Error, Store};
use sha2::{Digest, Sha256};

/// A certificate (DER) and its private key (PKCS#8 DER).
#[derive(Clone)]
pub struct TlsIdentity {
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

const CERT: &str = "tls_cert";
const KEY: &str = "tls_key";

impl TlsIdentity {
    /// A new self-signed certificate for `names` (host names or IP addresses the hub is
    /// reached by), valid ten years.
    pub fn generate(names: &[String]) -> Result<TlsIdentity, Error> {
        let mut names: Vec<String> = names.iter().filter(|n| !n.is_empty()).cloned().collect();
        if names.is_empty() {
            names.push("localhost".into());
        }
        let mut params =
            rcgen::CertificateParams::new(names).map_err(|e| Error::Internal(format!("certificate: {e}")))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Fieldcase township hub");
        params.not_before = rcgen::date_time_ymd(2026, 1, 1);
        params.not_after = rcgen::date_time_ymd(2036, 1, 1);
        let key = rcgen::KeyPair::generate().map_err(|e| Error::Internal(format!("certificate key: {e}")))?;
        let cert = params
            .self_signed(&key)
            .map_err(|e| Error::Internal(format!("certificate: {e}")))?;
        Ok(TlsIdentity {
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        })
    }

    /// A certificate and key given as PEM files (a certificate from the district's own CA).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<TlsIdentity, Error> {
        use rustls::pki_types::pem::PemObject;
        let cert = rustls::pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|e| {
            Error::invalid(
                "cert",
                "pem",
                format!("the certificate file is not a PEM certificate ({e})"),
            )
        })?;
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| Error::invalid("key", "pem", format!("the key file is not a PEM private key ({e})")))?;
        Ok(TlsIdentity {
            cert_der: cert.to_vec(),
            key_der: key.secret_der().to_vec(),
        })
    }

    /// The certificate the hub's store keeps; made (for `names`) when it has none yet.
    pub fn load_or_create(store: &Store, names: &[String]) -> Result<TlsIdentity, Error> {
        if let (Some(cert), Some(key)) = (store.hub().secret(CERT)?, store.hub().secret(KEY)?) {
            return Ok(TlsIdentity {
                cert_der: cert,
                key_der: key,
            });
        }
        let id = TlsIdentity::generate(names)?;
        id.keep(store)?;
        Ok(id)
    }

    /// Keeps this certificate in the hub's store (replacing any).
    pub fn keep(&self, store: &Store) -> Result<(), Error> {
        store.hub().set_secret(CERT, &self.cert_der)?;
        store.hub().set_secret(KEY, &self.key_der)
    }

    /// The certificate the hub's store keeps, if any.
    pub fn kept(store: &Store) -> Result<Option<TlsIdentity>, Error> {
        Ok(match (store.hub().secret(CERT)?, store.hub().secret(KEY)?) {
            (Some(cert_der), Some(key_der)) => Some(TlsIdentity { cert_der, key_der }),
            _ => None,
        })
    }

    /// SHA-256 of the certificate (hex): what a phone pins.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.cert_der))
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub(crate) fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, Error> {
        let key = rustls::pki_types::PrivateKeyDer::try_from(self.key_der.clone())
            .map_err(|e| Error::Internal(format!("the hub's TLS key is damaged ({e})")))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Internal(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(self.cert_der.clone())],
                key,
            )
            .map_err(|e| Error::Internal(format!("the hub's TLS certificate: {e}")))?;
        Ok(Arc::new(config))
    }
}
