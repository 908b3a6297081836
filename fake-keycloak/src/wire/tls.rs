//! HTTPS for the fake: a rustls server config from a PEM certificate chain and key
//! (tests generate a private CA and a server certificate for 127.0.0.1 and localhost).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io;
use std::sync::Arc;

/// A server certificate (chain) and its private key, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsIdentity {
    pub cert_chain_pem: String,
    pub key_pem: String,
}

pub(crate) fn server_config(identity: &TlsIdentity) -> io::Result<Arc<rustls::ServerConfig>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(identity.cert_chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|_| invalid("tls: the certificate chain is not PEM"))?;
    if certs.is_empty() {
        return Err(invalid("tls: no certificate in the chain"));
    }
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
        .map_err(|_| invalid("tls: the private key is not PEM"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&format!("tls: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(&format!("tls: {e}")))?;
    Ok(Arc::new(config))
}
