"""For the analyst's batch, `cchc convert`: each report to output records in a limited
child process, on every core (or a Dask cluster), with an analyst's decisions applied."""
