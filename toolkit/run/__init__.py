"""Running the night: :mod:`.nightly` (merge, report, feedback), :mod:`.scheduler` (every
evening, catching up), :mod:`.demo` (a sample county night), the job's log (:mod:`.joblog`)
and the log of unexpected failures (:mod:`.crashlog`)."""
