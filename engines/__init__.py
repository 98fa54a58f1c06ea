"""Compute engines that turn a table or a file into the mergeable states of ``metrics.state_*``."""
