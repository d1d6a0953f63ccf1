"""RDB persistence.

- :mod:`~plugredis.persistence.rdb`: the file format codec (with its CRC64 and LZF helpers);
- :mod:`~plugredis.persistence.snapshot`: whole-server snapshots -- the default RDB backend,
  atomic saves, fork-based BGSAVE, timers and save rules, load at start-up;
- :mod:`~plugredis.persistence.check`: ``plugredis check-rdb``.
"""
