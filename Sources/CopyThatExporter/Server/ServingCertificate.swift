import ExporterConfig
import Logging
import NIOConcurrencyHelpers
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The certificate chain and key the TLS listener presents, swapped when their files change: every handshake takes
/// the current pair (through NIOSSL's per-handshake context callback), so a rotated certificate is served to the
/// next connection without a restart, and a connection already open keeps the one it was made with.
///
/// The files are read by ``reloadIfChanged()``, which ``CertificateReloadService`` calls off the event loops; a pair
/// that does not parse (a half-written file, a key that does not match) is logged and the previous pair kept.
final class ServingCertificate: Sendable {
    struct Pair {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        /// The bytes both were read from, to notice a change.
        var source: [UInt8]
    }

    let certificateFile: String
    let keyFile: String
    private let pair: NIOLockedValueBox<Pair>

    /// Reads the pair once; a failure here stops start-up with the reason.
    init(certificateFile: String, keyFile: String) throws {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.pair = NIOLockedValueBox(try Self.read(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The pair a handshake presents.
    var current: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        self.pair.withLockedValue { ($0.chain, $0.key) }
    }

    /// Reads both files again and swaps the pair when they changed and parse. Blocking file I/O: call it off the loops.
    /// - Returns: `true` when a new pair is served from now on.
    /// - Throws: why the changed files could not be used (the old pair stays).
    @discardableResult
    func reloadIfChanged() throws -> Bool {
        let source = try Self.contents(self.certificateFile) + [0] + Self.contents(self.keyFile)
        guard source != self.pair.withLockedValue({ $0.source }) else { return false }
        let fresh = try Self.read(certificateFile: self.certificateFile, keyFile: self.keyFile)
        self.pair.withLockedValue { $0 = fresh }
        return true
    }

    /// The override a handshake applies: the current pair.
    func contextOverride() -> NIOSSLContextConfigurationOverride {
        let (chain, key) = self.current
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        return override
    }

    private static func contents(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServingCertificateError("cannot read \(path)") }
        return Array(data)
    }

    private static func read(certificateFile: String, keyFile: String) throws -> Pair {
        let certificateBytes = try Self.contents(certificateFile)
        let keyBytes = try Self.contents(keyFile)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificateBytes)
        } catch {
            throw ServingCertificateError("cert_file \(certificateFile) holds no PEM certificate")
        }
        guard !chain.isEmpty else { throw ServingCertificateError("cert_file \(certificateFile) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw ServingCertificateError("key_file \(keyFile) holds no PEM private key")
        }
        // A key that does not match the certificate fails every handshake: refuse it here instead.
        do {
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            )
        } catch {
            throw ServingCertificateError("key_file \(keyFile) does not match the certificate in \(certificateFile)")
        }
        return Pair(chain: chain, key: key, source: certificateBytes + [0] + keyBytes)
    }
}

/// Why a certificate or key cannot be served (never the key's bytes).
struct ServingCertificateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
