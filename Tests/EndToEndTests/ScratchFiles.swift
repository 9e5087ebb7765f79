import Foundation
import XCTest

/// Everything a test makes in `$TMPDIR` (files, folders, the tmux socket) is registered here and removed
/// when that test case finishes, and once more when the bundle finishes for whatever a late process
/// was still writing; `make test` then checks that `$TMPDIR` is empty.
final class ScratchFiles: XCTestObservation {
    static let shared: ScratchFiles = {
        let s = ScratchFiles()
        XCTestObservationCenter.shared.addTestObserver(s)
        return s
    }()

    private let lock = NSLock()
    private var paths: [String] = []
    private var leftovers: [String] = []
    private var atBundleEnd: [() -> Void] = []

    /// Registers `path` for removal at the end of the running test; returns it.
    @discardableResult
    func track(_ path: String) -> String {
        lock.lock(); defer { lock.unlock() }
        paths.append(path)
        return path
    }

    /// Runs `body` once the whole bundle has finished (before the last removal).
    func atEnd(_ body: @escaping () -> Void) {
        lock.lock(); defer { lock.unlock() }
        atBundleEnd.append(body)
    }

    func testCaseDidFinish(_ testCase: XCTestCase) {
        lock.lock()
        let now = paths
        paths = []
        lock.unlock()
        let failed = now.filter { !ScratchFiles.remove($0) }
        lock.lock(); leftovers += failed; lock.unlock()
    }

    func testBundleDidFinish(_ testBundle: Bundle) {
        lock.lock()
        let hooks = atBundleEnd
        let rest = leftovers + paths
        atBundleEnd = []
        leftovers = []
        paths = []
        lock.unlock()
        for h in hooks { h() }
        for p in rest { _ = ScratchFiles.remove(p) }
    }

    /// True when nothing is left at `path`.
    static func remove(_ path: String) -> Bool {
        let fm = FileManager.default
        for _ in 0..<3 {
            try? fm.removeItem(atPath: path)
            var isDir: ObjCBool = false
            if !fm.fileExists(atPath: path, isDirectory: &isDir) { return true }
            usleep(50_000)  // a process that was just killed may still be closing files there
        }
        return false
    }
}
