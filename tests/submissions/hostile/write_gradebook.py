# %% [markdown] expect={"lose": []} hostile={"output": ["gradebook: (FileNotFoundError|OSError|PermissionError)"]}
# Tries to overwrite the gradebook (two levels above its autograde folder, in the course root).

# %% replace="z_prime"
try:
    with open("../../../gradebook.db", "wb") as _f:
        _f.write(b"all my grades are 100")
    print("gradebook: written")
except OSError as _e:
    print(f"gradebook: {type(_e).__name__}")
Z_prime = conv_maxpool_concat(Z, W, S)
