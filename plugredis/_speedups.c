/* Optional C helpers for plugredis's hot paths.  Every function here has a pure-Python twin
 * (see plugredis/resp.py), which runs when this module was not built; the tests compare them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

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

/* The (data: bytes, limit: int) arguments of the two parsers: 0, or -1 with a TypeError. */
static int
parser_args(PyObject *const *args, Py_ssize_t nargs, const char *usage, const char **base,
            const char **end, long long *limit)
{
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, usage);
        return -1;
    }
    *limit = PyLong_AsLongLong(args[1]);
    if (*limit == -1 && PyErr_Occurred())
        return -1;
    *base = PyBytes_AS_STRING(args[0]);
    *end = *base + PyBytes_GET_SIZE(args[0]);
    return 0;
}

PyDoc_STRVAR(parse_requests_doc,
"parse_requests(data, max_bulk) -> (requests, end) | None\n\n"
"The requests (lists of bytes) in ``data``, a read that starts at a frame boundary, when every\n"
"frame is a canonical multibulk request: ``*<count>`` (1 to 999999, no leading zero), then\n"
"``$<len>`` (at most max_bulk) elements each ending in CRLF.  ``end`` is where the last whole\n"
"frame ends (a shorter ``end`` than ``len(data)``: the frame there is cut by the end of the\n"
"read).  None for anything else (inline commands, empty or negative counts, other headers,\n"
"leading zeros...), which the caller's exact parser then reads.");

static PyObject *
parse_requests(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    const char *base, *end;
    long long max_bulk;
    if (parser_args(args, nargs, "parse_requests(data: bytes, max_bulk: int)", &base, &end,
                    &max_bulk) < 0)
        return NULL;
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
            PyObject *arg = PyBytes_FromStringAndSize(next, (Py_ssize_t)len);
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
    return Py_BuildValue("(Nn)", reqs, (Py_ssize_t)(frame - base));
bail:
    Py_DECREF(reqs);
    Py_RETURN_NONE;
fail:
    Py_DECREF(reqs);
    return NULL;
}


/* -- the dispatch loop's fast path (plugredis.protocol.RedisProtocol.run) -------------------- */

static PyObject *str_fast, *str_argv, *str_calls, *str_ready;
static PyObject *reply_ok, *reply_null2, *reply_null3, *int_one;
static PyObject *simple_type; /* plugredis.resp.SimpleString, given by set_types() */

enum { RUN_DONE, RUN_SLOW, RUN_ARITY, RUN_EXC, RUN_REPLY, RUN_READY, RUN_CHECK };

#define BATCH_OUTPUT_MAX (1024 * 1024)

#define BIG_REPLY 512
#define STACK_ARGS 16

static PyObject *
run_result(Py_ssize_t i, int code, PyObject *obj)
{
    /* steals obj (may be NULL for None) */
    if (obj == NULL) {
        obj = Py_None;
        Py_INCREF(obj);
    }
    return Py_BuildValue("(niN)", i, code, obj);
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

static PyObject *
run_fast(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8 || !PyList_Check(args[0]) || !PyDict_Check(args[2]) || !PyList_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "run_fast(reqs, i, fast, client, out, ok, resp3, blocking)");
        return NULL;
    }
    PyObject *reqs = args[0], *fast = args[2], *client = args[3], *out = args[4];
    PyObject *ok = args[5], *blocking = args[7];
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    int resp3 = PyObject_IsTrue(args[6]);
    if (resp3 < 0)
        return NULL;
    PyObject *stack_buf[STACK_ARGS];
    Py_ssize_t big = 0; /* bytes of big array replies appended by this call */
    for (; i < PyList_GET_SIZE(reqs); i++) {
        PyObject *argv = PyList_GET_ITEM(reqs, i);
        if (!PyList_Check(argv) || PyList_GET_SIZE(argv) == 0)
            return run_result(i, RUN_SLOW, NULL);
        PyObject *entry = PyDict_GetItemWithError(fast, PyList_GET_ITEM(argv, 0));
        if (entry == NULL) {
            if (PyErr_Occurred())
                return NULL;
            return run_result(i, RUN_SLOW, NULL);
        }
        PyObject *flag = PyObject_GetAttr(client, str_fast);
        if (flag == NULL)
            return NULL;
        int is_fast = PyObject_IsTrue(flag);
        Py_DECREF(flag);
        if (is_fast < 0)
            return NULL;
        if (!is_fast || !PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 4)
            return run_result(i, RUN_SLOW, NULL);
        PyObject *handler = PyTuple_GET_ITEM(entry, 0);
        Py_ssize_t amin = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
        Py_ssize_t amax = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 2));
        if ((amin == -1 || amax == -1) && PyErr_Occurred())
            return NULL;
        PyObject *spec = PyTuple_GET_ITEM(entry, 3);
        Py_ssize_t argc = PyList_GET_SIZE(argv);
        if (argc < amin || argc > amax)
            return run_result(i, RUN_ARITY, NULL);
        if (PyObject_SetAttr(client, str_argv, argv) < 0)
            return NULL;
        PyObject *calls = PyObject_GetAttr(spec, str_calls);
        if (calls == NULL)
            return NULL;
        PyObject *one_more = PyNumber_Add(calls, int_one);
        Py_DECREF(calls);
        if (one_more == NULL)
            return NULL;
        int r = PyObject_SetAttr(spec, str_calls, one_more);
        Py_DECREF(one_more);
        if (r < 0)
            return NULL;
        /* handler(client, *argv[1:]) */
        PyObject **stack = stack_buf;
        if (argc > STACK_ARGS) {
            stack = PyMem_Malloc((size_t)argc * sizeof(PyObject *));
            if (stack == NULL)
                return PyErr_NoMemory();
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
            return run_result(i, RUN_EXC, value);
        }
        r = append_simple(out, reply, ok, resp3, &big);
        if (r < 0) {
            Py_DECREF(reply);
            return NULL;
        }
        if (r == 0)
            return run_result(i, RUN_REPLY, reply);
        Py_DECREF(reply);
        PyObject *ready = PyObject_GetAttr(blocking, str_ready);
        if (ready == NULL)
            return NULL;
        int is_ready = PyObject_IsTrue(ready);
        Py_DECREF(ready);
        if (is_ready < 0)
            return NULL;
        if (is_ready)
            return run_result(i, RUN_READY, NULL);
        if (big > BATCH_OUTPUT_MAX)
            return run_result(i, RUN_CHECK, NULL);
    }
    return run_result(i, RUN_DONE, NULL);
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

static PyObject *
parse_inline(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    const char *base, *end;
    long long max_line;
    if (parser_args(args, nargs, "parse_inline(data: bytes, max_line: int)", &base, &end,
                    &max_line) < 0)
        return NULL;
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
    return Py_BuildValue("(Nn)", reqs, (Py_ssize_t)(p - base));
fail:
    Py_DECREF(reqs);
    return NULL;
}

static PyMethodDef methods[] = {
    {"bulk_array", (PyCFunction)(void (*)(void))bulk_array, METH_FASTCALL, bulk_array_doc},
    {"parse_requests", (PyCFunction)(void (*)(void))parse_requests, METH_FASTCALL,
     parse_requests_doc},
    {"run_fast", (PyCFunction)(void (*)(void))run_fast, METH_FASTCALL, run_fast_doc},
    {"set_types", set_types, METH_O, set_types_doc},
    {"parse_inline", (PyCFunction)(void (*)(void))parse_inline, METH_FASTCALL, parse_inline_doc},
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
    int_one = PyLong_FromLong(1);
    if (!int_one || !str_fast || !str_argv || !str_calls || !str_ready || !reply_ok || !reply_null2
        || !reply_null3)
        return NULL;
    return PyModule_Create(&module);
}
