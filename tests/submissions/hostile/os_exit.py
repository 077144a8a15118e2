# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden", "test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases", "test_z_prime"]} hostile={"log": ["The kernel died while running cell dropout"], "output": ["KernelDied"]}
# `os._exit(0)` in the dropout cell: the kernel is gone, that cell and every later one score 0,
# what ran before keeps its points, and the next student is graded.

# %% replace="dropout"
import os

os._exit(0)
