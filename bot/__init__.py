"""Naka City procedure guide bot (那珂市 手続き案内ボット)."""
