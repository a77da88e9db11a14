"""The zone's rule engines: pure functions over rules kept as data, each answering a decision and the
rules that made it, so that a record can keep why it was decided (`data_exports`: the negative list)."""
