"""RDB persistence: the file format codec (rdb), its CRC64 and LZF helpers."""
