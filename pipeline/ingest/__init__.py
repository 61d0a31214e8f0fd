"""For the scheduled job, `cchc ingest`: only new or changed files, a ledger, a lock, and
outputs published as whole generations that survive a crash."""
