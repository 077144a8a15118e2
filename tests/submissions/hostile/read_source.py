# %% [markdown] expect={"lose": []} hostile={"output": ["source: FileNotFoundError", "hidden: FileNotFoundError", "course root: \\[(?![^\\]]*(source|gradebook))[^\\]]*\\]"]}
# Tries to read the instructor's source notebook (model answers, hidden tests) and print it:
# the course root is not in the sandbox (the folder three levels up lists no source/ and no
# gradebook: a cold kernel sees ['autograded'], a warm one its zygote's folders). Right answers
# otherwise.

# %% replace="z_prime"
import os

for _label, _path in [
    ("source", "../../../source/a2_dropout_cnn/a2_dropout_cnn.py"),
    ("hidden", "../../../source/a2_dropout_cnn/hidden/make_cases.py"),
]:
    try:
        print(f"{_label}:", open(_path).read())
    except OSError as _e:
        print(f"{_label}: {type(_e).__name__}")
try:
    print("course root:", sorted(os.listdir("../../../")))
except OSError as _e:
    print(f"course root: {type(_e).__name__}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
