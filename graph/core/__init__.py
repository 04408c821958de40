"""The graph's vocabulary and the rules every layer shares: node and edge kinds, ids, mutations,
principals, errors, PII and declared values, and reading the files a command names.

Imports nothing of lineagemesh but the native core (``graph._native``): every other layer builds on it.
"""
