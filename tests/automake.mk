# tests/: CMocka unit tests and integration tests in network namespaces.
