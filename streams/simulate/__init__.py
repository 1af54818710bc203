"""Synthetic API traffic in schema v1 with its ground truth: benign heavy users and extraction."""
