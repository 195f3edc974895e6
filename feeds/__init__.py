"""The news library: fetch, parse, clean, classify, summarize, archive and search.

It never imports aiogram and never reads the environment: everything it needs is passed in.
"""
