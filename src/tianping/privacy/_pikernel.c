/*
 * One compiled pass that finds, validates and classifies personal information in an
 * Arrow string column (issue 5's speed goal). It reproduces the polars engine in
 * `_detect.py` decision for decision: the same five pattern groups with regex
 * leftmost-first semantics (each group keeps its own cursor, as `extract_all` does), the
 * same exact shapes, check digits, context windows, confidences and overlap rule. The word
 * lists come from `_patterns.py` through `configure()`, so there is one source of truth;
 * tests/privacy/test_pikernel.py compares both engines on the generated corpus.
 *
 * Offsets are computed in bytes and turned into code points once per finding. The GIL is
 * released while a batch is scanned, so threads scan batches in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* PI types; the order is exported as TYPES. */
enum {
    T_NONE = 0,
    T_ID18, T_ID15, T_MOBILE, T_LANDLINE, T_CARD, T_USCC, T_PASSPORT, T_HKMO, T_TW,
    T_PLATE, T_EMAIL, T_PHONE, T_IPV4, T_IPV6, T_MAC, T_DOB, T_NAME_ZH, T_NAME_EN,
    T_ADDR_ZH, T_ADDR_EN, T_COUNT
};
static const char *TYPE_NAMES[T_COUNT] = {
    "", "cn_resident_id", "cn_resident_id_15", "cn_mobile", "cn_landline", "bank_card",
    "cn_uscc", "cn_passport", "hk_macao_permit", "tw_permit", "cn_plate", "email", "phone",
    "ipv4", "ipv6", "mac", "date_of_birth", "person_name_zh", "person_name_en", "address_zh",
    "address_en",
};

/* ------------------------------------------------------------------ word lists */

typedef struct {
    uint8_t *s;
    int len;
    uint32_t mask;      /* context words: the PI types whose window they serve */
    uint64_t head, hmask; /* the first min(8, len) bytes, for one 8-byte compare */
} word_t;

typedef struct {
    word_t *w;
    int n;
    uint8_t first[256]; /* first bytes of the words, for a cheap reject */
    /* word indices bucketed by their first two bytes, in list order (the alternation's
       priority): words that can start at p are idx[start[key] .. start[key + 1]) */
    uint32_t *start;
    int32_t *idx;
    uint64_t *keys; /* bit `key` set when that bucket is not empty: 8 KB, stays in cache */
} wlist_t;

typedef struct {
    int ready;
    int window;
    int max_lower_word;
    uint32_t lower_pre[2]; /* bit m: a lowercase-led word of name_ctx_en / _zh has m leading lowercase letters */
    wlist_t ctx;          /* union of all context words, masks merged */
    wlist_t name_ctx_zh;  /* ordered as the regex alternation */
    wlist_t name_titles;
    wlist_t compound;
    wlist_t provinces;
    wlist_t prov_suffix;
    wlist_t cities;       /* prefecture-level cities with their suffix (深圳市) */
    wlist_t addr_labels;  /* `ADDRESS_LABELS_ZH` (地址, 收货地址…), each ending with 址 */
    wlist_t addr_seps;    /* `ADDRESS_LABEL_SEPS` as one-character words */
    wlist_t name_ctx_en;
    wlist_t months;
    wlist_t given_en;     /* `GIVEN_NAMES_EN` (Rebecca, Li): names read from a given name */
    wlist_t version_words; /* `VERSION_WORDS`: a version number follows them, no IPv4 address */
    uint32_t *given_tab;  /* open addressing on `word_hash`: index + 1 into given_en, or 0 */
    uint32_t given_mask;
    wlist_t not_name_zh;
    wlist_t not_name_en;
    wlist_t name_seps;    /* ":：为是" as one-character words */
    wlist_t name_followers; /* words after a name ("登录"): a name's last character may start one */
    wlist_t name_preds;   /* verbs after a name that opens a sentence ("表示") */
    wlist_t name_preds_en; /* the same in English ("said") */
    wlist_t list_seps;    /* `NAME_LIST_SEP` (、), one word */
    wlist_t hk_places;    /* `HK_PLACES`: an English address may end with one */
    wlist_t list_ends;    /* `NAME_LIST_ENDS` as one-character words */
    int list_note;        /* `NAME_LIST_NOTE` */
    wlist_t id_labels;    /* `NAME_ID_LABELS` */
    wlist_t id_seps;      /* `NAME_ID_SEPS`, one-character words */
    wlist_t id_seps_after; /* `NAME_ID_SEPS_AFTER` */
    wlist_t not_id_ends;  /* `NOT_BEFORE_ID_ENDS` */
    uint64_t id_labels_end[256], id_seps_end[256], id_seps_after_end[256], not_id_ends_end[256];
                          /* by a word's last byte, bit i: word i of that list ends so */
    uint32_t id_types;    /* bit t: a name may stand before a finding of type t */
    int id_reach;         /* how many characters back such a name may start */
    int compound_max;     /* bytes of the longest compound surname */
    uint8_t end_last[256]; /* last bytes of sentence ends: ASCII ones ("!?;\n") and those
                              of '。', '！', '？', '；' (a cheap reject before the table) */
    char born_after[16];  /* `BORN_AFTER` (出生), UTF-8 */
    char born_short[8];   /* `BORN_SHORT` (生) */
    uint32_t born_ends[16]; /* `BORN_ENDS` */
    int nborn_ends;
    uint8_t *cjk;         /* flags per code point below 0x10000 */
    uint8_t *cjk2;        /* which group-4 words a character starts (F2_*) */
    uint8_t *cjk3;        /* rarer flags per code point below 0x10000 (F3_*) */
    int max_city;         /* the most characters of a city before its last */
    uint64_t city_pairs[1024]; /* bit `city_pair`: a city starts with those two characters */
    uint64_t ctx_pairs[1024]; /* bit `pair_hash`: a Chinese name context word starts so */
    uint8_t id_prov[100];
} config_t;

enum {
    F_SURNAME = 1, F_PLATE = 2, F_PLATE_SUFFIX = 4,
    F_CTX_PAIR = 8, /* first character of a Chinese name context word: the scan stops there
                       only where the next character makes a word's first two (`ctx_pairs`) */
    F_G4_START = 16, /* first character of a group-4 word: name context, compound, province */
    F_G2_START = 32, /* first character of a CJK English-name context word ("用户") */
    F_TITLE_START = 64, /* first character of a title ("先生") */
    F_CTX_START = 128,  /* first character of a CJK context word ("身份证") */
};

/* what a group-4 start character (F_G4_START) starts exactly */
enum { F2_NAME_CTX = 1, F2_COMPOUND = 2, F2_PROVINCE = 4,
       F2_FULLWIDTH = 8, /* a full-width digit, letter or '@': the row is read folded */
       F2_CLOSER = 16, /* '）', '］', '｝': "zhangsan（at）163.com" */
       F2_SENT_END = 32, /* '。', '！', '？', '；': a sentence ends */
       F2_DOT = 64, /* '•', '・': a name dot */
       F2_KEY_END = 128 /* '市', '州', '盟', '址': the last character of a city or of an
                            address label (`city_before`, `label_before`) */ };
enum { F3_LEAD_STOP = 1, /* `DOTTED_LEAD_STOP`: no dotted name opening a sentence holds one */
       F3_CITY_PEN = 2, /* the last but one character of a city (圳 of 深圳市) */
       F3_CITY_FIRST = 4, /* the first character of a city (深 of 深圳市) */
       F3_LABEL_END = 8, /* the last character of an address label (址) */
       F3_NAME_STOP = 16, /* `NAME_STOP`: a function word, no given name's last character */
       F3_UNIT_ROOM = 32, /* 栋 幢 座 楼 门: a room number may follow (8栋1104, 3门701) */
       F3_UNIT_BLD = 64 /* 栋 幢 楼 层 舍 仓 库: a building, floor or store ends an address */ };

static config_t CFG;

static inline int wl_at(const wlist_t *L, int i, const uint8_t *s, int64_t n, int64_t p) {
    const word_t *w = &L->w[i];
    if (p + w->len > n) return 0;
    if (p + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + p, 8);
        if ((x & w->hmask) != w->head) return 0;
        return w->len <= 8 || memcmp(s + p + 8, w->s + 8, (size_t)(w->len - 8)) == 0;
    }
    return memcmp(s + p, w->s, (size_t)w->len) == 0;
}
static inline uint32_t wl_key(const uint8_t *s, int64_t n, int64_t p) {
    return ((uint32_t)s[p] << 8) | (p + 1 < n ? s[p + 1] : 0);
}
static inline int wl_has(const wlist_t *L, uint32_t key) { return (L->keys[key >> 6] >> (key & 63)) & 1; }
/* for each word of L that matches at p, in list order: `WL_EACH(L, s, n, p, i) { ... }` */
#define WL_EACH(L, s, n, p, i)                                                                 \
    for (uint32_t key_ = wl_key(s, n, p), e_ = wl_has(L, key_) ? (L)->start[key_ + 1] : 0,      \
                  k_ = e_ ? (L)->start[key_] : 0, i = 0;                                       \
         k_ < e_ && ((i = (uint32_t)(L)->idx[k_]), 1); k_++)                                   \
        if (wl_at(L, (int)i, s, n, p))


/* ------------------------------------------------------------------ characters */

/* one table of byte classes: a class test is one load and one AND */
enum {
    C_DIGIT = 1, C_UPPER = 2, C_LOWER = 4, C_HEX = 8, C_USCC = 16, C_LOCAL = 32, C_LABEL = 64,
    C_UPPER_NO_IO = 128,
};
static uint8_t CLS[256];
static void init_classes(void) {
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b, k = 0;
        int digit = c >= '0' && c <= '9', up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
        if (digit) k |= C_DIGIT;
        if (up) k |= C_UPPER;
        if (lo) k |= C_LOWER;
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= C_HEX;
        /* [0-9A-HJ-NPQRTUWXY]: the credit-code alphabet (no I, O, S, V, Z) */
        if (digit || (up && c != 'I' && c != 'O' && c != 'S' && c != 'V' && c != 'Z')) k |= C_USCC;
        if (digit || up || lo || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') k |= C_LOCAL;
        if (digit || up || lo || c == '-') k |= C_LABEL;
        if (up && c != 'I' && c != 'O') k |= C_UPPER_NO_IO; /* [A-HJ-NP-Z] */
        CLS[b] = k;
    }
}
static inline int is_digit(uint8_t c) { return CLS[c] & C_DIGIT; }
static inline int is_upper(uint8_t c) { return CLS[c] & C_UPPER; }
static inline int is_lower(uint8_t c) { return CLS[c] & C_LOWER; }
static inline int is_alpha(uint8_t c) { return CLS[c] & (C_UPPER | C_LOWER); }
static inline int is_alnum(uint8_t c) { return CLS[c] & (C_DIGIT | C_UPPER | C_LOWER); }
static inline int is_hex(uint8_t c) { return CLS[c] & C_HEX; }
static inline int is_uscc(uint8_t c) { return CLS[c] & C_USCC; }
static inline int is_upper_no_io(uint8_t c) { return CLS[c] & C_UPPER_NO_IO; }
static inline int is_local(uint8_t c) { return CLS[c] & C_LOCAL; }
static inline int is_label(uint8_t c) { return CLS[c] & C_LABEL; }

/* Code point at p (valid UTF-8: Arrow strings are) and its byte length. */
static inline int dec(const uint8_t *s, int64_t n, int64_t p, uint32_t *cp) {
    uint8_t c = s[p];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xE0 && p + 1 < n) { *cp = ((uint32_t)(c & 0x1F) << 6) | (s[p + 1] & 0x3F); return 2; }
    if (c < 0xF0 && p + 2 < n) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[p + 1] & 0x3F) << 6) | (s[p + 2] & 0x3F);
        return 3;
    }
    if (p + 3 < n) {
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[p + 1] & 0x3F) << 12) |
              ((uint32_t)(s[p + 2] & 0x3F) << 6) | (s[p + 3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

/* the code point of the three-byte character at q */
static inline uint32_t cp3(const uint8_t *s, int64_t q) {
    return ((uint32_t)(s[q] & 0x0F) << 12) | ((uint32_t)(s[q + 1] & 0x3F) << 6) | (s[q + 2] & 0x3F);
}
/* `_patterns.HAN` in the BMP: U+3400-4DBF and U+4E00-9FFF */
static inline int han3(uint32_t cp) { return cp - 0x4E00 <= 0x9FFF - 0x4E00 || cp - 0x3400 <= 0x4DBF - 0x3400; }
/* the length in bytes of the Han character at p (3, or 4 for U+20000-323AF, where the rare
   characters of names are), else 0 */
static inline int han_at(const uint8_t *s, int64_t n, int64_t p) {
    if (p >= n) return 0;
    uint8_t c = s[p];
    if ((c & 0xF0) == 0xE0) return p + 3 <= n && han3(cp3(s, p)) ? 3 : 0;
    if (c == 0xF0 && p + 4 <= n) {
        uint32_t cp;
        dec(s, n, p, &cp);
        return cp - 0x20000 <= 0x323AF - 0x20000 ? 4 : 0;
    }
    return 0;
}
static inline int cjk_flag(const uint8_t *s, int64_t n, int64_t p, int flag) {
    if (p >= n || s[p] < 0x80) return 0;
    uint32_t cp;
    int l = dec(s, n, p, &cp);
    if (l != 3 || cp > 0xFFFF) return 0;
    return (CFG.cjk[cp] & flag) != 0;
}

static inline int64_t run(const uint8_t *s, int64_t n, int64_t p, int (*cls)(uint8_t)) {
    while (p < n && cls(s[p])) p++;
    return p;
}
/* The end of a run of bytes in (lo, hi), 8 bytes at a time: the high bit of each byte
   of the mask says the byte is in range (bytes >= 0x80 never are). */
static inline uint64_t in_range8(uint64_t x, unsigned lo, unsigned hi) {
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t low7 = x & (ones * 127);
    return ((ones * (127 + hi) - low7) & ~x & (low7 + ones * (127 - lo))) & high;
}
static inline int64_t range_run(const uint8_t *s, int64_t n, int64_t p, unsigned lo, unsigned hi) {
    while (p + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + p, 8);
        uint64_t miss = ~in_range8(x, lo, hi) & 0x8080808080808080ULL;
        if (miss) return p + (__builtin_ctzll(miss) >> 3);
        p += 8;
    }
    while (p < n && s[p] > lo && s[p] < hi) p++;
    return p;
}
/* The end of a run of lowercase letters and spaces, 8 bytes at a time (the space test is
   exact per byte: high bit of ~(((t & 0x7F..) + 0x7F..) | t | 0x7F..) for t = x ^ 0x20..). */
static inline int64_t lower_space_end(const uint8_t *s, int64_t n, int64_t p) {
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL, high = 0x8080808080808080ULL;
    while (p + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + p, 8);
        uint64_t t = x ^ 0x2020202020202020ULL;
        uint64_t space = ~(((t & low7) + low7) | t | low7);
        uint64_t miss = ~(in_range8(x, 'a' - 1, 'z' + 1) | space) & high;
        if (miss) return p + (__builtin_ctzll(miss) >> 3);
        p += 8;
    }
    while (p < n && ((s[p] >= 'a' && s[p] <= 'z') || s[p] == ' ')) p++;
    return p;
}
/* The start of the run of lowercase letters that ends at `re` (not before p), 8 bytes
   at a time: word lengths vary, so a byte loop mispredicts its exit. */
static inline int64_t lower_start(const uint8_t *s, int64_t p, int64_t re) {
    while (re - 8 >= p) {
        uint64_t x;
        memcpy(&x, s + re - 8, 8);
        uint64_t miss = ~in_range8(x, 'a' - 1, 'z' + 1) & 0x8080808080808080ULL;
        if (miss) return re - 8 + ((63 - __builtin_clzll(miss)) >> 3) + 1;
        re -= 8;
    }
    if (re >= 8 && re > p) {
        /* the last few bytes as one word too, those before p included, then clamped */
        uint64_t x;
        memcpy(&x, s + re - 8, 8);
        uint64_t miss = ~in_range8(x, 'a' - 1, 'z' + 1) & 0x8080808080808080ULL;
        int64_t rs = miss ? re - 8 + ((63 - __builtin_clzll(miss)) >> 3) + 1 : re - 8;
        return rs > p ? rs : p;
    }
    while (re > p && s[re - 1] >= 'a' && s[re - 1] <= 'z') re--;
    return re;
}
static inline int64_t digit_end(const uint8_t *s, int64_t n, int64_t p) {
    return range_run(s, n, p, '0' - 1, '9' + 1);
}
static inline int digits_at(const uint8_t *s, int64_t n, int64_t p, int k) {
    if (p + k > n) return 0;
    for (int i = 0; i < k; i++)
        if (!is_digit(s[p + i])) return 0;
    return 1;
}

/* Maximal runs of one class from a scan position, remembered: the scan tries every
   position inside a run, and the run's end is the same from each of them. */
typedef struct {
    int64_t from, end;
} runcache_t;

typedef struct {
    const uint8_t *s;
    int64_t n;
    runcache_t dig, loc, ucls, hex;
    int64_t at_pos, at_end; /* the last '@' whose domain was parsed, and its email end */
    int64_t next_at;        /* the first '@' at or after the last asked position (n: none) */
    int wide;               /* a byte >= 0x80 was seen: code points differ from bytes */
    int grouped;            /* a resident ID written in groups (110105 19491231 002X) */
    int hashes;             /* a '#' was seen (li#163.com) */
    int fullwidth;          /* a full-width digit, letter or '@' was seen (１３８…) */
    int64_t at_ls;          /* where the local-part run that ends at next_at starts */
    int spelled;            /* maybe an address with "(at)" or " at " for '@' */
    int dots;               /* a name dot (·, •, ・) was seen: dotted names may open sentences */
    const int64_t *leads;   /* where they do, in order (the second scan of such a row) */
    int64_t nleads, li;     /* li: the next of them */
    int dotted;             /* the second scan of such a row: dotted names are tried too */
} row_t;

/* Whether the local-part run from p is not empty and ends at an '@', as an email's must:
   that run can only end at the first '@' after p, and does when p is inside the run just
   before it, found once per '@' by a walk back instead of a walk forward per word. */
static inline void find_at(row_t *r, int64_t p) {
    const uint8_t *a = memchr(r->s + p, '@', (size_t)(r->n - p));
    r->next_at = a ? a - r->s : r->n;
    int64_t q = r->next_at;
    while (a && q > 0 && is_local(r->s[q - 1])) q--;
    r->at_ls = q;
}
static inline int local_to_at(row_t *r, int64_t p) {
    if (__builtin_expect(r->next_at < p, 0)) find_at(r, p);
    return p >= r->at_ls && p < r->next_at && r->next_at < r->n;
}
static inline int64_t cached(row_t *r, runcache_t *c, int64_t p, int (*cls)(uint8_t)) {
    if (p >= c->from && p < c->end) return c->end;
    c->from = p;
    c->end = run(r->s, r->n, p, cls);
    return c->end;
}

/* ------------------------------------------------------------------ group 0 */

static int64_t m_number(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t e = cached(r, &r->dig, p, is_digit);
    if (e - p < 8) return -1;
    if (e < r->n && (s[e] == 'X' || s[e] == 'x')) e++;
    return e;
}

/* 1[3-9][0-9]{9} */
static int64_t mob11(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 11 > n || s[q] != '1' || s[q + 1] < '3' || s[q + 1] > '9') return -1;
    return digits_at(s, n, q + 2, 9) ? q + 11 : -1;
}
/* 1[3-9][0-9](?:[ -][0-9]{4}){2} */
static int64_t mob_grouped(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 13 > n || s[q] != '1' || s[q + 1] < '3' || s[q + 1] > '9' || !is_digit(s[q + 2]))
        return -1;
    for (int k = 0; k < 2; k++) {
        int64_t g = q + 3 + 5 * k;
        if ((s[g] != ' ' && s[g] != '-') || !digits_at(s, n, g + 1, 4)) return -1;
    }
    return q + 13;
}
/* (?:\+|00)86 */
static int64_t cc86(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 3 <= n && s[p] == '+' && s[p + 1] == '8' && s[p + 2] == '6') return p + 3;
    if (p + 4 <= n && s[p] == '0' && s[p + 1] == '0' && s[p + 2] == '8' && s[p + 3] == '6')
        return p + 4;
    return -1;
}
static inline int is_sp_dash(uint8_t c) { return c == ' ' || c == '-'; }

static int64_t m_mobile(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, q = cc86(s, n, p), e;
    if (q >= 0) {
        if (q < n && is_sp_dash(s[q]) && (e = mob11(s, n, q + 1)) >= 0) return digit_end(s, n, e);
        if ((e = mob11(s, n, q)) >= 0) return digit_end(s, n, e);
        if (q < n && is_sp_dash(s[q]) && (e = mob_grouped(s, n, q + 1)) >= 0)
            return digit_end(s, n, e);
        if ((e = mob_grouped(s, n, q)) >= 0) return digit_end(s, n, e);
    }
    if ((e = mob_grouped(s, n, p)) >= 0) return digit_end(s, n, e);
    return -1;
}

/* [3-6][0-9]{3}(?:[ -][0-9]{4}){3} */
static int card19(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 19 > n || s[p] < '3' || s[p] > '6' || !digits_at(s, n, p + 1, 3)) return 0;
    for (int k = 0; k < 3; k++) {
        int64_t g = p + 4 + 5 * k;
        if (!is_sp_dash(s[g]) || !digits_at(s, n, g + 1, 4)) return 0;
    }
    return 1;
}
static int64_t m_card(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    if (!card19(s, n, p)) return -1;
    int64_t e = p + 19;
    if (e + 1 < n && is_sp_dash(s[e]) && is_digit(s[e + 1])) return digit_end(s, n, e + 1);
    return digit_end(s, n, e);
}

/* ------------------------------------------------------------------ group 1 */

static int64_t m_ipv4(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, q = p, e;
    for (int k = 0; k < 3; k++) {
        e = k == 0 ? cached(r, &r->dig, q, is_digit) : digit_end(s, n, q);
        if (e == q || e - q > 3 || e >= n || s[e] != '.') return -1;
        q = e + 1;
    }
    e = digit_end(s, n, q);
    if (e == q) return -1;
    for (;;) {
        if (e < n && is_digit(s[e])) e++;
        else if (e + 1 < n && s[e] == '.' && is_digit(s[e + 1])) e += 2;
        else break;
    }
    return e;
}

/* (?:\(0[1-9][0-9]{1,2}\) ?|0[1-9][0-9]{1,2}-): the position after it, or -1 (the space
   after the bracket taken where a digit follows it: otherwise nothing can) */
static int64_t area_code(const uint8_t *s, int64_t n, int64_t p) {
    int64_t q = p, e;
    int paren = p < n && s[p] == '(';
    if (paren) q++;
    if (q + 2 > n || s[q] != '0' || s[q + 1] < '1' || s[q + 1] > '9') return -1;
    e = digit_end(s, n, q + 2);
    if (e - (q + 2) < 1 || e - (q + 2) > 2 || e >= n) return -1;
    if (s[e] != (paren ? ')' : '-')) return -1;
    if (paren && e + 2 < n && s[e + 1] == ' ' && is_digit(s[e + 2])) return e + 2;
    return e + 1;
}
/* the number after the area code at q, `(?:[0-9]{7,8}|[0-9]{3,4} [0-9]{4})(?:-[0-9]{1,5})?
   [0-9]*`: its end, or -1 */
static int64_t landline_rest(const uint8_t *s, int64_t n, int64_t q) {
    int64_t e = digit_end(s, n, q), k = e - q;
    if (k >= 9) return e;
    if (k >= 7) {
        if (e + 1 < n && s[e] == '-' && is_digit(s[e + 1])) return digit_end(s, n, e + 1);
        return e;
    }
    if ((k != 3 && k != 4) || !(e + 5 <= n && s[e] == ' ' && digits_at(s, n, e + 1, 4))) return -1;
    e = digit_end(s, n, e + 1);
    if (e - q - k - 1 == 4 && e + 1 < n && s[e] == '-' && is_digit(s[e + 1])) return digit_end(s, n, e + 1);
    return e;
}
static int64_t m_landline(row_t *r, int64_t p) {
    int64_t q = area_code(r->s, r->n, p);
    return q < 0 ? -1 : landline_rest(r->s, r->n, q);
}

/* (?:\([2-9][0-9]{2}\)|[2-9][0-9]{2}[.-])[0-9]{3}[.-][0-9]{4}(?:x[0-9]{1,5})? */
static int64_t us_rest(const uint8_t *s, int64_t n, int64_t q) {
    int64_t t;
    if (q + 5 <= n && s[q] == '(' && s[q + 1] >= '2' && s[q + 1] <= '9' && digits_at(s, n, q + 2, 2) &&
        s[q + 4] == ')')
        t = q + 5 + (q + 6 < n && s[q + 5] == ' ' && is_digit(s[q + 6])); /* "(312) 555-0147" */
    else if (q + 4 <= n && s[q] >= '2' && s[q] <= '9' && digits_at(s, n, q + 1, 2) &&
             (s[q + 3] == '.' || s[q + 3] == '-'))
        t = q + 4;
    else
        return -1;
    if (!digits_at(s, n, t, 3) || t + 8 > n || (s[t + 3] != '.' && s[t + 3] != '-') ||
        !digits_at(s, n, t + 4, 4))
        return -1;
    int64_t e = t + 8;
    if (e + 1 < n && s[e] == 'x' && is_digit(s[e + 1])) {
        int k = 0;
        while (k < 5 && e + 1 + k < n && is_digit(s[e + 1 + k])) k++;
        e += 1 + k;
    }
    return e;
}
static int64_t m_phone_us(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, e;
    if (p + 2 <= n && s[p] == '+' && s[p + 1] == '1') {
        int64_t q = p + 2;
        if (q < n && (s[q] == ' ' || s[q] == '.' || s[q] == '-') && (e = us_rest(s, n, q + 1)) >= 0)
            return e;
        return us_rest(s, n, q);
    }
    return us_rest(s, n, p);
}

/* `phone_intl`, `\+[2-9][0-9]*(?:[ -][0-9]+)*`: its end, or -1 */
static int64_t m_phone_intl(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    if (p + 2 > n || s[p] != '+' || s[p + 1] < '2' || s[p + 1] > '9') return -1;
    int64_t e = digit_end(s, n, p + 1);
    while (e + 1 < n && (s[e] == ' ' || s[e] == '-') && is_digit(s[e + 1])) e = digit_end(s, n, e + 1);
    return e;
}

/* ------------------------------------------------------------------ group 2 */

/* " [A-Z][a-z]+": the end of the word, or -1 */
static inline int64_t cap_word(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 3 > n || s[q] != ' ' || !is_upper(s[q + 1]) || !is_lower(s[q + 2])) return -1;
    return run(s, n, q + 2, is_lower);
}
/* `[NAME_LOWER]` at q, an ASCII or a Latin-1 lowercase letter (ß-ö, ø-ÿ: C3 9F-B6, B8-BF):
   its length in bytes, or 0 */
static inline int name_lower_at(const uint8_t *s, int64_t n, int64_t q) {
    if (q >= n) return 0;
    if (is_lower(s[q])) return 1;
    if (s[q] != 0xC3 || q + 1 >= n) return 0;
    uint8_t c = s[q + 1];
    return (c >= 0x9F && c <= 0xB6) || (c >= 0xB8 && c <= 0xBF) ? 2 : 0;
}
static inline int64_t name_lower_run(const uint8_t *s, int64_t n, int64_t q) {
    int l;
    while ((l = name_lower_at(s, n, q))) q += l;
    return q;
}
/* " [A-Z][NAME_LOWER]+" at q, a word of an English name (Fernández): its end, or -1 */
static inline int64_t name_word(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 3 > n || s[q] != ' ' || !is_upper(s[q + 1]) || !name_lower_at(s, n, q + 2)) return -1;
    return name_lower_run(s, n, q + 2);
}
static inline int lit(const uint8_t *s, int64_t n, int64_t p, const char *w) {
    size_t l = strlen(w); /* constant-folded where w is a literal */
    return p + (int64_t)l <= n && memcmp(s + p, w, l) == 0;
}

/* `_UK_POSTCODE` at q, "[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}": its end, or -1 */
static int64_t uk_postcode(const uint8_t *s, int64_t n, int64_t q) {
    if (!(q + 6 <= n && is_upper(s[q]))) return -1;
    int64_t j = q + 1 + (is_upper(s[q + 1]) != 0);
    if (!(j < n && is_digit(s[j]))) return -1;
    j++;
    if (j < n && (is_upper(s[j]) || is_digit(s[j]))) j++;
    if (!(j + 4 <= n && s[j] == ' ' && is_digit(s[j + 1]) && is_upper(s[j + 2]) && is_upper(s[j + 3])))
        return -1;
    return j + 4;
}
/* "(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)*)+" and then the US state and ZIP code, the Canadian
   province and postal code, the Australian state and postcode or the UK postcode (a place
   word never takes a code's letters, so the parts are read greedily and the endings tried
   once, after the last) */
static int64_t postcode_after(const uint8_t *s, int64_t n, int64_t e);
static int64_t addr_tail(const uint8_t *s, int64_t n, int64_t q) {
    int64_t e = q, f, hk = -1;
    int parts = 0;
    while (e + 1 < n && s[e] == ',' && (f = cap_word(s, n, e + 1)) >= 0) {
        /* `(?:, PLACE)*, (?:HK_PLACES)`: the last part that starts with one ends it */
        const wlist_t *H = &CFG.hk_places;
        WL_EACH(H, s, n, e + 2, i) { /* (then an ASCII word boundary) */
            int64_t x = e + 2 + H->w[i].len;
            if (x < n && (is_alnum(s[x]) || s[x] == '_')) continue;
            hk = x;
            break;
        }
        e = f;
        while ((f = cap_word(s, n, e)) >= 0) e = f;
        parts++;
    }
    if (!parts) return -1;
    int64_t end = postcode_after(s, n, e);
    return end >= 0 ? end : hk;
}
/* the US, Canadian, Australian or UK ending right after the places (at e) */
static int64_t postcode_after(const uint8_t *s, int64_t n, int64_t e) {
    if (e + 5 <= n && s[e] == ',' && s[e + 1] == ' ' && is_upper(s[e + 2]) && is_upper(s[e + 3]) && s[e + 4] == ' ') {
        if (digits_at(s, n, e + 5, 5)) return e + 10;
        const uint8_t *c = s + e + 5; /* "A9A 9A9" */
        if (e + 12 <= n && is_upper(c[0]) && is_digit(c[1]) && is_upper(c[2]) && c[3] == ' ' && is_digit(c[4]) &&
            is_upper(c[5]) && is_digit(c[6]))
            return e + 12;
        return -1;
    }
    if (!(e + 1 < n && s[e] == ' ')) return -1;
    static const char *AU[] = {"NSW ", "VIC ", "QLD ", "TAS ", "ACT ", "WA ", "SA ", "NT "};
    for (int i = 0; i < 8; i++)
        if (lit(s, n, e + 1, AU[i])) {
            int64_t d = e + 1 + (int64_t)strlen(AU[i]);
            return digits_at(s, n, d, 4) ? d + 4 : -1;
        }
    return uk_postcode(s, n, e + 1);
}
/* "(?:Apt\.?|Suite|Unit|Flat) [0-9]{1,5}[A-Z]?" at p, an apartment, suite, unit or flat:
   its end, or -1 (a letter after the number is taken where there is one: what follows,
   a comma, cannot start with it) */
static int64_t apt_number(const uint8_t *s, int64_t n, int64_t p) {
    int64_t t;
    if (lit(s, n, p, "Apt.")) t = p + 4;
    else if (lit(s, n, p, "Apt")) t = p + 3;
    else if (lit(s, n, p, "Flat") || lit(s, n, p, "Unit")) t = p + 4;
    else if (lit(s, n, p, "Suite")) t = p + 5;
    else return -1;
    if (t >= n || s[t] != ' ') return -1;
    int64_t e = digit_end(s, n, t + 1);
    if (e == t + 1 || e - (t + 1) > 5) return -1;
    return e < n && is_upper(s[e]) ? e + 1 : e;
}
/* " " and an apartment (`apt_number`) followed by the tail */
static int64_t apt_then_tail(const uint8_t *s, int64_t n, int64_t q) {
    if (q >= n || s[q] != ' ') return -1;
    int64_t e = apt_number(s, n, q + 1);
    return e < 0 ? -1 : addr_tail(s, n, e);
}
/* a word of a street's name at q, " " and then `[A-Z][a-z]+(?:'s)?`, an ordinal
   (`[0-9]{1,3}(?:st|nd|rd|th)`) or a compass point (`[NSEW]`): its end, or -1. Each form
   can end only one way before what must follow a word (a space or a comma). */
static inline int64_t street_word(const uint8_t *s, int64_t n, int64_t q) {
    int64_t e = cap_word(s, n, q);
    if (e >= 0) return lit(s, n, e, "'s") ? e + 2 : e; /* (Queen's Road) */
    if (q + 2 > n || s[q] != ' ') return -1;
    uint8_t c = s[q + 1];
    if (c == 'N' || c == 'S' || c == 'E' || c == 'W') return q + 2;
    int64_t d = digit_end(s, n, q + 1);
    if (d == q + 1 || d - (q + 1) > 3 || d + 2 > n) return -1;
    static const char *ORD[] = {"st", "nd", "rd", "th"};
    for (int i = 0; i < 4; i++)
        if (s[d] == ORD[i][0] && s[d + 1] == ORD[i][1]) return d + 2;
    return -1;
}
/* an address from its house number [p, d) on: the street's words, then an apartment and
   the places with their ending, tried from the most words back */
static int64_t addr_from_number(const uint8_t *s, int64_t n, int64_t p, int64_t d) {
    if (d - p > 5 || d >= n || s[d] != ' ') return -1;
    int64_t ends[4], e;
    int k = 0;
    int64_t q = d;
    while (k < 4 && (e = street_word(s, n, q)) >= 0) ends[k++] = q = e;
    for (int j = k - 1; j >= 0; j--) {
        q = ends[j];
        if (q < n && s[q] == ',' && (e = apt_then_tail(s, n, q + 1)) >= 0) return e;
        if ((e = apt_then_tail(s, n, q)) >= 0) return e;
        if ((e = addr_tail(s, n, q)) >= 0) return e;
    }
    return -1;
}
/* "(?:Flat|Apt\.?|Unit|Suite) [0-9]{1,5}[A-Z]?, " at p, a flat before the house number
   (Flat 4, 27 Queen's Road…): where the number starts, or -1 */
static int64_t flat_before(const uint8_t *s, int64_t n, int64_t p) {
    int64_t e = apt_number(s, n, p);
    return e >= 0 && e + 2 < n && s[e] == ',' && s[e + 1] == ' ' && is_digit(s[e + 2]) ? e + 2 : -1;
}
static int64_t m_addr_en(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, e;
    if (is_digit(s[p])) return addr_from_number(s, n, p, cached(r, &r->dig, p, is_digit));
    int64_t q = flat_before(s, n, p);
    if (q >= 0 && (e = addr_from_number(s, n, q, digit_end(s, n, q))) >= 0) return e;
    static const char *ships[] = {"USNS", "USNV", "USS", "USCGC"};
    for (int i = 0; i < 4; i++) {
        if (!lit(s, n, p, ships[i])) continue;
        int64_t q = p + (int64_t)strlen(ships[i]);
        if ((e = cap_word(s, n, q)) < 0) continue;
        if (lit(s, n, e, ", FPO A") && e + 8 <= n &&
            (s[e + 7] == 'A' || s[e + 7] == 'E' || s[e + 7] == 'P') && e + 9 <= n && s[e + 8] == ' ' &&
            digits_at(s, n, e + 9, 5))
            return e + 14;
    }
    static const char *units[] = {"PSC", "Unit"};
    for (int i = 0; i < 2; i++) {
        if (!lit(s, n, p, units[i])) continue;
        int64_t q = p + (int64_t)strlen(units[i]);
        if (!(q < n && s[q] == ' ' && digits_at(s, n, q + 1, 4))) continue;
        q += 5;
        if (q < n && s[q] == ',') q++;
        if (!lit(s, n, q, " Box ") || !digits_at(s, n, q + 5, 4)) continue;
        q += 9;
        if (!(q + 4 <= n && s[q] == ',' && s[q + 1] == ' ' &&
              (s[q + 2] == 'A' || s[q + 2] == 'D' || s[q + 2] == 'F') && s[q + 3] == 'P'))
            continue;
        q += 4;
        if (lit(s, n, q, "O A") && q + 5 <= n &&
            (s[q + 3] == 'A' || s[q + 3] == 'E' || s[q + 3] == 'P') && s[q + 4] == ' ' &&
            digits_at(s, n, q + 5, 5))
            return q + 10;
    }
    return -1;
}

static int64_t m_name_en(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    const wlist_t *L = &CFG.name_ctx_en;
    if (!L->first[s[p]]) return -1;
    WL_EACH(L, s, n, p, i) {
        int64_t q = p + L->w[i].len;
        int64_t opts[2];
        int no = 0;
        if (q < n && s[q] == ':') opts[no++] = q + 1;
        opts[no++] = q;
        for (int o = 0; o < no; o++) {
            q = opts[o];
            int64_t e = name_word(s, n, q), f;
            if (e < 0 || (f = name_word(s, n, e)) < 0) continue;
            e = f;
            if ((f = name_word(s, n, e)) >= 0) e = f;
            return e;
        }
    }
    return -1;
}

/* A name that opens a sentence (the caller checks the start): `[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}`,
   a space and a verb ("said") ending at an ASCII word boundary, as `_EN_NAME_LEAD` from the
   name on; the end of the match, and the name's end in *core; -1 if none. */
static int64_t en_lead(const uint8_t *s, int64_t n, int64_t p, int64_t *core) {
    if (p + 2 > n || !is_upper(s[p]) || !name_lower_at(s, n, p + 1)) return -1;
    int64_t e[3];
    int k = 1;
    e[0] = name_lower_run(s, n, p + 1);
    while (k < 3 && (e[k] = name_word(s, n, e[k - 1])) >= 0) k++;
    const wlist_t *V = &CFG.name_preds_en;
    for (int j = k - 1; j >= 1; j--) {
        int64_t q = e[j];
        if (q + 2 > n || s[q] != ' ' || !V->first[s[q + 1]]) continue;
        WL_EACH(V, s, n, q + 1, i) {
            int64_t v = q + 1 + V->w[i].len;
            if (v < n && (is_alnum(s[v]) || s[v] == '_')) continue; /* (?-u:\b) */
            *core = q;
            return v;
        }
    }
    return -1;
}
static int64_t m_name_en_lead(row_t *r, int64_t p) {
    int64_t core;
    return en_lead(r->s, r->n, p, &core);
}
/* As opens_sentence, for `_EN_NAME_LEAD`'s starts: the row start, a line end, ". " (or
   '!', '?', ';'), or a Chinese sentence end and at most one space. */
static int opens_sentence_en(const uint8_t *s, int64_t p) {
    if (p == 0) return 1;
    uint8_t b = s[p - 1];
    if (b == '\n') return 2;
    int64_t q = p;
    if (b == ' ') {
        if (p < 2) return 0;
        uint8_t a = s[p - 2];
        if (a < 0x80) return a == '.' || a == '!' || a == '?' || a == ';' ? 2 : 0;
        q = p - 1;
    }
    return q >= 3 && (s[q - 3] & 0xF0) == 0xE0 && (CFG.cjk2[cp3(s, q - 3)] & F2_SENT_END) ? 2 : 0;
}

/* Dates: the day alternatives `[12][0-9]|3[01]|0?[1-9]` in priority order. */
static int day_options(const uint8_t *s, int64_t n, int64_t q, int64_t out[3]) {
    int k = 0;
    if (q + 2 <= n && (s[q] == '1' || s[q] == '2') && is_digit(s[q + 1])) out[k++] = q + 2;
    if (q + 2 <= n && s[q] == '3' && (s[q + 1] == '0' || s[q + 1] == '1')) out[k++] = q + 2;
    if (q + 2 <= n && s[q] == '0' && s[q + 1] >= '1' && s[q + 1] <= '9') out[k++] = q + 2;
    if (q < n && s[q] >= '1' && s[q] <= '9') out[k++] = q + 1;
    return k;
}
static const char *NIAN = "\xe5\xb9\xb4", *YUE = "\xe6\x9c\x88", *RI = "\xe6\x97\xa5";
static int64_t date_sep(const uint8_t *s, int64_t n, int64_t q, const char *cjk) {
    if (q < n && (s[q] == '-' || s[q] == '/' || s[q] == '.')) return q + 1;
    if (lit(s, n, q, cjk)) return q + 3;
    return -1;
}
/* The numeric date alternative; with want >= 0, whether some path ends exactly there. */
static int64_t dob_iso(const uint8_t *s, int64_t n, int64_t p, int64_t want) {
    if (!(p + 4 <= n && ((s[p] == '1' && s[p + 1] == '9') || (s[p] == '2' && s[p + 1] == '0')) &&
          is_digit(s[p + 2]) && is_digit(s[p + 3])))
        return -1;
    int64_t q1 = date_sep(s, n, p + 4, NIAN);
    if (q1 < 0) return -1;
    int64_t months[3];
    int nm = 0;
    if (q1 + 2 <= n && s[q1] == '0' && s[q1 + 1] >= '1' && s[q1 + 1] <= '9') months[nm++] = q1 + 2;
    if (q1 < n && s[q1] >= '1' && s[q1] <= '9') months[nm++] = q1 + 1;
    if (q1 + 2 <= n && s[q1] == '1' && s[q1 + 1] >= '0' && s[q1 + 1] <= '2') months[nm++] = q1 + 2;
    for (int i = 0; i < nm; i++) {
        int64_t q2 = date_sep(s, n, months[i], YUE);
        if (q2 < 0) continue;
        int64_t days[4];
        int nd = day_options(s, n, q2, days);
        for (int j = 0; j < nd; j++) {
            int64_t e = days[j];
            int ri = lit(s, n, e, RI);
            if (want < 0) return ri ? e + 3 : e;
            if ((ri && e + 3 == want) || e == want) return want;
        }
    }
    return -1;
}
/* `(?:19|20)[0-9]{2}` at q */
static inline int year_at(const uint8_t *s, int64_t n, int64_t q) {
    return q + 4 <= n && ((s[q] == '1' && s[q + 1] == '9') || (s[q] == '2' && s[q + 1] == '0')) &&
           is_digit(s[q + 2]) && is_digit(s[q + 3]);
}
/* `_MONTH` at q followed by a space: the space's position, or -1 (the months of `MONTHS`,
   then the abbreviations of `MONTH_ABBR`, 12 on, with an optional dot; a month word is
   followed by a space or a dot, so at most one of them fits) */
static int64_t month_sp(const uint8_t *s, int64_t n, int64_t q) {
    const wlist_t *L = &CFG.months;
    WL_EACH(L, s, n, q, i) {
        int64_t e = q + L->w[i].len;
        if (i >= 12 && e < n && s[e] == '.') e++;
        if (e < n && s[e] == ' ') return e;
    }
    return -1;
}
/* a month's number from the text of `_MONTH` at m (an abbreviation is a prefix of its
   month's name), or 0 */
static int month_number(const uint8_t *m, int64_t len) {
    const wlist_t *L = &CFG.months;
    int64_t k = 0;
    while (k < len && is_alpha(m[k])) k++;
    for (int i = 0; i < 12 && i < L->n; i++)
        if (L->w[i].len >= k && k >= 3 && memcmp(L->w[i].s, m, (size_t)k) == 0) return i + 1;
    return 0;
}
/* `_MONTH _DAY, _YEAR` */
static int64_t dob_en(const uint8_t *s, int64_t n, int64_t p) {
    int64_t q = month_sp(s, n, p);
    if (q < 0) return -1;
    int64_t days[4];
    int nd = day_options(s, n, q + 1, days);
    for (int j = 0; j < nd; j++) {
        int64_t e = days[j];
        if (e + 6 <= n && s[e] == ',' && s[e + 1] == ' ' && year_at(s, n, e + 2)) return e + 6;
    }
    return -1;
}
/* `_DAY _MONTH _YEAR` (4 September 1993), then `_DAY/_DAY/_YEAR` and `_DAY\._DAY\._YEAR` */
static int64_t dob_day_first(const uint8_t *s, int64_t n, int64_t p) {
    int64_t days[4];
    int nd = day_options(s, n, p, days);
    for (int j = 0; j < nd; j++) {
        int64_t e = days[j], q;
        if (e + 1 < n && s[e] == ' ' && (q = month_sp(s, n, e + 1)) >= 0 && year_at(s, n, q + 1))
            return q + 5;
    }
    for (int sep = 0; sep < 2; sep++) {
        uint8_t c = sep ? '.' : '/';
        for (int j = 0; j < nd; j++) {
            int64_t e = days[j], d2[4];
            if (!(e < n && s[e] == c)) continue;
            int nd2 = day_options(s, n, e + 1, d2);
            for (int k = 0; k < nd2; k++)
                if (d2[k] < n && s[d2[k]] == c && year_at(s, n, d2[k] + 1)) return d2[k] + 5;
        }
    }
    return -1;
}
static int64_t m_dob(row_t *r, int64_t p) {
    int64_t e = dob_iso(r->s, r->n, p, -1);
    if (e >= 0) return e;
    if (is_upper(r->s[p])) return dob_en(r->s, r->n, p);
    if (is_digit(r->s[p])) return dob_day_first(r->s, r->n, p);
    return -1;
}

static inline uint32_t word_hash(const uint8_t *w, int64_t len) {
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < len; i++) h = (h ^ w[i]) * 16777619u;
    return h;
}
/* whether s[p, e) is a word of `GIVEN_NAMES_EN` (one hash probe or a few, no list walk: a
   capitalised word's first two letters start some name nearly always) */
static inline int given_name(const uint8_t *s, int64_t p, int64_t e) {
    if (!CFG.given_tab) return 0;
    for (uint32_t k = word_hash(s + p, e - p) & CFG.given_mask;; k = (k + 1) & CFG.given_mask) {
        uint32_t i = CFG.given_tab[k];
        if (!i) return 0;
        const word_t *w = &CFG.given_en.w[i - 1];
        if (w->len == e - p && memcmp(w->s, s + p, (size_t)w->len) == 0) return 1;
    }
}
/* `(?:O'|Mc)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?` at q (O'Connor, McDonald, Al-Sayed): its end, or -1 */
static int64_t surname_en(const uint8_t *s, int64_t n, int64_t q) {
    for (int pre = 1; pre >= 0; pre--) {
        int64_t u = q;
        if (pre) {
            if (!(u + 2 <= n && ((s[u] == 'O' && s[u + 1] == '\'') || (s[u] == 'M' && s[u + 1] == 'c')))) continue;
            u += 2;
        }
        if (!(u + 2 <= n && is_upper(s[u]) && name_lower_at(s, n, u + 1))) continue;
        int64_t e = name_lower_run(s, n, u + 1);
        if (e + 2 < n && s[e] == '-' && is_upper(s[e + 1]) && name_lower_at(s, n, e + 2)) e = name_lower_run(s, n, e + 2);
        return e;
    }
    return -1;
}
/* `_EN_GIVEN`, its own group: a given name at a word start, a middle name or initial, a
   surname */
static int64_t m_name_given(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    /* (the word start is tested by the caller, which knows where the group's last match
       ended) a name is all letters and a space follows it: the one that fits is the word at p */
    {
        int64_t q = range_run(s, n, p + 1, 'a' - 1, 'z' + 1), mid = -1, e;
        if (!(q + 1 < n && s[q] == ' ') || !given_name(s, p, q)) return -1;
        q++;
        if (q + 2 < n && is_upper(s[q])) {
            if (name_lower_at(s, n, q + 1)) {
                int64_t t = name_lower_run(s, n, q + 1);
                if (t < n && s[t] == ' ') mid = t + 1;
            } else if (s[q + 1] == '.' && s[q + 2] == ' ')
                mid = q + 3;
        }
        if (mid > 0 && (e = surname_en(s, n, mid)) > 0) return e;
        if ((e = surname_en(s, n, q)) > 0) return e;
    }
    return -1;
}

/* ------------------------------------------------------------------ group 3 */

static int64_t email_domain(const uint8_t *s, int64_t n, int64_t d) {
    int64_t e = run(s, n, d, is_label);
    if (e == d) return -1;
    int64_t starts[64];
    int k = 0;
    while (e + 1 < n && s[e] == '.' && is_label(s[e + 1])) {
        if (k < 64) starts[k++] = e + 1;
        e = run(s, n, e + 1, is_label);
    }
    for (int j = k - 1; j >= 0; j--) {
        int64_t a = run(s, n, starts[j], is_alpha);
        if (a - starts[j] >= 2) return a;
    }
    return -1;
}
static int64_t m_email(row_t *r, int64_t p) {
    int64_t le = cached(r, &r->loc, p, is_local);
    if (le == p || le >= r->n || r->s[le] != '@') return -1;
    if (r->at_pos != le) {
        r->at_pos = le;
        r->at_end = email_domain(r->s, r->n, le + 1);
    }
    return r->at_end;
}
static int64_t m_mac(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    if (p + 17 > n || !is_hex(s[p]) || !is_hex(s[p + 1])) return -1;
    for (int k = 0; k < 5; k++) {
        int64_t g = p + 2 + 3 * k;
        if ((s[g] != ':' && s[g] != '-') || !is_hex(s[g + 1]) || !is_hex(s[g + 2])) return -1;
    }
    return run(s, n, p + 17, is_hex);
}
static inline int is_hexcolon(uint8_t c) { return is_hex(c) || c == ':'; }
static int64_t m_ipv6(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, q = p;
    int g = 0;
    while (g < 3) {
        int64_t he = g == 0 ? cached(r, &r->hex, q, is_hex) : run(s, n, q, is_hex);
        if (he == q || he - q > 4 || he >= n || s[he] != ':') break;
        g++;
        q = he + 1;
    }
    if (g >= 3) return run(s, n, p, is_hexcolon);
    if (!(p + 1 < n && s[p] == ':' && s[p + 1] == ':')) return -1;
    q = p + 2;
    int k = 0;
    while (q < n && is_hex(s[q])) {
        int t = 0;
        while (t < 4 && q < n && is_hex(s[q])) { q++; t++; }
        if (q < n && s[q] == ':') q++;
        k++;
    }
    return k ? q : -1;
}
static int64_t m_uscc(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t e = cached(r, &r->ucls, p, is_uscc);
    if (e - p < 18 || !digits_at(s, r->n, p + 2, 6)) return -1;
    return run(s, r->n, p + 18, is_alnum);
}
static int64_t m_passport(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, e = -1;
    uint8_t c = s[p];
    if (c == 'E') {
        if (digits_at(s, n, p + 1, 8)) e = p + 9;
        else if (p + 1 < n && is_upper_no_io(s[p + 1]) && digits_at(s, n, p + 2, 7)) e = p + 9;
    } else if (c == 'G') {
        if (digits_at(s, n, p + 1, 8)) e = p + 9;
    } else if ((c == 'D' || c == 'S' || c == 'P') && p + 1 < n && s[p + 1] == 'E') {
        if (digits_at(s, n, p + 2, 7)) e = p + 9;
    }
    return e < 0 ? -1 : run(s, n, e, is_alnum);
}
static int64_t m_hkmo(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    if ((s[p] != 'H' && s[p] != 'M') || !digits_at(s, r->n, p + 1, 8)) return -1;
    return run(s, r->n, p + 9, is_alnum);
}

/* ------------------------------------------------------------------ group 4 */

static inline int name_dot(const uint8_t *s, int64_t n, int64_t q);
static int64_t m_plate(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    if (!cjk_flag(s, n, p, F_PLATE) || p + 4 > n || !is_upper(s[p + 3])) return -1;
    int64_t q = p + 4;
    q += name_dot(s, n, q); /* 粤B·7K29M */
    int k = 0;
    while (k < 6 && q + k < n && (is_digit(s[q + k]) || is_upper(s[q + k]))) k++;
    if (k < 4) return -1;
    int64_t e = q + k;
    if (cjk_flag(s, n, e, F_PLATE_SUFFIX)) e += 3;
    return e;
}

/* surname alternatives at q in priority order: the compound ones, then one character */
static int surname_options(const uint8_t *s, int64_t n, int64_t q, int64_t out[4]) {
    int k = 0;
    const wlist_t *C = &CFG.compound;
    if (q < n && C->first[s[q]]) {
        WL_EACH(C, s, n, q, i) {
            if (k < 3) out[k++] = q + C->w[i].len;
        }
    }
    if (cjk_flag(s, n, q, F_SURNAME)) out[k++] = q + 3;
    return k;
}
/* U+00B7, U+2022 or U+30FB at q (the dot of 阿依古丽·买买提): its length, or 0 */
static inline int name_dot(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 2 <= n && s[q] == 0xC2 && s[q + 1] == 0xB7) return 2;
    if (q + 3 <= n && s[q] == 0xE2 && s[q + 1] == 0x80 && s[q + 2] == 0xA2) return 3;
    if (q + 3 <= n && s[q] == 0xE3 && s[q + 1] == 0x83 && s[q + 2] == 0xBB) return 3;
    return 0;
}
/* `_DOTTED` at q, `[HAN]{1,8}[·•・][HAN]{1,10}`: its end, or -1 */
static int64_t dotted_name(const uint8_t *s, int64_t n, int64_t q) {
    int r = 0, k = 0, l;
    while (r < 9 && q < n && (l = han_at(s, n, q))) { q += l; r++; }
    if (r < 1 || r > 8 || !(l = name_dot(s, n, q))) return -1;
    q += l;
    while (k < 10 && q < n && (l = han_at(s, n, q))) { q += l; k++; }
    return k ? q : -1;
}
/* `NAME_SPACES_ZH` at q, a space or U+3000 after a context word: its length, or 0 */
static inline int name_space(const uint8_t *s, int64_t n, int64_t q) {
    if (q < n && s[q] == ' ') return 1;
    return q + 3 <= n && s[q] == 0xE3 && s[q + 1] == 0x80 && s[q + 2] == 0x80 ? 3 : 0;
}
/* `ROLE_NOTE` at q, a note in full-width brackets of one to eight characters after a
   role (上诉人（原审被告）陈晓东): the position after it, or q */
static int64_t role_note(const uint8_t *s, int64_t n, int64_t q) {
    if (!lit(s, n, q, "\xef\xbc\x88")) return q; /* （ */
    int k = 0;
    for (int64_t t = q + 3; t < n && k <= 8; t++) {
        if ((s[t] & 0xC0) == 0x80) continue;
        if (lit(s, n, t, "\xef\xbc\x89")) return k ? t + 3 : q; /* ） */
        k++;
    }
    return q;
}
static int64_t m_name_zh(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, sur[4];
    const wlist_t *L = &CFG.name_ctx_zh;
    if (L->first[s[p]]) {
        WL_EACH(L, s, n, p, i) {
            int64_t q = role_note(s, n, p + L->w[i].len), seps[2];
            int ns = 0;
            for (int j = 0; j < CFG.name_seps.n; j++)
                if (wl_at(&CFG.name_seps, j, s, n, q)) { seps[ns++] = q + CFG.name_seps.w[j].len; break; }
            seps[ns++] = q;
            for (int a = 0; a < ns; a++) {
                int64_t sp[2];
                int nsp = 0;
                int64_t sl = name_space(s, n, seps[a]);
                if (sl) sp[nsp++] = seps[a] + sl;
                sp[nsp++] = seps[a];
                for (int b = 0; b < nsp; b++) {
                    int64_t d = dotted_name(s, n, sp[b]);
                    if (d > 0) {
                        r->dots = 1; /* the only group-4 match that holds a dot */
                        return d;
                    }
                    int k = surname_options(s, n, sp[b], sur);
                    for (int c = 0; c < k; c++) {
                        int64_t e = sur[c], l = e < n ? han_at(s, n, e) : 0;
                        if (!l) continue;
                        e += l;
                        return e < n ? e + han_at(s, n, e) : e;
                    }
                }
            }
        }
    }
    int k = surname_options(s, n, p, sur);
    const wlist_t *T = &CFG.name_titles;
    for (int c = 0; c < k; c++) {
        int h = 0, l;
        int64_t at[3] = {sur[c], 0, 0}; /* where given-name character h starts */
        while (h < 2 && at[h] < n && (l = han_at(s, n, at[h]))) { at[h + 1] = at[h] + l; h++; }
        for (int t = h; t >= 0; t--) {
            int64_t q = at[t];
            if (q >= n || !T->first[s[q]]) continue;
            WL_EACH(T, s, n, q, i) return q + T->w[i].len;
        }
    }
    return -1;
}
/* The dotted form of `_ZH_NAME_LEAD` at p, `[HAN]+[·•・][HAN]+?` then a verb of saying:
   its first part runs from p to the dot, the second is the shortest that a verb follows;
   the end of the match and the verb's start in *core; with `to` >= 0 the verb must end
   there; -1 if none. */
static __attribute__((noinline)) int64_t dotted_lead(const uint8_t *s, int64_t n, int64_t p, int64_t to, int64_t *core) {
    const wlist_t *P = &CFG.name_preds;
    int64_t q = p;
    int l;
    while (q < n && (l = han_at(s, n, q))) q += l;
    if (q == p || !(l = name_dot(s, n, q))) return -1;
    q += l;
    while (q < n && (l = han_at(s, n, q))) { /* one more character of the second part */
        q += l;
        if (q >= n || !P->first[s[q]]) continue;
        WL_EACH(P, s, n, q, i) {
            int64_t e = q + P->w[i].len;
            if (to >= 0 && e != to) continue;
            *core = q;
            return e;
        }
    }
    return -1;
}
/* A name that opens a sentence (the caller checks the start): a surname, one or two Han
   characters and a verb of saying ("王勇表示"), as `_ZH_NAME_LEAD` from the surname on,
   or with `dotted` a dotted name and the verb (a row's first scan leaves that form out:
   a row with a name dot is scanned again, `ready_dotted`). The end of the match, and the
   name's end (the verb's start) in *core; with `to` >= 0 the verb must end there (the
   classifier's `$`); -1 if none. */
static int64_t zh_lead(const uint8_t *s, int64_t n, int64_t p, int64_t to, int dotted, int64_t *core) {
    int64_t sur[4];
    const wlist_t *P = &CFG.name_preds;
    int k = surname_options(s, n, p, sur);
    for (int c = 0; c < k; c++) {
        int h = 0, l;
        int64_t at[3] = {sur[c], 0, 0};
        while (h < 2 && at[h] < n && (l = han_at(s, n, at[h]))) { at[h + 1] = at[h] + l; h++; }
        for (int t = h; t >= 1; t--) {
            int64_t q = at[t];
            if (q >= n || !P->first[s[q]]) continue;
            WL_EACH(P, s, n, q, i) {
                int64_t e = q + P->w[i].len;
                if (to >= 0 && e != to) continue;
                *core = q;
                return e;
            }
        }
    }
    return dotted ? dotted_lead(s, n, p, to, core) : -1;
}
static int64_t m_name_lead(row_t *r, int64_t p) {
    int64_t core;
    return zh_lead(r->s, r->n, p, -1, r->dotted, &core);
}
/* 1: p is the row start; 2: a sentence end (or the row start) and at most one space come
   just before p, so `_ZH_NAME_LEAD`'s match starts before p and is tried before any other
   group-4 alternative at p; 0: neither */
static int opens_sentence(const uint8_t *s, int64_t p) {
    if (p == 0) return 1;
    int64_t q = p;
    if (s[q - 1] == ' ' && --q == 0) return 2;
    uint8_t b = s[q - 1];
    if (!CFG.end_last[b]) return 0;
    if (b < 0x80) return 2;
    return q >= 3 && (s[q - 3] & 0xF0) == 0xE0 && (CFG.cjk2[cp3(s, q - 3)] & F2_SENT_END) ? 2 : 0;
}
/* `[HAN A-Za-z0-9]{2,40}(?: [0-9]{6})?` after an address's province or city at e: the end,
   or -1 */
static int64_t addr_rest(const uint8_t *s, int64_t n, int64_t e) {
    int c = 0;
    while (c < 40 && e < n) {
        int l;
        if (is_alnum(s[e]) || s[e] == '-') e += 1; /* (206号5-2-1) */
        else if ((l = han_at(s, n, e))) e += l;
        else break;
        c++;
    }
    if (c < 2) return -1;
    if (e < n && s[e] == ' ' && digits_at(s, n, e + 1, 6)) e += 7;
    return e;
}
/* a hash of the two three-byte characters at p (a city's first two: 深圳), for a bit table
   that is exact enough to keep common first characters (张, 金, 长) from trying cities */
static inline uint32_t pair_hash(uint32_t first, uint32_t second) {
    return (first * 0x9E37u + second) & 0xFFFFu;
}
static inline uint32_t city_pair(const uint8_t *s, int64_t p) { return pair_hash(cp3(s, p), cp3(s, p + 3)); }
static inline int city_starts(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 6 > n || (s[p + 3] & 0xF0) != 0xE0) return 0;
    uint32_t k = city_pair(s, p);
    return (CFG.city_pairs[k >> 6] >> (k & 63)) & 1;
}
/* the first two characters of a Chinese name context word at p (or a hash collision) */
static inline int ctx_pair_at(const uint8_t *s, int64_t n, int64_t p) {
    uint32_t second;
    if (p + 4 <= n && s[p + 3] < 0x80) second = s[p + 3]; /* 人: */
    else if (p + 6 <= n && (s[p + 3] & 0xF0) == 0xE0) second = cp3(s, p + 3);
    else return 0;
    uint32_t k = pair_hash(cp3(s, p), second);
    return (CFG.ctx_pairs[k >> 6] >> (k & 63)) & 1;
}
static int64_t m_addr_zh(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, e;
    const wlist_t *P = &CFG.provinces, *X = &CFG.prov_suffix;
    if (!P->first[s[p]]) return -1;
    WL_EACH(P, s, n, p, i) {
        int64_t q = p + P->w[i].len;
        if (q >= n) continue;
        WL_EACH(X, s, n, q, j) if ((e = addr_rest(s, n, q + X->w[j].len)) > 0) return e;
    }
    return -1;
}
/* a label at p (`ADDRESS_LABELS_ZH`, list order), its separator and one space: where the
   address after it starts, or -1 */
static int64_t addr_label_end(const uint8_t *s, int64_t n, int64_t p) {
    const wlist_t *L = &CFG.addr_labels;
    WL_EACH(L, s, n, p, i) {
        int64_t q = p + L->w[i].len;
        for (int j = 0; j < CFG.addr_seps.n; j++)
            if (wl_at(&CFG.addr_seps, j, s, n, q)) { q += CFG.addr_seps.w[j].len; break; }
        return q < n && s[q] == ' ' ? q + 1 : q;
    }
    return -1;
}
/* `address_label`, its own group: a label (地址：), then the rest of an address (the
   separator and space are optional: without them the rest cannot start there either) */
static int64_t m_addr_label(row_t *r, int64_t p) {
    int64_t q = addr_label_end(r->s, r->n, p);
    return q < 0 ? -1 : addr_rest(r->s, r->n, q);
}
/* `address_city`, its own group: a city (深圳市), then the rest of an address */
static int64_t m_addr_city(row_t *r, int64_t p) {
    const uint8_t *s = r->s;
    int64_t n = r->n, e;
    const wlist_t *C = &CFG.cities;
    if (!city_starts(s, n, p)) return -1;
    WL_EACH(C, s, n, p, i) if ((e = addr_rest(s, n, p + C->w[i].len)) > 0) return e;
    return -1;
}

/* ------------------------------------------------------------------ scanning a row */

enum { K_NUMBER = 1, K_MOBILE, K_CARD, K_IPV4, K_LANDLINE, K_PHONE_US, K_ADDR_EN, K_NAME_EN,
       K_DOB, K_EMAIL, K_MAC, K_IPV6, K_USCC, K_PASSPORT, K_HKMO, K_PLATE, K_NAME_ZH, K_ADDR_ZH,
       K_NAME_ZH_LEAD, K_NAME_EN_LEAD, K_ADDR_CITY, K_ADDR_LABEL, K_PHONE_INTL, K_NAME_GIVEN };

typedef int64_t (*matcher_t)(row_t *, int64_t);
typedef struct {
    int kind;
    matcher_t fn;
} alt_t;
/* The eight groups of `_patterns.GROUPS`, alternatives in the same order. */
static const alt_t G0[] = {{K_NUMBER, m_number}, {K_MOBILE, m_mobile}, {K_CARD, m_card}};
static const alt_t G1[] = {{K_IPV4, m_ipv4}, {K_LANDLINE, m_landline}, {K_PHONE_US, m_phone_us},
                           {K_PHONE_INTL, m_phone_intl}};
static const alt_t G2[] = {{K_ADDR_EN, m_addr_en}, {K_NAME_EN, m_name_en}, {K_DOB, m_dob},
                           {K_NAME_EN_LEAD, m_name_en_lead}};
static const alt_t G3[] = {{K_EMAIL, m_email}, {K_MAC, m_mac}, {K_IPV6, m_ipv6},
                           {K_USCC, m_uscc}, {K_PASSPORT, m_passport}, {K_HKMO, m_hkmo}};
static const alt_t G4[] = {{K_PLATE, m_plate}, {K_NAME_ZH, m_name_zh}, {K_ADDR_ZH, m_addr_zh},
                           {K_NAME_ZH_LEAD, m_name_lead}};
static const alt_t G5[] = {{K_ADDR_CITY, m_addr_city}};
static const alt_t G6[] = {{K_ADDR_LABEL, m_addr_label}};
static const alt_t G7[] = {{K_NAME_GIVEN, m_name_given}};
static const alt_t *GROUP_ALTS[8] = {G0, G1, G2, G3, G4, G5, G6, G7};
/* ASCII bytes where some alternative may start (1): digits, letters, and + ( : . _ % -;
   2: '#' and ) ] }, which may stand for or end a written-out '@' (li#163.com, li(at)163.com) */
static uint8_t ASCII_START[128];

typedef struct {
    int64_t bs, be; /* bytes */
    int kind;
} cand_t;

typedef struct {
    int64_t bs, be;
    double conf;
    uint8_t type, minor;
} find_t;

typedef struct {
    int64_t s, e;
    uint32_t mask;
} occ_t;

typedef struct {
    cand_t *c;
    int64_t nc, capc;
    find_t *f;
    int64_t nf, capf;
    occ_t *o;
    int64_t no, capo;
    int64_t *lead; /* where dotted names open sentences in the row (`find_leads`) */
    int64_t nl, capl;
    int64_t *name_end; /* names_before_ids: the furthest end of a Chinese name up to each finding */
    find_t *merged;    /* ... and the findings merged with the names it adds */
    int64_t capne, capmerged;
    int opens;     /* and whether one opens a sentence at all (a surname, too) */
    int64_t occ_upto; /* context words are known for starts below this */
    int64_t ws_for, ws; /* the window start of the last candidate asked about */
    double min_conf;    /* the filters findings must pass */
    uint32_t types;
    /* output columns */
    uint32_t *orow;
    int64_t *ostart, *oend, *obstart, *obend; /* code points, and bytes, from the row start */
    uint8_t *otype, *ominor;
    double *oconf;
    int64_t nout, capout;
    int oom;
    /* a row with full-width digits or letters, folded to ASCII (`fold_row`) */
    uint8_t *fold;
    int64_t *fold_at; /* byte of the row where each folded byte (and the end) came from */
    int64_t capfold;
} work_t;

#define GROW(ptr, cap, need)                                                    \
    do {                                                                         \
        if ((need) > (cap)) {                                                    \
            int64_t nc_ = (cap) ? (cap) * 2 : 64;                                \
            while (nc_ < (need)) nc_ *= 2;                                       \
            void *np_ = realloc((ptr), (size_t)nc_ * sizeof(*(ptr)));            \
            if (!np_) { w->oom = 1; return; }                                    \
            (ptr) = np_;                                                         \
            (cap) = nc_;                                                         \
        }                                                                        \
    } while (0)

static void add_cand(work_t *w, int64_t bs, int64_t be, int kind) {
    GROW(w->c, w->capc, w->nc + 1);
    w->c[w->nc++] = (cand_t){bs, be, kind};
}

static inline int wl_any(const wlist_t *L, const uint8_t *s, int64_t n, int64_t p) {
    return wl_has(L, wl_key(s, n, p));
}

/* Try the alternatives of group g whose gate passed (bit k of `gates`), in order. The
   gates are necessary conditions of each matcher, cheap enough to test at every position;
   they only spare calls that would fail. */
static inline __attribute__((always_inline)) int try_group(work_t *w, row_t *r, int g, unsigned gates, int64_t p, int64_t *cursor) {
    const alt_t *A = GROUP_ALTS[g];
    for (int k = 0; gates; k++, gates >>= 1) {
        if (!(gates & 1)) continue;
        int64_t e = A[k].fn(r, p);
        if (e > p) {
            add_cand(w, p, e, A[k].kind);
            cursor[g] = e;
            return 1;
        }
    }
    return 0;
}

static inline int64_t dig_end(row_t *r, int64_t p) {
    if (p >= r->dig.from && p < r->dig.end) return r->dig.end;
    r->dig.from = p;
    return r->dig.end = digit_end(r->s, r->n, p);
}

/* A letter, '+', '(' or ':' (digits go to scan_digit_run): groups 0 and 1 start only at
   '+' and '(' here, and the run caches are walked only when the next byte continues the
   run far enough to matter. */
static void scan_ascii(work_t *w, row_t *r, int64_t p, int64_t *cursor) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    uint8_t b = s[p], b1 = p + 1 < n ? s[p + 1] : 0;
    uint32_t key = ((uint32_t)b << 8) | b1; /* wl_key(s, n, p) of the three word lists */
    unsigned g;
    int64_t c24 = cursor[2] < cursor[3] ? cursor[2] : cursor[3], c01 = cursor[0] < cursor[1] ? cursor[0] : cursor[1];
    if (cursor[4] < c24) c24 = cursor[4];
    /* a name read from its given name (group 7): a capital at a word start, a lowercase
       letter after it (`_EN_GIVEN`); tried after the other groups, as they start here too */
    /* (a word start as `(?-u:\b)` reads it, the group's last match's end included: that
       match ends with a lowercase letter, so no name starts right after it) */
    int given = cursor[7] <= p && is_upper(b) && is_lower(b1) &&
                (p == 0 || !(is_alnum(s[p - 1]) || s[p - 1] == '_'));
    if (given) { /* a capitalised word must follow (a middle name, an initial or the surname) */
        int64_t e = range_run(s, n, p + 1, 'a' - 1, 'z' + 1);
        given = e + 1 < n && s[e] == ' ' && is_upper(s[e + 1]);
    }
    if (c24 > p && (is_alpha(b) || c01 > p)) { /* inside matches of every other group */
        if (given) try_group(w, r, 7, 1, p, cursor);
        return;
    }
    if (!is_alpha(b)) {
        if (cursor[0] <= p && b == '+') try_group(w, r, 0, 2, p, cursor);
        if (cursor[1] <= p) {
            g = ((b == '(' && b1 == '0') << 1) | (((b == '+' && b1 == '1') || b == '(') << 2) |
                ((b == '+' && b1 >= '2' && b1 <= '9') << 3);
            if (g) try_group(w, r, 1, g, p, cursor);
        }
    }
    if (cursor[2] <= p) {
        /* a name that opens a sentence: tried first where its match starts before p */
        int lead = is_upper(b) && name_lower_at(s, n, p + 1) ? opens_sentence_en(s, p) : 0;
        if (lead) { /* most sentences do not open with two capitalised words */
            int64_t e = name_lower_run(s, n, p + 1);
            if (name_word(s, n, e) < 0) lead = 0;
        }
        if (!(lead == 2 && try_group(w, r, 2, 8, p, cursor))) {
            g = ((b == 'U' && (b1 == 'S' || b1 == 'n')) || (b == 'P' && b1 == 'S') || (b == 'F' && b1 == 'l') ||
                 (b == 'A' && b1 == 'p') || (b == 'S' && b1 == 'u')) |
                (wl_has(&CFG.name_ctx_en, key) << 1) | ((is_upper(b) && wl_has(&CFG.months, key)) << 2) |
                ((lead == 1) << 3);
            if (g) try_group(w, r, 2, g, p, cursor);
        }
    }
    if (cursor[3] <= p) {
        int hex = is_hex(b);
        /* a hex run of one is followed by b1; a credit-code run needs b1 in it */
        unsigned v6 = b == ':' && b1 == ':';
        if (hex) {
            int64_t he = is_hex(b1) ? cached(r, &r->hex, p, is_hex) : p + 1;
            v6 = he - p <= 4 && he < n && s[he] == ':';
        }
        g = local_to_at(r, p) |
            ((hex && is_hex(b1) && p + 2 < n && (s[p + 2] == ':' || s[p + 2] == '-')) << 1) | (v6 << 2) |
            ((is_uscc(b) && is_uscc(b1) && cached(r, &r->ucls, p, is_uscc) - p >= 18) << 3) |
            ((b == 'E' || b == 'G' || ((b == 'D' || b == 'S' || b == 'P') && b1 == 'E')) << 4) |
            (((b == 'H' || b == 'M') && is_digit(b1)) << 5);
        if (g) try_group(w, r, 3, g, p, cursor);
    }
    if (cursor[4] <= p && wl_has(&CFG.name_ctx_zh, key))
        try_group(w, r, 4, 2, p, cursor); /* ASCII context words ("Customer") of Chinese names */
    if (given) try_group(w, r, 7, 1, p, cursor);
}

/* What the group-1 and group-3 matchers need after a digit run, checked once per run: the
   result does not depend on where in the run the match starts, so a gate built on these
   is exact where a per-position one would call the matcher only to fail. */
/* all tests and-ed, no early exit: the exit point varies from row to row and would
   mispredict */
static inline int mac_at(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 17 > n) return 0;
    unsigned ok = CLS[s[p]] & CLS[s[p + 1]];
    for (int k = 0; k < 5; k++) {
        const uint8_t *g = s + p + 2 + 3 * k;
        ok &= -(unsigned)((g[0] == ':') | (g[0] == '-')) & CLS[g[1]] & CLS[g[2]];
    }
    return (ok & C_HEX) != 0;
}
static inline unsigned digits_and(const uint8_t *s, int64_t n, int64_t p, int k) {
    if (p + k > n) return 0;
    unsigned ok = C_DIGIT;
    for (int i = 0; i < k; i++) ok &= CLS[s[p + i]];
    return ok != 0;
}
/* what `_DAY[/.]_DAY[/.]_YEAR` needs after its first number, from the separator at q: one
   or two digits, the same separator, a year (19xx, 20xx) */
static inline int dmy_rest(const uint8_t *s, int64_t n, int64_t q) {
    if (q + 7 > n || !is_digit(s[q + 1])) return 0;
    int64_t t = s[q + 2] == s[q] ? q + 3 : (is_digit(s[q + 2]) && q + 8 <= n && s[q + 3] == s[q]) ? q + 4 : -1;
    return t > 0 && t + 4 <= n && ((s[t] == '1' && s[t + 1] == '9') || (s[t] == '2' && s[t + 1] == '0')) &&
           is_digit(s[t + 2]) && is_digit(s[t + 3]);
}
/* "[0-9]{1,3}\.[0-9]{1,3}\.[0-9]" at q: m_ipv4 after its first octet and dot */
static inline int v4_rest(const uint8_t *s, int64_t n, int64_t q) {
    for (int k = 0; k < 2; k++) {
        int64_t e = q;
        while (e < n && e - q < 4 && is_digit(s[e])) e++;
        if (e == q || e - q > 3 || e >= n || s[e] != '.') return 0;
        q = e + 1;
    }
    return q < n && is_digit(s[q]);
}
/* "[0-9a-fA-F]{1,4}:" twice at q: m_ipv6 after its first group */
static inline int v6_rest(const uint8_t *s, int64_t n, int64_t q) {
    for (int k = 0; k < 2; k++) {
        int64_t e = run(s, n, q, is_hex);
        if (e == q || e - q > 4 || e >= n || s[e] != ':') return 0;
        q = e + 1;
    }
    return 1;
}

static inline unsigned is0086(const uint8_t *s) {
    return memcmp(s, "0086", 4) == 0; /* one 4-byte compare */
}

/* A digit run [p, pe) with the bytes after it. Every gate reduces to comparisons on the
   run length left (dl), the byte at q, and per-run facts about what follows the run,
   computed once; those facts are exact for IPv4, IPv6, MAC, landline and US phone
   numbers, so timestamps and amounts ("19:12:09", "021-11-17", "49010.97") call no
   matcher that would fail. Positions before the last five can only start a number
   (8+ digits), "0086", an email or a credit code. */
/* A resident ID written in groups of 6, 8 and 4 with one separator, space or hyphen
   (110105 19491231 002X), starting at the 6-digit run at p: what
   `(?<![0-9])[0-9]{6}([ -])[0-9]{8}\1[0-9]{3}[0-9Xx](?![0-9])` matches. */
static __attribute__((noinline)) int grouped_id_at(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 20 > n || (p > 0 && is_digit(s[p - 1]))) return 0;
    uint8_t sep = s[p + 6];
    if ((sep != ' ' && sep != '-') || s[p + 15] != sep) return 0;
    for (int i = 0; i < 19; i++)
        if (i != 6 && i != 15 && !is_digit(s[p + i])) return 0;
    uint8_t last = s[p + 19];
    return (is_digit(last) || last == 'X' || last == 'x') && (p + 20 == n || !is_digit(s[p + 20]));
}
/* The same ID in groups of 4, 4, 4, 4 and 2 (1101 0519 4912 3100 2X), starting at the
   4-digit run at p: `(?<![0-9])[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}\1[0-9][0-9Xx]
   (?![0-9])`, and only where the 18 characters are a valid ID (province, birth date, MOD
   11-2): a grouped card number has this shape too and must stay a card. */
static int valid_date(int y, int m, int d);
static __attribute__((noinline)) int grouped4_id_at(const uint8_t *s, int64_t n, int64_t p) {
    if (p + 22 > n || (p > 0 && is_digit(s[p - 1]))) return 0;
    uint8_t sep = s[p + 4], m[18];
    if ((sep != ' ' && sep != '-') || s[p + 9] != sep || s[p + 14] != sep || s[p + 19] != sep)
        return 0;
    for (int i = 0, k = 0; i < 22; i++) {
        if (i % 5 == 4) continue;
        m[k++] = s[p + i];
    }
    for (int i = 0; i < 17; i++)
        if (!is_digit(m[i])) return 0;
    if (m[17] == 'x') m[17] = 'X';
    if (!(is_digit(m[17]) || m[17] == 'X') || (p + 22 < n && is_digit(s[p + 22]))) return 0;
    static const int W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (m[i] - '0') * W[i];
    if ("10X98765432"[sum % 11] != m[17] || !CFG.id_prov[(m[0] - '0') * 10 + (m[1] - '0')])
        return 0;
    return valid_date((m[6] - '0') * 1000 + (m[7] - '0') * 100 + (m[8] - '0') * 10 + (m[9] - '0'),
                      (m[10] - '0') * 10 + (m[11] - '0'), (m[12] - '0') * 10 + (m[13] - '0'));
}

/* (one call, forced inline: gcc outlines it when the row scan grows, a few % of dense text) */
static inline __attribute__((always_inline)) int64_t scan_digit_run(work_t *w, row_t *r, int64_t p, int64_t *cursor) {
    const uint8_t *s = r->s;
    int64_t n = r->n, pe = dig_end(r, p), len = pe - p;
    if (__builtin_expect(len == 6, 0) && pe < n && (s[pe] == ' ' || s[pe] == '-') &&
        grouped_id_at(s, n, p))
        r->grouped = 1; /* the row is scanned again with the groups joined */
    else if (__builtin_expect(len == 4, 0) && pe + 5 < n && (s[pe] == ' ' || s[pe] == '-') &&
             s[pe + 5] == s[pe] && grouped4_id_at(s, n, p))
        r->grouped = 1; /* a year or a date ("2024-05-01") fails the second separator */
    /* inside a match of every group that a digit can start (an IPv6 or MAC address, a
       date): nothing to try */
    int64_t c01 = cursor[0] < cursor[1] ? cursor[0] : cursor[1];
    int64_t c23 = cursor[2] < cursor[3] ? cursor[2] : cursor[3];
    if ((c01 < c23 ? c01 : c23) >= pe) return pe;
    unsigned email = local_to_at(r, p), live3 = cursor[3] < pe;
    uint8_t after = pe < n ? s[pe] : 0, after2 = pe + 1 < n ? s[pe + 1] : 0;
    int64_t he = pe;
    unsigned f_sep4 = 0, f_v4 = 0, f_land = 0, f_us = 0, f_addr = 0, f_date = 0, f_mac2 = 0,
             f_mac1 = 0, f_v6 = 0, f_uscc1 = 0, f_dmy = 0, f_cap = 0;
    switch (after) {
    case '.':
    case '-':
        if (after == '.') f_v4 = v4_rest(s, n, pe + 1);
        else {
            f_sep4 = digits_and(s, n, pe + 1, 4);
            /* 7 or more digits after the area code, or 3 or 4, a space and 4 */
            f_land = (f_sep4 & (digits_and(s, n, pe + 5, 3) |
                                (pe + 5 < n && s[pe + 5] == ' ' && digits_and(s, n, pe + 6, 4)))) |
                     (digits_and(s, n, pe + 1, 3) & (pe + 4 < n && s[pe + 4] == ' ') & digits_and(s, n, pe + 5, 4));
            f_mac2 = live3 && len >= 2 && mac_at(s, n, pe - 2);
        }
        f_us = pe + 9 <= n && (digits_and(s, n, pe + 1, 3) & ((s[pe + 4] == '.') | (s[pe + 4] == '-')) &
                               digits_and(s, n, pe + 5, 4));
        f_date = is_digit(after2);
        f_dmy = after == '.' && dmy_rest(s, n, pe); /* 14.03.1985 */
        break;
    case ' ':
        f_sep4 = digits_and(s, n, pe + 1, 4);
        f_cap = pe + 2 < n && is_upper(after2) && is_lower(s[pe + 2]);
        /* a street's first word: capitalised, an ordinal, or a compass point (215 E 68th) */
        f_addr = f_cap || (pe + 2 < n && (is_digit(after2) ||
                                         ((after2 == 'N' || after2 == 'S' || after2 == 'E' || after2 == 'W') &&
                                          (s[pe + 2] == ' ' || s[pe + 2] == ','))));
        /* a day before a month (4 September 1993): apart from f_addr, which is cleared */
        f_cap = f_cap && wl_has(&CFG.months, ((uint32_t)after2 << 8) | s[pe + 2]);
        break;
    case ':':
        if (live3) { /* group 3 facts only while group 3 can start in the run */
            f_mac2 = len >= 2 && mac_at(s, n, pe - 2);
            f_v6 = v6_rest(s, n, pe + 1);
        }
        break;
    case '/':
        f_date = is_digit(after2);
        f_dmy = dmy_rest(s, n, pe); /* 03/14/1985 from the first run's last two digits */
        break;
    case 0xE5: /* 年 */
        f_date = lit(s, n, pe, NIAN) && pe + 3 < n && is_digit(s[pe + 3]);
        break;
    default:
        /* a credit code from the run's last digit: it, a letter, then six digits (5F110105…:
           the tail of a plate before a code) */
        f_uscc1 = live3 && is_uscc(after) && digits_and(s, n, pe + 1, 6);
        if (live3 && is_hex(after)) {
            f_mac1 = (after2 == ':' || after2 == '-') && mac_at(s, n, pe - 1);
            he = run(s, n, pe, is_hex);
            f_v6 = he - pe <= 3 && he < n && s[he] == ':' && v6_rest(s, n, he + 1);
        }
    }
    /* the positions among the last five (bit dl - 1) where some gate can pass */
    unsigned near = (f_v4 ? 7u : 0) | ((f_land | f_sep4) ? 12u : 0) | (f_us ? 4u : 0) |
                    ((f_addr | email) ? 31u : 0) | (f_date ? 8u : 0) | (f_dmy ? 3u : 0) | (f_mac2 ? 2u : 0) | f_mac1 |
                    f_uscc1 |
                    (f_v6 ? (1u << (4 - (he - pe))) - 1 : 0);
    /* "0086" of a mobile number (the bytes before p are not digits, so no test of len) */
    if (pe >= 5) near |= (is0086(s + pe - 4) << 3) | (is0086(s + pe - 5) << 4);
    else if (pe == 4) near |= is0086(s) << 3;
    if (len < 5) near &= (1u << len) - 1;
    int64_t tail_from = pe - 5 > p ? pe - 5 : p;
    if (tail_from > p) {
        if (email || len >= 8) {
            if (!(p >= r->ucls.from && p < r->ucls.end)) r->ucls = (runcache_t){p, run(s, n, pe, is_uscc)};
            int64_t ue = r->ucls.end;
            for (int64_t q = p; q < tail_from; q++) {
                int64_t dl = pe - q;
                unsigned uscc = (ue - q >= 18) & (dl >= 8);
                int64_t next = cursor[0];
                if ((email | uscc) && cursor[3] < next) next = cursor[3];
                if (next > q) {
                    /* nothing to try until a cursor frees up (or the plain part ends) */
                    q = (next < tail_from ? next : tail_from) - 1;
                    continue;
                }
                unsigned b = s[q], b1 = q + 1 < n ? s[q + 1] : 0;
                unsigned g0 = ((unsigned)(dl >= 8) | (((b == '0') & (b1 == '0')) << 1)) &
                              -(unsigned)(cursor[0] <= q);
                if (g0) try_group(w, r, 0, g0, q, cursor);
                unsigned g = email | (uscc << 3);
                /* an email that fails here fails from every digit of the run */
                if (g && cursor[3] <= q && !try_group(w, r, 3, g, q, cursor)) email = 0;
            }
        } else {
            /* six or seven digits: only "0086" can start something before the last five */
            for (int64_t q = p; q < tail_from; q++)
                if (is0086(s + q) && cursor[0] <= q) try_group(w, r, 0, 2, q, cursor);
        }
    }
    while (near) {
        int k = 31 - __builtin_clz(near);
        near &= ~(1u << k);
        int64_t dl = k + 1, q = pe - dl;
        unsigned b = s[q], b1 = q + 1 < n ? s[q + 1] : 0;
        /* gates as bit arithmetic, not short-circuit branches: digit patterns vary from
           position to position and would defeat the branch predictor */
        unsigned g0 = (((((b == '0') & (b1 == '0')) | ((b == '1') & (dl == 3) & f_sep4)) << 1) |
                       (((b - '3' <= 3u) & (dl == 4) & f_sep4) << 2)) &
                      -(unsigned)(cursor[0] <= q);
        unsigned g1 = (((dl <= 3) & f_v4) | (((b == '0') & ((dl == 3) | (dl == 4)) & f_land) << 1) |
                       (((b >= '2') & (dl == 3) & f_us) << 2)) &
                      -(unsigned)(cursor[1] <= q);
        unsigned g2 = (f_addr | (((dl == 4) & f_date &
                                  (((b == '1') & (b1 == '9')) | ((b == '2') & (b1 == '0')))) << 2) |
                       (((dl <= 2) & (f_dmy | f_cap)) << 2)) &
                      -(unsigned)(cursor[2] <= q);
        unsigned g3 = (email | ((((dl == 2) & f_mac2) | ((dl == 1) & f_mac1)) << 1) |
                       (((he - q <= 4) & f_v6) << 2) | (((dl == 1) & f_uscc1) << 3)) &
                      -(unsigned)(cursor[3] <= q);
        if (g0) try_group(w, r, 0, g0, q, cursor);
        if (g1) try_group(w, r, 1, g1, q, cursor);
        /* an address that fails here fails from every digit of the run */
        if (g2 && !try_group(w, r, 2, g2, q, cursor)) f_addr = 0;
        if (g3 && !try_group(w, r, 3, g3, q, cursor)) email = 0;
    }
    return pe;
}

/* A lowercase run [p, pe). A context word that starts inside it is all lowercase, so it
   must end exactly at pe: English-name words are followed by "[:]? [A-Z]", Chinese-name
   words by a separator, a space or a CJK character. So only the last `max_lower_word`
   positions can start a name, and none can unless the bytes after the run allow it. An
   email starts here only if the local part (the same for the whole run) ends at '@'; MAC
   and IPv6 addresses need ':' or '-' (or more hex) right after the run. */
static inline __attribute__((always_inline)) int64_t scan_lower_run(work_t *w, row_t *r, int64_t p, int64_t pe, int64_t *cursor) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    /* only groups 2 to 4 start at a lowercase letter */
    int64_t c24 = cursor[2] < cursor[3] ? cursor[2] : cursor[3];
    if ((cursor[4] < c24 ? cursor[4] : c24) >= pe) return pe;
    uint8_t a0 = pe < n ? s[pe] : 0, a1 = pe + 1 < n ? s[pe + 1] : 0, a2 = pe + 2 < n ? s[pe + 2] : 0;
    int name_en = (a0 == ' ' && is_upper(a1)) || (a0 == ':' && a1 == ' ' && is_upper(a2));
    int name_zh = a0 == ':' || a0 >= 0x80 || (a0 == ' ' && a1 >= 0x80);
    int tail = a0 == ':' || a0 == '-' || is_hex(a0);
    int email = local_to_at(r, p);
    if (!email && CFG.max_lower_word < 32) {
        /* a word led by m lowercase letters that starts in the run ends its lowercase
           letters at pe (no other byte is in the run), so it starts at pe - m: only
           those offsets, and the last four when the tail allows a hex address */
        uint32_t en = name_en ? CFG.lower_pre[0] : 0, zh = name_zh ? CFG.lower_pre[1] : 0;
        uint32_t m = (tail ? 0x1Eu : 0) | en | zh;
        if (pe - p < 31) m &= (2u << (pe - p)) - 1;
        while (m) {
            int d = 31 - __builtin_clz(m);
            m &= ~(1u << d);
            int64_t q = pe - d;
            if (tail && d <= 4) {
                scan_ascii(w, r, q, cursor);
                continue;
            }
            if (((en >> d) & 1) && cursor[2] <= q && wl_any(&CFG.name_ctx_en, s, n, q))
                try_group(w, r, 2, 2, q, cursor);
            if (((zh >> d) & 1) && cursor[4] <= q && wl_any(&CFG.name_ctx_zh, s, n, q))
                try_group(w, r, 4, 2, q, cursor);
        }
        return pe;
    }
    int64_t from = p;
    if (!email) {
        int64_t k = (name_en || name_zh) ? CFG.max_lower_word : 0;
        if (tail && k < 4) k = 4;
        if (pe - k > from) from = pe - k;
    }
    for (int64_t q = from; q < pe; q++) {
        if (tail && pe - q <= 4) {
            scan_ascii(w, r, q, cursor);
            continue;
        }
        uint8_t b = s[q];
        if (name_en && cursor[2] <= q && CFG.name_ctx_en.first[b] && wl_any(&CFG.name_ctx_en, s, n, q))
            try_group(w, r, 2, 2, q, cursor);
        if (email && cursor[3] <= q) try_group(w, r, 3, 1, q, cursor);
        if (name_zh && cursor[4] <= q && CFG.name_ctx_zh.first[b] && wl_any(&CFG.name_ctx_zh, s, n, q))
            try_group(w, r, 4, 2, q, cursor);
    }
    return pe;
}

/* A surname starts a name only before a title within three characters ("王小明先生"),
   unless it also starts a context word, a compound surname or a province. */
static int title_near(const uint8_t *s, int64_t n, int64_t p) {
    int64_t q = p + 3;
    for (int k = 1; k <= 4; k++) {
        if (q + 3 > n) return 0;
        if ((s[q] & 0xF0) == 0xE0) { /* the usual case, decoded once */
            uint32_t cp = cp3(s, q);
            if (CFG.cjk[cp] & F_TITLE_START) {
                const wlist_t *T = &CFG.name_titles; /* the whole title, not just its first character */
                WL_EACH(T, s, n, q, i) return 1;
            }
            if (!han3(cp)) return 0;
            q += 3;
            continue;
        }
        if (s[q] < 0x80) { /* a title in ASCII brackets or commas: (先生), ,男, */
            const wlist_t *T = &CFG.name_titles;
            if (T->first[s[q]]) WL_EACH(T, s, n, q, i) return 1;
            return 0;
        }
        int l = han_at(s, n, q); /* a Han character past the BMP: 4 bytes */
        if (!l) return 0;
        q += l;
    }
    return 0;
}

/* "at" (either case) just before p: a closing bracket there may end "(at)" */
static inline int at_before(const uint8_t *s, int64_t p) {
    return p >= 2 && (s[p - 1] | 0x20) == 't' && (s[p - 2] | 0x20) == 'a';
}

static __attribute__((noinline)) int closer_after_at(const uint8_t *s, int64_t n, int64_t p) {
    return at_before(s, p) && p + 3 <= n && (CFG.cjk2[cp3(s, p)] & F2_CLOSER);
}

/* CJK characters the scan stops at; any other passes without a look */
#define CJK_STARTS (F_SURNAME | F_PLATE | F_G4_START | F_G2_START)
/* A city-led address (深圳市南山区…, group 5) whose first character the CJK loop passes
   over, found from the city's last character at p (市, 州, 盟), where the scan stops; a city
   whose first character stops the scan anyway is tried there. The pattern tries each
   start in turn: so the leftmost start q of up to `max_city` characters back where a city
   starts and the address matches, outside the group's earlier matches (a city matched
   inside this one, from its own first character, is taken back). */
/* a candidate added in start order (it may start before candidates found since) */
static void add_cand_sorted(work_t *w, int64_t bs, int64_t be, int kind) {
    add_cand(w, bs, be, kind);
    for (int64_t i = w->nc - 1; i > 0 && w->c[i - 1].bs > bs; i--) {
        cand_t t = w->c[i];
        w->c[i] = w->c[i - 1];
        w->c[i - 1] = t;
    }
}
static __attribute__((noinline)) void city_before(work_t *w, row_t *r, int64_t p, int64_t *cursor) {
    const uint8_t *s = r->s;
    /* most 市 and 州 in prose follow no city's last but one character (市场, 城市 do) */
    if (p < 3 || (s[p - 3] & 0xF0) != 0xE0 || !(CFG.cjk3[cp3(s, p - 3)] & F3_CITY_PEN)) return;
    /* the group's last candidate: where it covers p, a city can only start at or before
       its start (a start after it lies inside it) */
    int64_t last = w->nc - 1, hi = p - 3;
    while (last >= 0 && w->c[last].kind != K_ADDR_CITY) last--;
    if (last >= 0 && w->c[last].be > p && w->c[last].bs < hi) hi = w->c[last].bs;
    /* the three-byte characters before p, at most `max_city`, decoded once */
    uint32_t cps[32];
    int k = 0;
    while (k < CFG.max_city && k < 31 && p - 3 * (k + 1) >= 0 && (s[p - 3 * (k + 1)] & 0xF0) == 0xE0) {
        cps[k] = cp3(s, p - 3 * (k + 1));
        k++;
    }
    for (int j = k - 1; j >= 0; j--) { /* from the leftmost */
        int64_t q = p - 3 * (j + 1);
        if (q > hi) break;
        uint32_t pair = pair_hash(cps[j], j ? cps[j - 1] : cp3(s, p));
        if ((CFG.cjk[cps[j]] & CJK_STARTS) || !((CFG.city_pairs[pair >> 6] >> (pair & 63)) & 1))
            continue;
        /* where the group's last candidate that starts at or before q ends (one that
           starts at q: q was tried already and matched) */
        int64_t floor = 0;
        for (int64_t i = last; i >= 0; i--)
            if (w->c[i].kind == K_ADDR_CITY && w->c[i].bs <= q) {
                floor = w->c[i].be;
                break;
            }
        int64_t e;
        if (floor > q || (e = m_addr_city(r, q)) < 0) continue;
        int64_t o = 0;
        for (int64_t i = 0; i < w->nc; i++)
            if (!(w->c[i].kind == K_ADDR_CITY && w->c[i].bs >= q)) w->c[o++] = w->c[i];
        w->nc = o;
        add_cand_sorted(w, q, e, K_ADDR_CITY);
        cursor[5] = e;
        return;
    }
}
/* An address after a label (group 6: 地址：海淀区…), found from the label's last character
   址 at p, where the scan stops: the leftmost label that ends there and whose address
   matches (the pattern reaches it first), outside the group's earlier matches. */
static __attribute__((noinline)) void label_before(work_t *w, row_t *r, int64_t p, int64_t *cursor) {
    const uint8_t *s = r->s;
    const wlist_t *L = &CFG.addr_labels;
    int64_t best = -1, e = -1;
    for (int i = 0; i < L->n; i++) {
        int64_t q = p + 3 - L->w[i].len, x;
        if (q < 0 || q < cursor[6] || (best >= 0 && q >= best)) continue;
        if (memcmp(s + q, L->w[i].s, (size_t)L->w[i].len) != 0) continue;
        if ((x = m_addr_label(r, q)) > 0) {
            best = q;
            e = x;
        }
    }
    if (best < 0) return;
    add_cand_sorted(w, best, e, K_ADDR_LABEL);
    cursor[6] = e;
}
/* The scan at or past the next place where a dotted name opens a sentence: tried where the
   scan stands there (its match starts at the end mark or a leading space, where nothing
   else starts, so before anything that starts here); the place after it (out of line: the
   row scan stays small enough to be inlined) */
static __attribute__((noinline)) int64_t lead_here(work_t *w, row_t *r, int64_t p, int64_t *cursor) {
    if (p == r->leads[r->li] && cursor[4] <= p) try_group(w, r, 4, 8, p, cursor);
    return ++r->li < r->nleads ? r->leads[r->li] : INT64_MAX;
}

static inline __attribute__((always_inline)) void scan_groups(work_t *w, row_t *r) {
    const uint8_t *s = r->s;
    int64_t n = r->n, cursor[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t p = 0;
    /* the row's first '@' found up front: local_to_at then searches again only after
       passing an '@', not at its first call in every row */
    /* a row where dotted names open sentences: the scan stops where each starts (the next
       one at lq), a character the CJK loop would otherwise pass over */
    int64_t lq = r->nleads ? r->leads[0] : INT64_MAX, lim = lq < n ? lq + 3 : n;
    if (n > 0) find_at(r, 0);
    while (p < n) {
        uint8_t b = s[p];
        if (b < 0x80) {
            if (is_digit(b)) p = scan_digit_run(w, r, p, cursor);
            else if (is_lower(b) || b == ' ') {
                /* Prose: a lowercase run followed by a space and another lowercase letter
                   can neither hold nor start anything (see scan_lower_run), so only the
                   run just before the next other byte (or before its one space) needs
                   looking at. */
                int64_t q = lower_space_end(s, n, p), re = q;
                if (re > p && s[re - 1] == ' ') re--;
                int64_t rs = lower_start(s, p, re);
                if (rs < re) {
                    /* the last word after " dot ": maybe the end of "li at pku dot cn" */
                    if (rs >= 5 && memcmp(s + rs - 4, "dot ", 4) == 0 && s[rs - 5] == ' ')
                        r->spelled = 1;
                    scan_lower_run(w, r, rs, re, cursor);
                }
                p = q;
            }
            else if (b == '.' || b == '_' || b == '%' || b == '-') {
                /* only an email's local part starts here */
                if (cursor[3] <= p && local_to_at(r, p)) try_group(w, r, 3, 1, p, cursor);
                p++;
            } else {
                uint8_t a = ASCII_START[b]; /* 2: a '#' or a closing bracket, one load for both */
                if (a == 1) scan_ascii(w, r, p, cursor);
                else if (__builtin_expect(a, 0)) {
                    if (b == '#') r->hashes = 1; /* maybe an address with '#' for '@' */
                    else if (at_before(s, p)) r->spelled = 1; /* "(at)": maybe a spelled-out '@' */
                }
                p++;
            }
            continue;
        }
        uint32_t cp;
        int l;
        uint8_t f;
        const uint8_t starts = CJK_STARTS;
        r->wide = 1;
        /* "at）": a full-width closing bracket after ASCII is always where this branch is
           entered (a test here, not a start flag: that stopped the CJK loop at every '）';
           the rest out of line, which kept English prose 2-3% faster) */
        if (__builtin_expect(b == 0xEF, 0) && p >= 2 && (s[p - 1] | 0x20) == 't' &&
            closer_after_at(s, n, p))
            r->spelled = 1;
        if ((b & 0xF0) == 0xE0 && p + 3 <= n) { /* BMP: all of CJK */
            l = 3;
            f = CFG.cjk[cp3(s, p)];
            /* (a context word's first character at the row start stops it, as the dotted
               name that opens a sentence there is tried from every start character) */
            if (__builtin_expect(f & F_CTX_PAIR, 0) && (p == 0 || ctx_pair_at(s, n, p))) f |= F_G4_START;
            /* Chinese prose: pass over characters that start nothing, without the outer
               loop's dispatch */
            while (!(f & starts) && p + 6 <= lim && (s[p + 3] & 0xF0) == 0xE0) {
                p += 3;
                f = CFG.cjk[cp3(s, p)];
                if (__builtin_expect(f & F_CTX_PAIR, 0) && ctx_pair_at(s, n, p)) f |= F_G4_START;
            }
        } else {
            l = dec(s, n, p, &cp);
            f = 0;
            if (cp == 0xB7) r->dots = 1;
        }
        if (__builtin_expect(p >= lq, 0)) {
            lq = lead_here(w, r, p, cursor);
            lim = lq < n ? lq + 3 : n;
        }
        if (f & starts) {
            if (__builtin_expect(s[p] == 0xEF, 0) && (CFG.cjk2[cp3(s, p)] & F2_FULLWIDTH))
                r->fullwidth = 1; /* what this pass finds here is dropped: read folded */
            if (cursor[2] <= p && (f & F_G2_START)) try_group(w, r, 2, 2, p, cursor);
            uint8_t f2 = l == 3 ? CFG.cjk2[cp3(s, p)] : 0;
            /* a city-led address (group 5): from its first character where that stops the
               scan, else from its last */
            if (cursor[5] <= p && l == 3 && (CFG.cjk3[cp3(s, p)] & F3_CITY_FIRST) && city_starts(s, n, p))
                try_group(w, r, 5, 1, p, cursor);
            if (__builtin_expect(f2 & F2_KEY_END, 0)) { /* 址 ends labels, 市, 州 and 盟 cities */
                if (CFG.cjk3[cp3(s, p)] & F3_LABEL_END) label_before(w, r, p, cursor);
                else city_before(w, r, p, cursor);
            }
            if (cursor[4] <= p) {
                /* a name starts at a context word, or at a surname (one character or
                   compound) with a title within four characters, or one that opens a
                   sentence (tried first where its match starts before p) */
                int sur = (f & F_SURNAME) || (f2 & F2_COMPOUND);
                if (__builtin_expect(f2 & F2_DOT, 0)) r->dots = 1; /* (m_name_zh marks one inside a match) */
                /* (a dotted name at the row start that starts with some other start
                   character is the group's last alternative there, as below) */
                int lead = sur ? opens_sentence(s, p) : (r->dotted && p == 0);
                if (!(lead == 2 && try_group(w, r, 4, 8, p, cursor))) {
                    int name = (f2 & F2_NAME_CTX) || (sur && title_near(s, n, p));
                    /* a plate is a province character, then an uppercase letter */
                    int plate = (f & F_PLATE) && l == 3 && p + 3 < n && is_upper(s[p + 3]);
                    unsigned g = plate | (name << 1) |
                                 (((f2 & F2_PROVINCE) && wl_any(&CFG.provinces, s, n, p)) << 2) |
                                 ((lead == 1) << 3);
                    if (g) try_group(w, r, 4, g, p, cursor);
                }
            }
        }
        p += l;
    }
}

/* ------------------------------------------------------------------ validation */

typedef struct {
    int y, m, d;
} date_t;
static _Thread_local date_t TODAY; /* set per scan call on the scanning thread */

static int valid_date(int y, int m, int d) {
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || y < 1900) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = (m == 2 && !leap) ? 28 : mdays[m - 1];
    if (d > dim) return 0;
    return (int64_t)y * 10000 + m * 100 + d <= (int64_t)TODAY.y * 10000 + TODAY.m * 100 + TODAY.d;
}
static int age_years(int y, int m, int d) {
    int before = m > TODAY.m || (m == TODAY.m && d > TODAY.d);
    return TODAY.y - y - before;
}
static inline int dv(uint8_t c) { return (int)c - '0'; }

static int luhn_digits(const uint8_t *d, int len) {
    /* digits from the right in pairs, the doubled one through a table (no branch per digit) */
    static const uint8_t DBL[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
    int total = 0, i = len - 1;
    for (; i > 0; i -= 2) total += dv(d[i]) + DBL[dv(d[i - 1])];
    if (i == 0) total += dv(d[0]);
    return total % 10 == 0;
}
/* value of a GB 32100 character, -1 if none: a table, not strchr per character */
static int8_t USCC_VAL[256];
static void init_uscc_values(void) {
    static const char *ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    memset(USCC_VAL, -1, sizeof USCC_VAL);
    for (int i = 0; ALPHA[i]; i++) USCC_VAL[(uint8_t)ALPHA[i]] = (int8_t)i;
}
static int uscc_check(const uint8_t *m) {
    static const int W[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0, bad = 0;
    for (int i = 0; i < 18; i++) bad |= USCC_VAL[m[i]];
    if (bad < 0) return 0;
    for (int i = 0; i < 17; i++) sum += USCC_VAL[m[i]] * W[i];
    return (31 - sum % 31) % 31 == USCC_VAL[m[17]];
}
/* `^.[1239](?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])` of `_detect.py` */
static int uscc_region(const uint8_t *m) {
    uint8_t c = m[1], a = m[2], b = m[3];
    if (c != '1' && c != '2' && c != '3' && c != '9') return 0;
    switch (a) {
    case '1': return b >= '1' && b <= '5';
    case '2': return b >= '1' && b <= '3';
    case '3': return b >= '1' && b <= '7';
    case '4': return b >= '1' && b <= '6';
    case '5': return b >= '0' && b <= '4';
    case '6': return b >= '1' && b <= '5';
    case '7': return b == '1';
    case '8': return b >= '1' && b <= '3';
    }
    return 0;
}

/* Context words are looked up lazily: candidates come in order of their start, so each
   window is scanned from where the previous one stopped (never twice, never before the
   window), and the occurrences found so far are kept in start order. */
static int64_t window_start(const uint8_t *s, int64_t bs) {
    int64_t ws = bs;
    int k = CFG.window;
    /* 8 bytes at a time while they hold fewer character starts than are left to go back
       (a jump may land inside a character: only starts are counted); then the k-th start
       from the right in the last word, by its bits */
    while (k > 0 && ws >= 8) {
        uint64_t x;
        memcpy(&x, s + ws - 8, 8);
        uint64_t st = ~(x & ~(x << 1)) & 0x8080808080808080ULL; /* bit 7 of each start byte */
        int c = (int)(((st >> 7) * 0x0101010101010101ULL) >> 56);
        if (c < k) {
            ws -= 8;
            k -= c;
            continue;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (--k) st &= ~(1ULL << (63 - __builtin_clzll(st)));
        return ws - 8 + ((63 - __builtin_clzll(st)) >> 3);
#else
        break;
#endif
    }
    while (k > 0 && ws > 0) {
        ws--;
        while (ws > 0 && (s[ws] & 0xC0) == 0x80) ws--;
        k--;
    }
    return ws;
}
/* the context list's bucket bitmap indexed by the two bytes as one little-endian load
   (s[p] | s[p + 1] << 8): one 16-bit load a byte instead of two loads, a shift and an OR */
static uint64_t CTX_KEYS_LE[1024];
static void build_ctx_keys_le(void) {
    memset(CTX_KEYS_LE, 0, sizeof CTX_KEYS_LE);
    for (uint32_t key = 0; key < 65536; key++)
        if (wl_has(&CFG.ctx, key)) {
            uint32_t le = ((key & 0xFF) << 8) | (key >> 8);
            CTX_KEYS_LE[le >> 6] |= 1ULL << (le & 63);
        }
}
static void scan_occurrences(work_t *w, row_t *r, int64_t from, int64_t to) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    const wlist_t *L = &CFG.ctx;
    /* to <= a candidate's start < n, so s[p + 1] exists: the two-byte bucket bitmap alone
       is the test (one branch a byte; first-byte hits alone would mispredict often) */
    for (int64_t p = from; p < to; p++) {
        uint8_t b = s[p];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint16_t k2;
        memcpy(&k2, s + p, 2);
        if (!((CTX_KEYS_LE[k2 >> 6] >> (k2 & 63)) & 1)) continue;
#else
        if (!wl_has(L, ((uint32_t)b << 8) | s[p + 1])) continue;
#endif
        /* a CJK lead byte: the exact first character decides, not its first two bytes */
        if ((b & 0xF0) == 0xE0 && (p + 3 > n || !(CFG.cjk[cp3(s, p)] & F_CTX_START))) continue;
        WL_EACH(L, s, n, p, i) {
            GROW(w->o, w->capo, w->no + 1);
            w->o[w->no++] = (occ_t){p, p + L->w[i].len, L->w[i].mask};
        }
    }
}
static int has_ctx(work_t *w, row_t *r, int64_t bs, int type) {
    /* only words that start inside the window count: find its start (candidates come in
       order, so windows only move right), then scan the part not yet scanned, once */
    if (w->ws_for != bs) {
        w->ws_for = bs;
        /* an ASCII row (the scan saw no wider byte): characters are bytes */
        w->ws = r->wide ? window_start(r->s, bs) : bs > CFG.window ? bs - CFG.window : 0;
    }
    int64_t lb = w->ws;
    if (w->occ_upto < bs) {
        scan_occurrences(w, r, w->occ_upto > lb ? w->occ_upto : lb, bs);
        w->occ_upto = bs;
    }
    uint32_t bit = 1u << type;
    for (int64_t i = w->no - 1; i >= 0 && w->o[i].s >= lb; i--) {
        const occ_t *o = &w->o[i];
        if (o->e <= bs && (o->mask & bit)) return 1;
    }
    return 0;
}
/* the character before bs: 0 at the row start */
static uint32_t left_char(const uint8_t *s, int64_t n, int64_t bs) {
    if (bs == 0) return 0;
    int64_t q = bs - 1;
    while (q > 0 && (s[q] & 0xC0) == 0x80) q--;
    uint32_t cp;
    dec(s, n, q, &cp);
    return cp;
}
/* whether the character before bs is an ASCII digit (alphanumeric): the byte before bs
   is that character when it is ASCII, and any byte of a longer character is >= 0x80 */
static inline int left_digit(const uint8_t *s, int64_t n, int64_t bs) {
    return bs > 0 && is_digit(s[bs - 1]);
}
static inline int left_alnum(const uint8_t *s, int64_t n, int64_t bs) {
    return bs > 0 && is_alnum(s[bs - 1]);
}

static void add_find(work_t *w, int64_t bs, int64_t be, int type, double conf, int minor) {
    /* the scan's filters here, not in a pass of their own (they come before the overlap
       rule, as in the polars engine) */
    if (conf <= 0 || !(conf >= w->min_conf) || !((w->types >> type) & 1)) return;
    GROW(w->f, w->capf, w->nf + 1);
    w->f[w->nf++] = (find_t){bs, be, conf, (uint8_t)type, (uint8_t)minor};
}

static void classify_number(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s + c->bs;
    int64_t n = r->n;
    int len = (int)(c->be - c->bs);
    /* a number candidate is `[0-9]{8,}[Xx]?`: only its last character may be other than a
       digit, so that one decides whether all are digits */
    int all_digit = is_digit(s[len - 1]);
    if (len == 18) {
        uint8_t m[18];
        memcpy(m, s, 18);
        if (m[17] == 'x') m[17] = 'X';
        int digit = all_digit, d17 = 1;
        int y = 0, mo = 0, d = 0, structure = 0, check = 0;
        if (d17) {
            static const int W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
            int sum = 0;
            for (int i = 0; i < 17; i++) sum += dv(m[i]) * W[i];
            check = "10X98765432"[sum % 11] == m[17];
            y = dv(m[6]) * 1000 + dv(m[7]) * 100 + dv(m[8]) * 10 + dv(m[9]);
            mo = dv(m[10]) * 10 + dv(m[11]);
            d = dv(m[12]) * 10 + dv(m[13]);
            structure = CFG.id_prov[dv(m[0]) * 10 + dv(m[1])] && valid_date(y, mo, d);
        }
        if (structure && check) {
            double conf = 0.9 + (has_ctx(w, r, c->bs, T_ID18) ? 0.09 : 0.0);
            add_find(w, c->bs, c->be, T_ID18, conf, age_years(y, mo, d) < 14);
            return;
        }
        int is_card = 0;
        if (digit && m[0] >= '3' && m[0] <= '6' && (!structure || (m[0] == '6' && m[1] == '2')))
            is_card = luhn_digits(m, 18);
        if (is_card) {
            add_find(w, c->bs, c->be, T_CARD, 0.85 + (has_ctx(w, r, c->bs, T_CARD) ? 0.09 : 0.0), 0);
            return;
        }
        if (!structure && uscc_region(m) && uscc_check(m))
            add_find(w, c->bs, c->be, T_USCC, 0.85 + (has_ctx(w, r, c->bs, T_USCC) ? 0.09 : 0.0), 0);
        return;
    }
    if (len == 15 && s[0] != '0') {
        int y = 1900 + dv(s[6]) * 10 + dv(s[7]), mo = dv(s[8]) * 10 + dv(s[9]);
        int d = dv(s[10]) * 10 + dv(s[11]);
        if (CFG.id_prov[dv(s[0]) * 10 + dv(s[1])] && valid_date(y, mo, d)) {
            double conf = 0.6 + (has_ctx(w, r, c->bs, T_ID15) ? 0.3 : 0.0);
            add_find(w, c->bs, c->be, T_ID15, conf, age_years(y, mo, d) < 14);
        }
    }
    if ((len == 16 || len == 17 || len == 19) && all_digit && s[0] >= '3' && s[0] <= '6') {
        double base = luhn_digits(s, len) ? 0.85 : (s[0] == '6' && s[1] == '2') ? 0.55 : 0.35;
        add_find(w, c->bs, c->be, T_CARD, base + (has_ctx(w, r, c->bs, T_CARD) ? 0.1 : 0.0), 0);
    }
    if ((len == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9') ||
        (len == 13 && s[0] == '8' && s[1] == '6' && s[2] == '1' && s[3] >= '3' && s[3] <= '9') ||
        (len == 15 && s[0] == '0' && s[1] == '0' && s[2] == '8' && s[3] == '6' && s[4] == '1' &&
         s[5] >= '3' && s[5] <= '9')) {
        add_find(w, c->bs, c->be, T_MOBILE, 0.85 + (has_ctx(w, r, c->bs, T_MOBILE) ? 0.1 : 0.0), 0);
    }
    if ((len == 8 || len == 10) && all_digit) {
        if (has_ctx(w, r, c->bs, T_TW))
            add_find(w, c->bs, c->be, T_TW, 0.75, 0);
        else if (len == 10 && s[0] >= '2' && s[0] <= '9' && has_ctx(w, r, c->bs, T_PHONE))
            add_find(w, c->bs, c->be, T_PHONE, 0.6, 0);
    }
    (void)n;
}

/* exact shapes that the alternatives' absorbing tails may break */
static int shape_mobile(const uint8_t *s, int len) {
    int q = 0;
    int64_t e;
    if ((e = cc86(s, len, 0)) >= 0) q = (int)e;
    int opts[2], no = 0;
    if (q && q < len && is_sp_dash(s[q])) opts[no++] = q + 1;
    opts[no++] = q;
    for (int o = 0; o < no; o++) {
        int t = opts[o];
        if (t + 3 > len || s[t] != '1' || s[t + 1] < '3' || s[t + 1] > '9' || !is_digit(s[t + 2]))
            continue;
        t += 3;
        int ok = 1;
        for (int k = 0; k < 2 && ok; k++) {
            if (t < len && is_sp_dash(s[t])) t++;
            if (!digits_at(s, len, t, 4)) ok = 0;
            t += 4;
        }
        if (ok && t == len) return 1;
    }
    return 0;
}
static int shape_card(const uint8_t *s, int len) {
    if (!card19(s, len, 0)) return 0;
    int t = 19;
    if (t == len) return 1;
    if (is_sp_dash(s[t])) t++;
    int d = len - t;
    return d >= 1 && d <= 3 && digits_at(s, len, t, d);
}
/* the largest octet, -1 when the shape does not fit: one pass for shape and values */
static int ipv4_max_octet(const uint8_t *s, int len) {
    int t = 0, mx = 0;
    for (int k = 0; k < 4; k++) {
        int v = 0, d = 0;
        for (; d < 4 && t < len && is_digit(s[t]); d++, t++) v = v * 10 + dv(s[t]);
        if (d == 0 || d > 3) return -1;
        if (v > mx) mx = v;
        if (k < 3) {
            if (t >= len || s[t] != '.') return -1;
            t++;
        }
    }
    return t == len ? mx : -1;
}
static int shape_ipv6(const uint8_t *s, int len) {
    int colons = 0;
    for (int i = 0; i < len; i++) {
        if (s[i] == ':') colons++;
        else if (!is_hex(s[i])) return 0;
    }
    return colons >= 2;
}
/* inet_pton(AF_INET6) (glibc's grammar, which the polars engine calls too) on what
   shape_ipv6 lets through, hex digits and colons: groups of 1-4 digits, one "::" at most,
   eight groups or fewer than eight with "::". Compared with inet_pton on every such string
   of up to 22 characters and tens of millions of longer ones: no copy, no libc call. */
static int ipv6_ok(const uint8_t *s, int len) {
    int i = 0, groups = 0, dbl = 0, digits = 0;
    if (len == 0) return 0;
    if (s[0] == ':') {
        if (len < 2 || s[1] != ':') return 0;
        i = 1;
    }
    for (; i < len; i++) {
        if (s[i] != ':') {
            if (digits == 4) return 0;
            digits++;
            continue;
        }
        if (digits == 0) {
            if (dbl) return 0;
            dbl = 1;
            continue;
        }
        if (i + 1 == len || groups == 8) return 0;
        groups++;
        digits = 0;
    }
    if (digits) {
        if (groups == 8) return 0;
        groups++;
    }
    return dbl ? groups < 8 : groups == 8;
}
static int shape_mac(const uint8_t *s, int len) { return len == 17; }
static int shape_plate(const uint8_t *s, int64_t len) {
    /* [prov][A-Z] then [A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9 or suffix] | [DF][A-HJ-NP-Z0-9][0-9]{4} |
       [0-9]{5}[DF] */
    int dot = name_dot(s, len, 4);
    const uint8_t *t = s + 4 + dot;
    int64_t k = len - 4 - dot;
#define AN(c) (is_digit(c) || is_upper_no_io(c))
    if (k == 5 && AN(t[0]) && AN(t[1]) && AN(t[2]) && AN(t[3]) && AN(t[4])) return 1;
    if (k == 7 && AN(t[0]) && AN(t[1]) && AN(t[2]) && AN(t[3]) && cjk_flag(t, 7, 4, F_PLATE_SUFFIX))
        return 1;
    if (k == 6 && (t[0] == 'D' || t[0] == 'F') && AN(t[1]) && digits_at(t, 6, 2, 4)) return 1;
    if (k == 6 && digits_at(t, 6, 0, 5) && (t[5] == 'D' || t[5] == 'F')) return 1;
#undef AN
    return 0;
}

static int word_boundary_char(uint32_t c) {
    /* Unicode \w, near enough for these ASCII stop words: letters, digits, _, Latin-1 and
       Latin Extended letters (a name may hold them: Streeté is no Street) and CJK */
    if (c < 0x80) return is_alnum((uint8_t)c) || c == '_';
    if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
    return c == 0xAA || c == 0xB5 || c == 0xBA || c >= 0x3400;
}
static int name_en_rejected(const uint8_t *s, int64_t len) {
    const wlist_t *L = &CFG.not_name_en;
    for (int64_t p = 0; p < len; p++) {
        if (!L->first[s[p]]) continue;
        if (p > 0 && word_boundary_char(left_char(s, len, p))) continue;
        WL_EACH(L, s, len, p, i) {
            int64_t e = p + L->w[i].len;
            uint32_t cp = 0;
            if (e < len) dec(s, len, e, &cp);
            if (e == len || !word_boundary_char(cp)) return 1;
        }
    }
    return 0;
}

/* code points in s[a, b): bytes minus UTF-8 continuation bytes (10xxxxxx), 8 at a time;
   the last under 8 bytes by one load masked to them, placed inside [lo, hi) (the bytes that
   may be read), so no loop whose exit mispredicts on every length */
static inline int64_t cont_bytes(uint64_t x) {
    uint64_t m = (x & ~(x << 1) & 0x8080808080808080ULL) >> 7; /* one bit per byte */
    return (int64_t)((m * 0x0101010101010101ULL) >> 56);
}
static inline int64_t cp_span(const uint8_t *a, const uint8_t *b, const uint8_t *lo, const uint8_t *hi) {
    int64_t cont = 0, len = b - a;
    for (; b - a >= 8; a += 8) {
        uint64_t x;
        memcpy(&x, a, 8);
        cont += cont_bytes(x);
    }
    int64_t r = b - a;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (r && hi - lo >= 8) {
        const uint8_t *base = a + 8 <= hi ? a : hi - 8;
        uint64_t x;
        memcpy(&x, base, 8);
        x = (x >> (8 * (a - base))) & ((1ULL << (8 * r)) - 1);
        return len - cont - cont_bytes(x);
    }
#endif
    for (; a < b; a++) cont += (*a & 0xC0) == 0x80;
    return len - cont;
}
static int64_t count_cp(const uint8_t *s, int64_t a, int64_t b) {
    return cp_span(s + a, s + b, s + a, s + b);
}

/* whether the run of Han characters from a (up to b) holds a function word
   (`DOTTED_LEAD_STOP`): a dotted name's first part that does is prose (记者采访了古丽·买买提) */
static int holds_lead_stop(const uint8_t *s, int64_t a, int64_t b) {
    for (int64_t u = a, k; u < b && (k = han_at(s, b, u)); u += k)
        if (k == 3 && (CFG.cjk3[cp3(s, u)] & F3_LEAD_STOP)) return 1;
    return 0;
}
/* A name that continues a list after a Chinese name ending at e (名单：夏雨涵、丁浩…;
   刘明（执法证号…）、张静), each in turn, as `_listed_names` reads them with
   `_LIST_NAME_RX`: a note in brackets (1 to `list_note` characters), 、, then a dotted name
   or a surname with one or two characters, ending at one of `NAME_LIST_ENDS` or the row's
   end. Regex backtracking cannot shorten a run of Han characters that must end at a
   non-Han character, so each form is a test on maximal runs. */
static __attribute__((noinline)) void listed_names(work_t *w, row_t *r, int64_t e) {
    const uint8_t *s = r->s;
    int64_t n = r->n;
    for (;;) {
        int64_t q = e;
        int open = lit(s, n, q, "\xef\xbc\x88") ? 3 : (q < n && s[q] == '(') ? 1 : 0; /* （ ( */
        if (open) {
            int64_t t = q + open, closed = -1;
            for (int k = 0; t < n && k <= CFG.list_note; k++) {
                int close = lit(s, n, t, "\xef\xbc\x89") ? 3 : s[t] == ')' ? 1 : 0; /* ） ) */
                if (close) {
                    if (k) closed = t + close;
                    break;
                }
                uint32_t cp;
                t += dec(s, n, t, &cp);
            }
            if (closed < 0) return;
            q = closed;
        }
        int sep = 0;
        const wlist_t *S = &CFG.list_seps;
        if (q >= n) return; /* (a word list reads the byte at q) */
        WL_EACH(S, s, n, q, i) { sep = S->w[i].len; break; }
        if (!sep) return;
        q += sep;
        int64_t end = dotted_name(s, n, q), t = q;
        int dot = end > 0, run = 0, l;
        while (!dot && run < 12 && (l = han_at(s, n, t))) { t += l; run++; }
        if (!dot && run >= 2) { /* a surname, one or two characters */
            int ok = run <= 3 && cjk_flag(s, n, q, F_SURNAME);
            const wlist_t *C = &CFG.compound;
            for (int i = 0; !ok && i < C->n; i++) {
                if (!wl_at(C, i, s, t, q)) continue;
                int64_t c = count_cp(s, q, q + C->w[i].len);
                ok = run - c >= 1 && run - c <= 2;
            }
            if (ok) end = t;
        }
        if (end < 0) return;
        if (end < n) {
            int fits = 0;
            const wlist_t *E = &CFG.list_ends;
            WL_EACH(E, s, n, end, i) { fits = 1; break; }
            if (!fits) return;
        }
        const wlist_t *X = &CFG.not_name_zh;
        WL_EACH(X, s, end, q, i) return;
        if (dot && holds_lead_stop(s, q, end)) return; /* (`_DOTTED_PROSE_RX`; the dot ends the run) */
        add_find(w, q, end, T_NAME_ZH, 0.75, 0);
        e = end;
    }
}
/* a list may follow a name ending at e: 、 or a bracket there */
static inline void list_after(work_t *w, row_t *r, int64_t e) {
    const uint8_t *s = r->s;
    if (e < r->n && (s[e] == 0xE3 || s[e] == 0xEF || s[e] == '(')) listed_names(w, r, e);
}

static void classify_name_zh(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s;
    int64_t n = r->n, bs = c->bs, be = c->be;
    /* the context prefix as `_ZH_PREFIX_RX` strips it: first word that is a prefix, then
       one separator, then one space */
    int64_t q = bs;
    const wlist_t *L = &CFG.name_ctx_zh;
    WL_EACH(L, s, be, bs, i) {
        q = role_note(s, be, bs + L->w[i].len);
        break;
    }
    int pre = q > bs;
    int64_t cs = bs, ce = be;
    if (pre) {
        for (int j = 0; j < CFG.name_seps.n; j++)
            if (wl_at(&CFG.name_seps, j, s, be, q)) { q += CFG.name_seps.w[j].len; break; }
        q += name_space(s, be, q);
        cs = q;
        int64_t len = cp_span(s + cs, s + ce, s, s + n), dot = cs;
        while (dot < ce && !name_dot(s, ce, dot)) dot++;
        if (dot < ce) {
            /* a dotted name: its second part ends before a function word or a word that
               follows names (买买提·艾力的…, …·艾力登录) */
            /* a first part that holds a function word is prose before a name (记者采访了
               古丽·买买提): no name, as for dotted names that open a sentence */
            if (holds_lead_stop(s, cs, dot)) return;
            int64_t t = dot + name_dot(s, ce, dot);
            int l = han_at(s, ce, t);
            for (t += l; t < ce && (l = han_at(s, ce, t)); t += l) {
                int follows = 0;
                const wlist_t *F = &CFG.name_followers;
                WL_EACH(F, s, ce, t, i) { follows = 1; break; }
                if (follows || (l == 3 && (CFG.cjk3[cp3(s, t)] & F3_NAME_STOP))) { ce = t; break; }
            }
            len = 0; /* none of the rules below */
        }
        /* a last given-name character that starts a word with the next one ("王勇登" before
           "录") belongs to that word */
        if (len >= 3 && (s[ce - 3] & 0xF0) == 0xE0 && CFG.name_followers.first[s[ce - 3]]) {
            const wlist_t *F = &CFG.name_followers;
            int follows = 0;
            WL_EACH(F, s, n, ce - 3, i) { follows = 1; break; }
            if (follows) { ce -= 3; len--; }
        }
        /* a third given-name character that is a function word belongs to the prose */
        if (len >= 3 && ce - 3 >= cs && (s[ce - 3] & 0xF0) == 0xE0 && (CFG.cjk3[cp3(s, ce - 3)] & F3_NAME_STOP)) { ce -= 3; len--; }
        if (len == 4) {
            int compound = 0;
            const wlist_t *C = &CFG.compound;
            for (int i = 0; i < C->n; i++)
                if (wl_at(C, i, s, ce, cs)) compound = 1;
            if (!compound) {
                int64_t t = cs;
                for (int k = 0; k < 3; k++) { uint32_t cp; t += dec(s, n, t, &cp); }
                ce = t;
            }
        }
    } else { /* every title at the end (张经理您好: 张, no name; no title ends another) */
        const wlist_t *T = &CFG.name_titles;
        for (int i = 0; i < T->n; i++) {
            int64_t l = T->w[i].len;
            if (ce - l >= bs && memcmp(s + ce - l, T->w[i].s, (size_t)l) == 0) {
                ce -= l;
                i = -1;
            }
        }
    }
    if (cp_span(s + cs, s + ce, s, s + n) < 2) return;
    const wlist_t *X = &CFG.not_name_zh;
    if (cs < ce) {
        WL_EACH(X, s, ce, cs, i) return;
    }
    add_find(w, cs, ce, T_NAME_ZH, pre ? 0.8 : 0.75, 0);
    list_after(w, r, ce);
}

/* A name that opens a sentence: the surname and given name before the verb, as
   `_name_zh_lead` extracts them from the match (the verb must end it). */
static __attribute__((noinline)) void classify_name_lead(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s;
    int64_t bs = c->bs, be = c->be, core;
    const wlist_t *X = &CFG.not_name_zh;
    if (zh_lead(s, be, bs, be, 1, &core) != be) return;
    WL_EACH(X, s, core, bs, x) return;
    /* a dotted name's first part holds no function word (`DOTTED_LEAD_STOP`) */
    int64_t q = bs, l;
    int stop = 0;
    for (; q < core && (l = han_at(s, core, q)); q += l)
        stop |= l == 3 && (CFG.cjk3[cp3(s, q)] & F3_LEAD_STOP);
    int dotted = q < core && name_dot(s, core, q);
    if (stop && dotted) return;
    if (dotted) { /* a context word before it ("。患者阿依古丽·买买提表示") is not part of it */
        const wlist_t *C = &CFG.name_ctx_zh;
        int64_t from = bs;
        WL_EACH(C, s, q, bs, i) {
            if (bs + C->w[i].len < q) {
                from = bs + C->w[i].len;
                break;
            }
        }
        bs = from;
    }
    add_find(w, bs, core, T_NAME_ZH, 0.7, 0);
    list_after(w, r, core);
}

/* a building unit at q (栋, 幢, 座, 楼 or 单元 with `room`; else 栋, 幢, 楼, 层, 单元, 舍, 仓,
   库): its length in bytes, or 0 */
static inline int unit_at(const uint8_t *s, int64_t n, int64_t q, int room) {
    if (q + 3 > n || (s[q] & 0xF0) != 0xE0) return 0;
    uint32_t cp = cp3(s, q);
    if (cp == 0x5355) return lit(s, n, q + 3, "\xe5\x85\x83") ? 6 : 0; /* 单元 */
    return (CFG.cjk3[cp] & (room ? F3_UNIT_ROOM : F3_UNIT_BLD)) ? 3 : 0;
}
/* a Chinese numeral one to ten at q (the village group before 组: 二组) */
static int numeral_at(const uint8_t *s, int64_t n, int64_t q) {
    static const char *NUM = "\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b\x9b\xe4\xba\x94"
                             "\xe5\x85\xad\xe4\xb8\x83\xe5\x85\xab\xe4\xb9\x9d\xe5\x8d\x81";
    if (q + 3 > n) return 0;
    for (int k = 0; k < 10; k++)
        if (memcmp(s + q, NUM + 3 * k, 3) == 0) return 1;
    return 0;
}
static void classify_addr_zh(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s;
    int64_t bs = c->bs, be = c->be;
    if (c->kind == K_ADDR_LABEL) bs = addr_label_end(s, be, bs); /* the label left out */
    /* `_ADDR_END_RX`: the greedy `.*` means the last position where an ending starts
       and fits, its alternatives tried in order there */
    static const char *ZUO = "\xe5\xba\xa7", *HAO = "\xe5\x8f\xb7", *SHI = "\xe5\xae\xa4", *ZU = "\xe7\xbb\x84",
                      *HU = "\xe6\x88\xb7"; /* 座 号 室 组 户 */
    /* 路 街 巷 道 村 镇, then the areas 区 县 市, which end only a labelled address, and only
       where nothing else does (`_ADDR_AREA_RX`) */
    static const char *ENDS[] = {"\xe8\xb7\xaf", "\xe8\xa1\x97", "\xe5\xb7\xb7", "\xe9\x81\x93",
                                 "\xe6\x9d\x91", "\xe9\x95\x87", "\xe5\x8c\xba", "\xe5\x8e\xbf",
                                 "\xe5\xb8\x82"};
    int64_t end = -1;
    /* from the right: the ends of the alphanumeric and digit runs that contain i are
       carried along instead of being walked again at every position */
    int64_t aend = be, dend = be;
    for (int64_t i = be - 1; i >= bs && end < 0; i--) {
        uint8_t c = s[i];
        if (!is_alnum(c)) aend = i;
        if (!is_digit(c)) dend = i;
        if ((c & 0xC0) == 0x80) continue;
        int u;
        if ((u = unit_at(s, be, i, 1))) { /* a room after a building: 栋1104, 座2210 */
            int64_t j = i + u, j2 = j < be && is_alpha(s[j]) ? j + 1 : j, d = digit_end(s, be, j2);
            if (d > j2) {
                end = lit(s, be, d, SHI) || lit(s, be, d, HU) ? d + 3 : d;
                break;
            }
        }
        int64_t a = is_alnum(c) ? aend : i;
        if (a > i) { /* a building, floor or store: 9幢, B1层, 3号仓 */
            int64_t q = lit(s, be, a, HAO) ? a + 3 : a; /* (号 is no unit: no need to try without it) */
            if ((u = unit_at(s, be, q, 0))) {
                end = q + u;
                break;
            }
        }
        if (lit(s, be, a, ZUO)) { end = a + 3; break; }
        int64_t d = is_digit(c) ? dend : i;
        if (d > i && lit(s, be, d, HAO)) {
            end = d + 3;
            int64_t d2 = digit_end(s, be, end);
            if (d2 > end && (lit(s, be, d2, SHI) || lit(s, be, d2, HU))) end = d2 + 3;
            else if (d2 > end && d2 + 1 < be && s[d2] == '-' && is_digit(s[d2 + 1])) { /* 5-2-1 */
                end = digit_end(s, be, d2 + 1);
                if (end + 1 < be && s[end] == '-' && is_digit(s[end + 1])) end = digit_end(s, be, end + 1);
            }
            break;
        }
        if (d > i && lit(s, be, d, SHI)) { end = d + 3; break; }
        if (is_digit(c) && lit(s, be, i + 1, ZU)) { end = i + 4; break; } /* 3组 */
        if ((c & 0xF0) != 0xE0 || i + 3 > be) continue;
        if (lit(s, be, i + 3, ZU) && numeral_at(s, be, i)) { end = i + 6; break; } /* 二组 */
        for (int k = 0; k < 6; k++)
            if (s[i + 1] == (uint8_t)ENDS[k][1] && s[i + 2] == (uint8_t)ENDS[k][2] && c == (uint8_t)ENDS[k][0]) {
                end = i + 3;
                break;
            }
    }
    if (end < 0 && c->kind == K_ADDR_LABEL)
        for (int64_t i = be - 3; i >= bs && end < 0; i--)
            for (int k = 6; k < 9; k++)
                if (memcmp(s + i, ENDS[k], 3) == 0) {
                    end = i + 3;
                    break;
                }
    if (end < 0) return;
    if (end + 7 <= be && s[end] == ' ' && digits_at(s, be, end + 1, 6)) end += 7;
    if (cp_span(s + bs, s + end, s, s + r->n) < 6) return;
    add_find(w, bs, end, T_ADDR_ZH, 0.8, 0);
}

/* a birth date by what follows it, as `_dob` reads `BORN_AFTER`, `BORN_SHORT` and
   `BORN_ENDS`: 出生, or 生 at the row end or before one of the ends */
static int born_after(const uint8_t *s, int64_t n, int64_t e) {
    if (lit(s, n, e, CFG.born_after)) return 1;
    if (!lit(s, n, e, CFG.born_short)) return 0;
    e += (int64_t)strlen(CFG.born_short);
    if (e == n) return 1;
    uint32_t cp;
    dec(s, n, e, &cp);
    for (int i = 0; i < CFG.nborn_ends; i++)
        if (CFG.born_ends[i] == cp) return 1;
    return 0;
}
static void classify_dob(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s + c->bs;
    int64_t len = c->be - c->bs;
    if (!born_after(r->s, r->n, c->be) && !has_ctx(w, r, c->bs, T_DOB)) return;
    int y, mo, d;
    int64_t lead = digit_end(s, len, 0);
    if (lead > 0 && lead <= 2) { /* a day or month first: 4 September 1993, 03/14/1985 */
        int a = 0, b = 0;
        for (int64_t i = 0; i < lead; i++) a = a * 10 + dv(s[i]);
        y = dv(s[len - 4]) * 1000 + dv(s[len - 3]) * 100 + dv(s[len - 2]) * 10 + dv(s[len - 1]);
        if (s[lead] == ' ') {
            mo = month_number(s + lead + 1, len - lead - 1);
            d = a;
        } else { /* month first after '/', day first after '.', where that is a date */
            for (int64_t i = lead + 1; i < len && is_digit(s[i]); i++) b = b * 10 + dv(s[i]);
            int slash = s[lead] == '/', m1 = slash ? a : b, d1 = slash ? b : a;
            int keep = valid_date(y, m1, d1);
            mo = keep ? m1 : d1;
            d = keep ? d1 : m1;
        }
    } else if (is_digit(s[0])) {
        /* ^([0-9]{4})\D+([0-9]{1,2})\D+([0-9]{1,2}) */
        y = dv(s[0]) * 1000 + dv(s[1]) * 100 + dv(s[2]) * 10 + dv(s[3]);
        int64_t i = 4;
        while (i < len && !is_digit(s[i])) i++;
        mo = 0;
        for (int k = 0; k < 2 && i < len && is_digit(s[i]); k++, i++) mo = mo * 10 + dv(s[i]);
        while (i < len && !is_digit(s[i])) i++;
        d = 0;
        for (int k = 0; k < 2 && i < len && is_digit(s[i]); k++, i++) d = d * 10 + dv(s[i]);
    } else {
        mo = month_number(s, len);
        int64_t i = 0;
        while (i < len && s[i] != ' ') i++;
        i++;
        d = 0;
        while (i < len && is_digit(s[i])) d = d * 10 + dv(s[i++]);
        y = dv(s[len - 4]) * 1000 + dv(s[len - 3]) * 100 + dv(s[len - 2]) * 10 + dv(s[len - 1]);
    }
    if (!valid_date(y, mo, d)) return;
    add_find(w, c->bs, c->be, T_DOB, 0.85, age_years(y, mo, d) < 14);
}

/* `_VERSION_RX` on the context window: a word of `VERSION_WORDS`, then up to three
   characters that are no digits, just before bs (inside the window) */
static int version_before(const uint8_t *s, int64_t bs) {
    const wlist_t *L = &CFG.version_words;
    int64_t lo = window_start(s, bs), t = bs;
    for (int k = 0; k <= 3; k++) {
        for (int i = 0; i < L->n; i++) {
            int64_t l = L->w[i].len;
            if (t - l >= lo && memcmp(s + t - l, L->w[i].s, (size_t)l) == 0) return 1;
        }
        if (t <= lo || is_digit(s[t - 1])) return 0;
        do t--; while (t > lo && (s[t] & 0xC0) == 0x80);
    }
    return 0;
}

static void classify(work_t *w, row_t *r, const cand_t *c) {
    const uint8_t *s = r->s, *m = r->s + c->bs;
    int64_t n = r->n, bs = c->bs, be = c->be;
    int len = (int)(be - bs);
    switch (c->kind) {
    case K_NUMBER:
        classify_number(w, r, c);
        return;
    case K_MOBILE:
        if (shape_mobile(m, len) && !left_digit(s, n, bs))
            add_find(w, bs, be, T_MOBILE, 0.9 + (has_ctx(w, r, bs, T_MOBILE) ? 0.09 : 0.0), 0);
        return;
    case K_CARD: {
        if (!shape_card(m, len) || left_digit(s, n, bs)) return;
        uint8_t d[32];
        int nd = 0;
        for (int i = 0; i < len && nd < 32; i++)
            if (is_digit(m[i])) d[nd++] = m[i];
        if (nd < 16 || nd > 19) return;
        double base = luhn_digits(d, nd) ? 0.9 : (d[0] == '6' && d[1] == '2') ? 0.55 : 0.35;
        add_find(w, bs, be, T_CARD, base + (has_ctx(w, r, bs, T_CARD) ? 0.09 : 0.0), 0);
        return;
    }
    case K_IPV4: {
        int mx = ipv4_max_octet(m, len);
        if (mx < 0 || mx > 255) return;
        if (left_digit(s, n, bs) || (bs > 0 && s[bs - 1] == '.')) return;
        if (lit(m, len, 0, "127.") || (len == 7 && memcmp(m, "0.0.0.0", 7) == 0)) return;
        if (version_before(s, bs)) return;
        add_find(w, bs, be, T_IPV4, 0.85, 0);
        return;
    }
    case K_LANDLINE: {
        /* the shape: 7 or 8 digits, or 3 or 4 and 4 after a space; an extension of 1 to 5 */
        int64_t q = area_code(m, len, 0), e = q < 0 ? 0 : digit_end(m, len, q), k = e - q;
        if (q < 0 || left_digit(s, n, bs)) return;
        if ((k == 3 || k == 4) && e + 5 <= len && m[e] == ' ' && digit_end(m, len, e + 1) == e + 5) e += 5;
        else if (k != 7 && k != 8) return;
        if (e < len && (m[e] != '-' || digit_end(m, len, e + 1) != len || len - e - 1 > 5 || len - e < 2)) return;
        add_find(w, bs, be, T_LANDLINE, 0.75 + (has_ctx(w, r, bs, T_LANDLINE) ? 0.2 : 0.0), 0);
        return;
    }
    case K_NAME_GIVEN:
        if (name_en_rejected(m, len)) return;
        add_find(w, bs, be, T_NAME_EN, 0.6, 0);
        return;
    case K_PHONE_INTL: { /* 8 to 15 digits (E.164); +86 has its own rules */
        int digits = 0;
        for (int64_t i = 0; i < len; i++) digits += is_digit(m[i]) != 0;
        if (digits < 8 || digits > 15 || (m[1] == '8' && m[2] == '6') || left_digit(s, n, bs)) return;
        add_find(w, bs, be, T_PHONE, 0.7 + (has_ctx(w, r, bs, T_PHONE) ? 0.2 : 0.0), 0);
        return;
    }
    case K_PHONE_US:
        if (left_digit(s, n, bs)) return;
        add_find(w, bs, be, T_PHONE, 0.7 + (has_ctx(w, r, bs, T_PHONE) ? 0.2 : 0.0), 0);
        return;
    case K_ADDR_EN:
        add_find(w, bs, be, T_ADDR_EN, 0.85, 0);
        return;
    case K_NAME_EN: {
        if (name_en_rejected(m, len)) return;
        /* `^(?:ctx)[:]? ` stripped: the first context word that is a prefix */
        const wlist_t *L = &CFG.name_ctx_en;
        int64_t q = bs;
        WL_EACH(L, s, be, bs, i) {
            int64_t t = bs + L->w[i].len;
            if (t < be && s[t] == ':') t++;
            if (t < be && s[t] == ' ') { q = t + 1; break; }
        }
        add_find(w, q, be, T_NAME_EN, 0.75, 0);
        return;
    }
    case K_DOB:
        classify_dob(w, r, c);
        return;
    case K_EMAIL:
        add_find(w, bs, be, T_EMAIL, 0.95, 0);
        return;
    case K_MAC:
        if (shape_mac(m, len)) {
            if (!left_alnum(s, n, bs)) add_find(w, bs, be, T_MAC, 0.85, 0);
            return;
        }
        /* a longer hex run with colons is judged as an IPv6 address */
        __attribute__((fallthrough));
    case K_IPV6: {
        if (!shape_ipv6(m, len) || len > 63) return;
        if (ipv6_ok(m, len)) add_find(w, bs, be, T_IPV6, 0.85, 0);
        return;
    }
    case K_USCC: {
        if (len != 18 || left_alnum(s, n, bs)) return;
        int digits17 = digits_at(m, len, 0, 17) && (is_digit(m[17]) || m[17] == 'X');
        if (digits17 || !uscc_region(m)) return;
        double base = uscc_check(m) ? 0.9 : 0.4;
        add_find(w, bs, be, T_USCC, base + (has_ctx(w, r, bs, T_USCC) ? 0.09 : 0.0), 0);
        return;
    }
    case K_PASSPORT:
        if (len != 9 || left_alnum(s, n, bs)) return;
        add_find(w, bs, be, T_PASSPORT, 0.6 + (has_ctx(w, r, bs, T_PASSPORT) ? 0.35 : 0.0), 0);
        return;
    case K_HKMO:
        if ((len != 9 && !(len == 11 && digits_at(m, len, 9, 2))) || left_alnum(s, n, bs)) return;
        add_find(w, bs, be, T_HKMO, 0.5 + (has_ctx(w, r, bs, T_HKMO) ? 0.4 : 0.0), 0);
        return;
    case K_PLATE:
        if (!shape_plate(m, len)) return;
        add_find(w, bs, be, T_PLATE, 0.85 + (has_ctx(w, r, bs, T_PLATE) ? 0.1 : 0.0), 0);
        return;
    case K_NAME_ZH:
        classify_name_zh(w, r, c);
        return;
    case K_ADDR_ZH:
    case K_ADDR_CITY:
    case K_ADDR_LABEL:
        classify_addr_zh(w, r, c);
        return;
    case K_NAME_ZH_LEAD:
        classify_name_lead(w, r, c);
        return;
    case K_NAME_EN_LEAD: {
        int64_t core;
        if (en_lead(s, be, bs, &core) != be || name_en_rejected(m, core - bs)) return;
        add_find(w, bs, core, T_NAME_EN, 0.6, 0);
        return;
    }
    }
}

/* i / 1000.0 for i <= 990, the values confidences round to (a division per finding saved) */
static double THOUSANDTHS[991];
static void init_thousandths(void) {
    for (int i = 0; i < 991; i++) THOUSANDTHS[i] = (double)i / 1000.0;
}

static int cmp_find(const void *a, const void *b) {
    const find_t *x = a, *y = b;
    if (x->bs != y->bs) return x->bs < y->bs ? -1 : 1;
    if (x->be != y->be) return x->be > y->be ? -1 : 1;
    return 0;
}

/* Sorting and writing out a row's findings: a function of its own, so that it does not
   change how the compiler lays out the candidate pass inlined into scan_row. */
/* findings come nearly in order (groups interleave): an insertion sort, stable as the
   tie order needs nothing (equal spans are one finding's twins) */
static void sort_finds(work_t *w) {
    for (int64_t i = 1; i < w->nf; i++) {
        if (cmp_find(&w->f[i - 1], &w->f[i]) <= 0) continue; /* in order already */
        find_t x = w->f[i];
        int64_t j = i;
        while (j > 0 && cmp_find(&w->f[j - 1], &x) > 0) {
            w->f[j] = w->f[j - 1];
            j--;
        }
        w->f[j] = x;
    }
}

/* `[NAME_ID_SEPS_AFTER]?` from p to exactly b */
static inline int id_sep_to(const uint8_t *s, int64_t p, int64_t b) {
    if (p == b) return 1;
    const wlist_t *A = &CFG.id_seps_after;
    WL_EACH(A, s, b, p, i) if (p + A->w[i].len == b) return 1;
    return 0;
}
/* s[a:b] is `_ID_REST`: a separator, a label and a separator, each optional */
static int id_rest(const uint8_t *s, int64_t a, int64_t b) {
    int64_t from[2];
    int k = 0;
    const wlist_t *S = &CFG.id_seps, *L = &CFG.id_labels;
    WL_EACH(S, s, b, a, i) { from[k++] = a + S->w[i].len; break; }
    from[k++] = a;
    for (int x = 0; x < k; x++) {
        if (id_sep_to(s, from[x], b)) return 1;
        WL_EACH(L, s, b, from[x], i) if (id_sep_to(s, from[x] + L->w[i].len, b)) return 1;
    }
    return 0;
}
/* one or two given-name characters from a, then `_ID_REST` to b: the name's end, or -1 */
static int64_t given_then_rest(const uint8_t *s, int64_t a, int64_t b) {
    int g1 = han_at(s, b, a);
    if (!g1) return -1;
    int g2 = han_at(s, b, a + g1);
    if (g2 && id_rest(s, a + g1 + g2, b)) return a + g1 + g2;
    return id_rest(s, a + g1, b) ? a + g1 : -1;
}
/* the length of the Han character that ends at x (not before lo), else 0 */
static inline int han_before(const uint8_t *s, int64_t lo, int64_t x) {
    if (x - 3 >= lo && (s[x - 3] & 0xF0) == 0xE0 && han3(cp3(s, x - 3))) return 3;
    if (x - 4 >= lo && s[x - 4] == 0xF0 && han_at(s, x, x - 4) == 4) return 4;
    return 0;
}
/* where each word of L that ends at x (and starts at or after lo) starts, up to `max`;
   `by_last`: L's words by their last byte */
static int words_ending(const wlist_t *L, const uint64_t *by_last, const uint8_t *s, int64_t lo, int64_t x,
                        int64_t *out, int k, int max) {
    if (x <= lo) return k;
    for (uint64_t m = by_last[s[x - 1]]; m && k < max; m &= m - 1) {
        const word_t *wd = &L->w[__builtin_ctzll(m)];
        if (x - wd->len >= lo && memcmp(s + x - wd->len, wd->s, (size_t)wd->len) == 0) out[k++] = x - wd->len;
    }
    return k;
}
/* a surname (compound, or one character) from st to exactly a */
static inline int surname_to(const uint8_t *s, int64_t st, int64_t a) {
    if (a - st == 3 && (CFG.cjk[cp3(s, st)] & F_SURNAME) && (s[st] & 0xF0) == 0xE0) return 1;
    if (a - st < 6 || !CFG.compound.first[s[st]]) return 0;
    const wlist_t *C = &CFG.compound;
    WL_EACH(C, s, a, st, j) if (st + C->w[j].len == a) return 1;
    return 0;
}
/* Names right before a contact or ID number (`_names_before_ids`, `_NAME_BEFORE_ID_RX`):
   for each such finding in order, the leftmost start within `id_reach` characters where
   a surname (compound ones first), one or two characters (two first) and `_ID_REST`
   reach the number; kept unless a common word, a role or an ending rules it out, or a
   name of the row overlaps it. Findings must be sorted. The ends that `_ID_REST` allows
   are found first, walking back from the number; then the starts before each, of which
   the leftmost is read forwards as the regex reads it. */
static __attribute__((noinline)) void names_before_ids(work_t *w, const uint8_t *s) {
    int64_t k = w->nf;
    /* a name found overlaps [st, e) when one that starts before e ends after st: the
       furthest name end up to each finding (in start order) answers it by a binary search,
       so a document-long row stays linear */
    GROW(w->name_end, w->capne, k);
    for (int64_t i = 0, far = -1; i < k; i++) {
        if (w->f[i].type == T_NAME_ZH && w->f[i].be > far) far = w->f[i].be;
        w->name_end[i] = far;
    }
    for (int64_t i = 0; i < k; i++) {
        if (!((CFG.id_types >> w->f[i].type) & 1)) continue;
        /* (`id_reach` characters back: no match is longer, so any bound before that is
           as good, and four bytes a character is one) */
        int64_t bs = w->f[i].bs, lo = bs - 4 * (int64_t)CFG.id_reach;
        if (!bs) continue;
        if (lo < 0) lo = 0;
        /* the ends: [sep after]? then label? then [sep]? back from bs */
        int64_t e2[2], e1[8], e0[24];
        int n2 = 1, n1 = 0, n0 = 0;
        e2[0] = bs;
        n2 = words_ending(&CFG.id_seps_after, CFG.id_seps_after_end, s, lo, bs, e2, n2, 2);
        for (int x = 0; x < n2; x++) {
            e1[n1++] = e2[x];
            n1 = words_ending(&CFG.id_labels, CFG.id_labels_end, s, lo, e2[x], e1, n1, 8);
        }
        for (int x = 0; x < n1; x++) {
            e0[n0++] = e1[x];
            n0 = words_ending(&CFG.id_seps, CFG.id_seps_end, s, lo, e1[x], e0, n0, 24);
        }
        int64_t st = -1;
        for (int x = 0; x < n0; x++) {
            int64_t e = e0[x], a = e;
            for (int g = 0; g < 2; g++) { /* one, then two given-name characters */
                int l = han_before(s, lo, a);
                if (!l) break;
                a -= l;
                for (int64_t c = a - 3; c >= a - CFG.compound_max && c >= lo; c -= 3)
                    if ((st < 0 || c < st) && surname_to(s, c, a)) st = c;
            }
        }
        if (st < 0) continue;
        int64_t e = -1;
        const wlist_t *C = &CFG.compound;
        if (C->first[s[st]]) {
            WL_EACH(C, s, bs, st, j) {
                if ((e = given_then_rest(s, st + C->w[j].len, bs)) >= 0) break;
            }
        }
        if (e < 0) e = given_then_rest(s, st + 3, bs);
        if (e < 0) continue; /* (cannot be: st was found so) */
        int no = 0;
        const wlist_t *X = &CFG.not_name_zh, *R = &CFG.name_ctx_zh, *E = &CFG.not_id_ends;
        WL_EACH(X, s, e, st, j) { no = 1; break; }
        if (!no) WL_EACH(R, s, e, st, j) { no = 1; break; }
        int64_t ends[2];
        if (!no) no = words_ending(E, CFG.not_id_ends_end, s, st, e, ends, 0, 1);
        for (int64_t u = st; !no && u < e; u++) { /* a label inside (方手机 of 乙方手机) */
            const wlist_t *L = &CFG.id_labels;
            WL_EACH(L, s, e, u, j) { no = 1; break; }
        }
        if (!no) { /* the last finding that starts before e */
            int64_t a = 0, b = k;
            while (a < b) {
                int64_t m = (a + b) / 2;
                if (w->f[m].bs < e) a = m + 1;
                else b = m;
            }
            no = a > 0 && w->name_end[a - 1] > st;
        }
        /* names this pass added: each within `id_reach` characters before its number, the
           numbers in order, so only the last few can reach st */
        for (int64_t j = w->nf - 1; !no && j >= k && w->f[j].bs >= st - 8 * (int64_t)CFG.id_reach; j--)
            no = w->f[j].bs < e && st < w->f[j].be;
        if (!no) add_find(w, st, e, T_NAME_ZH, 0.7, 0);
    }
    if (w->oom || w->nf == k) return;
    /* merge the names added (nearly in order already) into the sorted findings */
    find_t *f = w->f;
    for (int64_t i = k + 1; i < w->nf; i++) {
        find_t x = f[i];
        int64_t j = i;
        while (j > k && cmp_find(&f[j - 1], &x) > 0) {
            f[j] = f[j - 1];
            j--;
        }
        f[j] = x;
    }
    GROW(w->merged, w->capmerged, w->nf);
    int64_t a = 0, b = k, o = 0;
    while (a < k && b < w->nf) w->merged[o++] = cmp_find(&f[b], &f[a]) < 0 ? f[b++] : f[a++];
    while (a < k) w->merged[o++] = f[a++];
    while (b < w->nf) w->merged[o++] = f[b++];
    memcpy(f, w->merged, (size_t)w->nf * sizeof *f);
}

static __attribute__((noinline)) void emit_row(work_t *w, const uint8_t *s, int64_t n, int wide, uint32_t row) {
    int64_t k = w->nf; /* findings that passed the filters (add_find) */
    if (!k) return;
    sort_finds(w);
    if (w->nout + k > w->capout) {
        int64_t cap = w->capout ? w->capout : 1024;
        while (cap < w->nout + k) cap *= 2;
        void *a;
#define REGROW(col, size)                                   \
        a = realloc(w->col, (size_t)cap * (size));          \
        if (!a) { w->oom = 1; return; }                     \
        w->col = a;
        REGROW(orow, sizeof(uint32_t)) REGROW(ostart, sizeof(int64_t)) REGROW(oend, sizeof(int64_t))
        REGROW(obstart, sizeof(int64_t)) REGROW(obend, sizeof(int64_t))
        REGROW(otype, 1) REGROW(ominor, 1) REGROW(oconf, sizeof(double))
#undef REGROW
        w->capout = cap;
    }
    int64_t maxend = 0, pos = 0, cp = 0;
    for (int64_t i = 0; i < k; i++) {
        const find_t *f = &w->f[i];
        /* candidates of different groups may overlap: keep the first, longest one (a
           running maximum over every earlier end, kept or not) */
        int keep = i == 0 || f->bs >= maxend;
        if (f->be > maxend) maxend = f->be;
        if (!keep) continue;
        /* an ASCII row (the scan saw no wider byte) counts code points as bytes */
        /* kept findings do not overlap: count on from the last one's end, each byte once */
        cp += wide ? cp_span(s + pos, s + f->bs, s, s + n) : f->bs - pos;
        int64_t o = w->nout++;
        w->orow[o] = row;
        w->ostart[o] = cp;
        cp += wide ? cp_span(s + f->bs, s + f->be, s, s + n) : f->be - f->bs;
        pos = f->be;
        w->oend[o] = cp;
        w->obstart[o] = f->bs;
        w->obend[o] = f->be;
        w->otype[o] = f->type;
        w->ominor[o] = f->minor;
        double conf = f->conf > 0.99 ? 0.99 : f->conf;
        w->oconf[o] = THOUSANDTHS[(int64_t)(conf * 1000.0 + 0.5)]; /* 0 < conf <= 0.99: round() without libm or a division */
    }
}

/* a row's scan state before its scan (at_ls: set by find_at) */
static inline row_t row_start(const uint8_t *s, int64_t n) {
    return (row_t){s, n, {0, 0}, {0, 0}, {0, 0}, {0, 0}, -1, -1, -1, 0, 0, 0, 0, 0, 0};
}
/* Where a dotted name opens a sentence (`_ZH_NAME_LEAD`'s dotted form: at the row start or
   after a sentence end mark, one space allowed), in a row that holds a name dot. Left to
   the scan: a surname there (both forms are tried after `opens_sentence`) and any start
   character right at the row start (the name is the group's last alternative there). */
static void lead_at(work_t *w, const uint8_t *s, int64_t n, int64_t q) {
    int64_t core;
    if (q < n && s[q] == ' ') q++;
    if (q + 3 > n || s[q] < 0xE0) return;
    int scanned = 0;
    if (s[q] < 0xF0) {
        uint32_t c = cp3(s, q);
        scanned = (CFG.cjk[c] & F_SURNAME) || (CFG.cjk2[c] & F2_COMPOUND) ||
                  (q == 0 && (CFG.cjk[c] & (CJK_STARTS | F_CTX_PAIR)));
    }
    if (zh_lead(s, n, q, -1, 1, &core) < 0) return;
    w->opens = 1;
    if (scanned) return;
    GROW(w->lead, w->capl, w->nl + 1);
    w->lead[w->nl++] = q;
}
static void find_leads(work_t *w, const uint8_t *s, int64_t n) {
    w->nl = w->opens = 0;
    lead_at(w, s, n, 0);
    for (int64_t i = 0; i < n; i++)
        if (CFG.end_last[s[i]] &&
            (s[i] < 0x80 || (i >= 2 && (s[i - 2] & 0xF0) == 0xE0 && (CFG.cjk2[cp3(s, i - 2)] & F2_SENT_END))))
            lead_at(w, s, n, i + 1);
}

/* A row with a name dot where dotted names open sentences: *r made ready to scan it again,
   the scan stopping where each starts; 0 where none does (out of line: rare) */
static __attribute__((noinline)) int ready_dotted(work_t *w, row_t *r) {
    find_leads(w, r->s, r->n);
    if (!w->opens || w->oom) return 0;
    *r = row_start(r->s, r->n);
    r->leads = w->lead;
    r->nleads = w->nl;
    r->dotted = 1;
    w->nc = 0;
    return 1;
}

/* One row as it is; bit 0: it holds a byte >= 0x80, bit 1: a resident ID in groups,
   bit 2: a '#', bit 3: a full-width digit, letter or '@', bit 4: "at)" or a last word
   after " dot " (maybe a spelled-out '@'). */
static int scan_plain(work_t *w, const uint8_t *s, int64_t n, uint32_t row, double min_conf,
                      uint32_t types) {
    row_t r = row_start(s, n);
    w->nc = w->nf = 0;
    w->occ_upto = 0;
    w->no = 0;
    w->ws_for = -1;
    w->min_conf = min_conf;
    w->types = types;
    for (;;) { /* once, or twice for a row with a name dot (one call: the scan is inlined) */
        scan_groups(w, &r);
        if (__builtin_expect(!r.dots, 1) || r.dotted || w->oom || !ready_dotted(w, &r)) break;
    }
    int seen = r.wide | (r.grouped << 1) | (r.hashes << 2) | (r.fullwidth << 3) | (r.spelled << 4);
    if (w->oom || !w->nc) return seen;
    for (int64_t i = 0; i < w->nc && !w->oom; i++) classify(w, &r, &w->c[i]);
    if (w->oom) return seen;
    if (w->nf && r.wide) { /* (a name needs a Han character: the row holds a wider byte) */
        sort_finds(w);
        names_before_ids(w, s);
        if (w->oom) return seen;
    }
    emit_row(w, s, n, r.wide, row);
    return seen;
}

/* Whether '#' at p stands for '@' in an address written so to keep it from crawlers
   ("li#163.com"): a local-part character before it and a domain after it, as
   `(?<=[A-Za-z0-9._%+-])#(?=[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2})` says. */
static inline int label_byte(uint8_t c) { return is_alnum(c) || c == '-'; }
static int hash_at(const uint8_t *s, int64_t n, int64_t p) {
    uint8_t b = p > 0 ? s[p - 1] : 0;
    if (!(is_alnum(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-')) return 0;
    int64_t q = p + 1;
    if (q >= n || !label_byte(s[q])) return 0;
    for (;;) {
        while (q < n && label_byte(s[q])) q++; /* a label */
        if (q + 2 < n && s[q] == '.' && is_alpha(s[q + 1]) && is_alpha(s[q + 2])) return 1;
        if (q + 1 < n && s[q] == '.' && label_byte(s[q + 1])) { q++; continue; }
        return 0;
    }
}
static int has_hash_email(const uint8_t *s, int64_t n) {
    const uint8_t *p = s, *e = s + n;
    while (p < e && (p = memchr(p, '#', (size_t)(e - p))) != NULL) {
        if (hash_at(s, n, p - s)) return 1;
        p++;
    }
    return 0;
}

/* Addresses with '@' and '.' spelled out ("zhangsan(at)163.com", "li [at] pku [dot] edu
   [dot] cn", "zhangsan at 163 dot com"), as `_SPELLED` in _detect.py says:
   - "(at)", "[at]" or "{at}" (either case, a space allowed on each side) after a
     local-part character, then a domain of labels joined by '.' or "(dot)" (same brackets,
     spaces), one of them followed by two letters;
   - " at " after a local-part character, then labels joined by " dot ", the first not
     "a", "an" or "the", the last a known top-level domain, and no other word after it
     (" [a-z ]"): English prose has " at " and " dot " ("look at the dot com bubble").
   Returns the end of the domain's labels and dots (as far as they go), *me the end of the
   '@' marker and *bare whether words, or -1. */
static int64_t bracket_word(const uint8_t *s, int64_t n, int64_t p, const char *w, int wl) {
    if (p + wl + 2 > n) return -1;
    uint8_t o = s[p], c = s[p + wl + 1];
    if (!((o == '(' && c == ')') || (o == '[' && c == ']') || (o == '{' && c == '}'))) return -1;
    for (int i = 0; i < wl; i++)
        if ((s[p + 1 + i] | 0x20) != w[i]) return -1;
    return p + wl + 2;
}
/* a '.' or a bracketed "dot" (a space allowed on each side) at q < n: its end, or -1 */
static int64_t spelled_dot(const uint8_t *s, int64_t n, int64_t q) {
    if (s[q] == '.') return q + 1;
    int64_t e = bracket_word(s, n, q + (s[q] == ' '), "dot", 3);
    return e < 0 ? -1 : e + (e < n && s[e] == ' ');
}
static int known_tld(const uint8_t *w, int64_t l) {
    static const char *const TLDS[] = {"com", "net", "org", "edu", "gov", "mil", "int", "info",
                                       "biz", "cn", "hk", "tw", "mo", "jp", "kr", "sg", "uk",
                                       "us", "ca", "au", "de", "fr", "ru", "io", "cc"};
    for (size_t i = 0; i < sizeof TLDS / sizeof *TLDS; i++)
        if ((int64_t)strlen(TLDS[i]) == l && memcmp(w, TLDS[i], (size_t)l) == 0) return 1;
    return 0;
}
static int stop_label(const uint8_t *w, int64_t l) { /* a, an, the (either case) */
    if (l == 1) return (w[0] | 0x20) == 'a';
    if (l == 2) return (w[0] | 0x20) == 'a' && (w[1] | 0x20) == 'n';
    return l == 3 && (w[0] | 0x20) == 't' && (w[1] | 0x20) == 'h' && (w[2] | 0x20) == 'e';
}
static int64_t spelled_at(const uint8_t *s, int64_t n, int64_t p, int64_t *me, int *bare) {
    if (p == 0 || p + 4 > n || !is_local(s[p - 1])) return -1;
    int64_t q;
    if (memcmp(s + p, " at ", 4) == 0) {
        int64_t last = q = p + 4;
        int dots = 0;
        for (;;) {
            last = q;
            while (q < n && label_byte(s[q])) q++;
            if (q == last || (!dots && stop_label(s + last, q - last))) return -1;
            if (q + 5 < n && memcmp(s + q, " dot ", 5) == 0 && label_byte(s[q + 5])) {
                q += 5;
                dots++;
                continue;
            }
            break;
        }
        if (!dots || !known_tld(s + last, q - last) ||
            (q + 1 < n && s[q] == ' ' && (is_lower(s[q + 1]) || s[q + 1] == ' ')))
            return -1;
        *me = p + 4;
        *bare = 1;
        return q;
    }
    int64_t e = bracket_word(s, n, p + (s[p] == ' '), "at", 2);
    if (e < 0) return -1;
    e += e < n && s[e] == ' ';
    int two = 0;
    q = e;
    if (q >= n || !label_byte(s[q])) return -1;
    for (;;) {
        while (q < n && label_byte(s[q])) q++;
        int64_t d = q < n ? spelled_dot(s, n, q) : -1;
        if (d < 0 || d >= n || !label_byte(s[d])) break;
        two |= d + 1 < n && is_alpha(s[d]) && is_alpha(s[d + 1]);
        q = d;
    }
    if (!two) return -1;
    *me = e;
    *bare = 0;
    return q;
}
/* whether s (a row with full-width forms folded) has such an address */
static int has_spelled(const uint8_t *s, int64_t n) {
    int64_t me;
    int bare;
    for (int64_t p = 1; p < n; p++) {
        uint8_t b = s[p];
        if ((b == ' ' || b == '(' || b == '[' || b == '{') && spelled_at(s, n, p, &me, &bare) >= 0)
            return 1;
    }
    return 0;
}
/* s[0, n) with each such address's markers folded to '@' and '.', into out (the bytes
   between left out, as a grouped ID's separators are); at[k], where given: the byte of s
   where out[k] came from (a marker's first byte). Returns the length. */
static int64_t fold_spelled(const uint8_t *s, int64_t n, uint8_t *out, int64_t *at) {
    int64_t j = 0, me, e;
    int bare;
    for (int64_t p = 0; p < n;) {
        uint8_t b = s[p];
        if ((b == ' ' || b == '(' || b == '[' || b == '{') && (e = spelled_at(s, n, p, &me, &bare)) >= 0) {
            if (at) at[j] = at[p];
            out[j++] = '@';
            for (p = me; p < e;) {
                if (label_byte(s[p])) {
                    if (at) at[j] = at[p];
                    out[j++] = s[p++];
                    continue;
                }
                if (at) at[j] = at[p];
                out[j++] = '.';
                p = bare ? p + 5 : spelled_dot(s, n, p);
            }
            continue;
        }
        if (at) at[j] = at[p];
        out[j++] = s[p++];
    }
    if (at) at[j] = at[n];
    return j;
}

/* whether s[p] starts a full-width form of an ASCII character (U+FF01-FF5E) */
static inline int folds_at(const uint8_t *s, int64_t n, int64_t p) {
    return s[p] == 0xEF && p + 3 <= n &&
           ((s[p + 1] == 0xBC && s[p + 2] >= 0x81) || (s[p + 1] == 0xBD && s[p + 2] <= 0x9E));
}

/* s with each full-width form of an ASCII character folded to it, into out (n bytes at
   most); at[k]: the byte of s where out[k] came from (at may be NULL) */
static int64_t fold_into(const uint8_t *s, int64_t n, uint8_t *out, int64_t *at) {
    int64_t k = 0;
    for (int64_t p = 0; p < n;) {
        if (at) at[k] = p;
        if (folds_at(s, n, p)) {
            out[k++] = (uint8_t)(s[p + 1] == 0xBC ? s[p + 2] - 0x60 : s[p + 2] - 0x20);
            p += 3;
        } else {
            out[k++] = s[p++];
        }
    }
    if (at) at[k] = n;
    return k;
}

static int has_fold(const uint8_t *s, int64_t n) {
    const uint8_t *p = s, *e = s + n;
    while (p + 3 <= e && (p = memchr(p, 0xEF, (size_t)(e - p - 2))) != NULL) {
        if (folds_at(s, n, p - s)) return 1;
        p++;
    }
    return 0;
}

/* The row as `fold_row_width` left it in w->fold (k bytes), with every '#' that stands
   for '@' read as '@', every spelled-out address folded and every resident ID in groups
   joined; `fold_at` maps each folded byte back to the row's. */
static int64_t fold_rest(work_t *w, int64_t k) {
    /* each '#' that stands for '@' (in place: neither a '#' nor an '@' is a label or
       local-part character, so no replacement changes how another '#' is judged) */
    for (int64_t p = 0; p < k; p++)
        if (w->fold[p] == '#' && hash_at(w->fold, k, p)) w->fold[p] = '@';
    /* each spelled-out '@' and '.', in place (out never passes in, and a marker's
       judgement reads only bytes at or after it and the one before it, not yet written) */
    k = fold_spelled(w->fold, k, w->fold, w->fold_at);
    /* then each resident ID written in groups, joined (its separators left out) */
    int64_t j = 0;
    for (int64_t p = 0; p < k;) {
        if (is_digit(w->fold[p])) {
            int len = grouped_id_at(w->fold, k, p) ? 20 : grouped4_id_at(w->fold, k, p) ? 22 : 0;
            for (int i = 0; i < len; i++, p++)
                if (len == 20 ? i != 6 && i != 15 : i % 5 != 4) {
                    w->fold[j] = w->fold[p];
                    w->fold_at[j++] = w->fold_at[p];
                }
            if (len) continue;
        }
        w->fold[j] = w->fold[p];
        w->fold_at[j++] = w->fold_at[p++];
    }
    w->fold_at[j] = w->fold_at[k];
    return j;
}
/* The row with every full-width form of an ASCII character (U+FF01-FF5E) folded to that
   character, into w->fold: one code point for one, so code-point offsets stay. */
static int64_t fold_row_width(work_t *w, const uint8_t *s, int64_t n) {
    if (n + 1 > w->capfold) {
        int64_t cap = w->capfold ? w->capfold : 256;
        while (cap < n + 1) cap *= 2;
        uint8_t *f = realloc(w->fold, (size_t)cap);
        if (!f) { w->oom = 1; return -1; }
        w->fold = f;
        int64_t *a = realloc(w->fold_at, (size_t)cap * sizeof(int64_t));
        if (!a) { w->oom = 1; return -1; }
        w->fold_at = a;
        w->capfold = cap;
    }
    return fold_into(s, n, w->fold, w->fold_at);
}

static void scan_row(work_t *w, const uint8_t *s, int64_t n, uint32_t row, double min_conf,
                     uint32_t types) {
    int64_t first = w->nout;
    int seen = scan_plain(w, s, n, row, min_conf, types);
    if (w->oom) return;
    int fold = (seen & 8) || (seen & 2) || ((seen & 4) && has_hash_email(s, n));
    if (!fold && !(seen & 16)) return;
    /* scan the folded row instead, and give its findings the row's offsets: bytes through
       the fold's table, code points counted again (a joined ID lost its separators) */
    int64_t k = fold_row_width(w, s, n);
    if (k < 0 || (!fold && !has_spelled(w->fold, k))) return; /* "(at)" in prose: as it is */
    k = fold_rest(w, k);
    w->nout = first;
    scan_plain(w, w->fold, k, row, min_conf, types);
    for (int64_t o = first; o < w->nout; o++) {
        int64_t bs = w->fold_at[w->obstart[o]], last = w->fold_at[w->obend[o] - 1];
        /* a folded full-width form was three bytes of the row */
        int64_t be = last + (s[last] == 0xEF && w->fold[w->obend[o] - 1] < 0x80 ? 3 : 1);
        w->obstart[o] = bs;
        w->obend[o] = be;
        w->ostart[o] = cp_span(s, s + bs, s, s + n);
        w->oend[o] = w->ostart[o] + cp_span(s + bs, s + be, s, s + n);
    }
}

static void work_free(work_t *w) {
    free(w->c); free(w->f); free(w->o); free(w->lead); free(w->fold); free(w->fold_at);
    free(w->name_end); free(w->merged);
    free(w->orow); free(w->ostart); free(w->oend); free(w->obstart); free(w->obend); free(w->otype); free(w->ominor); free(w->oconf);
}

/* ------------------------------------------------------------------ Python API */

static int build_buckets(wlist_t *L);

static void set_head(word_t *w) {
    int k = w->len < 8 ? w->len : 8;
    w->head = w->hmask = 0;
    memcpy(&w->head, w->s, (size_t)k); /* little-endian: byte i at bits 8i */
    for (int i = 0; i < k; i++) w->hmask |= (uint64_t)0xFF << (8 * i);
}

static int load_list(PyObject *cfg, const char *key, wlist_t *L, uint32_t mask) {
    PyObject *seq = PyDict_GetItemString(cfg, key);
    if (!seq) { PyErr_Format(PyExc_KeyError, "configure(): missing %s", key); return -1; }
    PyObject *fast = PySequence_Fast(seq, key);
    if (!fast) return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(fast);
    L->w = calloc((size_t)k + 1, sizeof(word_t));
    L->n = 0;
    memset(L->first, 0, sizeof L->first);
    for (Py_ssize_t i = 0; i < k; i++) {
        Py_ssize_t len;
        const char *u = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (!u) { Py_DECREF(fast); return -1; }
        if (len == 0) continue;
        word_t *w = &L->w[L->n++];
        w->s = malloc((size_t)len);
        memcpy(w->s, u, (size_t)len);
        w->len = (int)len;
        w->mask = mask;
        set_head(w);
        L->first[(uint8_t)u[0]] = 1;
    }
    Py_DECREF(fast);
    return build_buckets(L);
}

static int build_buckets(wlist_t *L) {
    L->start = calloc(65537, sizeof(uint32_t));
    L->idx = calloc((size_t)L->n * 256 + 1, sizeof(int32_t));
    L->keys = calloc(1024, sizeof(uint64_t));
    if (!L->start || !L->idx || !L->keys) { PyErr_NoMemory(); return -1; }
    uint32_t *count = calloc(65536, sizeof(uint32_t));
    if (!count) { PyErr_NoMemory(); return -1; }
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < L->n; i++) {
            const word_t *w = &L->w[i];
            uint32_t hi = (uint32_t)w->s[0] << 8;
            /* a one-byte word can be followed by anything */
            uint32_t lo0 = w->len > 1 ? w->s[1] : 0, lo1 = w->len > 1 ? w->s[1] : 255;
            for (uint32_t lo = lo0; lo <= lo1; lo++) {
                if (pass == 0) count[hi | lo]++;
                else L->idx[L->start[hi | lo] + count[hi | lo]++] = i;
            }
        }
        if (pass == 0) {
            uint32_t acc = 0;
            for (uint32_t key = 0; key < 65536; key++) {
                L->start[key] = acc;
                acc += count[key];
                if (count[key]) L->keys[key >> 6] |= 1ULL << (key & 63);
            }
            L->start[65536] = acc;
            memset(count, 0, 65536 * sizeof(uint32_t));
        }
    }
    free(count);
    return 0;
}

static int build_given_table(void) {
    uint32_t size = 16;
    while (size < 2u * (uint32_t)CFG.given_en.n + 16) size <<= 1;
    free(CFG.given_tab);
    CFG.given_tab = calloc(size, sizeof(uint32_t));
    if (!CFG.given_tab) { PyErr_NoMemory(); return -1; }
    CFG.given_mask = size - 1;
    for (int i = 0; i < CFG.given_en.n; i++) {
        const word_t *w = &CFG.given_en.w[i];
        uint32_t k = word_hash(w->s, w->len) & CFG.given_mask;
        while (CFG.given_tab[k]) k = (k + 1) & CFG.given_mask;
        CFG.given_tab[k] = (uint32_t)i + 1;
    }
    return 0;
}

static int type_code(const char *name) {
    for (int t = 1; t < T_COUNT; t++)
        if (strcmp(TYPE_NAMES[t], name) == 0) return t;
    return -1;
}

/* flag in `table` (CFG.cjk, cjk2 or cjk3) each BMP character of the string cfg[key] */
static int set_flags(PyObject *cfg, const char *key, uint8_t *table, int flag) {
    PyObject *str = PyDict_GetItemString(cfg, key);
    if (!str || !PyUnicode_Check(str)) {
        PyErr_Format(PyExc_KeyError, "configure(): %s must be a string", key);
        return -1;
    }
    Py_ssize_t k = PyUnicode_GetLength(str);
    for (Py_ssize_t i = 0; i < k; i++) {
        Py_UCS4 c = PyUnicode_ReadChar(str, i);
        if (c < 0x10000) table[c] |= (uint8_t)flag;
    }
    return 0;
}
static int set_cjk(PyObject *cfg, const char *key, int flag) { return set_flags(cfg, key, CFG.cjk, flag); }

static void flag_first_chars(const wlist_t *L, int flag) {
    for (int i = 0; i < L->n; i++) {
        uint32_t cp;
        if (dec(L->w[i].s, L->w[i].len, 0, &cp) == 3) CFG.cjk[cp] |= (uint8_t)flag;
    }
}
static void flag_first_chars2(const wlist_t *L, int flag) {
    for (int i = 0; i < L->n; i++) {
        uint32_t cp;
        if (dec(L->w[i].s, L->w[i].len, 0, &cp) == 3) CFG.cjk2[cp] |= (uint8_t)flag;
    }
}

static void init_first_tables(void) {
    /* full-width digits, letters and '@' (U+FF10-FF19, U+FF20-FF3A, U+FF41-FF5A): a
       start flag stops the CJK loop there, and the row is then read folded (every
       other flag on them only affects the first pass, whose findings are dropped) */
    for (uint32_t c = 0xFF10; c <= 0xFF5A; c++)
        if (c <= 0xFF19 || (c >= 0xFF20 && c <= 0xFF3A) || c >= 0xFF41) {
            CFG.cjk[c] |= F_SURNAME;
            CFG.cjk2[c] |= F2_FULLWIDTH;
        }
    /* full-width closing brackets: "at）" may be a spelled-out '@' */
    CFG.cjk2[0xFF09] |= F2_CLOSER;
    CFG.cjk2[0xFF3D] |= F2_CLOSER;
    CFG.cjk2[0xFF5D] |= F2_CLOSER;
    for (int b = 0; b < 128; b++) {
        uint8_t c = (uint8_t)b;
        ASCII_START[b] = is_alnum(c) || c == '+' || c == '(' || c == ':' || is_local(c) ? 1
                         : c == '#' || c == ')' || c == ']' || c == '}'        ? 2
                                                                               : 0;
    }
    /* '•' and '・' stop the CJK loop: a row with a name dot is scanned again for dotted
       names that open sentences ('·' is two bytes: the loop stops there anyway) */
    CFG.cjk[0x2022] |= F_G4_START;
    CFG.cjk[0x30FB] |= F_G4_START;
    CFG.cjk2[0x2022] |= F2_DOT;
    CFG.cjk2[0x30FB] |= F2_DOT;
    /* a context word's first character stops the scan only before its second (发 of
       发言人: common characters, that each cost Chinese prose several percent as starts) */
    memset(CFG.ctx_pairs, 0, sizeof CFG.ctx_pairs);
    for (int i = 0; i < CFG.name_ctx_zh.n; i++) {
        const word_t *c = &CFG.name_ctx_zh.w[i];
        uint32_t cp, cp2;
        if (dec(c->s, c->len, 0, &cp) != 3) continue;
        if (c->len >= 4 && (uint8_t)c->s[3] < 0x80) cp2 = (uint8_t)c->s[3]; /* 人: */
        if ((c->len >= 4 && (uint8_t)c->s[3] < 0x80) || (c->len >= 6 && dec(c->s, c->len, 3, &cp2) == 3)) {
            uint32_t k = pair_hash(cp, cp2);
            CFG.ctx_pairs[k >> 6] |= 1ULL << (k & 63);
            CFG.cjk[cp] |= F_CTX_PAIR;
        } else
            CFG.cjk[cp] |= F_G4_START;
    }
    flag_first_chars(&CFG.compound, F_G4_START);
    flag_first_chars(&CFG.provinces, F_G4_START);
    /* a city is found from its last character (its first may start nothing else, and
       stopping at those would cost Chinese prose half its speed), `city_before` */
    CFG.max_city = 0;
    for (int i = 0; i < CFG.cities.n; i++) {
        const word_t *c = &CFG.cities.w[i];
        uint32_t cp;
        int64_t chars = cp_span(c->s, c->s + c->len, c->s, c->s + c->len);
        if (chars - 1 > CFG.max_city) CFG.max_city = (int)(chars - 1);
        if (c->len < 6) continue; /* every city has two or more characters */
        uint32_t k = city_pair(c->s, 0);
        CFG.city_pairs[k >> 6] |= 1ULL << (k & 63);
        if (dec(c->s, c->len, 0, &cp) == 3) CFG.cjk3[cp] |= F3_CITY_FIRST;
        if (dec(c->s, c->len, c->len - 3, &cp) == 3) {
            CFG.cjk[cp] |= F_G4_START;
            CFG.cjk2[cp] |= F2_KEY_END;
            if (dec(c->s, c->len, c->len - 6, &cp) == 3) CFG.cjk3[cp] |= F3_CITY_PEN;
        }
    }
    for (const char *u = "\xe6\xa0\x8b\xe5\xb9\xa2\xe5\xba\xa7\xe6\xa5\xbc\xe9\x97\xa8"; *u; u += 3) /* 栋幢座楼门 */
        CFG.cjk3[cp3((const uint8_t *)u, 0)] |= F3_UNIT_ROOM;
    for (const char *u = "\xe6\xa0\x8b\xe5\xb9\xa2\xe6\xa5\xbc\xe5\xb1\x82\xe8\x88\x8d\xe4\xbb\x93\xe5\xba\x93"; *u; u += 3)
        CFG.cjk3[cp3((const uint8_t *)u, 0)] |= F3_UNIT_BLD;
    /* 址, the last character of every address label, stops the loop too (`label_before`) */
    for (int i = 0; i < CFG.addr_labels.n; i++) {
        const word_t *c = &CFG.addr_labels.w[i];
        uint32_t cp;
        if (c->len >= 3 && dec(c->s, c->len, c->len - 3, &cp) == 3) {
            CFG.cjk[cp] |= F_G4_START;
            CFG.cjk2[cp] |= F2_KEY_END;
            CFG.cjk3[cp] |= F3_LABEL_END;
        }
    }
    flag_first_chars2(&CFG.name_ctx_zh, F2_NAME_CTX);
    flag_first_chars2(&CFG.compound, F2_COMPOUND);
    flag_first_chars2(&CFG.provinces, F2_PROVINCE);
    flag_first_chars(&CFG.name_ctx_en, F_G2_START);
    flag_first_chars(&CFG.name_titles, F_TITLE_START);
    /* the longest context word that starts with a lowercase letter */
    const wlist_t *lists[2] = {&CFG.name_ctx_en, &CFG.name_ctx_zh};
    CFG.max_lower_word = 1;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < lists[j]->n; i++)
            if (is_lower(lists[j]->w[i].s[0]) && lists[j]->w[i].len > CFG.max_lower_word)
                CFG.max_lower_word = lists[j]->w[i].len;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < lists[j]->n; i++) {
            int m = 0;
            while (m < lists[j]->w[i].len && is_lower(lists[j]->w[i].s[m])) m++;
            if (m && m < 32) CFG.lower_pre[j] |= 1u << m; /* else max_lower_word >= 32: no masks */
        }
}

static PyObject *py_configure(PyObject *self, PyObject *cfg) {
    if (!PyDict_Check(cfg)) {
        PyErr_SetString(PyExc_TypeError, "configure() takes a dict");
        return NULL;
    }
    if (CFG.ready) Py_RETURN_NONE; /* tables are read by scanning threads: set once */
    memset(&CFG, 0, sizeof CFG);
    CFG.cjk = calloc(0x10000, 1);
    CFG.cjk2 = calloc(0x10000, 1);
    CFG.cjk3 = calloc(0x10000, 1);
    if (!CFG.cjk || !CFG.cjk2 || !CFG.cjk3) return PyErr_NoMemory();
    PyObject *win = PyDict_GetItemString(cfg, "window");
    CFG.window = win ? (int)PyLong_AsLong(win) : 20;
    if (load_list(cfg, "name_ctx_zh", &CFG.name_ctx_zh, 0) || load_list(cfg, "name_titles", &CFG.name_titles, 0) ||
        load_list(cfg, "compound_surnames", &CFG.compound, 0) || load_list(cfg, "provinces", &CFG.provinces, 0) ||
        load_list(cfg, "province_suffixes", &CFG.prov_suffix, 0) ||
        load_list(cfg, "cities", &CFG.cities, 0) ||
        load_list(cfg, "address_labels", &CFG.addr_labels, 0) ||
        load_list(cfg, "address_label_seps", &CFG.addr_seps, 0) ||
        load_list(cfg, "name_ctx_en", &CFG.name_ctx_en, 0) || load_list(cfg, "months", &CFG.months, 0) ||
        load_list(cfg, "not_name_zh", &CFG.not_name_zh, 0) || load_list(cfg, "not_name_en", &CFG.not_name_en, 0) ||
        load_list(cfg, "name_separators", &CFG.name_seps, 0) ||
        load_list(cfg, "name_followers", &CFG.name_followers, 0) ||
        load_list(cfg, "name_predicates", &CFG.name_preds, 0) ||
        load_list(cfg, "name_predicates_en", &CFG.name_preds_en, 0) ||
        load_list(cfg, "given_names_en", &CFG.given_en, 0) || build_given_table() ||
        load_list(cfg, "version_words", &CFG.version_words, 0) ||
        load_list(cfg, "name_list_seps", &CFG.list_seps, 0) || load_list(cfg, "name_list_ends", &CFG.list_ends, 0) ||
        load_list(cfg, "hk_places", &CFG.hk_places, 0))
        return NULL;
    PyObject *note = PyDict_GetItemString(cfg, "name_list_note");
    CFG.list_note = note ? (int)PyLong_AsLong(note) : 20;
    if (load_list(cfg, "name_id_labels", &CFG.id_labels, 0) || load_list(cfg, "name_id_seps", &CFG.id_seps, 0) ||
        load_list(cfg, "name_id_seps_after", &CFG.id_seps_after, 0) ||
        load_list(cfg, "not_before_id_ends", &CFG.not_id_ends, 0))
        return NULL;
    const wlist_t *ends_of[4] = {&CFG.id_labels, &CFG.id_seps, &CFG.id_seps_after, &CFG.not_id_ends};
    uint64_t *ends_by[4] = {CFG.id_labels_end, CFG.id_seps_end, CFG.id_seps_after_end, CFG.not_id_ends_end};
    for (int l = 0; l < 4; l++) {
        if (ends_of[l]->n > 64) {
            PyErr_SetString(PyExc_ValueError, "configure(): a list read from its end holds over 64 words");
            return NULL;
        }
        for (int i = 0; i < ends_of[l]->n; i++)
            ends_by[l][ends_of[l]->w[i].s[ends_of[l]->w[i].len - 1]] |= 1ull << i;
    }
    PyObject *reach = PyDict_GetItemString(cfg, "name_id_reach"), *idt = PyDict_GetItemString(cfg, "name_id_types");
    if (!reach || !idt || !PyList_Check(idt)) {
        PyErr_SetString(PyExc_KeyError, "configure(): name_id_reach and name_id_types (a list) are needed");
        return NULL;
    }
    CFG.id_reach = (int)PyLong_AsLong(reach);
    CFG.compound_max = 3;
    for (int i = 0; i < CFG.compound.n; i++)
        if (CFG.compound.w[i].len > CFG.compound_max) CFG.compound_max = CFG.compound.w[i].len;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(idt); i++) {
        const char *name = PyUnicode_AsUTF8(PyList_GET_ITEM(idt, i));
        int code = name ? type_code(name) : -1;
        if (code < 0) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "configure(): unknown type %s", name);
            return NULL;
        }
        CFG.id_types |= 1u << code;
    }
    PyObject *ends = PyDict_GetItemString(cfg, "sentence_ends");
    if (!ends || !PyUnicode_Check(ends)) {
        PyErr_SetString(PyExc_KeyError, "configure(): sentence_ends must be a string");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyUnicode_GetLength(ends); i++) {
        Py_UCS4 c = PyUnicode_ReadChar(ends, i);
        if (c < 0x80) CFG.end_last[c] = 1;
        else if (c >= 0x800 && c < 0x10000) {
            CFG.cjk2[c] |= F2_SENT_END;
            CFG.end_last[0x80 | (c & 0x3F)] = 1;
        }
    }
    PyObject *born = PyDict_GetItemString(cfg, "born_after"), *ends_b = PyDict_GetItemString(cfg, "born_ends");
    PyObject *short_b = PyDict_GetItemString(cfg, "born_short");
    Py_ssize_t blen, slen;
    const char *bu = born && PyUnicode_Check(born) ? PyUnicode_AsUTF8AndSize(born, &blen) : NULL;
    const char *su = short_b && PyUnicode_Check(short_b) ? PyUnicode_AsUTF8AndSize(short_b, &slen) : NULL;
    if (!bu || blen >= (Py_ssize_t)sizeof CFG.born_after || !su || slen < 1 ||
        slen >= (Py_ssize_t)sizeof CFG.born_short || !ends_b || !PyUnicode_Check(ends_b) ||
        PyUnicode_GetLength(ends_b) > 16) {
        PyErr_SetString(PyExc_KeyError, "configure(): born_after, born_short and born_ends must be short strings");
        return NULL;
    }
    memcpy(CFG.born_after, bu, (size_t)blen + 1);
    memcpy(CFG.born_short, su, (size_t)slen + 1);
    CFG.nborn_ends = (int)PyUnicode_GetLength(ends_b);
    for (int i = 0; i < CFG.nborn_ends; i++) CFG.born_ends[i] = PyUnicode_ReadChar(ends_b, i);
    if (set_flags(cfg, "dotted_lead_stop", CFG.cjk3, F3_LEAD_STOP) || set_cjk(cfg, "surnames", F_SURNAME) || set_cjk(cfg, "plate_provinces", F_PLATE) ||
        set_cjk(cfg, "plate_suffixes", F_PLATE_SUFFIX) || set_flags(cfg, "name_stop", CFG.cjk3, F3_NAME_STOP))
        return NULL;
    PyObject *prov = PyDict_GetItemString(cfg, "id_provinces");
    if (!prov) { PyErr_SetString(PyExc_KeyError, "configure(): missing id_provinces"); return NULL; }
    PyObject *it = PyObject_GetIter(prov), *item;
    if (!it) return NULL;
    while ((item = PyIter_Next(it))) {
        long v = PyLong_AsLong(item);
        Py_DECREF(item);
        if (v >= 0 && v < 100) CFG.id_prov[v] = 1;
    }
    Py_DECREF(it);
    /* context words: one list, a word serving several types gets all their bits */
    PyObject *ctx = PyDict_GetItemString(cfg, "context");
    if (!ctx || !PyDict_Check(ctx)) { PyErr_SetString(PyExc_KeyError, "configure(): context"); return NULL; }
    CFG.ctx.w = NULL;
    CFG.ctx.n = 0;
    int cap = 0;
    PyObject *key, *val;
    Py_ssize_t pos = 0;
    while (PyDict_Next(ctx, &pos, &key, &val)) {
        const char *tname = PyUnicode_AsUTF8(key);
        if (!tname) return NULL;
        int t = type_code(tname);
        if (t < 0) { PyErr_Format(PyExc_KeyError, "configure(): unknown type %s", tname); return NULL; }
        PyObject *fast = PySequence_Fast(val, "context words");
        if (!fast) return NULL;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
            Py_ssize_t len;
            const char *u = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
            if (!u) { Py_DECREF(fast); return NULL; }
            int j;
            for (j = 0; j < CFG.ctx.n; j++)
                if (CFG.ctx.w[j].len == len && memcmp(CFG.ctx.w[j].s, u, (size_t)len) == 0) break;
            if (j == CFG.ctx.n) {
                if (CFG.ctx.n == cap) {
                    cap = cap ? cap * 2 : 64;
                    CFG.ctx.w = realloc(CFG.ctx.w, (size_t)cap * sizeof(word_t));
                }
                word_t *w = &CFG.ctx.w[CFG.ctx.n++];
                w->s = malloc((size_t)len);
                memcpy(w->s, u, (size_t)len);
                w->len = (int)len;
                w->mask = 0;
                set_head(w);
                CFG.ctx.first[(uint8_t)u[0]] = 1;
            }
            CFG.ctx.w[j].mask |= 1u << t;
        }
        Py_DECREF(fast);
    }
    if (build_buckets(&CFG.ctx)) return NULL;
    build_ctx_keys_le();
    flag_first_chars(&CFG.ctx, F_CTX_START);
    init_first_tables();
    CFG.ready = 1;
    Py_RETURN_NONE;
}

/* One row; sanitizer builds (tests) copy it into its own allocation first, so that a read
   past a row's end is caught instead of landing in the next row. */
static void scan_one(work_t *w, const uint8_t *s, int64_t n, uint32_t row, double min_conf,
                     uint32_t types) {
#ifdef PK_EXACT_ROWS
    uint8_t *copy = malloc((size_t)n ? (size_t)n : 1);
    if (!copy) { w->oom = 1; return; }
    memcpy(copy, s, (size_t)n);
    scan_row(w, copy, n, row, min_conf, types);
    free(copy);
#else
    scan_row(w, s, n, row, min_conf, types);
#endif
}

/* A result column that owns the kernel's own allocation: read through the buffer protocol
   (np.frombuffer), so the findings are not copied into bytes objects on the way out. */
typedef struct {
    PyObject_HEAD
    void *p;
    Py_ssize_t len;
    size_t cap;  /* bytes allocated */
    int slot;    /* which result column (pool slot) */
} column_t;
/* Result columns that Python frees come back here (one set, GIL held) and the next scan
   writes into them: their pages are mapped already, where fresh ones cost a page fault
   each on first touch, and realloc growth copies. Columns past POOL_MAX bytes are freed. */
#define POOL_MAX ((size_t)1 << 26)
static struct { void *p; size_t cap; } POOL[10]; /* 8 scan columns, 2 of previews() */
static const Py_ssize_t COL_WIDTH[8] = {4, 8, 8, 1, 1, 8, 8, 8};
static void column_dealloc(column_t *c) {
    if (c->p && c->cap <= POOL_MAX && c->cap > POOL[c->slot].cap) {
        free(POOL[c->slot].p);
        POOL[c->slot].p = c->p;
        POOL[c->slot].cap = c->cap;
    } else {
        free(c->p);
    }
    Py_TYPE(c)->tp_free((PyObject *)c);
}
static int column_getbuffer(column_t *c, Py_buffer *view, int flags) {
    static char empty[1];
    return PyBuffer_FillInfo(view, (PyObject *)c, c->p ? c->p : empty, c->len, 1, flags);
}
static Py_ssize_t column_length(column_t *c) { return c->len; }
static PyBufferProcs COLUMN_BUFFER = {(getbufferproc)column_getbuffer, NULL};
static PyMappingMethods COLUMN_MAPPING = {(lenfunc)column_length, NULL, NULL};
static PyTypeObject COLUMN_TYPE = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tianping.privacy._pikernel.Column",
    .tp_basicsize = sizeof(column_t),
    .tp_dealloc = (destructor)column_dealloc,
    .tp_as_mapping = &COLUMN_MAPPING,
    .tp_as_buffer = &COLUMN_BUFFER,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A column of kernel results (bytes-like, read-only; len() in bytes).",
};

/* The findings as a tuple of little-endian columns (see the `scan` docstring); the columns
   take over the work buffers, which are left empty. */
#define WORK_COLUMNS(w)                                                                      \
    {(void **)&(w)->orow, (void **)&(w)->ostart, (void **)&(w)->oend, (void **)&(w)->otype,       \
     (void **)&(w)->ominor, (void **)&(w)->oconf, (void **)&(w)->obstart, (void **)&(w)->obend}
/* the pooled columns as the work's output buffers (GIL held) */
static void pool_take(work_t *w) {
    void **c[8] = WORK_COLUMNS(w);
    int64_t cap = -1;
    for (int i = 0; i < 8; i++) {
        *c[i] = POOL[i].p;
        int64_t ci = (int64_t)(POOL[i].cap / (size_t)COL_WIDTH[i]);
        if (cap < 0 || ci < cap) cap = ci;
        POOL[i].p = NULL;
        POOL[i].cap = 0;
    }
    w->capout = cap;
}
static PyObject *result_tuple(work_t *w) {
    int64_t k = w->nout;
    void **c[8] = WORK_COLUMNS(w);
    PyObject *out = PyTuple_New(8);
    if (!out) return NULL;
    for (int i = 0; i < 8; i++) {
        column_t *col = PyObject_New(column_t, &COLUMN_TYPE);
        if (!col) { Py_DECREF(out); return NULL; }
        col->p = *c[i];
        col->len = (Py_ssize_t)(k * COL_WIDTH[i]);
        col->cap = (size_t)w->capout * (size_t)COL_WIDTH[i];
        col->slot = i;
        *c[i] = NULL;
        PyTuple_SET_ITEM(out, i, (PyObject *)col);
    }
    w->nout = w->capout = 0;
    return out;
}

/* a column of at least `need` bytes (length 0 until set), in the pooled buffer of `slot`
   when that is large enough */
static column_t *pool_column(int slot, size_t need) {
    void *p = POOL[slot].p;
    size_t cap = POOL[slot].cap;
    if (!p || cap < need) {
        free(p);
        cap = need ? need : 1;
        p = malloc(cap);
        if (!p) { POOL[slot].p = NULL; POOL[slot].cap = 0; PyErr_NoMemory(); return NULL; }
    }
    POOL[slot].p = NULL;
    POOL[slot].cap = 0;
    column_t *col = PyObject_New(column_t, &COLUMN_TYPE);
    if (!col) { free(p); return NULL; }
    col->p = p;
    col->len = 0;
    col->cap = cap;
    col->slot = slot;
    return col;
}

static PyObject *py_scan(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, validity;
    Py_ssize_t arr_offset, length;
    int y, m, d;
    double min_conf;
    unsigned long types;
    PyObject *valid_obj;
    if (!PyArg_ParseTuple(args, "y*y*Onn(iii)dk", &data, &offsets, &valid_obj, &arr_offset, &length,
                          &y, &m, &d, &min_conf, &types))
        return NULL;
    if (!CFG.ready) {
        PyBuffer_Release(&data); PyBuffer_Release(&offsets);
        PyErr_SetString(PyExc_RuntimeError, "configure() has not been called");
        return NULL;
    }
    int has_valid = valid_obj != Py_None;
    if (has_valid && PyObject_GetBuffer(valid_obj, &validity, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&data); PyBuffer_Release(&offsets);
        return NULL;
    }
    const int64_t *off = offsets.buf;
    if (has_valid && (arr_offset + length + 7) / 8 > validity.len) {
        PyBuffer_Release(&data); PyBuffer_Release(&offsets); PyBuffer_Release(&validity);
        PyErr_SetString(PyExc_ValueError, "scan(): validity bitmap shorter than the array");
        return NULL;
    }
    if ((arr_offset + length + 1) * (Py_ssize_t)sizeof(int64_t) > offsets.len) {
        PyBuffer_Release(&data); PyBuffer_Release(&offsets);
        if (has_valid) PyBuffer_Release(&validity);
        PyErr_SetString(PyExc_ValueError, "scan(): offsets buffer shorter than the array");
        return NULL;
    }
    const uint8_t *base = data.buf, *vbits = has_valid ? validity.buf : NULL;
    int bad = 0;
    work_t w;
    memset(&w, 0, sizeof w);
    pool_take(&w);
    Py_BEGIN_ALLOW_THREADS
    TODAY = (date_t){y, m, d};
    for (Py_ssize_t i = 0; i < length && !w.oom; i++) {
        Py_ssize_t j = arr_offset + i;
        if (vbits && !((vbits[j >> 3] >> (j & 7)) & 1)) continue;
        int64_t a = off[j], b = off[j + 1];
        if (a < 0 || b < a || b > data.len) { bad = 1; break; }
        scan_one(&w, base + a, b - a, (uint32_t)i, min_conf, (uint32_t)types);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    if (has_valid) PyBuffer_Release(&validity);
    if (bad || w.oom) {
        work_free(&w);
        if (bad) PyErr_SetString(PyExc_ValueError, "scan(): offsets outside the data buffer");
        else PyErr_NoMemory();
        return NULL;
    }
    PyObject *res = result_tuple(&w);
    work_free(&w);
    return res;
}

/* The same over an Arrow string_view array (what polars holds): 16-byte views, strings of
   up to 12 bytes inline, longer ones as (buffer index, offset) into the data buffers. No
   conversion to large_string, so no copy of the text. */
static PyObject *py_scan_views(PyObject *self, PyObject *args) {
    Py_buffer views, validity;
    PyObject *bufs_obj, *valid_obj;
    Py_ssize_t arr_offset, length;
    int y, m, d;
    double min_conf;
    unsigned long types;
    if (!PyArg_ParseTuple(args, "y*OOnn(iii)dk", &views, &bufs_obj, &valid_obj, &arr_offset, &length,
                          &y, &m, &d, &min_conf, &types))
        return NULL;
    PyObject *res = NULL, *fast = NULL;
    Py_buffer *bufs = NULL;
    Py_ssize_t nbuf = 0, got = 0;
    int has_valid = 0;
    const char *err = NULL;
    work_t w;
    memset(&w, 0, sizeof w);
    if (!CFG.ready) { err = "configure() has not been called"; goto done; }
    if (arr_offset < 0 || length < 0 || (arr_offset + length) * 16 > views.len) {
        err = "views buffer shorter than the array";
        goto done;
    }
    fast = PySequence_Fast(bufs_obj, "scan_views(): data buffers must be a sequence");
    if (!fast) goto done;
    nbuf = PySequence_Fast_GET_SIZE(fast);
    bufs = calloc((size_t)nbuf + 1, sizeof(Py_buffer));
    if (!bufs) { PyErr_NoMemory(); goto done; }
    for (; got < nbuf; got++)
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(fast, got), &bufs[got], PyBUF_SIMPLE) < 0)
            goto done;
    if (valid_obj != Py_None) {
        if (PyObject_GetBuffer(valid_obj, &validity, PyBUF_SIMPLE) < 0) goto done;
        has_valid = 1;
        if ((arr_offset + length + 7) / 8 > validity.len) {
            err = "validity bitmap shorter than the array";
            goto done;
        }
    }
    const uint8_t *vw = views.buf, *vbits = has_valid ? validity.buf : NULL;
    int bad = 0;
    pool_take(&w);
    Py_BEGIN_ALLOW_THREADS
    TODAY = (date_t){y, m, d};
    for (Py_ssize_t i = 0; i < length && !w.oom; i++) {
        Py_ssize_t j = arr_offset + i;
        if (vbits && !((vbits[j >> 3] >> (j & 7)) & 1)) continue;
        const uint8_t *v = vw + 16 * j;
        int32_t len, bi, bo;
        memcpy(&len, v, 4);
        if (len < 0) { bad = 1; break; }
        const uint8_t *s;
        if (len <= 12) {
            s = v + 4;
        } else {
            memcpy(&bi, v + 8, 4);
            memcpy(&bo, v + 12, 4);
            if (bi < 0 || bi >= nbuf || bo < 0 || (int64_t)bo + len > bufs[bi].len) { bad = 1; break; }
            s = (const uint8_t *)bufs[bi].buf + bo;
        }
        scan_one(&w, s, len, (uint32_t)i, min_conf, (uint32_t)types);
    }
    Py_END_ALLOW_THREADS
    if (bad) err = "a view points outside the data buffers";
    else if (w.oom) PyErr_NoMemory();
    else res = result_tuple(&w);
done:
    if (err) PyErr_Format(PyExc_ValueError, "scan_views(): %s", err);
    work_free(&w);
    for (Py_ssize_t i = 0; i < got; i++) PyBuffer_Release(&bufs[i]);
    free(bufs);
    Py_XDECREF(fast);
    if (has_valid) PyBuffer_Release(&validity);
    PyBuffer_Release(&views);
    return res;
}

/* The rows' UTF-8 text with spans replaced: one copy, no Python object per span. */
static PyObject *py_splice(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, rows, bstart, bend, rdata, roffsets;
    Py_ssize_t arr_offset, length;
    if (!PyArg_ParseTuple(args, "y*y*nny*y*y*y*y*", &data, &offsets, &arr_offset, &length, &rows,
                          &bstart, &bend, &rdata, &roffsets))
        return NULL;
    PyObject *res = NULL;
    const int64_t *off = offsets.buf, *bs = bstart.buf, *be = bend.buf, *ro = roffsets.buf;
    const uint32_t *rw = rows.buf;
    Py_ssize_t k = rows.len / 4;
    const char *err = NULL;
    if (arr_offset < 0 || length < 0 ||
        (arr_offset + length + 1) * (Py_ssize_t)sizeof(int64_t) > offsets.len)
        err = "offsets buffer shorter than the array";
    else if (bstart.len != k * 8 || bend.len != k * 8 || roffsets.len < (k + 1) * 8)
        err = "span columns of different lengths";
    int64_t lo = 0, hi = 0, size = 0;
    if (!err) {
        lo = off[arr_offset];
        hi = off[arr_offset + length];
        if (lo < 0 || hi < lo || hi > data.len || ro[0] < 0 || ro[k] > rdata.len) err = "buffers out of range";
        size = hi - lo;
    }
    /* check every span first: in row order, inside its row, not overlapping */
    int64_t last = lo;
    for (Py_ssize_t i = 0; i < k && !err; i++) {
        if ((Py_ssize_t)rw[i] >= length) { err = "span row outside the array"; break; }
        int64_t a0 = off[arr_offset + rw[i]], a1 = off[arr_offset + rw[i] + 1];
        int64_t s = a0 + bs[i], e = a0 + be[i];
        if (bs[i] < 0 || e < s || e > a1 || s < last || ro[i + 1] < ro[i]) {
            err = "spans must be inside their rows, in order and not overlapping";
            break;
        }
        size += (ro[i + 1] - ro[i]) - (e - s);
        last = e;
    }
    if (err) {
        PyErr_Format(PyExc_ValueError, "splice(): %s", err);
    } else {
        res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
        if (res) {
            char *dst = PyBytes_AS_STRING(res);
            const char *src = data.buf, *rep = rdata.buf;
            int64_t pos = lo;
            for (Py_ssize_t i = 0; i < k; i++) {
                int64_t a0 = off[arr_offset + rw[i]];
                int64_t s = a0 + bs[i], e = a0 + be[i], rl = ro[i + 1] - ro[i];
                memcpy(dst, src + pos, (size_t)(s - pos));
                dst += s - pos;
                memcpy(dst, rep + ro[i], (size_t)rl);
                dst += rl;
                pos = e;
            }
            memcpy(dst, src + pos, (size_t)(hi - pos));
        }
    }
    PyBuffer_Release(&data); PyBuffer_Release(&offsets); PyBuffer_Release(&rows);
    PyBuffer_Release(&bstart); PyBuffer_Release(&bend); PyBuffer_Release(&rdata);
    PyBuffer_Release(&roffsets);
    return res;
}

/* The spans' text as Arrow large_string buffers (data, int64 offsets). */
/* What every function reading spans checks first: the offsets cover the array, the span
   columns have one entry per span, and each span lies inside its row. NULL when all hold. */
static const char *spans_error(const Py_buffer *data, const Py_buffer *offsets, Py_ssize_t arr_offset,
                               Py_ssize_t length, const Py_buffer *rows, const Py_buffer *bstart,
                               const Py_buffer *bend) {
    const int64_t *off = offsets->buf, *bs = bstart->buf, *be = bend->buf;
    const uint32_t *rw = rows->buf;
    Py_ssize_t k = rows->len / 4;
    if (arr_offset < 0 || length < 0 ||
        (arr_offset + length + 1) * (Py_ssize_t)sizeof(int64_t) > offsets->len)
        return "offsets buffer shorter than the array";
    if (bstart->len != k * 8 || bend->len != k * 8) return "span columns of different lengths";
    for (Py_ssize_t i = 0; i < k; i++) {
        if ((Py_ssize_t)rw[i] >= length) return "span row outside the array";
        int64_t a0 = off[arr_offset + rw[i]], a1 = off[arr_offset + rw[i] + 1];
        if (bs[i] < 0 || be[i] < bs[i] || a0 + be[i] > a1 || a1 > data->len) return "span outside its row";
    }
    return NULL;
}

static PyObject *py_values(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, rows, bstart, bend;
    Py_ssize_t arr_offset, length;
    if (!PyArg_ParseTuple(args, "y*y*nny*y*y*", &data, &offsets, &arr_offset, &length, &rows, &bstart,
                          &bend))
        return NULL;
    PyObject *res = NULL, *vdata = NULL, *voff = NULL;
    const int64_t *off = offsets.buf, *bs = bstart.buf, *be = bend.buf;
    const uint32_t *rw = rows.buf;
    Py_ssize_t k = rows.len / 4;
    const char *err = spans_error(&data, &offsets, arr_offset, length, &rows, &bstart, &bend);
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < k && !err; i++) total += be[i] - bs[i];
    if (err) {
        PyErr_Format(PyExc_ValueError, "values(): %s", err);
    } else {
        vdata = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
        voff = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((k + 1) * 8));
        if (vdata && voff) {
            char *dst = PyBytes_AS_STRING(vdata);
            int64_t *vo = (int64_t *)PyBytes_AS_STRING(voff), pos = 0;
            vo[0] = 0;
            for (Py_ssize_t i = 0; i < k; i++) {
                int64_t a0 = off[arr_offset + rw[i]], len = be[i] - bs[i];
                memcpy(dst + pos, (const char *)data.buf + a0 + bs[i], (size_t)len);
                pos += len;
                vo[i + 1] = pos;
            }
            res = PyTuple_Pack(2, vdata, voff);
        }
        Py_XDECREF(vdata);
        Py_XDECREF(voff);
    }
    PyBuffer_Release(&data); PyBuffer_Release(&offsets); PyBuffer_Release(&rows);
    PyBuffer_Release(&bstart); PyBuffer_Release(&bend);
    return res;
}

/* Replacement strings of de-identification rules, computed per span without Python
   objects: kind 0 a constant, kind 1 a mask (keep a[r] characters at the start and b[r] at
   the end, the rest replaced by the rule's character; all characters when the value is
   not longer than a[r] + b[r]), kind 2 a region prefix (the first a[r] of the leading
   digits after leading whitespace, else "*"; the caller sends only ASCII spans). A span
   whose rule is -1 takes string py_idx[i] of the py buffers (rules that run in Python).
   Returns (data, offsets) as Arrow large_string buffers, one string per span. */
static int64_t cp_forward(const uint8_t *s, int64_t a, int64_t b, int64_t k) {
    while (k > 0 && a < b) {
        a++;
        while (a < b && (s[a] & 0xC0) == 0x80) a++;
        k--;
    }
    return a;
}
static int64_t cp_back(const uint8_t *s, int64_t a, int64_t b, int64_t k) {
    while (k > 0 && b > a) {
        b--;
        while (b > a && (s[b] & 0xC0) == 0x80) b--;
        k--;
    }
    return b;
}
static int rule_value(const uint8_t *v, int64_t len, int kind, int64_t a, int64_t b, const uint8_t *t,
                      int64_t tl, uint8_t *dst, int64_t *out_len) {
    int64_t n = 0;
    switch (kind) {
    case 0:
        if (dst) memcpy(dst, t, (size_t)tl);
        *out_len = tl;
        return 0;
    case 1: {
        n = count_cp(v, 0, len);
        if (n <= a + b) {
            if (dst)
                for (int64_t i = 0; i < n; i++) memcpy(dst + i * tl, t, (size_t)tl);
            *out_len = n * tl;
            return 0;
        }
        int64_t h = cp_forward(v, 0, len, a), e = cp_back(v, 0, len, b), fill = n - a - b;
        if (dst) {
            memcpy(dst, v, (size_t)h);
            for (int64_t i = 0; i < fill; i++) memcpy(dst + h + i * tl, t, (size_t)tl);
            memcpy(dst + h + fill * tl, v + e, (size_t)(len - e));
        }
        *out_len = h + fill * tl + (len - e);
        return 0;
    }
    case 2: {
        int64_t i = 0, d;
        while (i < len && (v[i] == ' ' || (v[i] >= 9 && v[i] <= 13))) i++;
        for (d = i; d < len && is_digit(v[d]); d++) {}
        if (d - i >= a) {
            if (dst) memcpy(dst, v + i, (size_t)a);
            *out_len = a;
        } else {
            if (dst) *dst = '*';
            *out_len = 1;
        }
        return 0;
    }
    }
    return -1;
}
static PyObject *py_rule_values(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, rows, bstart, bend, rule, kinds, pa, pb, tdata, toff, pdata, poff, pidx;
    Py_ssize_t arr_offset, length;
    if (!PyArg_ParseTuple(args, "y*y*nny*y*y*y*y*y*y*y*y*y*y*y*", &data, &offsets, &arr_offset, &length,
                          &rows, &bstart, &bend, &rule, &kinds, &pa, &pb, &tdata, &toff, &pdata, &poff,
                          &pidx))
        return NULL;
    PyObject *res = NULL, *vdata = NULL, *voff = NULL;
    const int64_t *off = offsets.buf, *bs = bstart.buf, *be = bend.buf, *ra = pa.buf, *rb = pb.buf;
    const int64_t *to = toff.buf, *po = poff.buf, *pi = pidx.buf;
    const int16_t *ru = rule.buf;
    const int8_t *kd = kinds.buf;
    const uint32_t *rw = rows.buf;
    const uint8_t *src = data.buf, *tx = tdata.buf, *py = pdata.buf;
    Py_ssize_t k = rows.len / 4, nr = kinds.len, np_ = poff.len / 8 - 1;
    const char *err = NULL;
    if (rule.len != k * 2 || pidx.len != k * 8)
        err = "span columns of different lengths";
    else if ((err = spans_error(&data, &offsets, arr_offset, length, &rows, &bstart, &bend)))
        ;
    else if (pa.len != nr * 8 || pb.len != nr * 8 || toff.len != (nr + 1) * 8 || np_ < 0)
        err = "rule columns of different lengths";
    for (Py_ssize_t r = 0; r < nr && !err; r++)
        if (kd[r] < 0 || kd[r] > 2 || ra[r] < 0 || rb[r] < 0 || to[r] < 0 || to[r + 1] < to[r] ||
            to[r + 1] > tdata.len || (kd[r] == 1 && to[r + 1] == to[r]))
            err = "invalid rule";
    for (Py_ssize_t j = 0; j < np_ && !err; j++)
        if (po[j] < 0 || po[j + 1] < po[j] || po[j + 1] > pdata.len) err = "python strings out of range";
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < k && !err; i++) {
        int64_t a0 = off[arr_offset + rw[i]], len = 0;
        int r = ru[i];
        if (r < 0) {
            if (pi[i] < 0 || pi[i] >= np_) { err = "python string index out of range"; break; }
            len = po[pi[i] + 1] - po[pi[i]];
        } else if (r >= nr) {
            err = "rule index out of range";
            break;
        } else {
            rule_value(src + a0 + bs[i], be[i] - bs[i], kd[r], ra[r], rb[r], tx + to[r], to[r + 1] - to[r], NULL, &len);
        }
        total += len;
    }
    if (err) {
        PyErr_Format(PyExc_ValueError, "rule_values(): %s", err);
    } else {
        vdata = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
        voff = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((k + 1) * 8));
        if (vdata && voff) {
            uint8_t *dst = (uint8_t *)PyBytes_AS_STRING(vdata);
            int64_t *vo = (int64_t *)PyBytes_AS_STRING(voff), pos = 0, len = 0;
            vo[0] = 0;
            for (Py_ssize_t i = 0; i < k; i++) {
                int r = ru[i];
                if (r < 0) {
                    len = po[pi[i] + 1] - po[pi[i]];
                    memcpy(dst + pos, py + po[pi[i]], (size_t)len);
                } else {
                    int64_t a0 = off[arr_offset + rw[i]];
                    rule_value(src + a0 + bs[i], be[i] - bs[i], kd[r], ra[r], rb[r], tx + to[r],
                               to[r + 1] - to[r], dst + pos, &len);
                }
                pos += len;
                vo[i + 1] = pos;
            }
            res = PyTuple_Pack(2, vdata, voff);
        }
        Py_XDECREF(vdata);
        Py_XDECREF(voff);
    }
    Py_buffer *all[] = {&data, &offsets, &rows, &bstart, &bend, &rule, &kinds, &pa, &pb, &tdata, &toff, &pdata, &poff, &pidx};
    for (size_t j = 0; j < sizeof all / sizeof *all; j++) PyBuffer_Release(all[j]);
    return res;
}

/* Masked previews, as `_detect.mask_preview` writes them (the reference; tests compare the
   two on every type and on fuzzed values). Counts are in code points; `*` replaces. */
/* PV_LO, PV_HI: the data buffer being previewed, all of it readable (for cp_span's loads) */
static _Thread_local const uint8_t *PV_LO, *PV_HI;
static inline int64_t cp_count(const uint8_t *s, int64_t a, int64_t b) {
    return cp_span(s + a, s + b, PV_LO, PV_HI);
}
/* str.isspace(), which is what `\s` matches in a str pattern */
static int py_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}
/* ASCII characters a default preview keeps: str.isspace() ones and -.:/()+ */
static uint8_t PV_KEEP[128];
static void init_preview_keep(void) {
    for (uint32_t c = 1; c < 128; c++) PV_KEEP[c] = py_space(c) || strchr("-.:/()+", (int)c);
}
static inline uint8_t *put(uint8_t *d, const uint8_t *s, int64_t n) {
    memcpy(d, s, (size_t)n);
    return d + n;
}
static inline uint8_t *stars(uint8_t *d, int64_t n) {
    if (n > 0) { memset(d, '*', (size_t)n); d += n; }
    return d;
}
/* writes the preview of v[0, len) at d; returns the end */
static uint8_t *preview_of(const uint8_t *v, int64_t len, int type, uint8_t *d) {
    int64_t n = cp_count(v, 0, len);
    if (n == 0) return d;
    /* an ASCII value (most are): k characters are k bytes, no walking */
    int ascii = n == len;
#define FWD(s_, a_, b_, k_) (ascii ? (a_) + ((b_) - (a_) < (k_) ? (b_) - (a_) : (k_)) : cp_forward(s_, a_, b_, k_))
#define BACK(s_, a_, b_, k_) (ascii ? (b_) - ((b_) - (a_) < (k_) ? (b_) - (a_) : (k_)) : cp_back(s_, a_, b_, k_))
    const uint8_t *at = type == T_EMAIL ? memchr(v, '@', (size_t)len) : NULL;
    if (type == T_EMAIL && !at) at = memchr(v, '#', (size_t)len); /* li#163.com */
    if (at) {
        int64_t a = at - v;
        d = put(d, v, FWD(v, 0, a, 1));
        d = put(d, (const uint8_t *)"***@", 4);
        return put(d, at + 1, len - a - 1);
    }
    switch (type) {
    case T_NAME_ZH: {
        int64_t head = 0, hc = 1;
        const wlist_t *C = &CFG.compound;
        /* the first compound surname in list order that v starts with (bucket lookup) */
        WL_EACH(C, v, len, 0, i) {
            head = C->w[i].len;
            hc = cp_span(C->w[i].s, C->w[i].s + head, C->w[i].s, C->w[i].s + head);
            break;
        }
        if (!head) head = FWD(v, 0, len, 1);
        d = put(d, v, head);
        return stars(d, n - hc > 1 ? n - hc : 1);
    }
    case T_NAME_EN: {
        int64_t a = 0;
        for (;;) {
            const uint8_t *sp = memchr(v + a, ' ', (size_t)(len - a));
            int64_t b = sp ? sp - v : len;
            if (b > a) {
                d = put(d, v + a, FWD(v, a, b, 1) - a);
                d = stars(d, (ascii ? b - a : cp_count(v, a, b)) - 1);
            }
            if (!sp) return d;
            *d++ = ' ';
            a = b + 1;
        }
    }
    case T_ADDR_ZH:
    case T_ADDR_EN: {
        int64_t k = n - 3 < 3 ? 3 : n - 3;
        d = put(d, v, FWD(v, 0, len, 3));
        return stars(d, k < 8 ? k : 8);
    }
    case T_IPV4: {
        const uint8_t *dot = memchr(v, '.', (size_t)len);
        d = put(d, v, dot ? dot - v : len);
        return put(d, (const uint8_t *)".*.*.*", 6);
    }
    case T_IPV6:
    case T_MAC:
    case T_PLATE:
        d = put(d, v, FWD(v, 0, len, 2));
        return stars(d, n - 2);
    case T_DOB: {
        int64_t h = FWD(v, 0, len, 4);
        d = put(d, v, h);
        for (int64_t i = h; i < len; i++) *d++ = is_digit(v[i]) ? '*' : v[i];
        return d;
    }
    default: {
        int64_t keep = n <= 3 ? 0 : n <= 8 ? 1 : 2;
        int64_t a = FWD(v, 0, len, keep), b = BACK(v, 0, len, keep);
        d = put(d, v, a);
        for (int64_t i = a; i < b;) {
            if (v[i] < 0x80) {
                *d++ = PV_KEEP[v[i]] ? v[i] : '*';
                i++;
                continue;
            }
            uint32_t cp;
            int l = dec(v, b, i, &cp);
            if (py_space(cp))
                d = put(d, v + i, l);
            else
                *d++ = '*';
            i += l;
        }
        return put(d, v + b, len - b);
    }
    }
#undef FWD
#undef BACK
}

static PyObject *py_previews(PyObject *self, PyObject *args) {
    Py_buffer data, offsets, rows, bstart, bend, types;
    Py_ssize_t arr_offset, length;
    if (!PyArg_ParseTuple(args, "y*y*nny*y*y*y*", &data, &offsets, &arr_offset, &length, &rows,
                          &bstart, &bend, &types))
        return NULL;
    PyObject *res = NULL;
    column_t *vdata = NULL, *voff = NULL;
    const int64_t *off = offsets.buf, *bs = bstart.buf, *be = bend.buf;
    const uint32_t *rw = rows.buf;
    const uint8_t *ty = types.buf;
    Py_ssize_t k = rows.len / 4;
    const char *err = !CFG.ready ? "configure() first"
                      : types.len != k ? "span columns of different lengths"
                      : spans_error(&data, &offsets, arr_offset, length, &rows, &bstart, &bend);
    int64_t total = 0;
    for (Py_ssize_t i = 0; i < k && !err; i++) {
        if (ty[i] >= T_COUNT) { err = "unknown type code"; break; }
        total += be[i] - bs[i] + 16; /* a preview outgrows its value by at most 6 bytes */
    }
    if (err) {
        PyErr_Format(PyExc_ValueError, "previews(): %s", err);
    } else {
        /* columns from the pool, as scan's (pages already mapped) */
        vdata = pool_column(8, (size_t)total);
        voff = vdata ? pool_column(9, (size_t)((k + 1) * 8)) : NULL;
        if (vdata && voff) {
            uint8_t *dst = vdata->p, *d = dst;
            int64_t *vo = voff->p;
            vo[0] = 0;
            int no_memory = 0;
            Py_BEGIN_ALLOW_THREADS
            PV_LO = data.buf;
            PV_HI = PV_LO + data.len;
            uint8_t *fold = NULL; /* a value with full-width forms, folded (as the scan saw it) */
            int64_t capfold = 0;
            for (Py_ssize_t i = 0; i < k; i++) {
                const uint8_t *v = (const uint8_t *)data.buf + off[arr_offset + rw[i]] + bs[i];
                int64_t len = be[i] - bs[i];
                int wide = has_fold(v, len);
                /* maybe an address with '@' and '.' spelled out ("li [at] 163 [dot] com") */
                int spelled = ty[i] == T_EMAIL && !memchr(v, '@', (size_t)len) &&
                              !memchr(v, '#', (size_t)len);
                if (wide || spelled) {
                    if (len > capfold) {
                        uint8_t *f = realloc(fold, (size_t)len);
                        if (!f) { no_memory = 1; break; }
                        fold = f;
                        capfold = len;
                    }
                    int64_t m = wide ? fold_into(v, len, fold, NULL) : len;
                    /* as the scan read it: full-width forms folded first ('＠' is an '@') */
                    if (spelled && !(wide && (memchr(fold, '@', (size_t)m) || memchr(fold, '#', (size_t)m))))
                        m = fold_spelled(wide ? fold : v, m, fold, NULL);
                    PV_LO = fold;
                    PV_HI = fold + m;
                    d = preview_of(fold, m, ty[i], d);
                    PV_LO = data.buf;
                    PV_HI = PV_LO + data.len;
                } else {
                    d = preview_of(v, len, ty[i], d);
                }
                vo[i + 1] = d - dst;
            }
            free(fold);
            Py_END_ALLOW_THREADS
            vdata->len = d - dst;
            voff->len = (k + 1) * 8;
            res = no_memory ? PyErr_NoMemory() : PyTuple_Pack(2, (PyObject *)vdata, (PyObject *)voff);
        }
        Py_XDECREF(vdata);
        Py_XDECREF(voff);
    }
    PyBuffer_Release(&data); PyBuffer_Release(&offsets); PyBuffer_Release(&rows);
    PyBuffer_Release(&bstart); PyBuffer_Release(&bend); PyBuffer_Release(&types);
    return res;
}

static PyMethodDef METHODS[] = {
    {"configure", py_configure, METH_O, "Load the word lists of _patterns.py (once)."},
    {"scan", py_scan, METH_VARARGS,
     "scan(data, offsets, validity, offset, length, (y, m, d), min_conf, type_mask) -> "
     "(row u32, start i64, end i64, type u8, minor u8, confidence f64, byte start i64, "
     "byte end i64) as bytes; offsets count from each row's start."},
    {"scan_views", py_scan_views, METH_VARARGS,
     "scan_views(views, data_buffers, validity, offset, length, (y, m, d), min_conf, "
     "type_mask) -> the same as scan(), over an Arrow string_view array."},
    {"values", py_values, METH_VARARGS,
     "values(data, offsets, offset, length, rows, byte_starts, byte_ends) -> (data, offsets): "
     "the spans' text as Arrow large_string buffers."},
    {"previews", py_previews, METH_VARARGS,
     "previews(data, offsets, offset, length, rows, byte_starts, byte_ends, type u8) -> "
     "(data, offsets): masked previews of the spans (as _detect.mask_preview writes them)."},
    {"rule_values", py_rule_values, METH_VARARGS,
     "rule_values(data, offsets, offset, length, rows, byte_starts, byte_ends, rule i16, "
     "kinds i8, a i64, b i64, text_data, text_offsets, py_data, py_offsets, py_index i64) -> "
     "(data, offsets): each span's replacement under its de-identification rule."},
    {"splice", py_splice, METH_VARARGS,
     "splice(data, offsets, offset, length, rows, byte_starts, byte_ends, rep_data, "
     "rep_offsets) -> bytes: the rows' text with each span replaced."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_pikernel",
                                    "Compiled single-pass PI kernel (see _pikernel.c).", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__pikernel(void) {
    init_classes();
    init_preview_keep();
    init_thousandths();
    init_uscc_values();
    if (PyType_Ready(&COLUMN_TYPE) < 0) return NULL;
    PyObject *mod = PyModule_Create(&MODULE);
    if (!mod) return NULL;
    PyObject *names = PyTuple_New(T_COUNT);
    for (int t = 0; t < T_COUNT; t++) PyTuple_SET_ITEM(names, t, PyUnicode_FromString(TYPE_NAMES[t]));
    PyModule_AddObject(mod, "TYPES", names);
    return mod;
}
