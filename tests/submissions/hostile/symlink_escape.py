# %% [markdown] expect={"lose": []} hostile={"log": ["removed the symlink answers.py", "removed the symlink gradebook_link"], "output": ["links made: 2"]}
# Leaves symlinks in its folder that point at the source notebook and the gradebook, hoping
# that nbgrader, copying the folder into feedback with the instructor's rights, follows them.
# They are deleted after the kernel ends. Right answers otherwise.

# %% replace="z_prime"
import os

_made = 0
for _target, _link in [
    ("../../../source/a2_dropout_cnn/a2_dropout_cnn.py", "answers.py"),
    (os.path.abspath("../../../gradebook.db"), "gradebook_link"),
]:
    try:
        os.symlink(_target, _link)
        _made += 1
    except OSError as _e:
        print(type(_e).__name__, _e)
print(f"links made: {_made}")
windows = [5, 3, 1, 4, 2, 5]  # 2b worked by hand
grad_Z = np.array([[0, 0, 1], [0, 2, 1], [0, 3, 0], [2, 3, 0], [3, 0, 2], [3, 0, 2], [0, 0, 2]])
