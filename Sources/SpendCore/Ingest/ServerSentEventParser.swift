/// Parses a `text/event-stream` byte stream (WHATWG HTML §9.2): `data:` lines joined with `\n`,
/// `id:` (the resume point), `retry:`, comments and heartbeats; CR, LF and CRLF line ends.
public struct ServerSentEventParser: Sendable {
    /// One dispatched event: its data and the id in force when it was dispatched.
    public struct Event: Equatable, Sendable {
        public var data: [UInt8]
        public var id: String?
    }

    /// The id of the last dispatched event: sent as `Last-Event-ID` on reconnect.
    public private(set) var lastEventID: String?
    /// The server's `retry:` advice in milliseconds.
    public private(set) var retryMs: Int?
    var idBuffer: String?
    var data: [UInt8] = []
    var hasData = false
    var line: [UInt8] = []
    var lastWasCR = false
    public let maxEventBytes: Int
    /// Events dropped for exceeding `maxEventBytes`.
    public private(set) var oversized = 0
    var discarding = false
    var lineOverflow = false

    public init(lastEventID: String? = nil, maxEventBytes: Int = 1 << 20) {
        self.lastEventID = lastEventID
        idBuffer = lastEventID
        self.maxEventBytes = maxEventBytes
    }

    /// A new connection: anything half-received is dropped, the last id is kept.
    public mutating func reconnected() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        line.removeAll(keepingCapacity: true)
        lastWasCR = false
        discarding = false
        lineOverflow = false
        idBuffer = lastEventID
    }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ dispatch: (Event) -> Void) {
        guard let base = chunk.baseAddress else { return }
        var i = 0
        let n = chunk.count
        while i < n {
            if lineOverflow && !lastWasCR {
                // The rest of an over-long field is skipped in bulk up to its line end (a 1 GB line
                // costs a memchr, not a billion trips through this loop).
                let rest = n - i
                let lf = memchr(base + i, 10, rest).map { UnsafeRawPointer($0) - base } ?? n
                let cr = memchr(base + i, 13, rest).map { UnsafeRawPointer($0) - base } ?? n
                i = min(lf, cr)
                if i == n { break }
            }
            let b = chunk[i]
            i += 1
            if b == 10 && lastWasCR { lastWasCR = false; continue }
            lastWasCR = b == 13
            if b == 10 || b == 13 {
                if lineOverflow {
                    // A field longer than the cap: its event is dropped and counted once.
                    if !discarding { oversized += 1 }
                    discarding = true
                    data.removeAll(keepingCapacity: true)
                    hasData = true
                    lineOverflow = false
                } else {
                    processLine(dispatch)
                }
                line.removeAll(keepingCapacity: true)
                continue
            } else if line.count < maxEventBytes + 8 {
                line.append(b)
            } else {
                lineOverflow = true
            }
        }
    }

    mutating func processLine(_ dispatch: (Event) -> Void) {
        if line.isEmpty {
            if hasData && !discarding {
                dispatch(Event(data: data, id: idBuffer))
            }
            lastEventID = idBuffer
            data.removeAll(keepingCapacity: true)
            hasData = false
            discarding = false
            return
        }
        if line[0] == 58 { return }  // ":" comment / heartbeat
        var field = line[...]
        var value = line[line.endIndex...]
        if let colon = line.firstIndex(of: 58) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == 32 { value = value.dropFirst() }
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(10) }
            hasData = true
            if data.count + value.count > maxEventBytes {
                if !discarding { oversized += 1 }
                discarding = true
                data.removeAll(keepingCapacity: true)
            } else if !discarding {
                data.append(contentsOf: value)
            }
        case "id":
            if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= 48 && $0 <= 57 }), value.count < 10 {
                retryMs = Int(String(decoding: value, as: UTF8.self))
            }
        default: break
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
