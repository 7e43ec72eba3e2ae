"""The benchmark suite (issue 15): `make bench`, `make bench-sqlite`. Not part of `make test`."""
