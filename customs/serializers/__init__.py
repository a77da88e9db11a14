"""API representations of customs: passage checks of persons, declarations with their items and
decision, bonded stock, and the risk rules."""
