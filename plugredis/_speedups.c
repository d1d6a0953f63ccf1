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

static PyMethodDef methods[] = {
    {"bulk_array", (PyCFunction)(void (*)(void))bulk_array, METH_FASTCALL, bulk_array_doc},
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
