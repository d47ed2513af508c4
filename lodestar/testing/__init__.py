"""Test support shared by every app's tests: factory-boy factories for every model (`factories`)
and the one organisation the suites work in (`organisation`). Only tests import this package;
the import-linter contracts keep product code from importing it."""
