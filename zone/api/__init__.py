"""The zone's resources of the partner API: reference data (`reference`) and the whitelist (`whitelist`)."""
