"""Evaluation of frozen features: AU measurement now; probes come with step 5."""
