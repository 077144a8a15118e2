# %% [markdown] expect={"lose": []}
# Right, written differently: q = (beta / 2)(k_a + k_b) also becomes exact as beta grows (at
# beta = 30 and n = 20, |alpha_a - 1/2| is 1.4e-6: a fixed 1e-6 bound used to fail it).

# %% replace="average_query"
def average_query(keys, a, b, beta):
    return (beta / 2) * (keys[a] + keys[b])
