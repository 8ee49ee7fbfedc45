import CZlib
import Foundation

/// gzip for request and response bodies (`Content-Encoding: gzip`).
///
/// A commune's link is often a weak mobile connection; a batch of operations compresses to a
/// fraction of its JSON because keys and ids repeat. zlib is the system's, so this costs no package.
public enum Gzip {
    /// Bodies at least this large are compressed; smaller ones would not save a round of packets.
    public static let threshold = 1024

    /// Refuses to inflate past this by default, so a small malicious body cannot exhaust memory.
    public static let maximumInflatedSize = 64 << 20

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The body inflated past the limit asked for (as opposed to not being gzip).
        public var tooLarge = false
    }

    public static func compress(_ data: Data, level: Int32 = 6) -> Data {
        var stream = z_stream()
        // windowBits 15 + 16: write a gzip header and trailer rather than a raw zlib stream.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { preconditionFailure("zlib could not start a deflate stream") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, UInt(data.count))) + 32)
        let written: Int = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflateBound was too small")
                return Int(stream.total_out)
            }
        }
        output.count = written
        return output
    }

    public static func decompress(_ data: Data, limit: Int = maximumInflatedSize) throws(Failure) -> Data {
        var stream = z_stream()
        // windowBits 15 + 32: accept gzip or zlib headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw Failure(description: "zlib could not start an inflate stream") }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        let failure: Failure? = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Failure? in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    return Failure(description: "the body is not valid gzip (zlib status \(status))")
                }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else {
                    return Failure(description: "the body inflates past \(limit >> 20) MiB", tooLarge: true)
                }
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END {
                    return Failure(description: "the gzip body is cut short")
                }
            } while status != Z_STREAM_END
            return nil
        }
        if let failure { throw failure }
        return output
    }
}
