"""For researchers and anyone reading the outputs: the output contract, typed atomic
Parquet writing, the loading API, the data dictionary and `cchc export` (Excel)."""
