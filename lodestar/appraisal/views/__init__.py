"""Pages of appraisal, one module per part of the loop (setup, cycles, reviews, outcomes)."""
