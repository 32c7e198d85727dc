"""Pages of the coaching layer, one module per feature: homes (the pages
that show several apps' data), trust, caseloads (review), health."""
