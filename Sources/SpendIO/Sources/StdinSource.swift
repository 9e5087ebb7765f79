import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// JSONL (or, with `nvidia-smi:-`, CSV) on standard input; ends cleanly at EOF.
final class StdinSource {
    let fd: Int32
    /// nil: JSONL to the pipeline; set: CSV lines decoded here.
    var nvidiaSmi: NvidiaSmiCSV?

    init(fd: Int32 = 0, nvidiaSmi: NvidiaSmiCSV? = nil) {
        self.fd = fd
        self.nvidiaSmi = nvidiaSmi
    }

    func run(_ ctx: SourceContext) {
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var splitter = LineSplitter(maxLineBytes: ctx.settings.maxLineBytes)
        ctx.setState(.live)
        while !ctx.isStopping {
            // Poll first so that stop() is not stuck behind a read that never returns.
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, 100)
            if r == 0 { continue }
            if r < 0 { if errno == EINTR { continue }; break }
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                ctx.setError("stdin: \(String(cString: strerror(errno)))")
                ctx.setState(.failed)
                return
            }
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(start: buffer, count: n)
            if nvidiaSmi != nil {
                var decoded: [DecodedLine] = []
                var tooLong: Int64 = 0
                splitter.feed(chunk, line: { decoded.append(contentsOf: decodeCSV($0)) }, tooLong: { tooLong += 1 })
                if tooLong > 0 && !ctx.emit(.rejects(.lineTooLong, tooLong)) { return }
                if !decoded.isEmpty && !ctx.emit(.decoded(decoded, format: NvidiaSmiCSV.formatName)) { return }
            } else if !ctx.emit(.bytes([UInt8](chunk), endOffset: nil)) {
                return
            }
        }
        if nvidiaSmi != nil {
            var decoded: [DecodedLine] = []
            splitter.finish { decoded.append(contentsOf: decodeCSV($0)) }
            if !decoded.isEmpty { ctx.emit(.decoded(decoded, format: NvidiaSmiCSV.formatName)) }
        } else {
            ctx.emit(.endOfStream)
        }
        ctx.setState(.ended)
    }

    func decodeCSV(_ line: UnsafeRawBufferPointer) -> [DecodedLine] {
        guard let text = String(validating: line, as: UTF8.self) else { return [.rejected(.invalidUTF8)] }
        return nvidiaSmi!.decode(line: text).map { [$0] } ?? []
    }
}
