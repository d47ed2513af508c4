"""Goal pages, one module per entity (goals, table, measures, consensus, adjustments,
decomposition, reuse); goals/urls.py routes to each module."""
