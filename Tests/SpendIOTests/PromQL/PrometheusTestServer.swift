import Foundation
import SpendIO
import XCTest

/// A real Prometheus for the tests (Debian's `prometheus` and `promtool`, installed by the Makefile's setup).
/// The fixture's OpenMetrics text is backfilled into a fresh TSDB with `promtool tsdb create-blocks-from
/// openmetrics`; the server runs on 127.0.0.1 and a free port with that storage, under the route prefix
/// `/prometheus` (as Mimir serves its API), logging every query to `queryLog`. Started once per test process
/// on first use (readiness: `/-/ready` answers), stopped and its folder removed when the test bundle ends,
/// and by a watchdog should the process die first. If it cannot start, `shared()` throws and the tests that
/// need it fail; they never skip.
///
/// Quirks met: the data is written relative to now (the last hour) so that it lies inside retention and the
/// poller's "newest minutes" are real; blocks older than the retention would be deleted at start, hence the
/// explicit `--storage.tsdb.retention.time`. Backfilled data has no staleness markers, and samples are placed
/// 7 s past the minute: Prometheus 2.x range selectors are closed at both ends, so samples exactly on minute
/// boundaries would belong to two neighbouring cells of a 60 s grid.
final class PrometheusTestServer: @unchecked Sendable {
    let root: String
    let port: Int
    let fixture: PromQLFixture
    var baseURL: String { "http://127.0.0.1:\(port)/prometheus" }
    var queryLog: String { root + "/query.log" }
    /// A page Prometheus scrapes every second (scripts/testservers/serve.py), for live tests.
    var livePage: String { root + "/live.prom" }
    private let server: Process
    private let liveTarget: Process
    private let watchdog: Process?
    private let lock = NSLock()
    private var stopped = false

    private static let instance = Result { try PrometheusTestServer() }

    static func shared() throws -> PrometheusTestServer { try instance.get() }

    /// The fixture's window: data from 50 minutes ago for 45 minutes; figures for minutes 5…44.
    static func makeFixture() -> PromQLFixture {
        let now = Int64(Date().timeIntervalSince1970)
        return PromQLFixture(start: now / 60 * 60 - 50 * 60, minutes: 45, windowMinutes: 5...44)
    }

    private init() throws {
        let fm = FileManager.default
        for tool in ["/usr/bin/prometheus", "/usr/bin/promtool"] where !fm.isExecutableFile(atPath: tool) {
            throw Failure("\(tool) is missing (the Makefile's setup installs Debian's prometheus)")
        }
        let root = NSTemporaryDirectory() + "spendtop-prom-\(getpid())-\(UUID().uuidString.prefix(8))"
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let watchdog = PrometheusTestServer.startWatchdog(root: root)
        do {
            let fixture = PrometheusTestServer.makeFixture()
            try fixture.openMetrics.write(toFile: root + "/data.om", atomically: false, encoding: .utf8)
            try PrometheusTestServer.run("/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics",
                                                               root + "/data.om", root + "/tsdb"])
            try? fm.removeItem(atPath: root + "/data.om")
            try "# EOF\n".write(toFile: root + "/live.prom", atomically: true, encoding: .utf8)
            let (target, targetPort) = try PrometheusTestServer.startLiveTarget(page: root + "/live.prom")
            liveTarget = target
            try String(target.processIdentifier).write(toFile: root + "/target.pid", atomically: true, encoding: .utf8)
            try """
                global:
                  scrape_interval: 15s
                  query_log_file: \(root)/query.log
                scrape_configs:
                  - job_name: live
                    scrape_interval: 1s
                    static_configs:
                      - targets: ["127.0.0.1:\(targetPort)"]

                """.write(toFile: root + "/prometheus.yml", atomically: true, encoding: .utf8)
            var started: (Int, Process)?
            for _ in 0..<4 {
                let p = try PrometheusTestServer.freePort()
                if let s = try PrometheusTestServer.start(root: root, port: p) {
                    started = (p, s)
                    break
                }
            }
            guard let (p, s) = started else {
                throw Failure("prometheus exited at start: " + ((try? String(contentsOfFile: root + "/server.log", encoding: .utf8)) ?? ""))
            }
            port = p
            server = s
            self.fixture = fixture
            self.root = root
        } catch {
            if let t = try? String(contentsOfFile: root + "/target.pid", encoding: .utf8), let pid = Int32(t) { kill(pid, SIGTERM) }
            try? fm.removeItem(atPath: root)
            if let w = watchdog, w.isRunning { kill(w.processIdentifier, SIGKILL); w.waitUntilExit() }
            throw error
        }
        self.watchdog = watchdog
        XCTestObservationCenter.shared.addTestObserver(PrometheusStopAtEnd(self))
    }

    /// The queries the server ran so far (`params.query` of each query log line).
    func loggedQueries() throws -> [String] {
        let text = (try? String(contentsOfFile: queryLog, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").compactMap { line in
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (json?["params"] as? [String: Any])?["query"] as? String
        }
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        server.terminate()
        server.waitUntilExit()
        liveTarget.terminate()
        liveTarget.waitUntilExit()
        try? FileManager.default.removeItem(atPath: root)
        if let w = watchdog, w.isRunning { kill(w.processIdentifier, SIGKILL); w.waitUntilExit() }
    }

    /// Kills the server and removes the folder if this process dies without `stop()`.
    private static func startWatchdog(root: String) -> Process? {
        let w = Process()
        w.executableURL = URL(fileURLWithPath: "/bin/sh")
        w.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
                       + "for f in pid target.pid; do [ -f '\(root)/'$f ] && kill $(cat '\(root)/'$f) 2>/dev/null; done; "
                       + "sleep 1; rm -rf '\(root)'"]
        w.standardOutput = FileHandle.nullDevice
        w.standardError = FileHandle.nullDevice
        do { try w.run() } catch { return nil }
        return w
    }

    /// The server as a child process; ready when it answers a query, nil if
    /// it exited first (the port was taken between the probe and the start).
    private static func start(root: String, port: Int) throws -> Process? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        p.arguments = ["--config.file=\(root)/prometheus.yml", "--storage.tsdb.path=\(root)/tsdb",
                       "--storage.tsdb.retention.time=30d", "--web.listen-address=127.0.0.1:\(port)",
                       "--web.route-prefix=/prometheus", "--web.external-url=http://127.0.0.1:\(port)/prometheus",
                       "--query.lookback-delta=5m", "--log.level=warn"]
        let log = root + "/server.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? String(p.processIdentifier).write(toFile: root + "/pid", atomically: true, encoding: .utf8)
        let deadline = Date(timeIntervalSinceNow: 60)
        while Date() < deadline {
            if !p.isRunning { return nil }
            if ready(port: port) { return p }
            usleep(50_000)
        }
        p.terminate()
        throw Failure("prometheus was not ready within 60 s: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    /// Answers a query (Prometheus says 503 until its storage is open).
    /// Replaces the live page (atomically: a scrape never sees half a page).
    func setLivePage(_ text: String) throws {
        try text.write(toFile: livePage, atomically: true, encoding: .utf8)
    }

    /// `serve.py prom` on a free port, serving `page`; its port is the first line it prints.
    private static func startLiveTarget(page: String) throws -> (Process, Int) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/testservers/serve.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "prom", "--page", page]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 10 { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            p.terminate()
            throw Failure("serve.py prom did not print its port")
        }
        return (p, port)
    }

    static func ready(port: Int) -> Bool {
        guard var settings = try? PromQLSettings(url: "promql:http://127.0.0.1:\(port)/prometheus") else { return false }
        settings.timeoutSeconds = 2
        return (try? PromQLClient(settings: settings).query("sum(vector(1))")) != nil
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Failure("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Runs a tool to its end; a non-zero exit throws with its output.
    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure("\(URL(fileURLWithPath: tool).lastPathComponent) exited \(p.terminationStatus): \(text.suffix(2000))")
        }
        return text
    }
}

/// Stops the shared Prometheus when the test bundle has run.
final class PrometheusStopAtEnd: NSObject, XCTestObservation {
    let server: PrometheusTestServer
    init(_ server: PrometheusTestServer) { self.server = server }
    func testBundleDidFinish(_ testBundle: Bundle) { server.stop() }
}
