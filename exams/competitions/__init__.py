"""Skills competitions: marking schemes, judges, scores, locks, appeals, results and awards."""
