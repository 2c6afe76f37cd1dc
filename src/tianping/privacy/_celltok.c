/* Cells of CSV files and string values of JSON Lines files, found and written back in C.

   De-identifying a CSV or JSONL file means: find every cell (string value) that detection
   must read, detect and replace PI in all of them as one Arrow column, and write each
   changed cell back where it was, quoted or escaped as its format needs, every other byte
   untouched. The Python tokenizers in `_deid.py` do this at about 10 MB/s; here the two
   ends run at memory speed and the column in between goes through the compiled kernel.

   The tokenizers follow `_deid._csv_records` and `_deid._deid_json_line` exactly (tests
   compare the bytes written). Where a file holds something they do not handle in C (an
   invalid line, an unterminated quote, a non-ASCII byte outside a JSON string, a lone
   surrogate) they say so and the caller takes the Python path, which gives the located
   error messages. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    int64_t n, cap;
} buf_t;

static int reserve(buf_t *b, int64_t more) {
    if (b->n + more <= b->cap) return 0;
    int64_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more) cap *= 2;
    uint8_t *p = realloc(b->p, (size_t)cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}
static inline int put(buf_t *b, const void *src, int64_t len) {
    if (len <= 0) return 0; /* src may be NULL then (an empty buffer) */
    if (reserve(b, len)) return -1;
    memcpy(b->p + b->n, src, (size_t)len);
    b->n += len;
    return 0;
}
static inline int put1(buf_t *b, uint8_t c) {
    if (reserve(b, 1)) return -1;
    b->p[b->n++] = c;
    return 0;
}
static inline int put64(buf_t *b, int64_t v) { return put(b, &v, 8); }

static PyObject *take(buf_t *b) {
    PyObject *o = PyBytes_FromStringAndSize((const char *)b->p, (Py_ssize_t)b->n);
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    return o;
}

/* ------------------------------------------------------------------ CSV */

/* csv_cells(data, delim, final) -> (values, value_offsets, span_start, span_end, kind,
   record, field, records, error_at, consumed). One entry per cell that de-identification reads: a plain cell without its
   padding spaces (kind 0) or a quoted cell unescaped (kind 1; its span is the whole quoted
   field); empty cells and irregular ones (a quoted part followed by more text) are left
   out. `record` numbers the records from 0 and `field` the cells in a record; `records`
   counts the records; `consumed` is where the data read stops: its end, or, when the data
   is not `final` (a block of a longer file), the start of the last record, which may go on
   in the next block (no cells or error are reported for it); `error_at` is the byte
   offset of an unterminated quote, else -1. */
static PyObject *py_csv_cells(PyObject *self, PyObject *args) {
    Py_buffer in;
    int delim, final = 1;
    if (!PyArg_ParseTuple(args, "y*i|p", &in, &delim, &final)) return NULL;
    if (delim < 1 || delim > 127 || delim == '"' || delim == '\r' || delim == '\n') {
        PyBuffer_Release(&in);
        PyErr_SetString(PyExc_ValueError, "csv_cells(): the delimiter must be one ASCII byte");
        return NULL;
    }
    const uint8_t *s = in.buf;
    int64_t n = in.len;
    uint8_t stop[256] = {0};
    stop[(uint8_t)delim] = stop['\r'] = stop['\n'] = 1;
    buf_t vals = {0}, voff = {0}, ss = {0}, se = {0}, kind = {0}, rec = {0}, fld = {0};
    int64_t err_at = -1, records = 0, pos = 0, fields = 0, consumed = n;
    int64_t rec_pos = 0, rec_vals = 0, rec_cells = 0; /* where the current record began */
    int nonempty = 0, oom = 0;
    Py_BEGIN_ALLOW_THREADS
    oom |= put64(&voff, 0);
    while (pos <= n && !oom) {
        if (fields == 0) {
            rec_pos = pos;
            rec_vals = vals.n;
            rec_cells = kind.n;
        }
        int64_t end, a, b;
        int k = 0, pairs = 0;
        if (pos < n && s[pos] == '"') {
            /* "(?:[^"]|"")*" with the regex's backtracking: a quote followed by a quote is
               an escaped quote; at the end of the data without a closing quote the match
               ends at the first quote of the last pair, else there is none */
            int64_t q = pos + 1, last_pair = -1;
            int open_at_end = 0;
            for (;;) {
                const uint8_t *hit = q < n ? memchr(s + q, '"', (size_t)(n - q)) : NULL;
                if (!hit) {
                    open_at_end = 1;
                    end = last_pair >= 0 ? last_pair + 1 : -1;
                    break;
                }
                int64_t j = hit - s;
                if (j + 1 < n && s[j + 1] == '"') {
                    last_pair = j;
                    pairs = 1;
                    q = j + 2;
                    continue;
                }
                end = j + 1;
                break;
            }
            if (open_at_end && !final) { /* the closing quote may be in the next block */
                consumed = rec_pos;
                break;
            }
            if (end < 0) {
                err_at = pos;
                break;
            }
            k = 1;
            if (end < n && !stop[s[end]]) {
                while (end < n && !stop[s[end]]) end++;
                k = 2;
            }
            a = pos + 1;
            b = k == 1 ? end - 1 : end;
        } else {
            end = pos;
            while (end < n && !stop[s[end]]) end++;
            a = pos;
            b = end;
            while (a < b && s[a] == ' ') a++;
            while (b > a && s[b - 1] == ' ') b--;
        }
        fields++;
        if (end > pos) nonempty = 1;
        if (k != 2 && b > a) {
            if (k == 1 && pairs) {
                for (int64_t i = a; i < b && !oom; i++) {
                    oom |= put1(&vals, s[i]);
                    if (s[i] == '"') i++; /* "" stands for one quote */
                }
            } else {
                oom |= put(&vals, s + a, b - a);
            }
            oom |= put64(&voff, vals.n);
            oom |= put64(&ss, k == 1 ? pos : a);
            oom |= put64(&se, k == 1 ? end : b);
            oom |= put1(&kind, (uint8_t)k);
            oom |= put64(&rec, records);
            oom |= put64(&fld, fields - 1);
        }
        if (end >= n) {
            if (!final) consumed = rec_pos; /* the record may go on in the next block */
            else if (nonempty || fields > 1) records++;
            break;
        }
        if (s[end] == (uint8_t)delim) {
            pos = end + 1;
            continue;
        }
        records++;
        fields = 0;
        nonempty = 0;
        if (!final && s[end] == '\r' && end + 1 == n) { /* a CR whose LF may come next */
            records--;
            consumed = rec_pos;
            break;
        }
        pos = end + ((s[end] == '\r' && end + 1 < n && s[end + 1] == '\n') ? 2 : 1);
        if (pos == n) break;
    }
    if (consumed < n && !oom) { /* drop the cells of the record left for the next block */
        vals.n = rec_vals;
        voff.n = (rec_cells + 1) * 8;
        ss.n = se.n = rec.n = fld.n = rec_cells * 8;
        kind.n = rec_cells;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    if (oom) {
        free(vals.p); free(voff.p); free(ss.p); free(se.p); free(kind.p); free(rec.p); free(fld.p);
        return PyErr_NoMemory();
    }
    PyObject *o0 = take(&vals), *o1 = take(&voff), *o2 = take(&ss), *o3 = take(&se);
    PyObject *o4 = take(&kind), *o5 = take(&rec), *o6 = take(&fld);
    return Py_BuildValue("(NNNNNNNLLL)", o0, o1, o2, o3, o4, o5, o6, (long long)records,
                         (long long)err_at, (long long)consumed);
}

/* ------------------------------------------------------------------ JSON Lines */

static inline int hexval(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
static int hex4(const uint8_t *s, int64_t n, int64_t i) {
    if (i + 4 > n) return -1;
    int v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(s[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}
static int put_utf8(buf_t *b, uint32_t cp) {
    uint8_t u[4];
    int l;
    if (cp < 0x80) { u[0] = (uint8_t)cp; l = 1; }
    else if (cp < 0x800) { u[0] = 0xC0 | (cp >> 6); u[1] = 0x80 | (cp & 0x3F); l = 2; }
    else if (cp < 0x10000) {
        u[0] = 0xE0 | (cp >> 12); u[1] = 0x80 | ((cp >> 6) & 0x3F); u[2] = 0x80 | (cp & 0x3F); l = 3;
    } else {
        u[0] = 0xF0 | (cp >> 18); u[1] = 0x80 | ((cp >> 12) & 0x3F);
        u[2] = 0x80 | ((cp >> 6) & 0x3F); u[3] = 0x80 | (cp & 0x3F); l = 4;
    }
    return put(b, u, l);
}

/* The value of the string token s[a, b) (quotes included) appended to `out`, as
   json.loads gives it; -1 where json.loads would fail or give a lone surrogate. */
static int decode_string(const uint8_t *s, int64_t a, int64_t b, buf_t *out, int *oom) {
    for (int64_t i = a + 1; i < b - 1; i++) {
        uint8_t c = s[i];
        if (c < 0x20) return -1;
        if (c != '\\') {
            *oom |= put1(out, c);
            continue;
        }
        uint8_t e = s[++i];
        switch (e) {
        case '"': case '\\': case '/': *oom |= put1(out, e); break;
        case 'b': *oom |= put1(out, '\b'); break;
        case 'f': *oom |= put1(out, '\f'); break;
        case 'n': *oom |= put1(out, '\n'); break;
        case 'r': *oom |= put1(out, '\r'); break;
        case 't': *oom |= put1(out, '\t'); break;
        case 'u': {
            int v = hex4(s, b - 1, i + 1);
            if (v < 0) return -1;
            i += 4;
            uint32_t cp = (uint32_t)v;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = (i + 2 < b - 1 && s[i + 1] == '\\' && s[i + 2] == 'u') ? hex4(s, b - 1, i + 3) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            *oom |= put_utf8(out, cp);
            break;
        }
        default:
            return -1;
        }
    }
    return 0;
}

/* The end of the string token that starts at i (`"[^"\\]*(?:\\.[^"\\]*)*"`), -1 if none;
   *esc says whether a backslash occurs in it. A quote closes the token unless an odd
   number of backslashes stands right before it. */
static int64_t string_end(const uint8_t *s, int64_t n, int64_t i, int *esc) {
    int64_t q = i + 1;
    *esc = 0;
    for (;;) {
        const uint8_t *hit = q < n ? memchr(s + q, '"', (size_t)(n - q)) : NULL;
        if (!hit) return -1;
        int64_t j = hit - s, k = j;
        while (k > i + 1 && s[k - 1] == '\\') k--;
        if (k < j) *esc = 1;
        if (((j - k) & 1) == 0) {
            if (!*esc && memchr(s + i + 1, '\\', (size_t)(j - i - 1))) *esc = 1;
            return j + 1;
        }
        q = j + 1;
    }
}
static inline int is_d(uint8_t c) { return c >= '0' && c <= '9'; }
/* the ASCII characters that Python's `\s` matches (the Python path's whitespace token) */
static inline int is_space(uint8_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F); }
/* the end of `-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?` at i, -1 if none */
static int64_t number_end(const uint8_t *s, int64_t n, int64_t i) {
    int64_t j = i;
    if (j < n && s[j] == '-') j++;
    if (j < n && s[j] == '0') j++;
    else if (j < n && s[j] >= '1' && s[j] <= '9') {
        while (j < n && is_d(s[j])) j++;
    } else
        return -1;
    if (j + 1 < n && s[j] == '.' && is_d(s[j + 1])) {
        j += 2;
        while (j < n && is_d(s[j])) j++;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        int64_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-')) k++;
        if (k < n && is_d(s[k])) {
            while (k < n && is_d(s[k])) k++;
            j = k;
        }
    }
    return j;
}

/* One line's body s[a, b): its value strings appended; 0, or -1 where the Python path
   must take the file (it raises the located error, or handles what C does not). */
/* the columns of json_values: one entry per value */
typedef struct {
    buf_t vals, voff, ss, se, flag, key;
    buf_t keys, koff; /* top-level keys seen, decoded, interned in order of first sight */
    int64_t nkeys;
    int keyed;
} jcols_t;

/* the id of the decoded key k[0, len), added when new */
static int32_t intern_key(jcols_t *J, const uint8_t *k, int64_t len, int *oom) {
    const int64_t *off = (const int64_t *)J->koff.p;
    for (int64_t i = J->nkeys - 1; i >= 0; i--)
        if (off[i + 1] - off[i] == len && memcmp(J->keys.p + off[i], k, (size_t)len) == 0)
            return (int32_t)i;
    if (J->nkeys == 0) *oom |= put64(&J->koff, 0);
    *oom |= put(&J->keys, k, len);
    *oom |= put64(&J->koff, J->keys.n);
    return (int32_t)J->nkeys++;
}

static void json_value(jcols_t *J, int64_t i, int64_t j, int flag, int32_t key, int *oom) {
    int32_t k = key;
    *oom |= put64(&J->voff, J->vals.n);
    *oom |= put64(&J->ss, i);
    *oom |= put64(&J->se, j);
    *oom |= put1(&J->flag, (uint8_t)flag);
    if (J->keyed) *oom |= put(&J->key, &k, 4);
}

static int json_line(const uint8_t *s, int64_t a, int64_t b, jcols_t *J, int *oom) {
    uint8_t stack[256];
    int depth = 0, expect_key = 0;
    int32_t top = -1; /* the top-level key whose value is being read */
    int64_t i = a;
    buf_t *vals = &J->vals;
    while (i < b) {
        uint8_t c = s[i];
        if (c == '"') {
            int esc;
            int64_t j = string_end(s, b, i, &esc);
            if (j < 0) return -1;
            if (expect_key) {
                expect_key = 0;
                if (depth == 1) { /* the Python path decodes top-level keys: fail as it does */
                    buf_t key = {0};
                    int bad = decode_string(s, i, j, &key, oom) < 0;
                    if (!bad && J->keyed) top = intern_key(J, key.p ? key.p : (const uint8_t *)"", key.n, oom);
                    free(key.p);
                    if (bad) return -1;
                }
            } else if (j - i > 2) {
                int64_t before = vals->n;
                if (!esc) { /* taken as it is, unless json.loads would reject a control character */
                    for (int64_t k = i + 1; k < j - 1; k++)
                        if (s[k] < 0x20) return -1;
                    *oom |= put(vals, s + i + 1, j - i - 2);
                } else if (decode_string(s, i, j, vals, oom) < 0) {
                    return -1;
                }
                if (vals->n > before) { /* an empty value stays as it is */
                    int ascii = 0; /* the Python path re-encodes with ensure_ascii when "\u" occurs */
                    for (int64_t k = i; esc && k + 1 < j; k++)
                        if (s[k] == '\\' && s[k + 1] == 'u') { ascii = 1; break; }
                    json_value(J, i, j, ascii, depth ? top : -1, oom);
                }
            }
            i = j;
            continue;
        }
        if (c == '-' || is_d(c)) {
            int64_t j = number_end(s, b, i);
            if (j < 0) return -1;
            /* numbers are values too: a phone or an ID is often written as a number */
            *oom |= put(vals, s + i, j - i);
            json_value(J, i, j, 2, depth ? top : -1, oom);
            i = j;
            continue;
        }
        if (c == 't' && i + 4 <= b && memcmp(s + i, "true", 4) == 0) { i += 4; continue; }
        if (c == 'f' && i + 5 <= b && memcmp(s + i, "false", 5) == 0) { i += 5; continue; }
        if (c == 'n' && i + 4 <= b && memcmp(s + i, "null", 4) == 0) { i += 4; continue; }
        if (c == '{' || c == '[') {
            if (depth == (int)sizeof(stack)) return -1;
            stack[depth++] = c;
            expect_key = c == '{';
        } else if (c == '}' || c == ']') {
            if (!depth) return -1;
            depth--;
            if (depth == 1) expect_key = 0;
        } else if (c == ',') {
            expect_key = depth > 0 && stack[depth - 1] == '{';
        } else if (c != ':' && !is_space(c)) {
            return -1;
        }
        i++;
    }
    return depth ? -1 : 0;
}

/* json_values(data, keyed=False) -> (values, value_offsets, span_start, span_end, flags,
   lines) or None; with `keyed` also (..., key, keys, key_offsets) before `lines`. One entry
   per non-empty string value (not a key) and per number of every line: a string's decoded
   UTF-8 or a number's text as written, the token's byte span, and flags (1: the line wrote
   the string with \u escapes; 2: a number). With `keyed`, `key` gives each entry's
   top-level key (-1: none) among the decoded `keys`. `lines` counts the non-blank lines.
   None: the Python path must take this file. */
static PyObject *py_json_values(PyObject *self, PyObject *args) {
    Py_buffer in;
    int keyed = 0;
    if (!PyArg_ParseTuple(args, "y*|p", &in, &keyed)) return NULL;
    const uint8_t *s = in.buf;
    int64_t n = in.len, lines = 0;
    jcols_t J;
    memset(&J, 0, sizeof(J));
    J.keyed = keyed;
    int fail = 0, oom = 0;
    Py_BEGIN_ALLOW_THREADS
    oom |= put64(&J.voff, 0);
    int64_t pos = 0;
    while (pos < n && !fail && !oom) {
        const uint8_t *nl = memchr(s + pos, '\n', (size_t)(n - pos));
        int64_t eol = nl ? nl - s : n, b = eol;
        while (b > pos && s[b - 1] == '\r') b--;
        int blank = 1;
        for (int64_t i = pos; i < b; i++)
            if (!is_space(s[i])) { blank = 0; break; }
        if (!blank) {
            lines++;
            if (json_line(s, pos, b, &J, &oom) < 0) fail = 1;
        }
        pos = eol + 1;
    }
    if (J.nkeys == 0) oom |= put64(&J.koff, 0);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&in);
    if (oom || fail) {
        buf_t *all[] = {&J.vals, &J.voff, &J.ss, &J.se, &J.flag, &J.key, &J.keys, &J.koff};
        for (int i = 0; i < 8; i++) free(all[i]->p);
        if (oom) return PyErr_NoMemory();
        Py_RETURN_NONE;
    }
    PyObject *o0 = take(&J.vals), *o1 = take(&J.voff), *o2 = take(&J.ss), *o3 = take(&J.se);
    PyObject *o4 = take(&J.flag), *o5 = take(&J.key), *o6 = take(&J.keys), *o7 = take(&J.koff);
    if (!keyed) {
        Py_XDECREF(o5); Py_XDECREF(o6); Py_XDECREF(o7);
        return Py_BuildValue("(NNNNNL)", o0, o1, o2, o3, o4, (long long)lines);
    }
    return Py_BuildValue("(NNNNNNNNL)", o0, o1, o2, o3, o4, o5, o6, o7, (long long)lines);
}

/* ------------------------------------------------------------------ writing back */

static const char HEX[] = "0123456789abcdef";

static int put_u(buf_t *b, uint32_t u) {
    uint8_t e[6] = {'\\', 'u', HEX[(u >> 12) & 15], HEX[(u >> 8) & 15], HEX[(u >> 4) & 15], HEX[u & 15]};
    return put(b, e, 6);
}

/* a new value as json.dumps writes it (ensure_ascii as the old token had it) */
static int put_json(buf_t *b, const uint8_t *v, int64_t len, int ascii) {
    int oom = put1(b, '"');
    for (int64_t i = 0; i < len; i++) {
        uint8_t c = v[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        }
        if (esc) { oom |= put(b, esc, 2); continue; }
        if (c < 0x20 || (ascii && c == 0x7F)) { oom |= put_u(b, c); continue; }
        if (c < 0x80 || !ascii) { oom |= put1(b, c); continue; }
        /* ensure_ascii: the code point as \uXXXX, beyond the BMP as a surrogate pair */
        uint32_t cp;
        int l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + l > len) return -1;
        cp = l == 2 ? (c & 0x1F) : l == 3 ? (c & 0x0F) : (c & 0x07);
        for (int k = 1; k < l; k++) cp = (cp << 6) | (v[i + k] & 0x3F);
        i += l - 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            oom |= put_u(b, 0xD800 + (cp >> 10));
            oom |= put_u(b, 0xDC00 + (cp & 0x3FF));
        } else {
            oom |= put_u(b, cp);
        }
    }
    oom |= put1(b, '"');
    return oom ? -1 : 0;
}

/* a new CSV cell: quoted (quotes doubled) when it was quoted or now needs it */
static int put_csv(buf_t *b, const uint8_t *v, int64_t len, int quoted, uint8_t delim) {
    if (!quoted)
        for (int64_t i = 0; i < len; i++)
            if (v[i] == delim || v[i] == '"' || v[i] == '\r' || v[i] == '\n') { quoted = 1; break; }
    if (!quoted) return put(b, v, len);
    int oom = put1(b, '"');
    for (int64_t i = 0; i < len; i++) {
        if (v[i] == '"') oom |= put1(b, '"');
        oom |= put1(b, v[i]);
    }
    return oom | put1(b, '"');
}

/* splice(format, data, span_start, span_end, kind, old, old_offsets, new, new_offsets,
   new_offset, arg) -> (bytes, changed cells). Every cell whose new value differs from the
   old one is written over its span; all other bytes are copied. `format` 0 is CSV (`kind`
   1 = quoted; `arg` the delimiter), 1 is JSON (`kind` 1 = ensure_ascii). `new_offset` is
   the Arrow array offset of the new values. JSON `kind` bit 2 writes `null` instead. */
static PyObject *py_splice(PyObject *self, PyObject *args) {
    int fmt, arg;
    Py_buffer data, sb, eb, kb, ob, oob, nb, nob;
    Py_ssize_t noff;
    if (!PyArg_ParseTuple(args, "iy*y*y*y*y*y*y*y*ni", &fmt, &data, &sb, &eb, &kb, &ob, &oob, &nb,
                          &nob, &noff, &arg))
        return NULL;
    const uint8_t *s = data.buf, *kind = kb.buf, *old = ob.buf, *nw = nb.buf;
    const int64_t *ss = sb.buf, *se = eb.buf, *oo = oob.buf, *no = nob.buf;
    int64_t m = kb.len, n = data.len, changed = 0;
    const char *err = NULL;
    if (sb.len != m * 8 || eb.len != m * 8 || oob.len != (m + 1) * 8 || noff < 0 ||
        nob.len < (noff + m + 1) * 8)
        err = "cell columns of different lengths";
    int64_t last = 0;
    for (int64_t i = 0; i < m && !err; i++) {
        if (ss[i] < last || se[i] < ss[i] || se[i] > n || oo[i] > oo[i + 1] || oo[i + 1] > ob.len ||
            no[noff + i] > no[noff + i + 1] || no[noff + i] < 0 || no[noff + i + 1] > nb.len)
            err = "cells out of order or out of range";
        last = se[i];
    }
    buf_t out = {0};
    int oom = 0;
    if (!err) {
        Py_BEGIN_ALLOW_THREADS
        oom |= reserve(&out, n + n / 8);
        int64_t pos = 0;
        for (int64_t i = 0; i < m && !oom; i++) {
            const uint8_t *v = nw + no[noff + i];
            int64_t len = no[noff + i + 1] - no[noff + i];
            if (len == oo[i + 1] - oo[i] && (len == 0 || memcmp(v, old + oo[i], (size_t)len) == 0)) continue;
            changed++;
            oom |= put(&out, s + pos, ss[i] - pos);
            if (fmt == 0) oom |= put_csv(&out, v, len, kind[i] == 1, (uint8_t)arg);
            else if (kind[i] & 4) oom |= put(&out, "null", 4);
            else oom |= put_json(&out, v, len, kind[i] & 1) ? 1 : 0;
            pos = se[i];
        }
        if (!oom) oom |= put(&out, s + pos, n - pos);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&data); PyBuffer_Release(&sb); PyBuffer_Release(&eb); PyBuffer_Release(&kb);
    PyBuffer_Release(&ob); PyBuffer_Release(&oob); PyBuffer_Release(&nb); PyBuffer_Release(&nob);
    if (err) {
        PyErr_Format(PyExc_ValueError, "splice(): %s", err);
        return NULL;
    }
    if (oom) {
        free(out.p);
        return PyErr_NoMemory();
    }
    PyObject *o = take(&out);
    return o ? Py_BuildValue("(NL)", o, (long long)changed) : NULL;
}

/* ------------------------------------------------------------------ lines of text */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* characters in s[a, b) of valid UTF-8: bytes that are not continuation bytes (10xxxxxx),
   eight at a time, no chain from one character to the next */
static int64_t utf8_chars(const uint8_t *s, int64_t a, int64_t b) {
    int64_t cont = 0, p = a;
    for (; p + 8 <= b; p += 8) {
        uint64_t x;
        memcpy(&x, s + p, 8);
        uint64_t m = x & ~(x << 1) & HIGHS; /* bit 7 set, bit 6 clear */
        cont += (int64_t)((((m >> 7) * ONES) >> 56) & 0xFF);
    }
    for (; p < b; p++) cont += (s[p] & 0xC0) == 0x80;
    return (b - a) - cont;
}

/* lines(data, max_chars) -> bytes or None. The lines of a block of valid UTF-8 (the
   caller checks that) that ends with '\n', as Arrow string views (16 bytes a line) over
   `data` itself: '\n', and a '\r' just before it, left out. None where the block holds a
   '\r' that does not end a line, a line of more than max_chars characters, or is 2 GB or
   more (views hold 32-bit offsets): the caller's general path handles those. */
static PyObject *py_lines(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t max_chars;
    if (!PyArg_ParseTuple(args, "y*n", &data, &max_chars)) return NULL;
    const uint8_t *s = data.buf;
    int64_t n = data.len;
    int ok = n > 0 && n < INT32_MAX && s[n - 1] == '\n', oom = 0;
    buf_t out = {0};
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        /* a '\r' is allowed only just before a '\n' */
        for (const uint8_t *r = memchr(s, '\r', (size_t)n); r && ok;
             r = memchr(r + 1, '\r', (size_t)(n - (r + 1 - s))))
            ok = r + 1 < s + n && r[1] == '\n';
        int64_t start = 0;
        while (ok && start < n) {
            const uint8_t *nl = memchr(s + start, '\n', (size_t)(n - start));
            int64_t end = nl - s, len = end - start;
            if (len > 0 && s[end - 1] == '\r') len--;
            /* characters are never more than bytes: count only lines that might be long */
            if (len > max_chars && utf8_chars(s, start, start + len) > max_chars) {
                ok = 0;
                break;
            }
            if (reserve(&out, 16)) {
                oom = 1;
                break;
            }
            uint8_t *v = out.p + out.n;
            int32_t l32 = (int32_t)len, off = (int32_t)start; /* buffer 0: data */
            memset(v, 0, 16);
            memcpy(v, &l32, 4);
            if (len <= 12) {
                memcpy(v + 4, s + start, (size_t)len);
            } else {
                memcpy(v + 4, s + start, 4);
                memcpy(v + 12, &off, 4);
            }
            out.n += 16;
            start = end + 1;
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&data);
    if (oom) {
        free(out.p);
        return PyErr_NoMemory();
    }
    if (!ok) {
        free(out.p);
        Py_RETURN_NONE;
    }
    return take(&out);
}

static PyMethodDef METHODS[] = {
    {"csv_cells", py_csv_cells, METH_VARARGS, "Cells of a CSV text that detection reads."},
    {"json_values", py_json_values, METH_VARARGS, "String values of a JSON Lines text."},
    {"splice", py_splice, METH_VARARGS, "Write changed cells back over their spans."},
    {"lines", py_lines, METH_VARARGS, "Lines of a UTF-8 block as Arrow string views."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_celltok",
                                    "CSV cells and JSON Lines string values, in C.", -1, METHODS};

PyMODINIT_FUNC PyInit__celltok(void) { return PyModule_Create(&MODULE); }
