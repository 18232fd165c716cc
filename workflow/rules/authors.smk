# The authors' published raw scores as a data source (paper figures from their own numbers).
