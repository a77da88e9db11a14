"""API representations of the zone's records: reference data and the whitelist."""
