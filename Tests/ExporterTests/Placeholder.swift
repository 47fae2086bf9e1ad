// Exporter tests.
