"""The night's merge: every inbox file archived first (:mod:`.archive`), checked, judged and
written into the store and the county master (:mod:`.merge`), one run at a time
(:mod:`.locking`)."""
