"""Tables: score JSON files and the score table, the authors' scores, statistics (WC vs KN)."""
