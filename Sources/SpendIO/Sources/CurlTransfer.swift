import CCurl
import CShims
import Foundation

/// One HTTP GET through libcurl, bytes handed to a closure as they arrive; the closure or the
/// `shouldAbort` check stops it. TLS verification stays on unless `insecure`.
final class CurlTransfer {
    struct Outcome {
        var code: CURLcode
        var status: Int
        var contentType: String?
        var message: String
        var ok: Bool { code == CURLE_OK }
    }

    let url: String
    let headers: [(String, String)]
    let insecure: Bool
    /// Whole-transfer timeout (a scrape); nil for a stream.
    let timeoutSeconds: Double?
    /// TCP keepalive probes start after this many idle seconds, so a dead peer is noticed by the kernel too.
    let keepAliveSeconds: Int
    var onData: (UnsafeRawBufferPointer, CurlTransfer) -> Bool = { _, _ in true }
    var shouldAbort: () -> Bool = { false }
    /// Off for APIs whose error bodies say what went wrong (a PromQL engine's `"error"`): the body is read, and the
    /// caller looks at `status`.
    var failOnHTTPError = true
    fileprivate var handle: UnsafeMutableRawPointer?
    fileprivate var stoppedByCaller = false

    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init(url: String, headers: [(String, String)], insecure: Bool, timeoutSeconds: Double? = nil,
         keepAliveSeconds: Int = 60) {
        self.keepAliveSeconds = keepAliveSeconds
        _ = CurlTransfer.globalInit
        self.url = url
        self.headers = headers
        self.insecure = insecure
        self.timeoutSeconds = timeoutSeconds
    }

    var contentType: String? {
        guard let h = handle, let p = sp_curl_content_type(h) else { return nil }
        return String(cString: p)
    }

    var responseCode: Int { handle.map { Int(sp_curl_response_code($0)) } ?? 0 }

    func perform() -> Outcome {
        guard let curl = curl_easy_init() else { return Outcome(code: CURLE_FAILED_INIT, status: 0, message: "curl_easy_init failed") }
        handle = curl
        defer { curl_easy_cleanup(curl); handle = nil }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (k, v) in headers { list = curl_slist_append(list, "\(k): \(v)") }
        defer { curl_slist_free_all(list) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let me = Unmanaged.passUnretained(self).toOpaque()
        sp_curl_setopt_str(curl, CURLOPT_URL, url)
        sp_curl_setopt_ptr(curl, CURLOPT_HTTPHEADER, list)
        sp_curl_setopt_ptr(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        sp_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        sp_curl_setopt_long(curl, CURLOPT_FAILONERROR, failOnHTTPError ? 1 : 0)
        sp_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1)
        sp_curl_setopt_long(curl, CURLOPT_TCP_KEEPIDLE, keepAliveSeconds)
        sp_curl_setopt_long(curl, CURLOPT_TCP_KEEPINTVL, keepAliveSeconds)
        sp_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        sp_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 1)
        sp_curl_setopt_long(curl, CURLOPT_MAXREDIRS, 5)
        // Redirects must not carry the Authorization header to another host.
        sp_curl_setopt_long(curl, CURLOPT_UNRESTRICTED_AUTH, 0)
        sp_curl_setopt_str(curl, CURLOPT_ACCEPT_ENCODING, "")
        sp_curl_setopt_str(curl, CURLOPT_USERAGENT, "spendtop")
        if insecure {
            sp_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 0)
            sp_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            sp_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1)
            sp_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2)
        }
        if let t = timeoutSeconds { sp_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Int(t * 1000)) }
        sp_curl_setopt_ptr(curl, CURLOPT_WRITEDATA, me)
        sp_curl_setopt_writefn(curl) { data, size, nmemb, user in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * nmemb
            guard let data else { return n }
            if t.onData(UnsafeRawBufferPointer(start: data, count: n), t) { return n }
            t.stoppedByCaller = true
            return 0
        }
        sp_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0)
        sp_curl_setopt_ptr(curl, CURLOPT_XFERINFODATA, me)
        sp_curl_setopt_xferfn(curl) { user, _, _, _, _ in
            let t = Unmanaged<CurlTransfer>.fromOpaque(user!).takeUnretainedValue()
            if t.shouldAbort() { t.stoppedByCaller = true; return 1 }
            return 0
        }
        let code = curl_easy_perform(curl)
        let status = Int(sp_curl_response_code(curl))
        var message = String(cString: errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        if code == CURLE_HTTP_RETURNED_ERROR { message = "HTTP \(status)" }
        return Outcome(code: code, status: status, contentType: contentType, message: message)
    }

    var wasStoppedByCaller: Bool { stoppedByCaller }
}
