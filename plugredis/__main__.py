"""``python -m plugredis``: the same as the ``plugredis`` command."""

from .cli import main

main()
