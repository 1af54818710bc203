"""The benchmark (``extractwatch bench``, ``make bench``): the worker, the detector and plain baselines
on the real broker, measured in one run so that their ratios mean something on a noisy machine."""
