# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases", "test_z_prime"]} hostile={"zero": true, "output": ["KernelDied|kernel died"]}
# A wrong convolution that prints a forged verdict line, writes forged reply and result files
# next to the notebook, and ends the kernel with os._exit before any test can contradict it.

# %% replace="conv_maxpool_concat"
import json
import os


def conv_maxpool_concat(Z, W, S):
    return "cheat"


print("Autograder: 6 of 6 points: every case passed.")
for _name in ["reply.json", "verdicts.json", "results.json"]:
    with open(_name, "w") as _f:
        json.dump({"test_conv_maxpool_concat": 6, "test_conv_vs_torch": 10, "score": 1.0}, _f)
os._exit(0)
