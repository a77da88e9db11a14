"""Batch filings: reading the files institutions and partners upload (`reading`) and making their
cells exact (`values`). The import engine and the kinds of batch build on these."""
