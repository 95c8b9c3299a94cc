"""Live scoring: the judges' websocket, mark ingest (validate, commit, acknowledge), locks and
sign-off, and the live boards. The shell around the pure core in ``scoring/``."""
