"""vaultlink's benchmarks: start-up time and ARM request throughput, each measured against a peer in the same
run (the interpreter's own start, a bare uvicorn app) so that the ratios, not the absolute figures, are what
one compares between runs and machines. `python -m bench` runs them all; see bench/README.md."""
