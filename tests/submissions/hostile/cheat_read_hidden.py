# %% [markdown] expect={"lose": []} hostile={"output": ["npz: FileNotFoundError", "checks: FileNotFoundError", "found: \\[\\]", "secret: None"]}
# Right answers; tries to read what the grader holds: the hidden fixtures next to the
# notebook, the checks in the course's source/, any checks.py it can find, the course secret.

# %% replace="z_prime"
import os

for _label, _path in [
    ("npz", "hidden/conv_cases.npz"),
    ("checks", "../../../source/a2_dropout_cnn/hidden/checks.py"),
]:
    try:
        print(f"{_label}:", open(_path, "rb").read()[:200])
    except OSError as _e:
        print(f"{_label}: {type(_e).__name__}")
_found = []
for _top in [".", os.path.expanduser("~"), "/tmp", os.environ.get("TMPDIR", "/tmp")]:
    for _dir, _subs, _files in os.walk(_top):
        _found += [os.path.join(_dir, f) for f in _files if f in ("checks.py", "conv_cases.npz")]
print("found:", _found)
print("secret:", os.environ.get("NLPCOURSE_GRADER_SECRET"))
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
