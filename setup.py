"""Only the optional C extension lives here; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # optional: a machine without a C compiler (or Python headers) installs plugredis
        # without it, and plugredis.resp uses the pure-Python twins of its functions
        Extension("plugredis._speedups", ["plugredis/_speedups.c"], optional=True),
    ]
)
