import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// `--on-alert CMD`: runs `/bin/sh -c CMD` with the alert as one JSON line on stdin, on a background thread,
/// in its own process group, killed (the whole group) after `timeout`. The caller never waits: `run` returns
/// at once. Its stdout is discarded (it must not draw over the console); a failure, a timeout or a start error
/// is reported through `log` with the tail of its stderr, cleaned. At most `maxInFlight` commands run at once;
/// further alerts are dropped and logged, so an alert storm cannot fork-bomb the machine.
public final class AlertHook: @unchecked Sendable {
    public enum Outcome: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case dropped
        case failedToStart(String)

        public var isSuccess: Bool { self == .exited(0) }
    }

    public let command: String
    public let timeout: TimeInterval
    public let maxInFlight: Int
    let log: @Sendable (String) -> Void
    var observer: (@Sendable (String) -> Void)?
    let lock = NSLock()
    var inFlight = 0
    let idle = NSCondition()

    public init(command: String, timeout: TimeInterval = 10, maxInFlight: Int = 4,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("spendtop: " + $0 + "\n").utf8)) }) {
        self.command = command
        self.timeout = timeout
        self.maxInFlight = maxInFlight
        self.log = log
    }

    /// Also sends every problem (failure, timeout, drop) to `body`: the alert delivery shows them in `!`.
    public func observe(_ body: @escaping @Sendable (String) -> Void) {
        lock.lock()
        observer = body
        lock.unlock()
    }

    func problem(_ text: String) {
        log(text)
        lock.lock()
        let o = observer
        lock.unlock()
        o?(text)
    }

    /// Starts the command for this alert and returns at once; `completion` runs on the background thread.
    @discardableResult
    public func run(_ e: AlertEvent, completion: (@Sendable (Outcome) -> Void)? = nil) -> Bool {
        run(json: AlertRecord(e).json + "\n", label: e.key, completion: completion)
    }

    @discardableResult
    public func run(json: String, label: String, completion: (@Sendable (Outcome) -> Void)? = nil) -> Bool {
        lock.lock()
        guard inFlight < maxInFlight else {
            lock.unlock()
            problem("on-alert: \(maxInFlight) commands still running; not run for \(TextSanitizer.clean(label))")
            completion?(.dropped)
            return false
        }
        inFlight += 1
        lock.unlock()
        let thread = Thread { [self] in
            let outcome = execute(json: json)
            switch outcome.0 {
            case .exited(0): break
            case .exited(let code): problem("on-alert command failed (exit \(code)) for \(TextSanitizer.clean(label))\(outcome.1)")
            case .signalled(let sig): problem("on-alert command killed by signal \(sig) for \(TextSanitizer.clean(label))\(outcome.1)")
            case .timedOut: problem("on-alert command timed out after \(Int(timeout)) s for \(TextSanitizer.clean(label)); killed\(outcome.1)")
            case .failedToStart(let why): problem("on-alert command could not start: \(why)")
            case .dropped: break
            }
            completion?(outcome.0)
            idle.lock()
            lock.lock()
            inFlight -= 1
            lock.unlock()
            idle.broadcast()
            idle.unlock()
        }
        thread.name = "spendtop-on-alert"
        thread.start()
        return true
    }

    /// Commands still running.
    public var running: Int {
        lock.lock()
        defer { lock.unlock() }
        return inFlight
    }

    /// Waits until fewer than `maxInFlight` commands run (a batch, such as an export's alerts, delivers every one
    /// in order instead of dropping past the limit); false if `seconds` passed first.
    @discardableResult
    public func waitForSlot(seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        idle.lock()
        defer { idle.unlock() }
        while running >= maxInFlight {
            if !idle.wait(until: deadline) { return running < maxInFlight }
        }
        return true
    }

    /// Waits until no command runs (at shutdown, and in tests); false if `seconds` passed first.
    @discardableResult
    public func waitUntilIdle(seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        idle.lock()
        defer { idle.unlock() }
        while running > 0 {
            if !idle.wait(until: deadline) { return running == 0 }
        }
        return true
    }

    /// Spawns, feeds stdin, waits with the timeout; returns the outcome and a cleaned stderr tail (" : …").
    func execute(json: String) -> (Outcome, String) {
        // stdin is a socket pair, so writing to a command that exits without reading gives EPIPE, not SIGPIPE.
        var sv: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sv) == 0 else {
            return (.failedToStart("socketpair: \(String(cString: strerror(errno)))"), "")
        }
        var errPipe: [Int32] = [0, 0]
        guard pipe(&errPipe) == 0 else {
            close(sv[0]); close(sv[1])
            return (.failedToStart("pipe: \(String(cString: strerror(errno)))"), "")
        }
        for fd in errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        posix_spawn_file_actions_adddup2(&fa, sv[1], 0)
        posix_spawn_file_actions_adddup2(&fa, devNull, 1)
        posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let args = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ)
        for p in argv { free(p) }
        posix_spawn_file_actions_destroy(&fa)
        posix_spawnattr_destroy(&attr)
        close(sv[1]); close(errPipe[1]); if devNull >= 0 { close(devNull) }
        guard rc == 0 else {
            close(sv[0]); close(errPipe[0])
            return (.failedToStart(String(cString: strerror(rc))), "")
        }

        // Feed stdin without ever blocking past the deadline.
        let deadline = Date().addingTimeInterval(timeout)
        _ = fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(errPipe[0], F_SETFL, fcntl(errPipe[0], F_GETFL) | O_NONBLOCK)
        var pending = Array(json.utf8)[...]
        var stderrTail: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        var status: Int32 = 0
        var outcome: Outcome?
        var stdinOpen = true
        while outcome == nil {
            if stdinOpen && !pending.isEmpty {
                let n = pending.withUnsafeBytes { send(sv[0], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { pending = pending.dropFirst(n) } else if n < 0 && errno != EAGAIN && errno != EINTR { pending = [] }
            }
            if stdinOpen && pending.isEmpty { shutdown(sv[0], Int32(SHUT_WR)); stdinOpen = false }
            let n = buf.withUnsafeMutableBytes { read(errPipe[0], $0.baseAddress, $0.count) }
            if n > 0 { stderrTail = Array((stderrTail + buf[0..<n]).suffix(400)) }
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid {
                let sig = status & 0x7f
                outcome = sig == 0 ? .exited((status >> 8) & 0xff) : .signalled(sig)
                break
            }
            if Date() >= deadline {
                kill(-pid, SIGTERM)
                let grace = Date().addingTimeInterval(1)
                while waitpid(pid, &status, WNOHANG) != pid {
                    if Date() >= grace { kill(-pid, SIGKILL); waitpid(pid, &status, 0); break }
                    usleep(10_000)
                }
                kill(-pid, SIGKILL)  // anything the shell left behind in its group
                outcome = .timedOut
                break
            }
            usleep(n > 0 ? 0 : 10_000)
        }
        close(sv[0])
        close(errPipe[0])
        let text = TextSanitizer.clean(String(decoding: stderrTail, as: UTF8.self)).trimmingCharacters(in: .whitespacesAndNewlines)
        return (outcome!, text.isEmpty ? "" : ": " + text)
    }
}
