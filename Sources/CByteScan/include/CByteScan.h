// Byte classes for the native line scanner (SpendCore's NativeLineScanner), 16 and 32 bytes at a time.
// Header-only and `static inline`, so Swift inlines it into the hot loop; SSE2 is in every x86-64 CPU, and
// Swift calls these only there (other CPUs keep the scanner's SWAR loop).
// Swift has vector compares but no `movemask`, which is what turns a compare into a bit per byte.
#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/// Bit k is set when byte k of the 16 at `p` ends a plain string: a quote, a backslash, a control character
/// or a non-ASCII byte. A signed compare below 0x20 catches both of the last two (0x80-0xFF are negative).
static inline uint32_t cbytescan_string_stops16(const uint8_t *p) {
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
    __m128i slash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
    __m128i low = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), low));
}

/// The same for the 32 bytes at `p`, as one mask: most values end inside it, so the loop that calls it
/// leaves on its first pass whatever their lengths, which a branch predictor can follow.
static inline uint32_t cbytescan_string_stops32(const uint8_t *p) {
    return cbytescan_string_stops16(p) | (cbytescan_string_stops16(p + 16) << 16);
}
#endif

#endif
