import ExporterConfig
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The TLS side of `--web.config.file`: NIOSSL's configuration for `tls_server_config`, and the service that re-reads
/// the certificate and key.
enum WebListenerTLS {
    /// The served certificate and the listener's TLS configuration for `settings`, both read and checked now (at
    /// start-up, or by `check-config`).
    static func prepare(_ settings: WebConfiguration.TLSServer) throws -> (ServingCertificate, TLSChannelConfiguration) {
        let certificate = try ServingCertificate(certificateFile: settings.certificateFile, keyFile: settings.keyFile)
        return (certificate, try Self.configuration(settings, certificate: certificate))
    }

    /// The listener's TLS configuration and verification callback for `settings`, presenting `certificate`'s
    /// current pair at every handshake.
    static func configuration(
        _ settings: WebConfiguration.TLSServer,
        certificate: ServingCertificate
    ) throws -> TLSChannelConfiguration {
        let (chain, key) = certificate.current
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = Self.version(settings.minimumVersion)
        tls.maximumTLSVersion = Self.version(settings.maximumVersion)
        if !settings.cipherSuites.isEmpty { tls.cipherSuiteValues = settings.cipherSuites.map { NIOTLSCipher(rawValue: $0) } }
        if let caFile = settings.clientCAFile {
            let authorities: [NIOSSLCertificate]
            do {
                authorities = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw ServingCertificateError("client_ca_file \(caFile) holds no PEM certificate")
            }
            guard !authorities.isEmpty else { throw ServingCertificateError("client_ca_file \(caFile) holds no PEM certificate") }
            tls.trustRoots = .certificates(authorities)
        }
        // Go's policies in NIOSSL's terms: whether a certificate is asked for, required, and verified against the CA file.
        var acceptAnyCertificate = false
        switch settings.clientAuth {
        case .none: tls.certificateVerification = .none
        case .request:
            tls.certificateVerification = .optionalVerification
            acceptAnyCertificate = true
        case .requireAny:
            tls.certificateVerification = .noHostnameVerification
            acceptAnyCertificate = true
        case .verifyIfGiven: tls.certificateVerification = .optionalVerification
        case .requireAndVerify: tls.certificateVerification = .noHostnameVerification
        }
        tls.sslContextCallback = { _, promise in promise.succeed(certificate.contextOverride()) }
        let acceptAny: TLSChannelConfiguration.CustomVerificationCallback = { _, promise in promise.succeed(.certificateVerified) }
        return TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: acceptAnyCertificate ? acceptAny : nil)
    }

    static func version(_ version: WebConfiguration.TLSVersion) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}

/// Re-reads the served certificate and key every `interval` on a thread of `threadPool` (file I/O stays off the event
/// loops and the cooperative pool), and logs each rotation and each pair it could not use.
struct CertificateReloadService: Service {
    let certificate: ServingCertificate
    let threadPool: NIOThreadPool
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: self.interval)
            let certificate = self.certificate
            do {
                if try await self.threadPool.runIfActive({ try certificate.reloadIfChanged() }) {
                    self.logger.notice("serving a new TLS certificate", metadata: ["cert_file": "\(certificate.certificateFile)"])
                }
            } catch {
                self.logger.error(
                    "the changed TLS certificate or key cannot be used; still serving the previous one",
                    metadata: ["error": "\(error)"]
                )
            }
        }
    }
}
