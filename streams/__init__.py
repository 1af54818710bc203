"""extractwatch: catches clients extracting an LLM through its API."""
