import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file or stdin to its end in large chunks and feeds a pipeline (headless export and check).
public enum FileInput {
    public static let chunkBytes = 4 << 20

    public struct OpenError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    /// Reads `path` (`-` for stdin) into `pipeline` and finishes it.
    public static func readAll(_ path: String, into pipeline: EventPipeline) throws {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw OpenError(path: path, reason: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, chunkBytes)
            if n < 0 {
                if errno == EINTR { continue }
                throw OpenError(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            pipeline.feed(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        pipeline.finish()
    }
}
