import Foundation

/// Where a coding agent keeps its session logs: `claude:` and `codex:` (SPEC §2), or a directory
/// of JSONL files given as a SOURCE. Resolved when the argument is parsed, from the environment.
public struct AgentLogs: Equatable, Sendable {
    public enum Agent: String, Sendable {
        case claude, codex
        /// A plain directory: every `*.jsonl` below it, each line detected on its own.
        case directory
    }

    public var agent: Agent
    /// Directories walked for `*.jsonl` (or files, or globs), in reading order.
    public var roots: [String]
    /// What the header, `check` and errors call the source.
    public var name: String
    /// Said when no root exists, with what to do about it.
    public var missingHint: String

    /// `claude:[PATH]`, `codex:[PATH]` or a directory. PATH may be a config/home folder, a folder of
    /// logs, a file or a glob; without it the agent's default locations are read.
    public static func resolve(_ agent: Agent, path: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               home: String = NSHomeDirectory()) -> AgentLogs {
        func expand(_ p: String) -> String {
            if p == "~" { return home }
            if p.hasPrefix("~/") { return home + String(p.dropFirst(1)) }
            return p
        }
        let explicit = path.map { expand($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0.isEmpty ? nil : $0 }
        switch agent {
        case .claude:
            var bases: [String]
            if let explicit {
                bases = [explicit]
            } else if let env = environment["CLAUDE_CONFIG_DIR"], !env.trimmingCharacters(in: .whitespaces).isEmpty {
                // A comma-separated list; when set, only those (as Claude Code itself reads it).
                bases = env.split(separator: ",").map { expand($0.trimmingCharacters(in: .whitespaces)) }
                    .filter { !$0.isEmpty }
            } else {
                let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
                bases = [config + "/claude", home + "/.claude"]
            }
            // A config folder holds `projects/`. A path given after the colon may also be a projects
            // folder, a file or a glob, read as given.
            let roots = bases.map { explicit == nil || isDirectory($0 + "/projects") ? $0 + "/projects" : $0 }
            let hint: String
            if explicit != nil {
                hint = "no Claude Code transcripts at \(bases[0])"
            } else if !(environment["CLAUDE_CONFIG_DIR"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                hint = "no Claude Code transcripts at \(roots.joined(separator: ", ")) (from CLAUDE_CONFIG_DIR)"
            } else {
                hint = "no Claude Code transcripts: none of \(roots.joined(separator: ", ")) exists"
                    + " (set CLAUDE_CONFIG_DIR or give claude:PATH)"
            }
            return AgentLogs(agent: .claude, roots: roots, name: "claude:" + (path ?? ""), missingHint: hint)
        case .codex:
            let base = explicit ?? environment["CODEX_HOME"].flatMap { $0.isEmpty ? nil : expand($0) }
                ?? home + "/.codex"
            // `sessions/` first: a session archived while also present there is the same file, read once.
            let home = [base + "/sessions", base + "/archived_sessions"]
            let roots = explicit == nil || home.contains(where: isDirectory) ? home : [base]
            return AgentLogs(agent: .codex, roots: roots, name: "codex:" + (path ?? ""),
                             missingHint: "no Codex sessions at \(base)/sessions or \(base)/archived_sessions"
                                + " (set CODEX_HOME or give codex:PATH)")
        case .directory:
            let p = explicit ?? "."
            return AgentLogs(agent: .directory, roots: [p], name: path ?? p, missingHint: "\(p): no such directory")
        }
    }

    static func isDirectory(_ p: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &dir) && dir.boolValue
    }
}
