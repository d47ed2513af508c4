"""API schemas of appraisal, one module per part of the loop."""
