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
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = items[i];
        Py_ssize_t len = PyBytes_GET_SIZE(it);
        *p++ = '$';
        p = write_len(p, len);
        *p++ = '\r';
        *p++ = '\n';
        memcpy(p, PyBytes_AS_STRING(it), (size_t)len);
        p += len;
        *p++ = '\r';
        *p++ = '\n';
    }
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
    if (nargs != 2 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "parse_requests(data: bytes, max_bulk: int)");
        return NULL;
    }
    long long max_bulk = PyLong_AsLongLong(args[1]);
    if (max_bulk == -1 && PyErr_Occurred())
        return NULL;
    const char *base = PyBytes_AS_STRING(args[0]);
    const char *end = base + PyBytes_GET_SIZE(args[0]);
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

static PyMethodDef methods[] = {
    {"bulk_array", (PyCFunction)(void (*)(void))bulk_array, METH_FASTCALL, bulk_array_doc},
    {"parse_requests", (PyCFunction)(void (*)(void))parse_requests, METH_FASTCALL,
     parse_requests_doc},
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
    return PyModule_Create(&module);
}
