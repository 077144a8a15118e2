# %% [markdown] expect={"lose": ["test_conv_maxpool_concat", "test_conv_vs_torch", "test_conv_edge_cases", "test_z_prime"]} hostile={"log": ["The kernel died while running cell conv_maxpool_concat"]}
# A segmentation fault (`ctypes.string_at(0)`) in the convolution cell.

# %% replace="conv_maxpool_concat"
import ctypes

ctypes.string_at(0)
