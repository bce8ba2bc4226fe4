"""Calibrating the twin from a real marketplace order log (`log`: the Olist-schema reader)."""
