/* Optional C helpers for plugredis's hot paths.  Every function here has a pure-Python twin
 * (see plugredis/resp.py), which runs when this module was not built; the tests compare them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "structmember.h"

/* Decimal digits of a non-negative length. */
static Py_ssize_t
digits(Py_ssize_t n)
{
    Py_ssize_t d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* Write n in decimal at p; return the end. */
static char *
write_len(char *p, Py_ssize_t n)
{
    char buf[24];
    Py_ssize_t i = 0;
    do {
        buf[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (i)
        *p++ = buf[--i];
    return p;
}

/* Write the bulk string "$<len>\r\n<data>\r\n" of a bytes object at p; return the end. */
static char *
write_bulk(char *p, PyObject *b)
{
    Py_ssize_t len = PyBytes_GET_SIZE(b);
    *p++ = '$';
    p = write_len(p, len);
    *p++ = '\r';
    *p++ = '\n';
    memcpy(p, PyBytes_AS_STRING(b), (size_t)len);
    p += len;
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

PyDoc_STRVAR(bulk_array_doc,
"bulk_array(items, prefix=b'*', count=len(items)) -> bytes | None\n\n"
"The RESP array (or set, push, map with another prefix) of a list or tuple whose items are\n"
"all exactly ``bytes``: ``<prefix><count>\\r\\n`` then ``$<len>\\r\\n<item>\\r\\n`` for each.\n"
"None when an item is anything else (a subclass included), for the caller's generic encoder.");

static PyObject *
bulk_array(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "bulk_array(items, prefix=b'*', count=len(items))");
        return NULL;
    }
    PyObject *seq = args[0];
    char prefix = '*';
    if (nargs >= 2) {
        if (!PyBytes_CheckExact(args[1]) || PyBytes_GET_SIZE(args[1]) != 1) {
            PyErr_SetString(PyExc_TypeError, "prefix must be one byte");
            return NULL;
        }
        prefix = PyBytes_AS_STRING(args[1])[0];
    }
    PyObject **items;
    Py_ssize_t n;
    if (PyList_Check(seq) || PyTuple_Check(seq)) {
        items = PySequence_Fast_ITEMS(seq);
        n = PySequence_Fast_GET_SIZE(seq);
    }
    else {
        Py_RETURN_NONE;
    }
    Py_ssize_t count = n;
    if (nargs == 3) {
        count = PyLong_AsSsize_t(args[2]);
        if (count == -1 && PyErr_Occurred())
            return NULL;
        if (count < 0) {
            PyErr_SetString(PyExc_ValueError, "count must not be negative");
            return NULL;
        }
    }
    Py_ssize_t total = 3 + digits(count);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = items[i];
        if (!PyBytes_CheckExact(it))
            Py_RETURN_NONE;
        Py_ssize_t len = PyBytes_GET_SIZE(it);
        total += 5 + digits(len) + len;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, total);
    if (out == NULL)
        return NULL;
    char *p = PyBytes_AS_STRING(out);
    *p++ = prefix;
    p = write_len(p, count);
    *p++ = '\r';
    *p++ = '\n';
    for (Py_ssize_t i = 0; i < n; i++)
        p = write_bulk(p, items[i]);
    return out;
}


/* A canonical decimal (no sign, no leading zero unless the number is 0) of at most maxdigits
 * digits, ending at '\r' followed by '\n'.  Returns 1 and sets value and next when found, 0 when
 * the data ends before the line does (cut), -1 when the line is anything else. */
static int
read_line_number(const char *p, const char *end, int maxdigits, long long *value,
                 const char **next)
{
    const char *start = p;
    long long v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (p - start >= maxdigits)
            return -1;
        v = v * 10 + (*p - '0');
        p++;
    }
    if (p == end)
        return 0;
    if (p == start || *p != '\r' || (p - start > 1 && *start == '0'))
        return -1;
    if (p + 1 == end)
        return 0;
    if (p[1] != '\n')
        return -1;
    *value = v;
    *next = p + 2;
    return 1;
}

/* A parser of the requests in [base, end) with a size limit (parse_frames, parse_lines): a new
 * list, a new reference to None for the caller's other parser, or NULL on error; *endpos is
 * where the last whole request ends. */
typedef PyObject *(*request_parser)(const char *base, const char *end, long long limit,
                                    Py_ssize_t *endpos);

/* The Python face of both parsers, fn(data: bytes, limit: int): ``(requests, end)``, None, or
 * NULL with an exception (a TypeError with ``usage`` for other arguments). */
static PyObject *
call_parser(PyObject *const *args, Py_ssize_t nargs, const char *usage, request_parser parse)
{
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    long long limit = PyLong_AsLongLong(args[1]);
    if (limit == -1 && PyErr_Occurred())
        return NULL;
    const char *base = PyBytes_AS_STRING(args[0]);
    Py_ssize_t endpos = 0;
    PyObject *reqs = parse(base, base + PyBytes_GET_SIZE(args[0]), limit, &endpos);
    if (reqs == NULL || reqs == Py_None)
        return reqs;
    return Py_BuildValue("(Nn)", reqs, endpos);
}

PyDoc_STRVAR(parse_requests_doc,
"parse_requests(data, max_bulk) -> (requests, end) | None\n\n"
"The requests (lists of bytes) in ``data``, a read that starts at a frame boundary, when every\n"
"frame is a canonical multibulk request: ``*<count>`` (1 to 999999, no leading zero), then\n"
"``$<len>`` (at most max_bulk) elements each ending in CRLF.  ``end`` is where the last whole\n"
"frame ends (a shorter ``end`` than ``len(data)``: the frame there is cut by the end of the\n"
"read).  None for anything else (inline commands, empty or negative counts, other headers,\n"
"leading zeros...), which the caller's exact parser then reads.");

/* The command names of recent requests, one bytes object each, handed out again for the same
 * name: a request's name then costs no allocation, and the dispatcher's dict lookup finds it
 * by identity with its hash already computed (measured: a sixth of the user time the server
 * spent outside the kernel per GET went to the name's allocation, hashing and lookup).  A
 * direct-mapped table of NAME_CACHE short names; any bytes object with the same contents is
 * the same key, so what a client sends can only replace entries. */
#define NAME_CACHE 64
#define NAME_CACHE_MAX 24
static PyObject *name_cache[NAME_CACHE];

static PyObject *
command_name(const char *s, Py_ssize_t len)
{
    if (len == 0 || len > NAME_CACHE_MAX)
        return PyBytes_FromStringAndSize(s, len);
    unsigned int h = ((unsigned char)s[0] | 0x20) * 31u + ((unsigned char)s[len - 1] | 0x20) * 7u
                     + (unsigned int)len;
    PyObject **slot = &name_cache[h % NAME_CACHE];
    PyObject *cached = *slot;
    if (cached != NULL && PyBytes_GET_SIZE(cached) == len
        && memcmp(PyBytes_AS_STRING(cached), s, (size_t)len) == 0)
        return Py_NewRef(cached);
    PyObject *name = PyBytes_FromStringAndSize(s, len);
    if (name == NULL)
        return NULL;
    if (PyObject_Hash(name) == -1) { /* cannot fail for bytes; computes and keeps the hash */
        Py_DECREF(name);
        return NULL;
    }
    Py_XSETREF(*slot, Py_NewRef(name));
    return name;
}

/* The requests in [base, end) (see parse_requests): a new list, or a new reference to None when
 * the read is not made only of canonical frames, or NULL on error.  *endpos is where the last
 * whole frame ends. */
static PyObject *
parse_frames(const char *base, const char *end, long long max_bulk, Py_ssize_t *endpos)
{
    const char *p = base;
    PyObject *reqs = PyList_New(0);
    if (reqs == NULL)
        return NULL;
    const char *frame = p;
    while (p < end) {
        frame = p;
        if (*p != '*')
            goto bail;
        long long count;
        const char *next;
        int r = read_line_number(p + 1, end, 6, &count, &next);
        if (r < 0 || (r == 1 && count == 0))
            goto bail;
        if (r == 0)
            goto cut;
        p = next;
        if (count > (end - p) / 6) /* each element takes 6 bytes at least: "$0\r\n\r\n" */
            goto cut;              /* so the frame is cut: no list of that size for it */
        PyObject *req = PyList_New((Py_ssize_t)count);
        if (req == NULL)
            goto fail;
        for (long long i = 0; i < count; i++) {
            if (p == end) {
                Py_DECREF(req);
                goto cut;
            }
            if (*p != '$') {
                Py_DECREF(req);
                goto bail;
            }
            long long len;
            r = read_line_number(p + 1, end, 18, &len, &next);
            if (r < 0 || (r == 1 && len > max_bulk)) {
                Py_DECREF(req);
                goto bail;
            }
            if (r == 0 || end - next < len + 2) {
                Py_DECREF(req);
                goto cut;
            }
            if (next[len] != '\r' || next[len + 1] != '\n') {
                Py_DECREF(req);
                goto bail;
            }
            PyObject *arg = i == 0 ? command_name(next, (Py_ssize_t)len)
                                   : PyBytes_FromStringAndSize(next, (Py_ssize_t)len);
            if (arg == NULL) {
                Py_DECREF(req);
                goto fail;
            }
            PyList_SET_ITEM(req, (Py_ssize_t)i, arg);
            p = next + len + 2;
        }
        if (PyList_Append(reqs, req) < 0) {
            Py_DECREF(req);
            goto fail;
        }
        Py_DECREF(req);
    }
    frame = p;
cut:
    *endpos = (Py_ssize_t)(frame - base);
    return reqs;
bail:
    Py_DECREF(reqs);
    Py_RETURN_NONE;
fail:
    Py_DECREF(reqs);
    return NULL;
}

static PyObject *
parse_requests(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    return call_parser(args, nargs, "parse_requests(data: bytes, max_bulk: int)", parse_frames);
}


/* -- the dispatch loop's fast path (plugredis.protocol.RedisProtocol.run) -------------------- */

static PyObject *str_fast, *str_argv, *str_calls, *str_ready;
static PyObject *reply_ok, *reply_null2, *reply_null3;
static PyObject *simple_type; /* plugredis.resp.SimpleString, given by set_types() */

enum { RUN_DONE, RUN_SLOW, RUN_ARITY, RUN_EXC, RUN_REPLY, RUN_READY, RUN_CHECK };

#define BATCH_OUTPUT_MAX (1024 * 1024)

#define BIG_REPLY 512
#define STACK_ARGS 16

/* Slot offsets of the classes serve() and run_loop() read, given by set_serve_types(); a class
 * that is not the registered one (a subclass) is read through getattr, or served by Python. */
static PyTypeObject *protocol_type, *client_type, *parser_type;
static Py_ssize_t off_p_client, off_p_parser, off_p_pending, off_p_ops, off_p_server,
    off_p_config_gen, off_p_real_clock, off_p_transport, off_p_timed, off_p_fast_dispatch,
    off_p_deferred, off_p_schedule_flush, off_p_fd;
static Py_ssize_t off_c_fast, off_c_argv, off_c_closing, off_c_block_state, off_c_postponed,
    off_c_push_class, off_c_resp3, off_c_last_interaction;
static Py_ssize_t off_r_cut_len, off_r_inline, off_r_error, off_r_max_bulk;
/* CommandSpec.calls, ServerOps's per-read attributes and Blocking.ready (set_serve_types) */
static PyTypeObject *spec_type, *ops_type, *blocking_type;
static Py_ssize_t off_spec_calls, off_o_alert_ns, off_o_batch_ns, off_o_config_gen,
    off_o_obuf_normal, off_b_ready;
/* and those of set_keyspace_types(): Database, Client.db, Server and Stats */
static PyTypeObject *db_type, *twin_client_type, *server_type, *stats_type;
static Py_ssize_t off_c_db, off_d_data, off_d_expires, off_d_server, off_d_watched,
    off_d_waiters, off_d_listeners, off_s_dirty, off_s_stats, off_s_now_ms, off_s_blocking,
    off_st_hits, off_st_misses;
static PyObject *str_config_gen, *str_obuf_normal, *str_now_ms, *str_blocking, *str_batch_ns,
    *str_alert_ns, *str_write;

/* The value in a __slots__ slot (borrowed; NULL when the slot is unset). */
#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static void
slot_set(PyObject *obj, Py_ssize_t off, PyObject *value)
{
    PyObject *old = SLOT(obj, off);
    Py_INCREF(value);
    SLOT(obj, off) = value;
    Py_XDECREF(old);
}

/* The int in obj's slot at off += n; -1 on error */
static int
slot_add(PyObject *obj, Py_ssize_t off, Py_ssize_t n)
{
    PyObject *v = SLOT(obj, off), *sum;
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "a counter that was never set");
        return -1;
    }
    int overflow = 0;
    long long x = PyLong_CheckExact(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : -1;
#if PY_VERSION_HEX < 0x030C0000 && PyLong_SHIFT == 30
    /* An int only this slot refers to cannot be seen by anyone else, so a counter above the
     * small ints (which are shared) is bumped in place where the sum takes as many digits:
     * no new int and no freeing of the old one per request (measured: 190 instructions of a
     * GET's 7000 per counter, of which a GET bumps three).  CPython 3.11's int layout. */
    if (Py_REFCNT(v) == 1 && PyLong_CheckExact(v) && !overflow && x > 256 && n >= 0
        && x < (1LL << 60) - n) {
        unsigned long long y = (unsigned long long)(x + n);
        digit *d = ((PyLongObject *)v)->ob_digit;
        if (Py_SIZE(v) == 1 && y < (1ULL << 30)) {
            d[0] = (digit)y;
            return 0;
        }
        if (Py_SIZE(v) == 2 && y >= (1ULL << 30)) {
            d[0] = (digit)(y & PyLong_MASK);
            d[1] = (digit)(y >> 30);
            return 0;
        }
    }
#endif
    if (PyLong_CheckExact(v) && !overflow && x >= 0 && x < LLONG_MAX - n)
        sum = PyLong_FromLongLong(x + n);
    else {
        PyObject *d = PyLong_FromSsize_t(n);
        sum = d == NULL ? NULL : PyNumber_Add(v, d);
        Py_XDECREF(d);
    }
    if (sum == NULL)
        return -1;
    SLOT(obj, off) = sum;
    Py_DECREF(v);
    return 0;
}

/* obj.name += n for an int attribute; -1 on error */
static int
attr_add(PyObject *obj, PyObject *name, Py_ssize_t n)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    PyObject *d = PyLong_FromSsize_t(n);
    PyObject *sum = d == NULL ? NULL : PyNumber_Add(v, d);
    Py_DECREF(v);
    Py_XDECREF(d);
    if (sum == NULL)
        return -1;
    int r = PyObject_SetAttr(obj, name, sum);
    Py_DECREF(sum);
    return r;
}

/* obj's int counter ``name`` += n: through its slot at ``off`` where obj is a ``type`` (the
 * registered class, or a subclass), else through getattr/setattr; -1 on error */
static int
counter_add(PyObject *obj, PyTypeObject *type, Py_ssize_t off, PyObject *name, Py_ssize_t n)
{
    if (type != NULL && PyObject_TypeCheck(obj, type))
        return slot_add(obj, off, n);
    return attr_add(obj, name, n);
}

/* obj.<name> (a new reference): through its slot at ``off`` where obj is a ``type`` */
static PyObject *
slot_attr(PyObject *obj, PyTypeObject *type, Py_ssize_t off, PyObject *name)
{
    if (type == NULL || !PyObject_TypeCheck(obj, type))
        return PyObject_GetAttr(obj, name);
    PyObject *v = SLOT(obj, off);
    if (v == NULL)
        PyErr_SetObject(PyExc_AttributeError, name);
    return Py_XNewRef(v);
}

/* 1 for a false value that needs no call to tell (False, None, 0, b"", {}), 0 for one that is
 * plainly true or needs PyObject_IsTrue: the caller then takes the general path. */
static int
plainly_false(PyObject *v)
{
    if (v == Py_False || v == Py_None)
        return 1;
    if (PyLong_CheckExact(v))
        return Py_SIZE(v) == 0;
    if (PyBytes_CheckExact(v))
        return PyBytes_GET_SIZE(v) == 0;
    if (PyDict_CheckExact(v))
        return PyDict_GET_SIZE(v) == 0;
    return 0;
}

static PyObject *
run_result(Py_ssize_t i, int code, PyObject *obj)
{
    /* steals obj (may be NULL for None) */
    if (obj == NULL) {
        obj = Py_None;
        Py_INCREF(obj);
    }
    PyObject *index = PyLong_FromSsize_t(i);
    PyObject *result = index == NULL ? NULL : PyTuple_New(3);
    if (result == NULL) {
        Py_XDECREF(index);
        Py_DECREF(obj);
        return NULL;
    }
    PyTuple_SET_ITEM(result, 0, index);
    PyTuple_SET_ITEM(result, 1, PyLong_FromLong(code)); /* a cached small int: cannot fail */
    PyTuple_SET_ITEM(result, 2, obj);
    return result;
}

/* Append a small bytes reply for a simple handler result; 1 if done, 0 if Python must encode
 * it, -1 on error. */
static int
append_simple(PyObject *out, PyObject *reply, PyObject *ok, int resp3, Py_ssize_t *big)
{
    PyObject *enc;
    if (PyBytes_CheckExact(reply)) {
        Py_ssize_t len = PyBytes_GET_SIZE(reply);
        if (len >= BIG_REPLY)
            return 0;
        enc = PyBytes_FromStringAndSize(NULL, len + 5 + digits(len));
        if (enc == NULL)
            return -1;
        write_bulk(PyBytes_AS_STRING(enc), reply);
    }
    else if (reply == ok) {
        enc = reply_ok;
        Py_INCREF(enc);
    }
    else if (PyLong_CheckExact(reply)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(reply, &overflow);
        if (overflow)
            return 0;
        if (v == -1 && PyErr_Occurred())
            return -1;
        char buf[32], *q = buf;
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        char digs[24];
        int nd = 0;
        do {
            digs[nd++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        *q++ = ':';
        if (v < 0)
            *q++ = '-';
        while (nd)
            *q++ = digs[--nd];
        *q++ = '\r';
        *q++ = '\n';
        enc = PyBytes_FromStringAndSize(buf, q - buf);
        if (enc == NULL)
            return -1;
    }
    else if (reply == Py_None) {
        enc = resp3 ? reply_null3 : reply_null2;
        Py_INCREF(enc);
    }
    else if ((PyObject *)Py_TYPE(reply) == simple_type) {
        /* a status reply (+PONG): its bytes hold no CR or LF (SimpleString's contract) */
        Py_ssize_t len = PyBytes_GET_SIZE(reply);
        enc = PyBytes_FromStringAndSize(NULL, len + 3);
        if (enc == NULL)
            return -1;
        char *p = PyBytes_AS_STRING(enc);
        *p++ = '+';
        memcpy(p, PyBytes_AS_STRING(reply), (size_t)len);
        p += len;
        *p++ = '\r';
        *p = '\n';
    }
    else if (PyList_CheckExact(reply)) {
        PyObject *a[1] = {reply};
        enc = bulk_array(NULL, a, 1);
        if (enc == NULL)
            return -1;
        if (enc == Py_None) {
            Py_DECREF(enc);
            return 0;
        }
        if (PyBytes_GET_SIZE(enc) >= BIG_REPLY)
            *big += PyBytes_GET_SIZE(enc);
    }
    else {
        return 0;
    }
    int r = PyList_Append(out, enc);
    Py_DECREF(enc);
    return r < 0 ? -1 : 1;
}

PyDoc_STRVAR(run_fast_doc,
"run_fast(reqs, i, fast, client, out, ok, resp3, blocking) -> (i, code, obj)\n\n"
"Run the requests ``reqs[i:]`` that take the dispatcher's fast path, appending their replies\n"
"to ``out``, and stop at the first that needs Python: ``code`` says why (0 all done, 1 not a\n"
"fast-path command, 2 wrong arity, 3 the handler raised ``obj``, 4 the reply ``obj`` needs the\n"
"generic encoder, 5 blocked clients are ready, 6 array replies passed 1 MB: check the batch's\n"
"output) and ``i`` is the index of that request (its handler has run for 3 to 6).  The\n"
"pure-Python twin is RedisProtocol._run_py.");

PyDoc_STRVAR(set_types_doc,
"set_types(simple_string)\n\n"
"The reply class run_fast encodes as a status reply (plugredis.resp.SimpleString).");

static PyObject *
set_types(PyObject *Py_UNUSED(self), PyObject *arg)
{
    if (!PyType_Check(arg) || !PyType_IsSubtype((PyTypeObject *)arg, &PyBytes_Type)) {
        PyErr_SetString(PyExc_TypeError, "set_types(simple_string: type[bytes])");
        return NULL;
    }
    Py_INCREF(arg);
    Py_XSETREF(simple_type, arg);
    Py_RETURN_NONE;
}

/* Run the fast-path requests reqs[i:] (see run_fast); return the index where the run stopped,
 * with *code why and *obj a new reference (or NULL), or -1 with an exception set. */
static Py_ssize_t
run_loop(PyObject *reqs, Py_ssize_t i, PyObject *fast, PyObject *client, PyObject *out,
         PyObject *ok, int resp3, PyObject *blocking, int *code, PyObject **obj)
{
    PyObject *stack_buf[STACK_ARGS];
    Py_ssize_t big = 0; /* bytes of big array replies appended by this call */
    int slotted = client_type != NULL && Py_TYPE(client) == client_type;
    *obj = NULL;
    for (; i < PyList_GET_SIZE(reqs); i++) {
        PyObject *argv = PyList_GET_ITEM(reqs, i);
        if (!PyList_Check(argv) || PyList_GET_SIZE(argv) == 0)
            goto slow;
        PyObject *entry = PyDict_GetItemWithError(fast, PyList_GET_ITEM(argv, 0));
        if (entry == NULL) {
            if (PyErr_Occurred())
                return -1;
            goto slow;
        }
        int is_fast;
        PyObject *flag = slotted ? SLOT(client, off_c_fast) : NULL;
        if (flag == Py_True)
            is_fast = 1;
        else if (flag == Py_False)
            is_fast = 0;
        else {
            flag = PyObject_GetAttr(client, str_fast);
            if (flag == NULL)
                return -1;
            is_fast = PyObject_IsTrue(flag);
            Py_DECREF(flag);
            if (is_fast < 0)
                return -1;
        }
        if (!is_fast || !PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 4)
            goto slow;
        PyObject *handler = PyTuple_GET_ITEM(entry, 0);
        Py_ssize_t amin = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
        Py_ssize_t amax = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 2));
        if ((amin == -1 || amax == -1) && PyErr_Occurred())
            return -1;
        PyObject *spec = PyTuple_GET_ITEM(entry, 3);
        Py_ssize_t argc = PyList_GET_SIZE(argv);
        if (argc < amin || argc > amax) {
            *code = RUN_ARITY;
            return i;
        }
        if (slotted)
            slot_set(client, off_c_argv, argv);
        else if (PyObject_SetAttr(client, str_argv, argv) < 0)
            return -1;
        if (counter_add(spec, spec_type, off_spec_calls, str_calls, 1) < 0)
            return -1;
        /* handler(client, *argv[1:]) */
        PyObject **stack = stack_buf;
        if (argc > STACK_ARGS) {
            stack = PyMem_Malloc((size_t)argc * sizeof(PyObject *));
            if (stack == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        /* keep the arguments and the handler alive whatever the handler does to them */
        Py_INCREF(argv);
        Py_INCREF(handler);
        stack[0] = client;
        for (Py_ssize_t k = 1; k < argc; k++)
            stack[k] = PyList_GET_ITEM(argv, k);
        PyObject *reply = PyObject_Vectorcall(handler, stack, (size_t)argc, NULL);
        Py_DECREF(handler);
        Py_DECREF(argv);
        if (stack != stack_buf)
            PyMem_Free(stack);
        if (reply == NULL) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            if (tb != NULL && value != NULL)
                PyException_SetTraceback(value, tb);
            Py_XDECREF(type);
            Py_XDECREF(tb);
            *code = RUN_EXC;
            *obj = value;
            return i;
        }
        int r = append_simple(out, reply, ok, resp3, &big);
        if (r < 0) {
            Py_DECREF(reply);
            return -1;
        }
        if (r == 0) {
            *code = RUN_REPLY;
            *obj = reply;
            return i;
        }
        Py_DECREF(reply);
        PyObject *ready = slot_attr(blocking, blocking_type, off_b_ready, str_ready);
        if (ready == NULL)
            return -1;
        int is_ready = plainly_false(ready) ? 0 : PyObject_IsTrue(ready);
        Py_DECREF(ready);
        if (is_ready < 0)
            return -1;
        if (is_ready) {
            *code = RUN_READY;
            return i;
        }
        if (big > BATCH_OUTPUT_MAX) {
            *code = RUN_CHECK;
            return i;
        }
    }
    *code = RUN_DONE;
    return i;
slow:
    *code = RUN_SLOW;
    return i;
}

static PyObject *
run_fast(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8 || !PyList_Check(args[0]) || !PyDict_Check(args[2]) || !PyList_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "run_fast(reqs, i, fast, client, out, ok, resp3, blocking)");
        return NULL;
    }
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    int resp3 = PyObject_IsTrue(args[6]);
    if (resp3 < 0)
        return NULL;
    int code;
    PyObject *obj;
    i = run_loop(args[0], i, args[2], args[3], args[4], args[5], resp3, args[7], &code, &obj);
    if (i < 0)
        return NULL;
    return run_result(i, code, obj);
}


/* -- RedisProtocol.data_received's common case --------------------------------------------- */

static PyObject *ok_reply; /* plugredis.resp.OK, given by set_serve_types() */
static PyObject *parse_lines(const char *base, const char *end, long long max_line,
                             Py_ssize_t *endpos);
#define PROTO_INLINE_MAX_SIZE (64 * 1024) /* plugredis.resp.PROTO_INLINE_MAX_SIZE */

/* b"".join(list) for a list of bytes (the replies of a batch). */
static PyObject *
join_replies(PyObject *list)
{
    Py_ssize_t n = PyList_GET_SIZE(list), total = 0;
    if (n == 1 && PyBytes_CheckExact(PyList_GET_ITEM(list, 0))) {
        PyObject *only = PyList_GET_ITEM(list, 0);
        Py_INCREF(only);
        return only;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *b = PyList_GET_ITEM(list, k);
        if (!PyBytes_Check(b)) {
            PyErr_SetString(PyExc_TypeError, "a reply that is not bytes");
            return NULL;
        }
        total += PyBytes_GET_SIZE(b);
    }
    PyObject *joined = PyBytes_FromStringAndSize(NULL, total);
    if (joined == NULL)
        return NULL;
    char *p = PyBytes_AS_STRING(joined);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *b = PyList_GET_ITEM(list, k);
        memcpy(p, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
        p += PyBytes_GET_SIZE(b);
    }
    return joined;
}

static int
now_ns(long long *t)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    *t = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    return 0;
}

/* Replies written at the end of the loop iteration, as Redis writes them in beforeSleep: a
 * client woken by the first write of the burst is still awake for the next ones, where a write
 * right after each read wakes a sleeping client every time (an interrupt to another CPU, and in
 * a virtual machine an exit: measured by perf, 14% of the server's time under MSET with 50
 * clients, against 4% in Redis).  Each server has its list (the protocol's ``deferred`` slot)
 * of protocol, data, protocol, data...; the protocol's ``schedule_flush`` asks the server's
 * running loop to call flush_writes(deferred) and is false where no loop runs.  Deferring
 * costs a loop callback, which a lone client pays on every read for nothing: after
 * DEFER_SINGLES flushes in a row of one reply each, replies are written at once again, and
 * DEFER_PROBE reads later the deferral is tried again. */
static PyObject *str_is_closing;

/* transport.write(data), is_closing() and get_write_buffer_size() are called once per reply:
 * the methods are looked up once per transport class (uvloop's TCPTransport) and called as
 * functions, where PyObject_CallMethod would look them up through the MRO on every call.
 * Only for a class whose instances have no __dict__ (nothing can shadow the method on one
 * transport) and whose attributes are methods (Py_TPFLAGS_METHOD_DESCRIPTOR: f(obj, x) is
 * obj.f(x)); the class's version tag tells when an assignment to the class makes the lookup
 * stale. */
static PyTypeObject *tr_type;
static unsigned int tr_version;
static PyObject *tr_write, *tr_is_closing, *tr_buffer_size, *str_buffer_size;

static int
transport_methods(PyObject *transport)
{
    PyTypeObject *tp = Py_TYPE(transport);
    if (tp == tr_type && tp->tp_version_tag == tr_version && tr_version != 0)
        return 1;
    if (tp->tp_dictoffset != 0 || !PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG))
        return 0;
    PyObject *w = PyObject_GetAttr((PyObject *)tp, str_write);
    PyObject *c = w == NULL ? NULL : PyObject_GetAttr((PyObject *)tp, str_is_closing);
    PyObject *b = c == NULL ? NULL : PyObject_GetAttr((PyObject *)tp, str_buffer_size);
    if (b == NULL || !PyType_HasFeature(Py_TYPE(w), Py_TPFLAGS_METHOD_DESCRIPTOR)
        || !PyType_HasFeature(Py_TYPE(c), Py_TPFLAGS_METHOD_DESCRIPTOR)
        || !PyType_HasFeature(Py_TYPE(b), Py_TPFLAGS_METHOD_DESCRIPTOR)
        || !PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG)) {
        PyErr_Clear();
        Py_XDECREF(w);
        Py_XDECREF(c);
        Py_XDECREF(b);
        return 0;
    }
    Py_XSETREF(tr_write, w);
    Py_XSETREF(tr_is_closing, c);
    Py_XSETREF(tr_buffer_size, b);
    tr_type = tp; /* compared by address only; the version tag guards against a new class there */
    tr_version = tp->tp_version_tag;
    return 1;
}

/* transport.is_closing(): 1, 0, or -1 with an exception set */
static int
transport_closing(PyObject *transport)
{
    PyObject *r;
    if (transport_methods(transport))
        r = PyObject_Vectorcall(tr_is_closing, &transport, 1, NULL);
    else
        r = PyObject_CallMethodNoArgs(transport, str_is_closing);
    if (r == NULL)
        return -1;
    int t = r == Py_False ? 0 : r == Py_True ? 1 : PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

/* The transport classes (uvloop's) for which a reply may be sent straight to the socket: for
 * them, when the transport is open and holds nothing unsent (get_write_buffer_size() is 0, in
 * uvloop its own buffer and libuv's queue), transport.write(data) does exactly one non-blocking
 * send of data to the socket and buffers the rest; sending it ourselves does the same without
 * uvloop's bookkeeping around the send (measured by perf: a tenth of the server's user time per
 * GET with 50 clients went to UVStream.write around the send).  Whatever is not sent, and any
 * error, goes to transport.write, so uvloop buffers it or reports the error as it would. */
#define DIRECT_TYPES 4
static PyObject *direct_types[DIRECT_TYPES];

PyDoc_STRVAR(set_direct_write_doc,
"set_direct_write(*transport_classes) -> None\n\n"
"The transport classes whose replies may be sent straight to the socket when nothing is\n"
"buffered (uvloop's TCPTransport and UnixTransport); none: always transport.write.");

static PyObject *
set_direct_write(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > DIRECT_TYPES) {
        PyErr_SetString(PyExc_TypeError, "set_direct_write: too many classes");
        return NULL;
    }
    for (Py_ssize_t k = 0; k < nargs; k++)
        if (!PyType_Check(args[k])) {
            PyErr_SetString(PyExc_TypeError, "set_direct_write(*transport_classes: type)");
            return NULL;
        }
    for (Py_ssize_t k = 0; k < DIRECT_TYPES; k++)
        Py_XSETREF(direct_types[k], k < nargs ? Py_NewRef(args[k]) : NULL);
    Py_RETURN_NONE;
}

/* Send data to fd at once if transport allows it (above; ``open``: the caller has just seen
 * is_closing() false): 1 all sent, 0 not sent (or partly, with *sent the bytes sent), -1 with
 * an exception set. */
static int
send_direct(PyObject *transport, PyObject *data, long fd, int open, Py_ssize_t *sent)
{
    *sent = 0;
    if (fd < 0 || !PyBytes_CheckExact(data) || !transport_methods(transport))
        return 0;
    int direct = 0;
    for (int k = 0; k < DIRECT_TYPES && direct_types[k] != NULL; k++)
        direct |= (PyObject *)Py_TYPE(transport) == direct_types[k];
    if (!direct)
        return 0;
    if (!open) {
        int closing = transport_closing(transport);
        if (closing != 0)
            return closing < 0 ? -1 : 0;
    }
    PyObject *r = PyObject_Vectorcall(tr_buffer_size, &transport, 1, NULL);
    if (r == NULL)
        return -1;
    long size = PyLong_CheckExact(r) ? PyLong_AsLong(r) : -1;
    Py_DECREF(r);
    if (size != 0) {
        PyErr_Clear(); /* an overflow is a full buffer too */
        return 0;
    }
    const char *buf = PyBytes_AS_STRING(data);
    Py_ssize_t len = PyBytes_GET_SIZE(data);
    while (*sent < len) {
        ssize_t n = send((int)fd, buf + *sent, (size_t)(len - *sent), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 0; /* EAGAIN, or an error transport.write meets and reports in its own way */
        }
        *sent += n;
        if (n == 0)
            return 0;
    }
    return 1;
}

/* transport.write(data), sent straight to ``fd`` where send_direct may (fd -1: never; ``open``
 * as for send_direct); a new reference to the result, or NULL with an exception set */
static PyObject *
transport_write(PyObject *transport, PyObject *data, long fd, int open)
{
    Py_ssize_t sent;
    int r = send_direct(transport, data, fd, open, &sent);
    if (r != 0)
        return r < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *rest = NULL;
    if (sent > 0) {
        rest = PyBytes_FromStringAndSize(PyBytes_AS_STRING(data) + sent,
                                         PyBytes_GET_SIZE(data) - sent);
        if (rest == NULL)
            return NULL;
        data = rest;
    }
    PyObject *w;
    if (transport_methods(transport)) {
        PyObject *args[2] = {transport, data};
        w = PyObject_Vectorcall(tr_write, args, 2, NULL);
    }
    else
        w = PyObject_CallMethodOneArg(transport, str_write, data);
    Py_XDECREF(rest);
    return w;
}

/* a protocol's socket descriptor (its ``fd`` slot), -1 where unknown */
static long
proto_fd(PyObject *proto)
{
    if (protocol_type == NULL || Py_TYPE(proto) != protocol_type)
        return -1;
    PyObject *v = SLOT(proto, off_p_fd);
    if (v == NULL || !PyLong_CheckExact(v))
        return -1;
    long fd = PyLong_AsLong(v);
    if (fd == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return fd;
}

static int defer_on = 1, defer_singles = 0;
static long defer_probe = 0;
#define DEFER_SINGLES 8
#define DEFER_PROBE 256

PyDoc_STRVAR(flush_writes_doc,
"flush_writes(deferred) -> int\n\n"
"Write the replies serve() deferred to the end of the loop iteration (a server's list of\n"
"protocol, data, ... where a transport may stand for its protocol), in order, and empty the\n"
"list; returns how many.  Every other way of writing to a client calls it first\n"
"(RedisProtocol._write...).");

static PyObject *
flush_writes(PyObject *Py_UNUSED(self), PyObject *deferred)
{
    if (!PyList_CheckExact(deferred)) {
        PyErr_SetString(PyExc_TypeError, "flush_writes(deferred: list)");
        return NULL;
    }
    if (PyList_GET_SIZE(deferred) == 0)
        return PyLong_FromLong(0);
    Py_ssize_t n = PyList_GET_SIZE(deferred);
    PyObject *batch = PyList_GetSlice(deferred, 0, n);
    if (batch == NULL || PyList_SetSlice(deferred, 0, n, NULL) < 0) {
        Py_XDECREF(batch);
        return NULL;
    }
    for (Py_ssize_t k = 0; k + 1 < n; k += 2) {
        PyObject *proto = PyList_GET_ITEM(batch, k), *data = PyList_GET_ITEM(batch, k + 1);
        PyObject *transport = proto;
        long fd = -1;
        if (protocol_type != NULL && Py_TYPE(proto) == protocol_type) {
            transport = SLOT(proto, off_p_transport);
            if (transport == NULL || transport == Py_None) /* the client went away meanwhile */
                continue;
            fd = proto_fd(proto);
        }
        int skip = transport_closing(transport);
        if (skip > 0) /* the client went away meanwhile: nothing to write to */
            continue;
        Py_INCREF(transport);
        PyObject *w = skip < 0 ? NULL : transport_write(transport, data, fd, 1);
        Py_DECREF(transport);
        if (w == NULL) { /* as a failed write in data_received would be: reported, not fatal */
            PyErr_WriteUnraisable(transport);
            continue;
        }
        Py_DECREF(w);
    }
    Py_DECREF(batch);
    if (n == 2) {
        if (++defer_singles >= DEFER_SINGLES) {
            defer_on = 0;
            defer_singles = 0;
        }
    }
    else
        defer_singles = 0;
    return PyLong_FromSsize_t(n / 2);
}

PyDoc_STRVAR(defer_writes_doc,
"defer_writes(on=None) -> bool\n\n"
"Whether serve() defers its writes to the end of the loop iteration now (see flush_writes);\n"
"with ``on``, switch it (the adaptive counts start again).");

static PyObject *
defer_writes(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 1) {
        PyErr_SetString(PyExc_TypeError, "defer_writes(on=None)");
        return NULL;
    }
    int was = defer_on;
    if (nargs == 1 && args[0] != Py_None) {
        int on = PyObject_IsTrue(args[0]);
        if (on < 0)
            return NULL;
        defer_on = on;
        defer_singles = 0;
        defer_probe = 0;
    }
    return PyBool_FromLong(was);
}

/* Write ``joined`` to the protocol's ``transport`` now or at the end of the loop iteration
 * (the server's deferred list then holds the protocol and the data); -1 on error. */
static int
write_reply(PyObject *proto, PyObject *transport, PyObject *joined)
{
    PyObject *deferred = SLOT(proto, off_p_deferred);
    PyObject *schedule_flush = SLOT(proto, off_p_schedule_flush);
    if (!defer_on && ++defer_probe >= DEFER_PROBE) {
        defer_on = 1;
        defer_probe = 0;
    }
    if (defer_on && deferred != NULL && PyList_CheckExact(deferred) && schedule_flush != NULL) {
        int scheduled = 1;
        if (PyList_GET_SIZE(deferred) == 0) {
            PyObject *r = PyObject_CallNoArgs(schedule_flush);
            if (r == NULL)
                return -1;
            scheduled = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (scheduled < 0)
                return -1;
        }
        if (scheduled)
            return PyList_Append(deferred, proto) < 0 || PyList_Append(deferred, joined) < 0
                       ? -1
                       : 0;
    }
    Py_INCREF(transport);
    PyObject *w = transport_write(transport, joined, proto_fd(proto), 0);
    Py_DECREF(transport);
    if (w == NULL)
        return -1;
    Py_DECREF(w);
    return 0;
}

PyDoc_STRVAR(serve_doc,
"serve(protocol, data) -> None | False | (reqs, i, code, obj, out, t0)\n\n"
"RedisProtocol.data_received's common case in one call: a read of whole canonical frames (or\n"
"of plain inline lines) for\n"
"a client in the plain state (not closing, blocked, paused or with pending requests; parser at\n"
"a frame boundary; real clock).  It stamps the time, runs the\n"
"fast-path requests as run_fast does, accounts the batch and writes the replies (at the end of\n"
"the loop iteration: see flush_writes): None.\n"
"False: nothing was done, the Python path serves the read.  A tuple: the requests ran up to\n"
"reqs[i], which needs Python for ``code`` (run_fast's codes; 0: all ran, the Python tail\n"
"finishes), with the replies so far in ``out`` and the batch's start time ``t0``.");

/* The int of the time in ms (a new reference): the same object for the reads of one ms. */
static PyObject *
now_ms_int(long long ms)
{
    static PyObject *last;
    static long long last_ms = -1;
    if (ms != last_ms || last == NULL) {
        PyObject *v = PyLong_FromLongLong(ms);
        if (v == NULL)
            return NULL;
        Py_XSETREF(last, v);
        last_ms = ms;
    }
    return Py_NewRef(last);
}

static PyObject *
serve(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "serve(protocol, data)");
        return NULL;
    }
    PyObject *proto = args[0], *data = args[1];
    if (protocol_type == NULL || Py_TYPE(proto) != protocol_type || !PyBytes_CheckExact(data)
        || PyBytes_GET_SIZE(data) == 0 || PyBytes_AS_STRING(data)[0] == '$')
        Py_RETURN_FALSE;
    int inline_read = PyBytes_AS_STRING(data)[0] != '*';
    PyObject *client = SLOT(proto, off_p_client), *parser = SLOT(proto, off_p_parser);
    PyObject *pending = SLOT(proto, off_p_pending), *ops = SLOT(proto, off_p_ops);
    PyObject *server = SLOT(proto, off_p_server), *fast = SLOT(proto, off_p_fast_dispatch);
    PyObject *gen = SLOT(proto, off_p_config_gen), *transport = SLOT(proto, off_p_transport);
    if (client == NULL || Py_TYPE(client) != client_type || parser == NULL
        || Py_TYPE(parser) != parser_type || pending == NULL || ops == NULL || server == NULL
        || fast == NULL || !PyDict_CheckExact(fast) || gen == NULL || transport == NULL
        || transport == Py_None || SLOT(proto, off_p_real_clock) != Py_True
        || SLOT(proto, off_p_timed) != Py_False)
        Py_RETURN_FALSE;
    Py_ssize_t npending = PyObject_Size(pending);
    if (npending < 0)
        return NULL;
    PyObject *v;
    if (npending || SLOT(client, off_c_closing) != Py_False
        || SLOT(client, off_c_block_state) != Py_None
        || SLOT(client, off_c_postponed) != Py_False
        || (v = SLOT(parser, off_r_cut_len)) == NULL || !plainly_false(v)
        || (v = SLOT(parser, off_r_inline)) == NULL || !plainly_false(v)
        || SLOT(parser, off_r_error) != Py_None || SLOT(client, off_c_resp3) == NULL
        || (v = SLOT(parser, off_r_max_bulk)) == NULL || !PyLong_CheckExact(v))
        Py_RETURN_FALSE;
    long long max_bulk = PyLong_AsLongLong(v);
    if (max_bulk == -1 && PyErr_Occurred())
        return NULL;
    PyObject *ops_gen = slot_attr(ops, ops_type, off_o_config_gen, str_config_gen);
    if (ops_gen == NULL)
        return NULL;
    int same = ops_gen == gen ? 1 : PyObject_RichCompareBool(ops_gen, gen, Py_EQ);
    Py_DECREF(ops_gen);
    if (same <= 0)
        return same < 0 ? NULL : Py_NewRef(Py_False);

    Py_ssize_t endpos = 0;
    const char *base = PyBytes_AS_STRING(data);
    PyObject *reqs = inline_read ? parse_lines(base, base + PyBytes_GET_SIZE(data),
                                               PROTO_INLINE_MAX_SIZE, &endpos)
                                 : parse_frames(base, base + PyBytes_GET_SIZE(data), max_bulk,
                                                &endpos);
    if (reqs == NULL)
        return NULL;
    if (reqs == Py_None || endpos != PyBytes_GET_SIZE(data) || PyList_GET_SIZE(reqs) == 0) {
        Py_DECREF(reqs); /* the Python path reads it (a cut frame, an inline command...) */
        Py_RETURN_FALSE;
    }
    long long t0, t1;
    if (now_ns(&t0) < 0) {
        Py_DECREF(reqs);
        Py_RETURN_FALSE;
    }
    /* from here on, what the handlers do may drop the protocol's references: hold them */
    PyObject *out = NULL, *blocking = NULL, *obj = NULL, *result = NULL;
    Py_INCREF(client);
    Py_INCREF(fast);
    Py_INCREF(server);
    Py_INCREF(ops);
    PyObject *now = now_ms_int(t0 / 1000000);
    int slotted = server_type != NULL && PyObject_TypeCheck(server, server_type);
    if (now == NULL || (slotted ? (slot_set(server, off_s_now_ms, now), 0)
                                : PyObject_SetAttr(server, str_now_ms, now)) < 0)
        goto done;
    slot_set(client, off_c_last_interaction, now);
    blocking = slot_attr(server, server_type, off_s_blocking, str_blocking);
    out = PyList_New(0);
    if (blocking == NULL || out == NULL)
        goto done;
    v = SLOT(client, off_c_resp3);
    int resp3 = v == Py_True ? 1 : v == Py_False ? 0 : PyObject_IsTrue(v);
    if (resp3 < 0)
        goto done;
    int code;
    Py_ssize_t i = run_loop(reqs, 0, fast, client, out, ok_reply, resp3, blocking, &code, &obj);
    if (i < 0)
        goto done;
    /* the common tail; anything else goes to Python's (_ran), which does it all: that is where
     * a client with output-buffer limits (a pub/sub client, or obuf_normal) is written to */
    transport = SLOT(proto, off_p_transport);
    if (code != RUN_DONE || now_ns(&t1) < 0 || transport == NULL || transport == Py_None
        || SLOT(proto, off_p_timed) != Py_False || SLOT(client, off_c_closing) != Py_False
        || SLOT(parser, off_r_error) != Py_None || (v = SLOT(client, off_c_push_class)) == NULL
        || !plainly_false(v) || (npending = PyObject_Size(pending)) != 0)
        goto python_tail;
    PyObject *alert = slot_attr(ops, ops_type, off_o_alert_ns, str_alert_ns);
    if (alert == NULL)
        goto done;
    long long alert_ns = PyLong_AsLongLong(alert);
    Py_DECREF(alert);
    if (alert_ns == -1 && PyErr_Occurred())
        goto done;
    if (t1 - t0 >= alert_ns)
        goto python_tail;
    v = slot_attr(ops, ops_type, off_o_obuf_normal, str_obuf_normal);
    if (v == NULL)
        goto done;
    int limited = plainly_false(v) ? 0 : PyObject_IsTrue(v);
    Py_DECREF(v);
    if (limited)
        goto python_tail_or_error;
    int r = counter_add(ops, ops_type, off_o_batch_ns, str_batch_ns, (Py_ssize_t)(t1 - t0));
    if (r < 0)
        goto done;
    if (PyList_GET_SIZE(out)) {
        PyObject *joined = join_replies(out);
        if (joined == NULL)
            goto done;
        r = write_reply(proto, transport, joined);
        Py_DECREF(joined);
        if (r < 0)
            goto done;
    }
    result = Py_NewRef(Py_None);
    goto done;
python_tail_or_error:
    if (PyErr_Occurred())
        goto done;
python_tail:
    if (obj == NULL)
        obj = Py_NewRef(Py_None);
    result = Py_BuildValue("(OniOOL)", reqs, i, code, obj, out, t0);
done:
    Py_XDECREF(obj);
    Py_XDECREF(now);
    Py_XDECREF(out);
    Py_XDECREF(blocking);
    Py_DECREF(reqs);
    Py_DECREF(ops);
    Py_DECREF(server);
    Py_DECREF(fast);
    Py_DECREF(client);
    return result;
}

/* RedisProtocol.data_received where the C helpers were built: serve(), and Python for what
 * it hands back (protocol._read for a read it did not take, protocol._serve_rest for a run
 * stopped at a request that needs Python). */
static PyObject *str_read, *str_serve_rest;

static PyObject *
data_received(PyObject *proto, PyObject *data)
{
    PyObject *args[2] = {proto, data};
    PyObject *done = serve(NULL, args, 2), *r;
    if (done == NULL || done == Py_None)
        return done;
    if (done == Py_False)
        r = PyObject_CallMethodOneArg(proto, str_read, data);
    else {
        PyObject *rest = PyObject_GetAttr(proto, str_serve_rest);
        r = rest == NULL ? NULL : PyObject_Call(rest, done, NULL);
        Py_XDECREF(rest);
    }
    Py_DECREF(done);
    return r;
}

static PyMethodDef data_received_def = {
    "data_received", data_received, METH_O,
    "data_received(data): serve() the read, or hand it to Python (_read, _serve_rest)."};

PyDoc_STRVAR(data_received_method_doc,
"data_received_method(protocol_class) -> method descriptor\n\n"
"A C ``data_received`` for RedisProtocol: serve() the read, and call the protocol's\n"
"``_read(data)`` for a read it did not take, ``_serve_rest(*result)`` for a run it stopped.");

static PyObject *
data_received_method(PyObject *Py_UNUSED(self), PyObject *cls)
{
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "data_received_method(protocol_class)");
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &data_received_def);
}

/* The offset of the __slots__ slot ``name`` of ``type``. */
static int
slot_offset(PyObject *type, const char *name, Py_ssize_t *offset)
{
    PyObject *descr = PyObject_GetAttrString(type, name);
    if (descr == NULL)
        return -1;
    if (Py_TYPE(descr) != &PyMemberDescr_Type
        || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a __slots__ slot", type, name);
        Py_DECREF(descr);
        return -1;
    }
    *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    return 0;
}

PyDoc_STRVAR(set_serve_types_doc,
"set_serve_types(protocol_class, client_class, parser_class, ok, spec_class, ops_class,\n"
"                blocking_class)\n\n"
"The classes serve() and run_fast() read the slots of (RedisProtocol, Client, RequestParser,\n"
"CommandSpec, ServerOps, Blocking) and the ``+OK`` reply object (plugredis.resp.OK).");

static PyObject *
set_serve_types(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyType_Check(args[2])
        || !PyType_Check(args[4]) || !PyType_Check(args[5]) || !PyType_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError,
                        "set_serve_types(protocol_class, client_class, parser_class, ok, "
                        "spec_class, ops_class, blocking_class)");
        return NULL;
    }
    PyObject *p = args[0], *c = args[1], *r = args[2], *sp = args[4], *o = args[5], *b = args[6];
    if (slot_offset(p, "client", &off_p_client) < 0 || slot_offset(p, "parser", &off_p_parser) < 0
        || slot_offset(p, "pending", &off_p_pending) < 0 || slot_offset(p, "ops", &off_p_ops) < 0
        || slot_offset(p, "server", &off_p_server) < 0
        || slot_offset(p, "config_gen", &off_p_config_gen) < 0
        || slot_offset(p, "real_clock", &off_p_real_clock) < 0
        || slot_offset(p, "transport", &off_p_transport) < 0
        || slot_offset(p, "timed", &off_p_timed) < 0
        || slot_offset(p, "fast_dispatch", &off_p_fast_dispatch) < 0
        || slot_offset(p, "deferred", &off_p_deferred) < 0
        || slot_offset(p, "schedule_flush", &off_p_schedule_flush) < 0
        || slot_offset(p, "fd", &off_p_fd) < 0
        || slot_offset(c, "fast", &off_c_fast) < 0 || slot_offset(c, "argv", &off_c_argv) < 0
        || slot_offset(c, "closing", &off_c_closing) < 0
        || slot_offset(c, "block_state", &off_c_block_state) < 0
        || slot_offset(c, "postponed", &off_c_postponed) < 0
        || slot_offset(c, "push_class", &off_c_push_class) < 0
        || slot_offset(c, "resp3", &off_c_resp3) < 0
        || slot_offset(c, "last_interaction", &off_c_last_interaction) < 0
        || slot_offset(r, "_cut_len", &off_r_cut_len) < 0
        || slot_offset(r, "_inline", &off_r_inline) < 0
        || slot_offset(r, "error", &off_r_error) < 0
        || slot_offset(r, "max_bulk", &off_r_max_bulk) < 0
        || slot_offset(sp, "calls", &off_spec_calls) < 0
        || slot_offset(o, "alert_ns", &off_o_alert_ns) < 0
        || slot_offset(o, "batch_ns", &off_o_batch_ns) < 0
        || slot_offset(o, "config_gen", &off_o_config_gen) < 0
        || slot_offset(o, "obuf_normal", &off_o_obuf_normal) < 0
        || slot_offset(b, "ready", &off_b_ready) < 0)
        return NULL;
    Py_INCREF(sp);
    Py_XSETREF(spec_type, (PyTypeObject *)sp);
    Py_INCREF(o);
    Py_XSETREF(ops_type, (PyTypeObject *)o);
    Py_INCREF(b);
    Py_XSETREF(blocking_type, (PyTypeObject *)b);
    Py_INCREF(p);
    Py_XSETREF(protocol_type, (PyTypeObject *)p);
    Py_INCREF(c);
    Py_XSETREF(client_type, (PyTypeObject *)c);
    Py_INCREF(r);
    Py_XSETREF(parser_type, (PyTypeObject *)r);
    Py_INCREF(args[3]);
    Py_XSETREF(ok_reply, args[3]);
    Py_RETURN_NONE;
}


static int
is_c_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

PyDoc_STRVAR(parse_inline_doc,
"parse_inline(data, max_line) -> (requests, pos)\n\n"
"The inline commands at the start of ``data``: whole lines (up to LF) without quotes or NUL\n"
"bytes and at most max_line long, split at ASCII whitespace like ``bytes.split()`` (blank lines\n"
"give no request).  Stops at ``pos``: the end, a '*' starting a frame, an unfinished line, or a\n"
"line the caller's Python parser must read (quotes, NUL, too long).");

/* The plain inline lines at the start of [base, end) (see parse_inline): a new list, with *endpos
 * where the first line it leaves to Python starts; NULL on error. */
static PyObject *
parse_lines(const char *base, const char *end, long long max_line, Py_ssize_t *endpos)
{
    const char *p = base;
    PyObject *reqs = PyList_New(0);
    if (reqs == NULL)
        return NULL;
    while (p < end && *p != '*') {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL || nl - p > max_line)
            break;
        int plain = 1;
        for (const char *q = p; q < nl; q++) {
            if (*q == '"' || *q == '\'' || *q == '\0') {
                plain = 0;
                break;
            }
        }
        if (!plain)
            break;
        PyObject *req = PyList_New(0);
        if (req == NULL)
            goto fail;
        const char *q = p;
        while (q < nl) {
            while (q < nl && is_c_space(*q))
                q++;
            if (q == nl)
                break;
            const char *w = q;
            while (q < nl && !is_c_space(*q))
                q++;
            PyObject *arg = PyBytes_FromStringAndSize(w, q - w);
            if (arg == NULL || PyList_Append(req, arg) < 0) {
                Py_XDECREF(arg);
                Py_DECREF(req);
                goto fail;
            }
            Py_DECREF(arg);
        }
        if (PyList_GET_SIZE(req) && PyList_Append(reqs, req) < 0) {
            Py_DECREF(req);
            goto fail;
        }
        Py_DECREF(req);
        p = nl + 1;
    }
    *endpos = (Py_ssize_t)(p - base);
    return reqs;
fail:
    Py_DECREF(reqs);
    return NULL;
}

static PyObject *
parse_inline(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    return call_parser(args, nargs, "parse_inline(data: bytes, max_line: int)", parse_lines);
}

/* -- C twins of the hottest command handlers ----------------------------------------------- */

/* A twin is called exactly as its Python handler, fallback(client, *args), and gives the same
 * reply and the same effects.  It does the common case in C and calls the handler for anything
 * else (a key with a TTL, a value that is not plain bytes, a watched or waited-on key, key
 * listeners, a class that is not the registered one...), before it has changed anything.  The
 * fast path calls it in the handler's place (CommandSpec.fast_handler). */
static PyObject *str_stats, *str_dirty, *str_keyspace_hits, *str_keyspace_misses;

enum {
    TWIN_GET,
    TWIN_SET,
    TWIN_MSET,
    TWIN_INCR,
    TWIN_DECR,
    TWIN_LPUSH,
    TWIN_RPUSH,
    TWIN_LPOP,
    TWIN_RPOP,
    TWIN_HSET,
    TWIN_KINDS
};
static const char *twin_names[TWIN_KINDS] = {"get",   "set",   "mset", "incr", "decr",
                                             "lpush", "rpush", "lpop", "rpop", "hset"};
static PyObject *str_append, *str_appendleft, *str_extend, *str_extendleft, *str_pop,
    *str_popleft;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int kind;
    PyObject *fallback;
    /* the value type of the list and hash twins, and for HSET its slots ``ht`` and ``version`` */
    PyTypeObject *pytype;
    Py_ssize_t off_ht, off_version;
} TwinObject;

/* server.dirty += n */
static int
count_dirty(PyObject *server, Py_ssize_t n)
{
    return counter_add(server, server_type, off_s_dirty, str_dirty, n);
}

/* server.stats.<name> += 1 (hit: keyspace_hits, else keyspace_misses) */
static int
count_stat(PyObject *db, int hit)
{
    PyObject *stats = slot_attr(SLOT(db, off_d_server), server_type, off_s_stats, str_stats);
    if (stats == NULL)
        return -1;
    int r = counter_add(stats, stats_type, hit ? off_st_hits : off_st_misses,
                        hit ? str_keyspace_hits : str_keyspace_misses, 1);
    Py_DECREF(stats);
    return r;
}

/* 1 when key has a TTL in db (a dict of expiry times), 0 when not, -1 on error */
static int
has_ttl(PyObject *expires, PyObject *key)
{
    if (PyDict_GET_SIZE(expires) == 0)
        return 0;
    int r = PyDict_Contains(expires, key);
    return r;
}

/* 1 when a write to db needs signal_modified's Python side (WATCH, blocked clients, listeners) */
static int
db_watched(PyObject *db)
{
    PyObject *w = SLOT(db, off_d_watched), *b = SLOT(db, off_d_waiters);
    PyObject *l = SLOT(db, off_d_listeners);
    return w == NULL || b == NULL || l == NULL || !PyDict_CheckExact(w) || !PyDict_CheckExact(b)
           || !PyList_CheckExact(l) || PyDict_GET_SIZE(w) || PyDict_GET_SIZE(b)
           || PyList_GET_SIZE(l);
}

/* The canonical decimal spelling of a counter under 10**18 (as _incr's fast check), or -1. */
static long long
small_counter(PyObject *b)
{
    Py_ssize_t n = PyBytes_GET_SIZE(b);
    const char *s = PyBytes_AS_STRING(b);
    if (n == 0 || n >= 19 || (s[0] == '0' && n > 1))
        return -1;
    long long v = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/* The value at key for a list or hash twin: borrowed, NULL (*absent set) when there is none,
 * NULL (*absent 0) for the Python handler (a TTL, a packed or other value), NULL with an
 * exception on error. */
static PyObject *
twin_value(TwinObject *t, PyObject *data, PyObject *expires, PyObject *key, int *absent)
{
    *absent = 0;
    PyObject *v = PyDict_GetItemWithError(data, key);
    if (v == NULL) {
        *absent = !PyErr_Occurred();
        return NULL;
    }
    int ttl = has_ttl(expires, key);
    if (ttl != 0 || Py_TYPE(v) != t->pytype)
        return NULL;
    return v;
}

/* The twin's work: 1 with *reply set, 0 for the Python handler, -1 on error. */
static int
twin_run(TwinObject *t, PyObject *const *args, Py_ssize_t nargs, PyObject **reply)
{
    int kind = t->kind, absent;
    PyObject *db = SLOT(args[0], off_c_db);
    if (db == NULL || Py_TYPE(db) != db_type)
        return 0;
    PyObject *data = SLOT(db, off_d_data), *expires = SLOT(db, off_d_expires);
    if (data == NULL || expires == NULL || !PyDict_CheckExact(data)
        || !PyDict_CheckExact(expires) || SLOT(db, off_d_server) == NULL)
        return 0;
    for (Py_ssize_t k = 1; k < nargs; k++)
        if (!PyBytes_CheckExact(args[k]))
            return 0;
    PyObject *key = nargs > 1 ? args[1] : NULL;
    int ttl;
    switch (kind) {
    case TWIN_GET: { /* Database.lookup_read(key, bytes) */
        if (nargs != 2)
            return 0;
        PyObject *v = PyDict_GetItemWithError(data, key);
        if (v == NULL) {
            if (PyErr_Occurred() || count_stat(db, 0) < 0)
                return -1;
            *reply = Py_NewRef(Py_None);
            return 1;
        }
        if ((ttl = has_ttl(expires, key)) != 0 || !PyBytes_CheckExact(v))
            return ttl < 0 ? -1 : 0;
        Py_INCREF(v);
        if (count_stat(db, 1) < 0) {
            Py_DECREF(v);
            return -1;
        }
        *reply = v;
        return 1;
    }
    case TWIN_SET:   /* SET key value: Database.set without a TTL to keep */
    case TWIN_MSET: { /* Database.set_many */
        if ((kind == TWIN_SET && nargs != 3) || (kind == TWIN_MSET && (nargs < 3 || nargs % 2 == 0))
            || db_watched(db))
            return 0;
        for (Py_ssize_t k = 1; k + 1 < nargs; k += 2) {
            if (PyDict_SetItem(data, args[k], args[k + 1]) < 0)
                return -1;
            if ((ttl = has_ttl(expires, args[k])) < 0
                || (ttl && PyDict_DelItem(expires, args[k]) < 0))
                return -1;
        }
        if (count_dirty(SLOT(db, off_d_server), (nargs - 1) / 2) < 0)
            return -1;
        *reply = Py_NewRef(ok_reply);
        return 1;
    }
    case TWIN_INCR:
    case TWIN_DECR: { /* _incr(ctx, key, +1 or -1) for a counter under 10**18 */
        if (nargs != 2 || db_watched(db))
            return 0;
        PyObject *old = PyDict_GetItemWithError(data, key);
        long long v = 0;
        if (old == NULL && PyErr_Occurred())
            return -1;
        if (old != NULL) {
            if ((ttl = has_ttl(expires, key)) != 0 || !PyBytes_CheckExact(old))
                return ttl < 0 ? -1 : 0;
            if ((v = small_counter(old)) < 0)
                return 0;
        }
        v += kind == TWIN_INCR ? 1 : -1;
        PyObject *num = PyLong_FromLongLong(v);
        char buf[24];
        int len = snprintf(buf, sizeof buf, "%lld", v);
        PyObject *text = num == NULL ? NULL : PyBytes_FromStringAndSize(buf, len);
        if (text == NULL || PyDict_SetItem(data, key, text) < 0
            || count_dirty(SLOT(db, off_d_server), 1) < 0) {
            Py_XDECREF(num);
            Py_XDECREF(text);
            return -1;
        }
        Py_DECREF(text);
        *reply = num;
        return 1;
    }
    case TWIN_LPUSH:
    case TWIN_RPUSH: { /* lpush/rpush onto an existing list */
        if (nargs < 3 || db_watched(db))
            return 0;
        PyObject *lst = twin_value(t, data, expires, key, &absent);
        if (lst == NULL)
            return PyErr_Occurred() ? -1 : 0; /* a new list: the handler creates it */
        Py_INCREF(lst);
        PyObject *r;
        if (nargs == 3)
            r = PyObject_CallMethodOneArg(lst, kind == TWIN_LPUSH ? str_appendleft : str_append,
                                          args[2]);
        else {
            PyObject *elements = PyTuple_New(nargs - 2);
            if (elements == NULL) {
                Py_DECREF(lst);
                return -1;
            }
            for (Py_ssize_t k = 2; k < nargs; k++)
                PyTuple_SET_ITEM(elements, k - 2, Py_NewRef(args[k]));
            r = PyObject_CallMethodOneArg(lst, kind == TWIN_LPUSH ? str_extendleft : str_extend,
                                          elements);
            Py_DECREF(elements);
        }
        Py_ssize_t n = r == NULL ? -1 : PyObject_Size(lst);
        Py_XDECREF(r);
        Py_DECREF(lst);
        if (n < 0 || count_dirty(SLOT(db, off_d_server), 1) < 0)
            return -1;
        *reply = PyLong_FromSsize_t(n);
        return *reply == NULL ? -1 : 1;
    }
    case TWIN_LPOP:
    case TWIN_RPOP: { /* lpop/rpop without a count, from a list that is not left empty */
        if (nargs != 2)
            return 0;
        PyObject *lst = twin_value(t, data, expires, key, &absent);
        if (lst == NULL) {
            if (PyErr_Occurred())
                return -1;
            if (absent)
                *reply = Py_NewRef(Py_None);
            return absent;
        }
        Py_ssize_t n = PyObject_Size(lst);
        if (n < 0)
            return -1;
        if (n < 2 || db_watched(db))
            return 0;
        PyObject *v = PyObject_CallMethodNoArgs(lst, kind == TWIN_LPOP ? str_popleft : str_pop);
        if (v == NULL)
            return -1;
        if (count_dirty(SLOT(db, off_d_server), 1) < 0) {
            Py_DECREF(v);
            return -1;
        }
        *reply = v;
        return 1;
    }
    case TWIN_HSET: { /* HSET on an existing hash in the hashtable encoding (no conversion) */
        if (nargs < 4 || nargs % 2 || db_watched(db))
            return 0;
        PyObject *h = twin_value(t, data, expires, key, &absent);
        if (h == NULL)
            return PyErr_Occurred() ? -1 : 0;
        if (SLOT(h, t->off_ht) != Py_True || SLOT(h, t->off_version) == NULL)
            return 0;
        Py_ssize_t before = PyDict_GET_SIZE(h);
        for (Py_ssize_t k = 2; k + 1 < nargs; k += 2)
            if (PyDict_SetItem(h, args[k], args[k + 1]) < 0)
                return -1;
        if (slot_add(h, t->off_version, 1) < 0 || count_dirty(SLOT(db, off_d_server), 1) < 0)
            return -1;
        *reply = PyLong_FromSsize_t(PyDict_GET_SIZE(h) - before);
        return *reply == NULL ? -1 : 1;
    }
    }
    return 0;
}

static PyObject *
twin_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    TwinObject *t = (TwinObject *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames == NULL && nargs >= 1 && db_type != NULL && ok_reply != NULL
        && Py_TYPE(args[0]) == twin_client_type) {
        PyObject *reply = NULL;
        int r = twin_run(t, args, nargs, &reply);
        if (r < 0)
            return NULL;
        if (r > 0)
            return reply;
    }
    return PyObject_Vectorcall(t->fallback, args, nargsf, kwnames);
}

static int
twin_traverse(TwinObject *t, visitproc visit, void *arg)
{
    Py_VISIT(t->fallback);
    Py_VISIT(t->pytype);
    return 0;
}

static int
twin_clear(TwinObject *t)
{
    Py_CLEAR(t->fallback);
    Py_CLEAR(t->pytype);
    return 0;
}

static void
twin_dealloc(TwinObject *t)
{
    PyObject_GC_UnTrack(t);
    twin_clear(t);
    PyObject_GC_Del(t);
}

static PyObject *
twin_repr(TwinObject *t)
{
    return PyUnicode_FromFormat("<C twin %s of %R>", twin_names[t->kind], t->fallback);
}

static PyMemberDef twin_members[] = {
    {"__wrapped__", T_OBJECT, offsetof(TwinObject, fallback), READONLY,
     "the Python handler it stands for"},
    {NULL},
};

static PyTypeObject TwinType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "plugredis._speedups.Twin",
    .tp_basicsize = sizeof(TwinObject),
    .tp_dealloc = (destructor)twin_dealloc,
    .tp_vectorcall_offset = offsetof(TwinObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = (reprfunc)twin_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A C twin of a command handler (see twin()).",
    .tp_traverse = (traverseproc)twin_traverse,
    .tp_clear = (inquiry)twin_clear,
    .tp_members = twin_members,
};

PyDoc_STRVAR(twin_doc,
"twin(kind, handler, value_type=None) -> callable\n\n"
"A C twin of the command handler ``handler``: called as it is, ``(client, *args)``, with the\n"
"same reply and effects; it does the common case in C and calls ``handler`` for the rest.\n"
"``kind`` names what it twins: 'get', 'set' (SET key value), 'mset', 'incr', 'decr'; and,\n"
"given the value type (a deque subclass for lists, a dict subclass with the slots ``ht`` and\n"
"``version`` for hashes): 'lpush', 'rpush', 'lpop', 'rpop', 'hset'.  Until\n"
"set_keyspace_types() has registered Database it always calls ``handler``.");

static PyObject *
twin(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 2 || nargs > 3 || !PyUnicode_Check(args[0]) || !PyCallable_Check(args[1])
        || (nargs == 3 && args[2] != Py_None && !PyType_Check(args[2]))) {
        PyErr_SetString(PyExc_TypeError, "twin(kind: str, handler, value_type=None)");
        return NULL;
    }
    PyObject *vt = nargs == 3 && args[2] != Py_None ? args[2] : NULL;
    int kind = -1;
    for (int k = 0; k < TWIN_KINDS; k++)
        if (PyUnicode_CompareWithASCIIString(args[0], twin_names[k]) == 0)
            kind = k;
    if (kind < 0) {
        PyErr_Format(PyExc_ValueError, "no C twin %R", args[0]);
        return NULL;
    }
    int needs_type = kind >= TWIN_LPUSH;
    Py_ssize_t off_ht = 0, off_version = 0;
    if (needs_type != (vt != NULL)) {
        PyErr_Format(PyExc_TypeError, "the C twin %R %s a value type", args[0],
                     needs_type ? "needs" : "takes no");
        return NULL;
    }
    if (kind == TWIN_HSET
        && (!PyType_IsSubtype((PyTypeObject *)vt, &PyDict_Type)
            || slot_offset(vt, "ht", &off_ht) < 0 || slot_offset(vt, "version", &off_version) < 0))
        return PyErr_Occurred() ? NULL
                                : PyErr_Format(PyExc_TypeError, "a hash type is a dict subclass");
    TwinObject *t = PyObject_GC_New(TwinObject, &TwinType);
    if (t == NULL)
        return NULL;
    t->vectorcall = twin_vectorcall;
    t->kind = kind;
    t->fallback = Py_NewRef(args[1]);
    t->pytype = (PyTypeObject *)Py_XNewRef(vt);
    t->off_ht = off_ht;
    t->off_version = off_version;
    PyObject_GC_Track(t);
    return (PyObject *)t;
}

PyDoc_STRVAR(set_keyspace_types_doc,
"set_keyspace_types(database_class, client_class, server_class, stats_class)\n\n"
"The classes the C twins (and serve) read the slots of: plugredis.keyspace.Database, Client\n"
"(its ``db``), Server (``dirty``, ``stats``, ``now_ms``, ``blocking``) and Stats.");

static PyObject *
set_keyspace_types(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyType_Check(args[2])
        || !PyType_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError,
                        "set_keyspace_types(database_class, client_class, server_class, "
                        "stats_class)");
        return NULL;
    }
    PyObject *d = args[0], *sv = args[2], *st = args[3];
    if (slot_offset(d, "data", &off_d_data) < 0 || slot_offset(d, "expires", &off_d_expires) < 0
        || slot_offset(d, "server", &off_d_server) < 0
        || slot_offset(d, "watched", &off_d_watched) < 0
        || slot_offset(d, "waiters", &off_d_waiters) < 0
        || slot_offset(d, "listeners", &off_d_listeners) < 0
        || slot_offset(args[1], "db", &off_c_db) < 0
        || slot_offset(sv, "dirty", &off_s_dirty) < 0 || slot_offset(sv, "stats", &off_s_stats) < 0
        || slot_offset(sv, "now_ms", &off_s_now_ms) < 0
        || slot_offset(sv, "blocking", &off_s_blocking) < 0
        || slot_offset(st, "keyspace_hits", &off_st_hits) < 0
        || slot_offset(st, "keyspace_misses", &off_st_misses) < 0)
        return NULL;
    Py_INCREF(args[1]);
    Py_XSETREF(twin_client_type, (PyTypeObject *)args[1]);
    Py_INCREF(d);
    Py_XSETREF(db_type, (PyTypeObject *)d);
    Py_INCREF(sv);
    Py_XSETREF(server_type, (PyTypeObject *)sv);
    Py_INCREF(st);
    Py_XSETREF(stats_type, (PyTypeObject *)st);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bulk_array", (PyCFunction)(void (*)(void))bulk_array, METH_FASTCALL, bulk_array_doc},
    {"parse_requests", (PyCFunction)(void (*)(void))parse_requests, METH_FASTCALL,
     parse_requests_doc},
    {"run_fast", (PyCFunction)(void (*)(void))run_fast, METH_FASTCALL, run_fast_doc},
    {"set_types", set_types, METH_O, set_types_doc},
    {"serve", (PyCFunction)(void (*)(void))serve, METH_FASTCALL, serve_doc},
    {"flush_writes", flush_writes, METH_O, flush_writes_doc},
    {"set_direct_write", (PyCFunction)(void (*)(void))set_direct_write, METH_FASTCALL,
     set_direct_write_doc},
    {"defer_writes", (PyCFunction)(void (*)(void))defer_writes, METH_FASTCALL, defer_writes_doc},
    {"set_serve_types", (PyCFunction)(void (*)(void))set_serve_types, METH_FASTCALL,
     set_serve_types_doc},
    {"parse_inline", (PyCFunction)(void (*)(void))parse_inline, METH_FASTCALL, parse_inline_doc},
    {"twin", (PyCFunction)(void (*)(void))twin, METH_FASTCALL, twin_doc},
    {"data_received_method", data_received_method, METH_O, data_received_method_doc},
    {"set_keyspace_types", (PyCFunction)(void (*)(void))set_keyspace_types, METH_FASTCALL,
     set_keyspace_types_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "plugredis._speedups",
    "Optional C helpers for plugredis's hot paths (pure-Python twins in plugredis.resp).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_fast = PyUnicode_InternFromString("fast");
    str_argv = PyUnicode_InternFromString("argv");
    str_calls = PyUnicode_InternFromString("calls");
    str_ready = PyUnicode_InternFromString("ready");
    reply_ok = PyBytes_FromString("+OK\r\n");
    reply_null2 = PyBytes_FromString("$-1\r\n");
    reply_null3 = PyBytes_FromString("_\r\n");
    str_config_gen = PyUnicode_InternFromString("config_gen");
    str_obuf_normal = PyUnicode_InternFromString("obuf_normal");
    str_now_ms = PyUnicode_InternFromString("now_ms");
    str_blocking = PyUnicode_InternFromString("blocking");
    str_batch_ns = PyUnicode_InternFromString("batch_ns");
    str_alert_ns = PyUnicode_InternFromString("alert_ns");
    str_write = PyUnicode_InternFromString("write");
    str_is_closing = PyUnicode_InternFromString("is_closing");
    str_buffer_size = PyUnicode_InternFromString("get_write_buffer_size");
    str_stats = PyUnicode_InternFromString("stats");
    str_dirty = PyUnicode_InternFromString("dirty");
    str_keyspace_hits = PyUnicode_InternFromString("keyspace_hits");
    str_keyspace_misses = PyUnicode_InternFromString("keyspace_misses");
    str_read = PyUnicode_InternFromString("_read");
    str_serve_rest = PyUnicode_InternFromString("_serve_rest");
    if (!str_read || !str_serve_rest)
        return NULL;
    str_append = PyUnicode_InternFromString("append");
    str_appendleft = PyUnicode_InternFromString("appendleft");
    str_extend = PyUnicode_InternFromString("extend");
    str_extendleft = PyUnicode_InternFromString("extendleft");
    str_pop = PyUnicode_InternFromString("pop");
    str_popleft = PyUnicode_InternFromString("popleft");
    if (!str_append || !str_appendleft || !str_extend || !str_extendleft || !str_pop
        || !str_popleft)
        return NULL;
    if (!str_stats || !str_dirty || !str_keyspace_hits || !str_keyspace_misses
        || PyType_Ready(&TwinType) < 0)
        return NULL;
    if (!str_config_gen || !str_obuf_normal || !str_now_ms || !str_blocking || !str_batch_ns
        || !str_alert_ns || !str_write || !str_is_closing || !str_buffer_size)
        return NULL;
    if (!str_fast || !str_argv || !str_calls || !str_ready || !reply_ok || !reply_null2
        || !reply_null3)
        return NULL;
    return PyModule_Create(&module);
}
