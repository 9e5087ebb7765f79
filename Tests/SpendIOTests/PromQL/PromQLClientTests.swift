import Foundation
import SpendCore
import SpendIO
import XCTest

/// The client's failures against real servers: each is one masked line of a known kind, never a crash.
final class PromQLClientTests: XCTestCase {
    func settings(_ url: String, timeout: Double = 10) throws -> PromQLSettings {
        var s = try PromQLSettings(url: url)
        s.timeoutSeconds = timeout
        return s
    }

    func failure(_ body: () throws -> Any) -> PromQLFailure? {
        do {
            _ = try body()
            return nil
        } catch let f as PromQLFailure {
            return f
        } catch {
            XCTFail("not a PromQLFailure: \(error)")
            return nil
        }
    }

    func assertOneLine(_ f: PromQLFailure?, file: StaticString = #filePath, line: UInt = #line) {
        guard let f else { return XCTFail("no failure", file: file, line: line) }
        XCTAssertFalse(f.message.contains("\n"), file: file, line: line)
        XCTAssertFalse(f.message.isEmpty, file: file, line: line)
        XCTAssertLessThan(f.message.count, 400, file: file, line: line)
    }

    func testAMalformedQueryIsTheEnginesBadDataMessage() throws {
        let server = try PrometheusTestServer.shared()
        let client = PromQLClient(settings: try settings("promql:" + server.baseURL))
        let f = failure { try client.queryRange("sum by (model) (rate(litellm_spend_metric_total[5m]", startSeconds: 1_700_000_000,
                                                endSeconds: 1_700_000_600, stepSeconds: 60) }
        XCTAssertEqual(f?.kind, .engine("bad_data"))
        XCTAssertTrue(f?.message.hasPrefix("bad_data: ") ?? false, f?.message ?? "")
        XCTAssertTrue(f?.message.contains("HTTP 400") ?? false, f?.message ?? "")
        assertOneLine(f)
        XCTAssertFalse(f!.isTransient)
    }

    func testTooManyPointsIsRefusedByTheEngineAsAnError() throws {
        let server = try PrometheusTestServer.shared()
        let client = PromQLClient(settings: try settings("promql:" + server.baseURL))
        let f = failure { try client.queryRange("sum(vector(1))", startSeconds: 1_700_000_000, endSeconds: 1_700_000_000 + 20_000 * 60,
                                                stepSeconds: 60) }
        XCTAssertEqual(f?.kind, .engine("bad_data"))
        XCTAssertTrue(f?.message.contains("11,000 points") ?? false, f?.message ?? "")
    }

    func testAWrongPrefixIsAnHTTPErrorAndCredentialsNeverShow() throws {
        let server = try PrometheusTestServer.shared()
        let url = "promql:http://alice:s3cr3t-passw0rd@127.0.0.1:\(server.port)/mimir"
        let s = try settings(url)
        XCTAssertEqual(s.name, "promql:http://127.0.0.1:\(server.port)/mimir")
        XCTAssertTrue(s.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("Basic ") })
        let f = failure { try PromQLClient(settings: s).query("sum(up)") }
        XCTAssertEqual(f?.kind, .http(404))
        assertOneLine(f)
        let token = Data("alice:s3cr3t-passw0rd".utf8).base64EncodedString()
        for text in [f?.message ?? "", s.name, "\(f!)"] {
            XCTAssertFalse(text.contains("s3cr3t-passw0rd"))
            XCTAssertFalse(text.contains(token))
        }
        XCTAssertEqual(s.mask("auth Basic \(token) and s3cr3t-passw0rd"), "auth *** and ***")
    }

    func testAClosedPortIsATransportFailure() throws {
        let port = try PrometheusTestServer.freePort()
        let f = failure { try PromQLClient(settings: try settings("promql:http://127.0.0.1:\(port)")).query("sum(up)") }
        XCTAssertEqual(f?.kind, .transport)
        XCTAssertTrue(f!.isTransient)
        assertOneLine(f)
    }

    func testAServerThatNeverAnswersTimesOut() throws {
        // A listening socket nobody accepts on: the connection opens, no answer ever comes.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        XCTAssertTrue(bound)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let started = Date()
        let f = failure { try PromQLClient(settings: try settings("promql:http://127.0.0.1:\(port)", timeout: 1)).query("sum(up)") }
        XCTAssertEqual(f?.kind, .transport)
        XCTAssertTrue(f?.message.contains("no answer within 1 s") ?? false, f?.message ?? "")
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
    }

    func testAnAnswerLargerThanTheBoundIsTooManySeries() throws {
        let server = try PrometheusTestServer.shared()
        var s = try settings("promql:" + server.baseURL)
        s.maxBodyBytes = 2_000
        let f = failure {
            try PromQLClient(settings: s).queryRange(PromQLQueries.level("litellm_spend_metric_total", by: ["hashed_api_key", "model"],
                                                                          mapping: PromQLMapping()),
                                                     startSeconds: server.fixture.windowFrom, endSeconds: server.fixture.windowTo,
                                                     stepSeconds: 60)
        }
        XCTAssertEqual(f?.kind, .tooLarge)
        XCTAssertTrue(f?.message.contains("too many series") ?? false)
    }

    func testSettingsFromConfigBearerTokenTenantAndMapping() throws {
        let config = try ConfigLoader.parse("""
            [promql]
            bearer_token_env = "PROMQL_TEST_TOKEN"
            org_id = "tenant-7"
            poll = "5s"
            scrape_interval = "30s"
            feature_label = "metadata_product"
            matchers = 'job="litellm"'
            [promql.metrics]
            input_tokens = 'gen_ai_client_token_usage_sum{gen_ai_token_type="input"}'
            spend = ""
            """)
        let s = try PromQLSettings.load(url: "promql:https://mimir.example:8080/prometheus/", config: config,
                                        source: SourceSettings(), environment: ["PROMQL_TEST_TOKEN": "tok-123456"])
        XCTAssertEqual(s.baseURL, "https://mimir.example:8080/prometheus")
        XCTAssertTrue(s.headers.contains { $0 == ("Authorization", "Bearer tok-123456") })
        XCTAssertTrue(s.headers.contains { $0 == ("X-Scope-OrgID", "tenant-7") })
        XCTAssertEqual(s.pollSeconds, 30, "never polls faster than the engine scrapes")
        XCTAssertEqual(s.mapping.featureLabel, "metadata_product")
        XCTAssertNil(s.mapping.counters[.spend])
        XCTAssertEqual(PromQLQueries.selector(s.mapping.counters[.inputTokens]!, s.mapping.matchers),
                       #"gen_ai_client_token_usage_sum{gen_ai_token_type="input", job="litellm"}"#)
        XCTAssertEqual(s.mask("got tok-123456 back"), "got *** back")

        let missing = ["bearer_token_env = \"NOPE_UNSET\"", "org_id = \"\"", "model_label = \"bad label\"",
                       "matchers = 'job=\"x\"} or vector(1)'", "colour = 1", "max_gap = \"10s\""]
        for line in missing {
            XCTAssertThrowsError(try PromQLSettings.load(url: "promql:http://h:9090", config: try ConfigLoader.parse("[promql]\n" + line),
                                                         source: SourceSettings(), environment: [:]), line)
        }
        XCTAssertThrowsError(try PromQLSettings.load(
            url: "promql:http://h:9090", config: try ConfigLoader.parse("[promql.metrics]\nspend = 'x) or vector(1'"),
            source: SourceSettings(), environment: [:]))
    }

    func testPromQLSourceSpec() throws {
        XCTAssertEqual(try SourceSpec(parsing: "promql:http://h:9090"), .promql("http://h:9090"))
        let spec = try SourceSpec(parsing: "promql:https://u:pw@h:443/prometheus")
        XCTAssertEqual(spec.name, "promql:https://h:443/prometheus")
        for bad in ["promql:", "promql:ftp://h", "promql:http://", "promql:http://h:9090?token=abc"] {
            XCTAssertThrowsError(try SourceSpec(parsing: bad), bad) { e in
                XCTAssertFalse("\(e)".contains("abc"))
            }
        }
    }
}

/// TLS as for HTTP sources: a Prometheus serving HTTPS with a self-signed certificate is refused unless
/// verification is turned off (`--insecure`).
final class PromQLTLSTests: XCTestCase {
    func testASelfSignedEngineIsRefusedUnlessInsecure() throws {
        let root = NSTemporaryDirectory() + "spendtop-prom-tls-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PrometheusTestServer.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", root + "/key.pem",
                                                          "-out", root + "/cert.pem", "-days", "2", "-subj", "/CN=127.0.0.1"])
        try "tls_server_config:\n  cert_file: \(root)/cert.pem\n  key_file: \(root)/key.pem\n"
            .write(toFile: root + "/web.yml", atomically: true, encoding: .utf8)
        try "global:\n  scrape_interval: 15s\n".write(toFile: root + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try PrometheusTestServer.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        p.arguments = ["--config.file=\(root)/prometheus.yml", "--storage.tsdb.path=\(root)/tsdb", "--web.config.file=\(root)/web.yml",
                       "--web.listen-address=127.0.0.1:\(port)", "--log.level=error"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        var insecure = try PromQLSettings(url: "promql:https://127.0.0.1:\(port)")
        insecure.insecure = true
        insecure.timeoutSeconds = 2
        // Ready when it answers over TLS (each try is one request; the server opens its storage first).
        let deadline = Date(timeIntervalSinceNow: 60)
        var answered = false
        while Date() < deadline, p.isRunning {
            if (try? PromQLClient(settings: insecure).query("sum(vector(1))")) != nil { answered = true; break }
            usleep(100_000)
        }
        XCTAssertTrue(answered, "the TLS engine never answered with verification off")
        let verified = try PromQLSettings(url: "promql:https://127.0.0.1:\(port)")
        do {
            _ = try PromQLClient(settings: verified).query("sum(vector(1))")
            XCTFail("a self-signed certificate was accepted with verification on")
        } catch let f as PromQLFailure {
            XCTAssertEqual(f.kind, .transport)
            XCTAssertFalse(f.message.contains("\n"))
        }
    }
}
