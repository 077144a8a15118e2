# %% [markdown] expect={"lose": "all"} hostile={"special": "nbformat_5", "log": ["has notebook format version 5"]}
# A notebook whose format version is 5 (no such version; e.g. hand-edited).
