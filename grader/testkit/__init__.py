"""Test kit the hidden suites run with: the pytest plugin, its HTTP client and source view."""
