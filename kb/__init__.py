"""The market-entry knowledge base: schema, storage, CLI and Datasette glue."""
