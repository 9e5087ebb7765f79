/// The keys fast-path lines use, each as its exact bytes from the opening quote to the colon, remembered by
/// the key before it: one writer keeps its key order line after line, so the scanner checks the key it
/// expects with three word compares instead of finding the key's end and looking the key up. Keyed by the
/// previous key rather than by position, so an optional key (present on some lines) costs no miss on the keys
/// after it; and two spellings a slot, so the key before an optional one, followed by it on some lines and by
/// the next key on others, is a hit both ways.
///
/// A hit stands for the same bytes the general key path read and accepted before, so it cannot change what
/// a line means; a miss takes that path and learns the key for the next line.
public final class KeyOrder {
    /// One slot for a line's first key, one after an unknown key, one after each field id 0–23.
    static let capacity = 26
    static let first = 0

    /// The slot that predicts the key after a key of field `f` (`NativeLineScanner.field`).
    @inline(__always)
    static func after(_ f: Int) -> Int { f + 2 }
    /// The longest spelling kept: three words (`"cache_write_tokens":` is 21 bytes).
    static let maxLength = 24
    /// Per slot, two ways (the latest learnt first) of eight words: three words of the spelling masked to its
    /// length, their three masks, the length (0 where nothing is learnt) and the field id. A raw buffer: an
    /// `InlineArray` here was copied on access.
    let slots: UnsafeMutablePointer<UInt64>
    static let wayWords = 8
    #if _endian(little)
    static let littleEndian = true
    #else
    static let littleEndian = false
    #endif

    public init() {
        slots = .allocate(capacity: Self.capacity * 2 * Self.wayWords)
        slots.initialize(repeating: 0, count: Self.capacity * 2 * Self.wayWords)
    }

    deinit { slots.deallocate() }

    /// The field id and spelling length of a key slot `k` predicts, when the bytes at `i` spell it, else nil.
    @inline(__always)
    func match(_ k: Int, _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (field: Int, length: Int)? {
        Self.match(slots, k, p, i, n)
    }

    /// `match` on the slots themselves, so that the scanner loads the pointer once a line, not once a key.
    @inline(__always)
    static func match(_ slots: UnsafeMutablePointer<UInt64>, _ k: Int, _ p: UnsafePointer<UInt8>, _ i: Int,
                      _ n: Int) -> (field: Int, length: Int)? {
        guard k < capacity else { return nil }
        let way = slots + 2 * wayWords * k
        if let hit = match(way, p, i, n) { return hit }
        return match(way + wayWords, p, i, n)
    }

    @inline(__always)
    static func match(_ s: UnsafeMutablePointer<UInt64>, _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int)
        -> (field: Int, length: Int)? {
        let length = Int(s[6])
        guard length != 0 else { return nil }
        if i + maxLength <= n && littleEndian {
            let r = UnsafeRawPointer(p + i)
            let d0 = (r.loadUnaligned(as: UInt64.self) ^ s[0]) & s[3]
            let d1 = (r.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ s[1]) & s[4]
            let d2 = (r.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ s[2]) & s[5]
            guard d0 | d1 | d2 == 0 else { return nil }
        } else {
            guard matchNearEnd(s, p, i, n, length) else { return nil }
        }
        return (Int(Int64(bitPattern: s[7])), length)
    }

    /// The compare for a key with fewer than three words left in the line (its last key), out of line so that
    /// the usual compare stays small enough to inline.
    @inline(never)
    static func matchNearEnd(_ s: UnsafeMutablePointer<UInt64>, _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int,
                             _ length: Int) -> Bool {
        guard i + length <= n else { return false }
        if length >= 8 && length <= 16 && littleEndian {
            // `"status":"ok"}` leaves 14 bytes: the second word is the one that ends with the spelling,
            // shifted down to its place (the stored word is zero past the spelling).
            let r = UnsafeRawPointer(p + i)
            let last = r.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) >> UInt64(8 * (16 - length))
            return r.loadUnaligned(as: UInt64.self) == s[0] && last == s[1]
        }
        // The stored words hold the spelling's bytes in order, whatever the byte order.
        return memcmp(p + i, UnsafeRawPointer(s), length) == 0
    }

    /// Remembers that a key slot `k` predicts is spelt by the `length` bytes at `i` and means `field`: as the
    /// first way, the one learnt before moving to the second.
    @inline(__always)
    func learn(_ k: Int, _ p: UnsafePointer<UInt8>, _ i: Int, _ length: Int, field: Int) {
        guard k < Self.capacity else { return }
        let s = slots + 2 * Self.wayWords * k
        if s[6] != 0 { (s + Self.wayWords).update(from: s, count: Self.wayWords) }
        guard length <= Self.maxLength else { s[6] = 0; return }
        s.update(repeating: 0, count: 3)
        UnsafeMutableRawPointer(s).copyMemory(from: p + i, byteCount: length)
        for j in 0..<3 {
            let covered = min(max(length - 8 * j, 0), 8)
            s[3 + j] = covered == 8 ? ~0 : (1 << UInt64(8 * covered)) &- 1
        }
        s[6] = UInt64(length)
        s[7] = UInt64(bitPattern: Int64(field))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
