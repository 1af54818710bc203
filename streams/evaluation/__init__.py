"""``extractwatch eval``: recall, false alarms and time to alert, on simulated or labelled traffic."""
