"""The layer table: what every layer costs, sortable and filterable, selection synced with the graph."""
