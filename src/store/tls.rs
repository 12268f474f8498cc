//! TLS for the deadline-bounded socket (socket.rs), with rustls: the client settings, built
//! once per configuration from the files a save_path names, and a TLS stream whose every step
//! is at most one `send` or one `recv`, so that the socket arms its deadline before each of
//! them, as for clear text. rustls's own `StreamOwned` loops over several system calls per call
//! and writes with `writev`, which raises SIGPIPE on a closed connection; here every write is a
//! `send`/`sendmsg` with MSG_NOSIGNAL.

use std::{
    fmt, fs,
    hash::{Hash, Hasher},
    io::{self, IoSlice, Read, Write},
    net::TcpStream,
    os::fd::AsRawFd,
    path::Path,
    sync::Arc,
};

use once_cell::sync::Lazy;
use rustls::{
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{ring, CryptoProvider},
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer, ServerName, UnixTime},
    AlertDescription, CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct,
    RootCertStore, SignatureScheme,
};

use crate::config::save_path::TlsOptions;

/// The client settings for one server name and one set of TLS options. Cheap to clone; equal
/// (and hashed) by the options and name alone, so it can be part of a pool's identity.
#[derive(Clone)]
pub struct TlsConfig(Arc<Inner>);

struct Inner {
    options: TlsOptions,
    server_name: ServerName<'static>,
    client: Arc<ClientConfig>,
}

impl PartialEq for TlsConfig {
    fn eq(&self, other: &Self) -> bool {
        (&self.0.options, &self.0.server_name) == (&other.0.options, &other.0.server_name)
    }
}

impl Eq for TlsConfig {}

impl Hash for TlsConfig {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.options.hash(state);
        self.0.server_name.hash(state);
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TlsConfig({:?}, {:?})",
            self.0.server_name.to_str(),
            self.0.options
        )
    }
}

impl TlsConfig {
    /// Reads the files `options` names and builds the client settings for `host` (the name or
    /// address the certificate must be for). Errors name the option and the file.
    pub fn new(options: &TlsOptions, host: &str) -> Result<TlsConfig, String> {
        let server_name = ServerName::try_from(host.to_owned()).map_err(|_| {
            format!("host \"{host}\" is not a name TLS can check a certificate for")
        })?;
        let provider = Arc::new(ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = match (options.verify_peer, &options.cafile) {
            (true, Some(cafile)) => builder.with_root_certificates(ca_file(cafile)?),
            (true, None) => builder.with_root_certificates(system_roots()?),
            (false, cafile) => {
                // Still read, so that a wrong path is found now, not when verification is
                // turned back on.
                if let Some(cafile) = cafile {
                    ca_file(cafile)?;
                }
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            }
        };
        let client = match (&options.cert, &options.key) {
            (Some(cert), Some(key)) => builder
                .with_client_auth_cert(certificates("cert", cert)?, private_key(key)?)
                .map_err(|e| {
                    let why = match e {
                        rustls::Error::InconsistentKeys(_) => {
                            "the key is not the certificate's (they do not go together)".to_owned()
                        }
                        e => e.to_string(),
                    };
                    format!(
                        "cert \"{}\" with key \"{}\": {why}",
                        cert.display(),
                        key.display()
                    )
                })?,
            _ => builder.with_no_client_auth(),
        };
        Ok(TlsConfig(Arc::new(Inner {
            options: options.clone(),
            server_name,
            client: Arc::new(client),
        })))
    }

    /// Starts a TLS client on `sock`: nothing is sent until the first step.
    pub fn stream(&self, sock: TcpStream) -> io::Result<TlsStream> {
        let conn = ClientConnection::new(self.0.client.clone(), self.0.server_name.clone())
            .map_err(|e| io::Error::other(format!("TLS: {e}")))?;
        Ok(TlsStream {
            conn,
            sock,
            config: self.clone(),
        })
    }

    /// What a certificate problem means here, in words: which CA was expected to sign it.
    fn describe(&self, e: &rustls::Error) -> String {
        let trusted = match &self.0.options.cafile {
            Some(cafile) => format!("by a CA in cafile \"{}\"", cafile.display()),
            None => "by any of the system's CAs: give cafile=".to_owned(),
        };
        match e {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => format!(
                    "TLS: the server's certificate is not trusted: unknown issuer (not signed {trusted})"
                ),
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    format!("TLS: the server's certificate does not match the host name: {cert}")
                }
                CertificateError::ExpiredContext { time, not_after } => format!(
                    "TLS: the server's certificate has expired ({} seconds ago)",
                    time.as_secs().saturating_sub(not_after.as_secs())
                ),
                CertificateError::Expired => {
                    "TLS: the server's certificate has expired".to_owned()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    format!("TLS: the server's certificate is not valid yet: {cert}")
                }
                other => format!("TLS: the server's certificate is refused: {other}"),
            },
            rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired | AlertDescription::HandshakeFailure,
            ) if self.0.options.cert.is_none() => format!(
                "TLS: the server refused the connection ({e}): it wants a client certificate; give cert= and key="
            ),
            rustls::Error::AlertReceived(
                AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::CertificateExpired,
            ) => format!("TLS: the server refused our client certificate ({e})"),
            rustls::Error::InvalidMessage(_) => format!(
                "TLS: the server does not speak TLS on this port ({e}); use redis:// for a plain port"
            ),
            other => format!("TLS: {other}"),
        }
    }
}

/// The trusted CAs of `cafile`: every certificate in it.
fn ca_file(cafile: &Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for (n, cert) in certificates("cafile", cafile)?.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            format!(
                "cafile \"{}\": certificate {} is not usable as a CA: {e}",
                cafile.display(),
                n + 1
            )
        })?;
    }
    Ok(roots)
}

/// The system's trusted CAs (as OpenSSL finds them: SSL_CERT_FILE, SSL_CERT_DIR, else the
/// distribution's bundle), read once per process: every configuration without cafile= shares
/// them.
fn system_roots() -> Result<RootCertStore, String> {
    static ROOTS: Lazy<Result<RootCertStore, String>> = Lazy::new(|| {
        let found = rustls_native_certs::load_native_certs();
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(found.certs);
        match (roots.is_empty(), found.errors.first()) {
            (false, _) => Ok(roots),
            (true, Some(e)) => Err(format!(
                "no CA certificates could be read from the system's store ({e}); give cafile="
            )),
            (true, None) => {
                Err("the system's store has no CA certificates (install ca-certificates, or give cafile=)".into())
            }
        }
    });
    ROOTS.clone()
}

fn read_file(option: &str, path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{option} \"{}\": cannot read: {e}", path.display()))
}

/// Every certificate in the PEM file `path`, which the option `option` names.
fn certificates(option: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = read_file(option, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{option} \"{}\": bad PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{option} \"{}\": no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let pem = read_file("key", path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => format!(
            "key \"{}\": no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----, or an RSA or EC key)",
            path.display()
        ),
        e => format!("key \"{}\": bad PEM: {e}", path.display()),
    })
}

/// `verify_peer=0`: any certificate is taken. The handshake's signatures are still checked
/// (they prove the server holds the key of the certificate it sent, whatever that is).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS client over a TCP socket, driven one system call at a time by socket.rs.
pub struct TlsStream {
    conn: ClientConnection,
    sock: TcpStream,
    config: TlsConfig,
}

/// The socket as rustls reads and writes it: `recv`, and `send`/`sendmsg` with MSG_NOSIGNAL
/// (one system call for all the records rustls has ready).
struct NoSignal<'a>(&'a TcpStream);

impl Read for NoSignal<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&mut &*self.0).read(buf)
    }
}

impl Write for NoSignal<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let fd = self.0.as_raw_fd();
        let sent = match bufs {
            // SAFETY: `fd` is the open socket borrowed by `self`, and the pointer and length
            // describe the live slice `one`.
            [one] => unsafe { libc::send(fd, one.as_ptr().cast(), one.len(), libc::MSG_NOSIGNAL) },
            _ => {
                // SAFETY: IoSlice is ABI-compatible with `struct iovec` on unix; `bufs` outlives
                // the call, and msghdr is zeroed apart from the iovec array it points at.
                unsafe {
                    let mut msg: libc::msghdr = std::mem::zeroed();
                    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
                    msg.msg_iovlen = bufs.len().min(libc::UIO_MAXIOV as usize) as _;
                    libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL)
                }
            }
        };
        match sent {
            -1 => Err(io::Error::last_os_error()),
            n => Ok(n as usize),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TlsStream {
    pub fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// Whether encrypted bytes wait to be sent (records, or a handshake message).
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// Plaintext already decrypted, without any I/O: `Some(0)` when the server closed the
    /// connection properly, `None` when more must be received first.
    pub fn buffered(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.conn.reader().read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Encrypts as much of `plain` as rustls buffers (no I/O); the records go out through
    /// `send_records`.
    pub fn encrypt(&mut self, plain: &[u8]) -> io::Result<usize> {
        self.conn.writer().write(plain)
    }

    /// One `send` (or `sendmsg`) of the records ready.
    pub fn send_records(&mut self) -> io::Result<()> {
        self.conn.write_tls(&mut NoSignal(&self.sock)).map(drop)
    }

    /// One `recv`, and whatever it brought processed: a certificate or protocol problem is an
    /// error of kind InvalidData that says what was wrong.
    pub fn receive_records(&mut self) -> io::Result<()> {
        let n = self.conn.read_tls(&mut NoSignal(&self.sock))?;
        if let Err(e) = self.conn.process_new_packets() {
            // Whatever alert rustls queued for the server is not worth a wait: the connection
            // is dropped anyway.
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                self.config.describe(&e),
            ));
        }
        if n == 0 && self.conn.is_handshaking() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "TLS: the server closed the connection during the handshake (is this a TLS port?)",
            ));
        }
        Ok(())
    }
}
