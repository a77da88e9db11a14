"""Performance benchmarks of the quality bars in DESIGN.md section 8 (`python -m bench`)."""
