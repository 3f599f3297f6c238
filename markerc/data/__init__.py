"""Package data, no code: the built-in engine table (``engines.toml``), the target profiles shipped
with markerc (``targets/*.toml``) and the JSON Schema of the model-hub format
(``hub.schema.json``)."""
