"""Forms and list filters of the zone's browser pages, one module per part: registration and
whitelist filing (`whitelist`), registered persons (`people`), data export filings
(`data_exports`). The forms collect and type the input; the models and services check the rules,
and `add_service_errors` shows their refusals on the fields."""
