/* text.c: sm__text_fold() (one pass while the text is ASCII, eight bytes
 * at a time where they are printable) gives what the Unicode tables give
 * (sm__text_fold_unicode), for random ASCII text with white space, control
 * characters and upper case, and for text with a byte that is not ASCII
 * anywhere (the fallback), at every buffer size; the
 * word-at-a-time UTF-8 check finds what the byte loop finds. */
#include "test_util.h"
#include "base/base.h"

#include <stdio.h>
#include <string.h>

static unsigned long state = 12345;
static unsigned pick(unsigned n)
{
    state = state * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)((state >> 33) % n);
}

static void ascii_shortcut_equals_unicode_folding(void **st)
{
    (void)st;
    static const char alphabet[] = "aZ09 -_.;\t\n\v\f\r\x01\x1f\x7f~Kk";
    char in[SM_TEXT_FOLD_MAX_IN + 8], a[SM_TEXT_FOLD_MAX_IN + 8], b[SM_TEXT_FOLD_MAX_IN + 8];
    for (int round = 0; round < 100000; round++) {
        size_t len = pick(8) == 0 ? SM_TEXT_FOLD_MAX_IN - 2 + pick(5) : pick(12);
        bool controls = pick(4) == 0;
        for (size_t i = 0; i < len; i++) {
            char c;
            do
                c = alphabet[pick(sizeof alphabet - 1)];
            while (!controls && ((unsigned char)c < 0x20 || c == 0x7f) && !(c >= '\t' && c <= '\r'));
            in[i] = c;
        }
        if (pick(3) == 0) /* letters of every case */
            for (size_t i = 0; i < len; i++)
                if (in[i] == 'a')
                    in[i] = (char)('A' + pick(26));
        if (pick(3) == 0) { /* long runs of printable ASCII (read eight bytes at a time) */
            len = pick(4) == 0 ? SM_TEXT_FOLD_MAX_IN - 12 + pick(20) : pick(48);
            for (size_t i = 0; i < len; i++)
                in[i] = pick(9) == 0 ? ' ' : (char)(0x21 + pick(0x5E));
        }
        if (pick(4) == 0 && len) { /* text that is not ASCII somewhere: the Unicode path decides */
            static const char *const other[] = { "\xc3\xa9", "\xc3\x89", "\xef\xac\x81", "\xff", "\xc3",
                                                 "\xe2\x80\x83", "\xc2\x85", "\xc2\x9f" };
            const char *o = other[pick(8)];
            size_t n = strlen(o), at = pick((unsigned)len);
            if (at + n > len)
                at = len - (n < len ? n : len);
            memcpy(in + at, o, n < len ? n : len);
        }
        size_t cap = pick(3) ? sizeof a : pick((unsigned)len + 3);
        bool key = pick(2);
        memset(a, 'x', sizeof a);
        memset(b, 'x', sizeof b);
        int ka = sm__text_fold(a, cap, in, len, key);
        int kb = sm__text_fold_unicode(b, cap, in, len, key);
        assert_int_equal(ka, kb);
        if (ka > 0)
            assert_memory_equal(a, b, (size_t)ka + 1);
    }
}

/* sm__utf8_prefix() skips ASCII 8 bytes at a time: a bad byte or a valid
 * sequence at any offset of a run is still seen. */
static void utf8_prefix_at_every_offset(void **st)
{
    (void)st;
    char buf[64];
    for (size_t len = 1; len < 40; len++)
        for (size_t at = 0; at < len; at++) {
            memset(buf, 'a', len);
            buf[at] = (char)0xFF;
            assert_int_equal(sm__utf8_prefix(buf, len), at);
            if (at + 1 < len) {
                buf[at] = (char)0xC3; /* U+00E9 */
                buf[at + 1] = (char)0xA9;
                assert_int_equal(sm__utf8_prefix(buf, len), len);
                assert_int_equal(sm__utf8_prefix(buf, at + 1), at); /* cut inside the sequence */
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ascii_shortcut_equals_unicode_folding),
        cmocka_unit_test(utf8_prefix_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
