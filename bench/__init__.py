"""Benchmarks, the data set seeder and the soak run (not part of `make test`)."""
