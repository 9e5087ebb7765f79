import Foundation
import XCTest

/// A real PostgreSQL for the tests: Debian's `initdb` in a fresh temporary folder, `pg_ctl` on
/// 127.0.0.1 and a free port, as the `postgres` user when the tests run as root (initdb refuses
/// root). Started once per test process, on first use; stopped and its folder removed when the
/// test bundle finishes, and by a watchdog should the process die first. Every statement is
/// logged (`log_statement = all`) to `logPath`, so tests can see what spendtop sent.
///
/// If the server cannot start, `shared()` throws and the tests that need it fail; they never skip.
final class PostgresTestServer: @unchecked Sendable {
    let root: String
    let port: Int
    let admin = "spendtop_admin"
    let password: String
    let bin: String
    var logPath: String { root + "/server.log" }
    private let watchdog: Process?
    private let server: Process
    private var stopped = false
    private let lock = NSLock()
    private var databases = 0

    private static let instance = Result { try PostgresTestServer() }

    static func shared() throws -> PostgresTestServer { try instance.get() }

    static var isRoot: Bool { getuid() == 0 }

    private init() throws {
        let bin = try PostgresTestServer.findBinaries()
        let root = NSTemporaryDirectory() + "spendtop-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        let password = "pw-" + UUID().uuidString.prefix(12) + "@:/x"
        let admin = self.admin
        let logPath = root + "/server.log"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let watchdog = PostgresTestServer.startWatchdog(bin: bin, root: root)
        do {
            try (password + "\n").write(toFile: root + "/pwfile", atomically: true, encoding: .utf8)
            if PostgresTestServer.isRoot {
                // The server runs as postgres: it must own the folder it writes in.
                let pg = try PostgresTestServer.run("/usr/bin/id", ["-u", "postgres"]).trimmingCharacters(in: .whitespacesAndNewlines)
                let pgGroup = try PostgresTestServer.run("/usr/bin/id", ["-g", "postgres"]).trimmingCharacters(in: .whitespacesAndNewlines)
                for p in [root, root + "/pwfile"] {
                    try fm.setAttributes([.ownerAccountID: Int(pg)!, .groupOwnerAccountID: Int(pgGroup)!], ofItemAtPath: p)
                }
            }
            try PostgresTestServer.asServer(bin + "/initdb", ["-D", root + "/data", "-U", admin, "--pwfile=" + root + "/pwfile",
                                           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                           "--locale=C", "--no-sync"])
            let conf = """

                listen_addresses = '127.0.0.1'
                unix_socket_directories = ''
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                shared_buffers = 32MB
                max_connections = 40
                log_statement = 'all'
                log_line_prefix = '%m [%p] app=%a user=%u db=%d '
                log_min_messages = warning
                """
            let confPath = root + "/data/postgresql.conf"
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: confPath))
            handle.seekToEndOfFile()
            handle.write(Data(conf.utf8))
            handle.closeFile()
            var started: (Int, Process)?
            for _ in 0..<4 {
                let p = try PostgresTestServer.freePort()
                if let server = try PostgresTestServer.startServer(bin: bin, data: root + "/data", port: p, log: logPath) {
                    started = (p, server)
                    break
                }
            }
            guard let (p, server) = started else {
                throw PostgresTestServer.Failure("postgres exited at start: " + ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
            }
            port = p
            self.server = server
            self.bin = bin
            self.root = root
            self.password = password
        } catch {
            try? fm.removeItem(atPath: root)
            if let w = watchdog, w.isRunning { kill(w.processIdentifier, SIGKILL); w.waitUntilExit() }
            throw error
        }
        self.watchdog = watchdog
        XCTestObservationCenter.shared.addTestObserver(StopAtEnd(self))
    }

    /// A libpq URI for `db` as the admin (password in the URI).
    func url(_ db: String = "postgres", user: String? = nil, password pw: String? = nil) -> String {
        let u = user ?? admin, p = pw ?? password
        let encoded = p.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? p
        return "postgresql://\(u):\(encoded)@127.0.0.1:\(port)/\(db)"
    }

    /// A URI without credentials: libpq finds them in PGPASSWORD or a password file.
    func bareURL(_ db: String, user: String? = nil) -> String {
        "postgres://\(user ?? admin)@127.0.0.1:\(port)/\(db)"
    }

    /// A new empty database with LiteLLM's tables, for one test.
    func makeDatabase(dailyTables: Bool = true) throws -> String {
        lock.lock()
        databases += 1
        let name = "t\(databases)_\(UUID().uuidString.prefix(6).lowercased())"
        lock.unlock()
        try psql("CREATE DATABASE \(name)")
        var ddl = LiteLLMSchema.spendLogs
        if dailyTables {
            ddl += LiteLLMSchema.daily("LiteLLM_DailyUserSpend", entity: "user_id")
            ddl += LiteLLMSchema.daily("LiteLLM_DailyTeamSpend", entity: "team_id")
            ddl += LiteLLMSchema.daily("LiteLLM_DailyTagSpend", entity: "tag")
        }
        try psql(ddl, db: name)
        return name
    }

    /// Runs SQL through the real `psql` client as the admin (writes go this way, never through spendtop).
    @discardableResult
    func psql(_ sql: String, db: String = "postgres", input: String? = nil) throws -> String {
        try PostgresTestServer.run(bin + "/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", url(db), "-c", sql],
                                   input: input)
    }

    /// Loads rows through COPY: each row a JSON-like dictionary keyed by column name; JSON columns
    /// take an object/array (stored as jsonb) or JSON text; a missing key takes the column default.
    func copy(_ rows: [[String: Any]], into db: String, table: String = "LiteLLM_SpendLogs") throws {
        var csv = ""
        let columns = LiteLLMSchema.spendLogsColumns
        for row in rows {
            csv += columns.map { PostgresTestServer.csvField(row[$0], column: $0) }.joined(separator: ",") + "\n"
        }
        try psql("\\copy \"\(table)\"(\(columns.map { "\"\($0)\"" }.joined(separator: ","))) FROM STDIN WITH (FORMAT csv)",
                 db: db, input: csv)
    }

    static let defaults: [String: String] = ["call_type": "completion", "api_key": "", "spend": "0", "total_tokens": "0",
                                             "prompt_tokens": "0", "completion_tokens": "0", "model": "",
                                             "metadata": "{}", "request_tags": "[]"]

    static func csvField(_ value: Any?, column: String) -> String {
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        switch value {
        case nil: return PostgresTestServer.defaults[column].map(quote) ?? ""
        case is NSNull: return ""
        case let s as String: return quote(s)
        case let n as NSNumber: return n.stringValue
        case let i as Int: return String(i)
        case let d as Double: return "\(d)"
        default:
            let data = try! JSONSerialization.data(withJSONObject: value!, options: [.fragmentsAllowed])
            return quote(String(decoding: data, as: UTF8.self))
        }
    }

    /// `SELECT count(*), md5 of every row in key order`: the table's exact content.
    func fingerprint(_ db: String, table: String = "LiteLLM_SpendLogs") throws -> String {
        try psql("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"\(table)\" t", db: db)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        _ = try? PostgresTestServer.asServer(bin + "/pg_ctl", ["-D", root + "/data", "-m", "fast", "-w", "stop"])
        server.waitUntilExit()
        try? FileManager.default.removeItem(atPath: root)
        if let w = watchdog, w.isRunning { kill(w.processIdentifier, SIGKILL); w.waitUntilExit() }
    }

    /// Stops the server and removes the folder if this process dies without `stop()`.
    private static func startWatchdog(bin: String, root: String) -> Process? {
        let w = Process()
        w.executableURL = URL(fileURLWithPath: "/bin/sh")
        let ctl = (PostgresTestServer.isRoot ? "runuser -u postgres -- " : "") + "'\(bin)/pg_ctl'"
        w.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
                       + "\(ctl) -D '\(root)/data' -m immediate stop >/dev/null 2>&1; rm -rf '\(root)'"]
        w.standardOutput = FileHandle.nullDevice
        w.standardError = FileHandle.nullDevice
        do { try w.run() } catch { return nil }
        return w
    }

    @discardableResult
    private static func asServer(_ tool: String, _ args: [String]) throws -> String {
        if PostgresTestServer.isRoot { return try PostgresTestServer.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args) }
        return try PostgresTestServer.run(tool, args)
    }

    /// The server as a child process (not daemonised by pg_ctl: Foundation's Process would wait for
    /// the daemon to close descriptors it inherited), logging to `log`. Ready when `pg_isready` says
    /// so; nil if it exited first (the port was taken between the probe and the start).
    private static func startServer(bin: String, data: String, port: Int, log: String) throws -> Process? {
        let p = Process()
        let args = ["-D", data, "-p", String(port)]
        if isRoot {
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            p.arguments = ["-u", "postgres", "--", bin + "/postgres"] + args
        } else {
            p.executableURL = URL(fileURLWithPath: bin + "/postgres")
            p.arguments = args
        }
        FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date(timeIntervalSinceNow: 60)
        while Date() < deadline {
            if !p.isRunning { return nil }
            if (try? run(bin + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(port), "-t", "1"])) != nil { return p }
            usleep(50_000)
        }
        p.terminate()
        throw Failure("the server did not accept connections within 60 s: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The newest installed server's binaries (Debian: /usr/lib/postgresql/N/bin).
    static func findBinaries() throws -> String {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        for v in versions.compactMap(Int.init).sorted(by: >) {
            let b = "\(base)/\(v)/bin"
            if FileManager.default.isExecutableFile(atPath: b + "/initdb") { return b }
        }
        throw Failure("no PostgreSQL server under \(base) (the Makefile's setup installs Debian's postgresql)")
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

    /// Runs a tool to its end; a non-zero exit throws with its stderr.
    @discardableResult
    static func run(_ tool: String, _ args: [String], input: String? = nil, environment: [String: String]? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let input {
            // Written on another thread: a large COPY would otherwise fill the pipe while the tool's
            // own output fills the other one.
            let writer = Thread {
                inPipe.fileHandleForWriting.write(Data(input.utf8))
                inPipe.fileHandleForWriting.closeFile()
            }
            writer.start()
        }
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let done = DispatchSemaphore(value: 0)
        Thread {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure("\(URL(fileURLWithPath: tool).lastPathComponent) exited \(p.terminationStatus): "
                          + String(decoding: errData.data, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Stops the shared server when the test bundle has run.
final class StopAtEnd: NSObject, XCTestObservation {
    let server: PostgresTestServer
    init(_ server: PostgresTestServer) { self.server = server }
    func testBundleDidFinish(_ testBundle: Bundle) { server.stop() }
}
