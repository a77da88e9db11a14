"""Browser pages of the zone: the institution portal (`whitelist`) and the whitelist staff pages (`staff`)."""
