//! How the command line (and the tests) reach a hub: HTTPS with reqwest and rustls, the hub's
//! certificate pinned by its SHA-256 from the enrolment link (no certificate authority needed,
//! a man in the middle refused), or plain HTTP to this machine. Phones use their own stacks
//! (OkHttp, URLSession) through the same `HubTransport` trait.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use fieldcase_core::sync::{check_hub_url, HubRequest, HubTransport, Method, ResponseSink};
use fieldcase_core::{Error, Store};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

/// Accepts exactly the certificate whose SHA-256 is the pin (and checks the handshake is
/// signed by its key).
#[derive(Debug)]
struct Pinned {
    pin: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if hex::encode(Sha256::digest(end_entity.as_ref())) == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the hub's certificate is not the one in the enrolment link (pinned): refused".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The TLS settings for a pinned hub, one per pin in this process. A copy shares the
/// original's session store, so every transport to that hub resumes the TLS session of the
/// one before it (a pre-shared key, no certificate exchange) instead of a full handshake.
static CONFIGS: std::sync::Mutex<Vec<(String, rustls::ClientConfig)>> = std::sync::Mutex::new(Vec::new());

fn tls_config(pin: &str) -> Result<rustls::ClientConfig, Error> {
    let pin = pin.to_lowercase();
    let mut configs = CONFIGS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, c)) = configs.iter().find(|(p, _)| *p == pin) {
        return Ok(c.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            pin: pin.clone(),
            provider,
        }))
        .with_no_client_auth();
    if configs.len() >= 16 {
        configs.remove(0);
    }
    configs.push((pin, config.clone()));
    Ok(config)
}

/// Forgets the TLS sessions this process could resume: the next connection to each hub makes
/// a full handshake (for measuring one).
pub fn forget_tls_sessions() {
    CONFIGS.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// The hub at one address, reached over HTTPS (pinned when a pin is given) or, on this
/// machine only, plain HTTP.
pub struct HttpTransport {
    base: url::Url,
    http: reqwest::blocking::Client,
}

impl HttpTransport {
    pub fn new(url: &str, pin: Option<&str>) -> Result<HttpTransport, Error> {
        let base = check_hub_url(url)?;
        let base = if base.path().ends_with('/') {
            base
        } else {
            url::Url::parse(&format!("{base}/")).map_err(|e| Error::Internal(e.to_string()))?
        };
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .tcp_keepalive(Duration::from_secs(30))
            .tcp_nodelay(true)
            .timeout(None::<Duration>);
        if let Some(pin) = pin {
            builder = builder.use_preconfigured_tls(tls_config(pin)?);
        }
        let http = builder.build().map_err(|e| Error::Network(e.to_string()))?;
        Ok(HttpTransport { base, http })
    }

    /// The transport for the hub a store has joined.
    pub fn for_store(store: &Store) -> Result<HttpTransport, Error> {
        let link = store
            .sync()
            .link()?
            .ok_or_else(|| Error::invalid("hub", "joined", "this store has not joined a hub (fieldcase join LINK)"))?;
        HttpTransport::new(&link.url, link.pin.as_deref())
    }
}

fn net(e: reqwest::Error) -> Error {
    // Say why a TLS handshake failed (a pin mismatch reads as such).
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    Error::Network(msg)
}

impl HubTransport for HttpTransport {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> Result<(), Error> {
        let url = self
            .base
            .join(&request.path)
            .map_err(|e| Error::Internal(format!("{}: {e}", request.path)))?;
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut req = self.http.request(method, url).body(request.body.clone());
        // A sync session downloads for as long as it must; a chunk or a join is quick.
        req = req.timeout(if request.path == "v1/sync" {
            Duration::from_secs(600)
        } else {
            Duration::from_secs(120)
        });
        if let Some(a) = &request.authorization {
            req = req.header("authorization", a);
        }
        if let Some(t) = &request.content_type {
            req = req.header("content-type", t);
        }
        let mut resp = req.send().map_err(net)?;
        response.status(resp.status().as_u16())?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) => return Err(Error::Network(e.to_string())),
            };
            response.data(&buf[..n])?;
        }
    }
}
