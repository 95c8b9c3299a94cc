"""The contest's features: accounts (auth), events, registration, judges and the competition day
(check-in, the draw, anonymisation). Each stands on the kernel and owns its tables."""
