# %% [markdown] expect={"lose": ["test_dropout", "test_dropout_hidden"]} hostile={"log": ["Timeout waiting for execute reply"]}
# `while True: pass` inside a function the tests call: each test cell that calls it is
# interrupted at the timeout and scores 0; the convolution questions are graded as usual.

# %% replace="dropout"
def dropout(a, p_drop, rng, train=True):
    while True:
        pass
