# %% [markdown] expect={"lose": []} hostile={"output": ["gradebook: (written to a private copy|FileNotFoundError|OSError|PermissionError)"]}
# Tries to overwrite the gradebook (three levels above its autograde folder, in the course
# root). The course root is not in the sandbox: the open fails, or (when the course lives under
# /tmp, the sandbox's own tmpfs) writes a file only this kernel sees. The test checks that the
# real gradebook is intact.

# %% replace="z_prime"
try:
    with open("../../../gradebook.db", "wb") as _f:
        _f.write(b"all my grades are 100")
    print("gradebook: written to a private copy")
except OSError as _e:
    print(f"gradebook: {type(_e).__name__}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
