"""kb's Datasette plugins, each module registered as a `datasette` entry point in pyproject.toml
([project.entry-points.datasette]), so that any Datasette in the environment loads them, from a
source checkout (pip install -e) or a wheel:

- serving: kb's metadata for every kb database served, memory-mapped reads, an SQL authorizer;
- facets: facet counts from the stored counts, the in-memory copy of kb.column_store (which
  also counts a searched page and picks its rows) or one grouped query (metadata "kb-facets");
- company_pages: /-/company/<name> and /-/companies;
- atom_feed: the .atom renderer of canned queries;
- readable: dates, JSON and quotes rendered for people;
- params: checks of canned-query parameters;
- fts_escape: a search box input is never an FTS syntax error.
"""
