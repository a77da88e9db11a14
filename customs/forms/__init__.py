"""Forms and list filters of the customs pages, one module per part: declarations with their items,
the officers' steps and the lists (`declarations`), the risk rules and their what-if (`rules`).
The forms collect and type the input; the services check the rules, and `add_service_errors`
shows their refusals on the fields."""
